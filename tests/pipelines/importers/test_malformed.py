"""Malformed input of many kinds: each refused with a message naming file, place and rule.

Files are generated in ``tmp_path``; every case goes through ``read_activity_file`` so
format detection is exercised too.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from pipelines.importers import ImportFileError, read_activity_file

GPX_OPEN = (
    '<?xml version="1.0"?><gpx version="1.1" creator="t" xmlns="http://www.topografix.com/GPX/1/1">'
)
SESSIONS = "date,kind,duration_min,distance_km,elevation_gain_m,avg_hr,rpe\n"
WELLNESS = "date,sleep_h,soreness,resting_hr,hrv_rmssd,readiness,pain\n"
INJURIES = "start_date,end_date,body_part,severity\n"

# (case id, file name, content, expected message fragment after "<file name>: ")
FILE_CASES = [
    ("empty-file", "empty.csv", b"", "empty file (0 bytes)"),
    ("latin-1", "latin1.csv", "date,sleep_h\n2024-05-01,7 café\n".encode("latin-1"), "not UTF-8"),
    ("utf-16", "utf16.csv", "date,sleep_h\n2024-05-01,7\n".encode("utf-16"), "not UTF-8 text"),
    ("unknown-header", "mystery.csv", b"foo,bar\n1,2\n", "unknown CSV header (foo, bar)"),
    (
        "missing-column",
        "nodur.csv",
        b"date,kind,rpe\n2024-05-01,run,5\n",
        "missing required column(s) for a Cairn sessions file: duration_min",
    ),
    (
        "unknown-column",
        "typo.csv",
        b"date,kind,duration_min,rpee\n2024-05-01,run,30,5\n",
        "unknown column(s) for a Cairn sessions file: rpee",
    ),
    ("header-only", "head.csv", SESSIONS.encode(), "no data rows (only a header)"),
    ("not-fit", "text.fit", b"just some text, not a FIT file\n", "not a FIT file (corrupt header"),
    ("gpx-bad-xml", "broken.gpx", (GPX_OPEN + "<trk><trkseg>").encode(), "not valid GPX XML"),
    (
        "gpx-no-points",
        "nopoints.gpx",
        (GPX_OPEN + "<trk><trkseg></trkseg></trk></gpx>").encode(),
        "no track points",
    ),
    (
        "gpx-no-timestamps",
        "notimes.gpx",
        (
            GPX_OPEN + '<trk><trkseg><trkpt lat="1" lon="1"><time>1901-12-13T20:45:52Z</time>'
            '</trkpt><trkpt lat="1.1" lon="1"><time>1901-12-13T20:45:52Z</time></trkpt>'
            "</trkseg></trk></gpx>"
        ).encode(),
        "no usable timestamps (all timed points are at 1901-12-13 20:45:52)",
    ),
    ("unknown-format", "blob.bin", bytes(range(256)), "unknown format (not FIT, GPX"),
]

# (case id, file name, content, expected fragment of the rejection message)
RECORD_CASES = [
    ("rpe-15", "s.csv", SESSIONS + "2024-05-01,run,30,5,50,140,15\n", "s.csv row 2, field rpe: 15"),
    (
        "negative-duration",
        "s.csv",
        SESSIONS + "2024-05-01,run,-30,,,,\n",
        "duration_min must be more than 0",
    ),
    ("blank-duration", "s.csv", SESSIONS + "2024-05-01,run,,,,,\n", "duration_min is required"),
    (
        "future-date",
        "s.csv",
        SESSIONS + "2031-01-01,run,30,,,,\n",
        "date must not be in the future",
    ),
    (
        "non-numeric",
        "s.csv",
        SESSIONS + "2024-05-01,run,30,,,fast,\n",
        "field avg_hr: fast (avg_hr must be a number)",
    ),
    (
        "hr-300",
        "s.csv",
        SESSIONS + "2024-05-01,run,30,,,300,\n",
        "avg_hr must be between 25 and 250 bpm",
    ),
    (
        "implausible-climb",
        "s.csv",
        SESSIONS + "2024-05-01,run,30,2,5000,,\n",
        "elevation_gain_m is implausible",
    ),
    (
        "negative-distance",
        "s.csv",
        SESSIONS + "2024-05-01,run,30,-2,,,\n",
        "distance_km must be at least 0",
    ),
    (
        "unknown-kind",
        "s.csv",
        SESSIONS + "2024-05-01,swimming,30,,,,\n",
        "kind must be one of 'run'",
    ),
    (
        "bad-date",
        "s.csv",
        SESSIONS + "01/05/2024,run,30,,,,\n",
        "date must be a date like 2024-05-31",
    ),
    (
        "duplicate-session",
        "s.csv",
        SESSIONS + "2024-05-01,run,30,,,,\n" * 2,
        "s.csv row 3: duplicate of row 2",
    ),
    (
        "wrong-field-count",
        "s.csv",
        SESSIONS + "2024-05-01,run\n2024-05-02,run,30,,,,\n",
        "has 2 fields but the header has 7",
    ),
    (
        "sleep-30h",
        "w.csv",
        WELLNESS + "2024-05-01,30,,,,,\n",
        "sleep_h must be between 0 and 24 hours",
    ),
    (
        "likert-7",
        "w.csv",
        WELLNESS + "2024-05-01,7,7,,,,\n",
        "field soreness: 7 (soreness must be between 1 and 5)",
    ),
    (
        "resting-hr-130",
        "w.csv",
        WELLNESS + "2024-05-01,7,,130,,,\n",
        "resting_hr must be between 25 and 120 bpm",
    ),
    (
        "hrv-500",
        "w.csv",
        WELLNESS + "2024-05-01,7,,,500,,\n",
        "hrv_rmssd must be between 1 and 300 ms",
    ),
    (
        "readiness-11",
        "w.csv",
        WELLNESS + "2024-05-01,7,,,,11,\n",
        "readiness must be between 0 and 10",
    ),
    ("bad-bool", "w.csv", WELLNESS + "2024-05-01,7,,,,,maybe\n", "pain must be true or false"),
    (
        "duplicate-checkin",
        "w.csv",
        WELLNESS + "2024-05-01,7,,,,,\n2024-05-01,8,,,,,\n",
        "duplicate of row 2 (same date)",
    ),
    (
        "end-before-start",
        "i.csv",
        INJURIES + "2024-05-10,2024-05-01,knee,minor\n",
        "end_date: 2024-05-01 (end_date must not be before start_date",
    ),
    (
        "unknown-severity",
        "i.csv",
        INJURIES + "2024-05-10,,knee,awful\n",
        "severity must be one of 'minor'",
    ),
    ("empty-body-part", "i.csv", INJURIES + "2024-05-10,,,minor\n", "body_part is required"),
]

TODAY = dt.date(2026, 1, 1)


def _write(tmp_path: Path, name: str, content: bytes | str) -> Path:
    path = tmp_path / name
    path.write_bytes(content if isinstance(content, bytes) else content.encode("utf-8"))
    return path


@pytest.mark.parametrize(
    ("name", "content", "fragment"), [c[1:] for c in FILE_CASES], ids=[c[0] for c in FILE_CASES]
)
def test_read_activity_file_rejects_malformed_file(
    tmp_path: Path, name: str, content: bytes, fragment: str
) -> None:
    # given a whole file that cannot be imported
    path = _write(tmp_path, name, content)
    # when read, then ImportFileError names the file and the problem
    with pytest.raises(ImportFileError) as caught:
        read_activity_file(path, athlete_id=1, today=TODAY)
    message = str(caught.value)
    assert message.startswith(f"{name}: ")
    assert fragment in message


@pytest.mark.parametrize(
    ("name", "content", "fragment"), [c[1:] for c in RECORD_CASES], ids=[c[0] for c in RECORD_CASES]
)
def test_read_activity_file_rejects_malformed_record(
    tmp_path: Path, name: str, content: str, fragment: str
) -> None:
    # given a CSV with one broken record
    path = _write(tmp_path, name, content)
    # when read
    batch = read_activity_file(path, athlete_id=1, today=TODAY)
    # then a rejection names the file, row, field and rule
    messages = [r.message() for r in batch.rejections]
    assert any(fragment in m for m in messages), messages
    assert all(m.startswith(f"{name} row ") for m in messages)


def test_read_activity_file_keeps_valid_rows_beside_rejections(tmp_path: Path) -> None:
    # given two good sessions around a bad one
    path = _write(
        tmp_path,
        "s.csv",
        SESSIONS + "2024-05-01,run,30,,,,5\n2024-05-02,run,30,,,,15\n2024-05-03,run,40,,,,6\n",
    )
    # when read
    batch = read_activity_file(path, athlete_id=1, today=TODAY)
    # then the invalid record is not in the frame, the valid ones are
    assert list(batch.sessions["rpe"]) == [5, 6]
    assert [r.record for r in batch.rejections] == ["row 3"]


def test_read_activity_file_rejects_truncated_and_corrupted_fit(
    tmp_path: Path, samples: Path
) -> None:
    # given the sample FIT cut in half, and one with a flipped CRC byte
    data = (samples / "hill-run.fit").read_bytes()
    cut = _write(tmp_path, "cut.fit", data[: len(data) // 2])
    flipped = _write(tmp_path, "crc.fit", data[:-1] + bytes([data[-1] ^ 0xFF]))
    # then both are refused as damaged
    with pytest.raises(ImportFileError, match=r"^cut\.fit: truncated FIT file"):
        read_activity_file(cut, athlete_id=1, today=TODAY)
    with pytest.raises(ImportFileError, match=r"^crc\.fit: damaged FIT file \(checksum mismatch"):
        read_activity_file(flipped, athlete_id=1, today=TODAY)


def test_read_activity_file_rejects_fit_without_session(tmp_path: Path) -> None:
    # given a valid FIT file with only a file_id (written with fit-tool)
    pytest.importorskip("fit_tool", reason="fit-tool writes the FIT test file")
    from fit_tool.fit_file_builder import FitFileBuilder
    from fit_tool.profile.messages.file_id_message import FileIdMessage
    from fit_tool.profile.profile_type import FileType, Manufacturer

    builder = FitFileBuilder(auto_define=True)
    file_id = FileIdMessage()
    file_id.type = FileType.ACTIVITY
    file_id.manufacturer = Manufacturer.DEVELOPMENT.value
    builder.add(file_id)
    path = _write(tmp_path, "nosession.fit", builder.build().to_bytes())
    # then it is refused: there is nothing to import
    with pytest.raises(ImportFileError, match=r"^nosession\.fit: no session in this FIT file"):
        read_activity_file(path, athlete_id=1, today=TODAY)


def test_read_activity_file_rejects_unknown_explicit_format(tmp_path: Path) -> None:
    # given a caller asking for a format that does not exist
    path = _write(tmp_path, "s.csv", SESSIONS + "2024-05-01,run,30,,,,\n")
    # then the message lists the choices
    with pytest.raises(ImportFileError, match=r"unknown format 'tcx'; choose auto or one of fit"):
        read_activity_file(path, athlete_id=1, today=TODAY, format="tcx")


def test_read_activity_file_rejects_folder_that_is_not_pmdata(tmp_path: Path) -> None:
    # given an ordinary folder
    folder = tmp_path / "runs"
    folder.mkdir()
    # then it is not importable as a whole
    with pytest.raises(ImportFileError, match=r"^runs: folder is not a PMData folder"):
        read_activity_file(folder, athlete_id=1, today=TODAY)


@settings(
    max_examples=60,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(suffix=st.sampled_from([".fit", ".gpx", ".csv"]), data=st.data())
def test_read_activity_file_damaged_bytes_never_crash(
    tmp_path: Path, samples: Path, suffix: str, data: st.DataObject
) -> None:
    # given a project sample with a few bytes overwritten and its tail possibly cut off
    source = {".fit": "hill-run.fit", ".gpx": "hill-run.gpx", ".csv": "cairn-sessions.csv"}
    raw = bytearray((samples / source[suffix]).read_bytes())
    for _ in range(data.draw(st.integers(1, 4))):
        raw[data.draw(st.integers(0, len(raw) - 1))] = data.draw(st.integers(0, 255))
    path = _write(tmp_path, f"damaged{suffix}", bytes(raw[: data.draw(st.integers(1, len(raw)))]))
    # when read, then it is a batch or an ImportFileError naming the file, never a crash
    try:
        batch = read_activity_file(path, athlete_id=1, today=TODAY)
    except ImportFileError as err:
        assert str(err).startswith(f"damaged{suffix}: ")
    else:
        assert all(r.file == path.name for r in batch.rejections)
