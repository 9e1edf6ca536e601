"""Malformed import files shared by the CLI and API import tests.

Each case is a file that must be refused as a whole (nothing written) with a message that
contains ``expected``. Binary cases are derived from the project's own samples, so they do
not depend on the shared data folder.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

SAMPLES = Path(__file__).resolve().parents[1] / "data" / "samples"
GPX_OPEN = (
    '<?xml version="1.0"?><gpx version="1.1" creator="t" xmlns="http://www.topografix.com/GPX/1/1">'
)
SESSIONS = "date,kind,duration_min,distance_km,elevation_gain_m,avg_hr,rpe\n"
WELLNESS = "date,sleep_h,soreness,resting_hr,readiness\n"
INJURIES = "start_date,end_date,body_part,severity\n"


@dataclass(frozen=True)
class Malformed:
    """A file to import and a fragment of the error it must produce."""

    id: str
    name: str
    content: bytes
    expected: str


def _fit() -> bytes:
    return (SAMPLES / "hill-run.fit").read_bytes()


def _bad_crc(data: bytes) -> bytes:
    crc = int.from_bytes(data[-2:], "little") ^ 0xFFFF
    return data[:-2] + crc.to_bytes(2, "little")


def malformed_cases() -> list[Malformed]:
    """Return the malformed files (built on call: they read ``data/samples/hill-run.fit``)."""
    fit = _fit()
    return [
        Malformed("truncated-fit", "cut.fit", fit[: len(fit) // 2], "truncated FIT file"),
        Malformed("bad-crc-fit", "crc.fit", _bad_crc(fit), "damaged FIT file (checksum mismatch"),
        Malformed("not-a-fit", "text.fit", b"just some text, not FIT\n", "not a FIT file"),
        Malformed("empty-file", "empty.csv", b"", "empty.csv: empty file (0 bytes)"),
        Malformed(
            "gpx-no-points",
            "nopoints.gpx",
            (GPX_OPEN + "<trk><trkseg></trkseg></trk></gpx>").encode(),
            "no track points",
        ),
        Malformed(
            "gpx-bad-xml", "broken.gpx", (GPX_OPEN + "<trk><trkseg>").encode(), "not valid GPX XML"
        ),
        Malformed(
            "gpx-no-timestamps",
            "notime.gpx",
            (
                GPX_OPEN + '<trk><trkseg><trkpt lat="46.1" lon="14.1"></trkpt>'
                '<trkpt lat="46.2" lon="14.1"></trkpt></trkseg></trk></gpx>'
            ).encode(),
            "no usable timestamps (none of the 2 points has a <time>)",
        ),
        Malformed(
            "rpe-15",
            "s.csv",
            (SESSIONS + "2024-05-01,run,30,5,50,140,15\n").encode(),
            "s.csv row 2, field rpe: 15 (rpe must be between 0 and 10)",
        ),
        Malformed(
            "negative-duration",
            "s.csv",
            (SESSIONS + "2024-05-01,run,-30,,,,\n").encode(),
            "field duration_min: -30 (duration_min must be more than 0",
        ),
        Malformed(
            "future-date",
            "s.csv",
            (SESSIONS + "2099-01-01,run,30,,,,\n").encode(),
            "field date: 2099-01-01 (date must not be in the future",
        ),
        Malformed(
            "hr-300",
            "s.csv",
            (SESSIONS + "2024-05-01,run,30,,,300,\n").encode(),
            "field avg_hr: 300 (avg_hr must be between 25 and 250 bpm)",
        ),
        Malformed(
            "implausible-climb",
            "s.csv",
            (SESSIONS + "2024-05-01,run,30,2,5000,,\n").encode(),
            "elevation_gain_m is implausible",
        ),
        Malformed(
            "latin-1",
            "latin1.csv",
            "date,sleep_h\n2024-05-01,7 café\n".encode("latin-1"),
            "latin1.csv: not UTF-8 text",
        ),
        Malformed(
            "utf-16",
            "utf16.csv",
            "date,sleep_h\n2024-05-01,7\n".encode("utf-16"),
            "utf16.csv: not UTF-8 text (it contains NUL bytes",
        ),
        Malformed(
            "unknown-header", "mystery.csv", b"foo,bar\n1,2\n", "unknown CSV header (foo, bar)"
        ),
        Malformed(
            "unknown-column",
            "typo.csv",
            b"date,kind,duration_min,rpee\n2024-05-01,run,30,5\n",
            "unknown column(s) for a Cairn sessions file: rpee",
        ),
        Malformed(
            "missing-column",
            "nodur.csv",
            b"date,kind,rpe\n2024-05-01,run,5\n",
            "missing required column(s) for a Cairn sessions file: duration_min",
        ),
        Malformed(
            "header-only",
            "head.csv",
            SESSIONS.encode(),
            "head.csv: no data rows (only a header), nothing to import",
        ),
        Malformed(
            "sleep-30h",
            "w.csv",
            (WELLNESS + "2024-05-01,30,,,\n").encode(),
            "field sleep_h: 30 (sleep_h must be between 0 and 24 hours)",
        ),
        Malformed(
            "likert-7",
            "w.csv",
            (WELLNESS + "2024-05-01,7,7,,\n").encode(),
            "field soreness: 7 (soreness must be between 1 and 5)",
        ),
        Malformed(
            "end-before-start",
            "i.csv",
            (INJURIES + "2024-05-10,2024-05-01,knee,minor\n").encode(),
            "field end_date: 2024-05-01 (end_date must not be before start_date",
        ),
        Malformed(
            "unknown-format",
            "blob.bin",
            bytes(range(256)),
            "blob.bin: unknown format (not FIT, GPX",
        ),
        Malformed(
            "wrong-field-count",
            "s.csv",
            (SESSIONS + "2024-05-01,run\n").encode(),
            "s.csv row 2: has 2 fields but the header has 7",
        ),
    ]


MIXED_SESSIONS = (
    b"date,kind,duration_min,rpe\n"
    b"2024-05-01,run,40,5\n"
    b"2024-05-02,run,40,15\n"
    b"2024-05-03,strength,50,6\n"
)
MIXED_BAD_ROW = "mixed.csv row 3, field rpe: 15 (rpe must be between 0 and 10)"
