"""FIT importer: real files against PROVENANCE.md's reference totals, broken files rejected."""

from __future__ import annotations

import datetime as dt
import functools
import math
from pathlib import Path

import pytest

from pipelines.importers import ImportBatch, ImportFileError, read_fit
from pipelines.schemas import SESSION_COLUMNS

# (file, session total_distance m, total_ascent m or None, timer time s) from PROVENANCE.md.
FIT_REFERENCE = [
    ("2013-02-06-12-11-14.fit", 4835.38, 168.0, 2625.140),
    ("2019-09-14-17-22-05.fit", 5839.77, 234.0, 3164.606),
    ("2067489619.fit", 4489.39, 33.0, 2820.172),
    ("developer-types-sample.fit", 6753.99, None, 3424.000),
    ("garmin.fit", 28524.95, 2295.0, 20343.200),
    ("strava-android-app-201.10-b1218918.fit", 11274.04, None, 3558.000),
]
# Where the session has no ascent we decided: sum the smoothed record altitudes when the
# whole file decoded (developer-types-sample: 82.56 m), NaN when it did not (Strava).
DECIDED_ASCENT = {
    "developer-types-sample.fit": 82.56,
    "strava-android-app-201.10-b1218918.fit": None,
}


def _fit(folder: Path, name: str) -> Path:
    return folder / "fit" / name


@functools.cache
def _read_cached(path: Path, today: dt.date) -> ImportBatch:
    """Decode each large real file once per test run (garmin.fit has 20k records)."""
    return read_fit(path, athlete_id=7, today=today)


@pytest.mark.parametrize(("name", "distance_m", "ascent_m", "timer_s"), FIT_REFERENCE)
def test_read_fit_matches_reference_totals(
    activity_samples: Path,
    today: dt.date,
    name: str,
    distance_m: float,
    ascent_m: float | None,
    timer_s: float,
) -> None:
    # given a real FIT file with reference totals
    # when it is imported
    batch = _read_cached(_fit(activity_samples, name), today)
    # then one run session matches distance, climb and timer time within 2 %
    assert len(batch.sessions) == 1
    session = batch.sessions.iloc[0]
    assert session["kind"] == "run"
    assert session["distance_km"] == pytest.approx(distance_m / 1000, rel=0.02)
    assert session["duration_min"] == pytest.approx(timer_s / 60, rel=0.02)
    expected = ascent_m if ascent_m is not None else DECIDED_ASCENT[name]
    if expected is None:
        assert math.isnan(session["elevation_gain_m"])
    else:
        assert session["elevation_gain_m"] == pytest.approx(expected, rel=0.02)
    assert batch.rejections == []


def test_read_fit_fills_contract_columns(activity_samples: Path, today: dt.date) -> None:
    # given a Garmin FIT file
    batch = _read_cached(_fit(activity_samples, "garmin.fit"), today)
    # then the frame has the session contract plus athlete_ref, and the file_id external id
    assert list(batch.sessions.columns) == [*SESSION_COLUMNS, "athlete_ref"]
    row = batch.sessions.iloc[0]
    assert row["athlete_id"] == 7 and row["athlete_ref"] is None
    assert row["external_id"] == "fit:garmin:3841823557:2012-08-18T05:15:44+00:00"
    assert row["type"] == "long_trail" and row["source"] == "fit"
    assert row["avg_hr"] == 160


def test_read_fit_uses_local_time_from_activity_message(
    activity_samples: Path, today: dt.date
) -> None:
    # given a file whose activity message says local time = UTC + 2 h
    batch = read_fit(_fit(activity_samples, "2019-09-14-17-22-05.fit"), athlete_id=1, today=today)
    # then start_time is local and the date is the local date
    row = batch.sessions.iloc[0]
    assert row["start_time"] == dt.datetime(2019, 9, 14, 17, 22, 5)
    assert row["date"] == dt.datetime(2019, 9, 14)


def test_read_fit_keeps_strava_session_decoded_before_error(
    activity_samples: Path, today: dt.date
) -> None:
    # given the Strava file that fails mid-file after its session message
    path = _fit(activity_samples, "strava-android-app-201.10-b1218918.fit")
    # when imported
    batch = read_fit(path, athlete_id=1, today=today)
    # then the session is kept, with a content-hash id and a warning naming the error
    assert len(batch.sessions) == 1
    assert batch.sessions.iloc[0]["external_id"].startswith("fit:sha256:")
    assert "local message 11 not defined" in batch.warnings[0]
    assert batch.warnings[0].startswith(path.name)


def test_read_fit_developer_file_falls_back_to_record_heart_rate(
    activity_samples: Path, today: dt.date
) -> None:
    # given the Stryd file whose session has no avg HR but records carry heart rate
    batch = _read_cached(_fit(activity_samples, "developer-types-sample.fit"), today)
    # then avg_hr is the mean of the record heart rates
    assert 100 < batch.sessions.iloc[0]["avg_hr"] < 160


@pytest.mark.parametrize(
    ("name", "problem"),
    [
        ("activity-filecrc.fit", "checksum mismatch"),
        ("activity-settings-corruptheader.fit", "corrupt header of a chained FIT file at byte 771"),
        ("activity-unexpected-eof.fit", "truncated FIT file"),
        ("empty-sessions.fit", "empty file (0 bytes)"),
    ],
)
def test_read_fit_rejects_broken_file(
    activity_samples: Path, today: dt.date, name: str, problem: str
) -> None:
    # given a FIT file broken on purpose
    path = activity_samples / "fit" / "invalid" / name
    # when imported, then the whole file is rejected naming the file and the problem
    with pytest.raises(ImportFileError, match=r"^" + name.replace(".", r"\.")) as caught:
        read_fit(path, athlete_id=1, today=today)
    assert problem in str(caught.value)


def test_read_fit_rejects_text_file(tmp_path: Path, today: dt.date) -> None:
    # given a text file with a .fit name
    path = tmp_path / "notes.fit"
    path.write_text("this is not a FIT file at all, just text\n")
    # then it is not a FIT file
    with pytest.raises(ImportFileError, match=r"notes\.fit: not a FIT file \(corrupt header"):
        read_fit(path, athlete_id=1, today=today)


def test_read_fit_reads_project_sample(samples: Path, today: dt.date) -> None:
    # given the FIT file written by data/samples/make_samples.py (30 min, 5 km, ~150 m up)
    batch = read_fit(samples / "hill-run.fit", athlete_id=1, today=today)
    # then the session matches what the generator wrote
    row = batch.sessions.iloc[0]
    assert (row["kind"], row["type"]) == ("run", "hills")
    assert row["distance_km"] == pytest.approx(5.0)
    assert row["duration_min"] == pytest.approx(30.0)
    assert row["elevation_gain_m"] == pytest.approx(150, rel=0.05)
    assert row["start_time"] == dt.datetime(2024, 5, 4, 9, 30)


def test_read_fit_rejects_session_dated_in_future(samples: Path) -> None:
    # given 'today' before the sample run's date
    batch = read_fit(samples / "hill-run.fit", athlete_id=1, today=dt.date(2024, 5, 1))
    # then the session is a rejection, not a row
    assert batch.sessions.empty
    assert batch.rejections[0].field == "date"
    assert "must not be in the future" in batch.rejections[0].message()
