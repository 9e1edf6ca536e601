"""GPX importer: real tracks against gpxpy's reference values, broken tracks rejected."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from pipelines.importers import ImportFileError, read_gpx

# (file, length_2d m, uphill m, downhill m) from PROVENANCE.md
GPX_REFERENCE = [
    ("2067489619.gpx", 4400.16, 44.10, 43.50),
    ("amazfit.gpx", 8732.41, 106.42, 107.85),
    ("korita-zbevnica.gpx", 14913.75, 703.83, 710.08),
]
GPX_HEADER = '<?xml version="1.0" encoding="UTF-8"?>\n<gpx version="1.1" creator="test" xmlns="http://www.topografix.com/GPX/1/1">'


@pytest.mark.parametrize(("name", "distance_m", "up_m", "down_m"), GPX_REFERENCE)
def test_read_gpx_matches_reference_totals(
    activity_samples: Path, today: dt.date, name: str, distance_m: float, up_m: float, down_m: float
) -> None:
    # given a real GPX track
    # when imported
    batch = read_gpx(activity_samples / "gpx" / name, athlete_id=2, today=today)
    # then distance and smoothed climb are within 2 % of gpxpy's values
    row = batch.sessions.iloc[0]
    assert row["distance_km"] == pytest.approx(distance_m / 1000, rel=0.02)
    assert row["elevation_gain_m"] == pytest.approx(up_m, rel=0.02)
    assert row["elevation_loss_m"] == pytest.approx(down_m, rel=0.02)
    assert row["source"] == "gpx" and row["athlete_id"] == 2


def test_read_gpx_matches_fit_export_of_same_run(activity_samples: Path, today: dt.date) -> None:
    # given the same Garmin run exported as GPX (FIT timer time 2820 s, avg HR 130)
    row = read_gpx(activity_samples / "gpx" / "2067489619.gpx", athlete_id=1, today=today)
    session = row.sessions.iloc[0]
    # then elapsed duration is within 2 % of the FIT timer time and HR comes from extensions
    assert session["duration_min"] == pytest.approx(2820.172 / 60, rel=0.02)
    assert session["avg_hr"] == pytest.approx(130, abs=6)
    assert session["start_time"] == dt.datetime(2017, 10, 8, 14, 54, 11)


def test_read_gpx_imports_korita_hike_as_one_walk(activity_samples: Path, today: dt.date) -> None:
    # given a 4-track hike where 358 of 871 points have no time and no track type
    batch = read_gpx(activity_samples / "gpx" / "korita-zbevnica.gpx", athlete_id=1, today=today)
    # then it is one cross/walk session from the first to the last timed point (3 h 43 min)
    row = batch.sessions.iloc[0]
    assert len(batch.sessions) == 1
    assert (row["kind"], row["type"]) == ("cross", "walk")
    assert row["duration_min"] == pytest.approx(223.0, abs=0.1)


def test_read_gpx_types_amazfit_run_from_track_type(activity_samples: Path, today: dt.date) -> None:
    # given a flat 8.7 km run whose track type is "Running"
    batch = read_gpx(activity_samples / "gpx" / "amazfit.gpx", athlete_id=1, today=today)
    # then it is an easy trail run with HR from the extensions
    row = batch.sessions.iloc[0]
    assert (row["kind"], row["type"]) == ("run", "easy_trail")
    assert 100 < row["avg_hr"] < 200


def test_read_gpx_rejects_mojstrovka_without_usable_timestamps(
    activity_samples: Path, today: dt.date
) -> None:
    # given a track whose every point is stamped 1901-12-13
    # then it is rejected: a session needs a date
    with pytest.raises(ImportFileError, match=r"Mojstrovka\.gpx: no usable timestamps.*1901-12-13"):
        read_gpx(activity_samples / "gpx" / "Mojstrovka.gpx", athlete_id=1, today=today)


def test_read_gpx_rejects_malformed_xml_with_parser_message(
    activity_samples: Path, today: dt.date
) -> None:
    # given a real GPX with an undeclared namespace prefix
    path = activity_samples / "gpx" / "invalid" / "6037744996.gpx"
    # then the XML error is in the message
    with pytest.raises(
        ImportFileError, match=r"6037744996\.gpx: not valid GPX XML.*unbound prefix"
    ):
        read_gpx(path, athlete_id=1, today=today)


def test_read_gpx_reads_project_sample(samples: Path, today: dt.date) -> None:
    # given the GPX written by make_samples.py (same run as hill-run.fit)
    batch = read_gpx(samples / "hill-run.gpx", athlete_id=1, today=today)
    # then it agrees with the FIT version
    row = batch.sessions.iloc[0]
    assert (row["kind"], row["type"]) == ("run", "hills")
    assert row["distance_km"] == pytest.approx(5.0, rel=0.01)
    assert row["elevation_gain_m"] == pytest.approx(152, rel=0.02)
    assert row["avg_hr"] == pytest.approx(146.5, abs=1)


def test_read_gpx_rejects_track_without_time_elements(tmp_path: Path, today: dt.date) -> None:
    # given a track with points but no <time>
    path = tmp_path / "notime.gpx"
    path.write_text(
        GPX_HEADER + '<trk><trkseg><trkpt lat="46" lon="14"><ele>5</ele></trkpt>'
        '<trkpt lat="46.01" lon="14"><ele>9</ele></trkpt></trkseg></trk></gpx>'
    )
    # then the message says no point has a time
    with pytest.raises(ImportFileError, match=r"notime\.gpx: no usable timestamps \(none of the 2"):
        read_gpx(path, athlete_id=1, today=today)


def test_read_gpx_unlabelled_fast_track_is_run(tmp_path: Path, today: dt.date) -> None:
    # given an unlabelled flat track covering 1.1 km in 5 minutes (13 km/h)
    path = tmp_path / "fast.gpx"
    path.write_text(
        GPX_HEADER + "<trk><trkseg>"
        '<trkpt lat="46.00" lon="14"><ele>5</ele><time>2024-01-01T10:00:00Z</time></trkpt>'
        '<trkpt lat="46.01" lon="14"><ele>5</ele><time>2024-01-01T10:05:00Z</time></trkpt>'
        "</trkseg></trk></gpx>"
    )
    # then the grade-adjusted speed makes it a run
    row = read_gpx(path, athlete_id=1, today=today).sessions.iloc[0]
    assert (row["kind"], row["type"]) == ("run", "easy_trail")
