"""PMData importer: the real 16-participant folder and small generated folders."""

from __future__ import annotations

import csv
import datetime as dt
import json
from pathlib import Path

import pandas as pd
import pytest

from pipelines.importers import ImportBatch, read_pmdata


@pytest.fixture(scope="module")
def pmdata_batch(pmdata_root: Path, today: dt.date) -> ImportBatch:
    return read_pmdata(pmdata_root, today=today)


def _distinct_athlete_days(root: Path) -> int:
    days = set()
    for path in sorted(root.glob("p*/pmsys/wellness.csv")):
        with path.open(encoding="utf-8") as handle:
            for row in csv.DictReader(handle):
                moment = dt.datetime.fromisoformat(row["effective_time_frame"])
                days.add((path.parts[-3], moment.astimezone(dt.UTC).date()))
    return len(days)


def test_read_pmdata_counts_match_dataset(pmdata_batch: ImportBatch, pmdata_root: Path) -> None:
    # given the whole PMData folder
    # then 16 athletes, one check-in per athlete-day, 783 sRPE rows (772 sessions + 11 empty
    # reports of p16, skipped with a warning), 77 injuries, and nothing rejected
    assert len(pmdata_batch.athletes) == 16
    assert len(pmdata_batch.wellness) == _distinct_athlete_days(pmdata_root) == 1729
    srpe = pmdata_batch.sessions[pmdata_batch.sessions["source"] == "pmdata"]
    assert len(srpe) == 772
    assert "p16/pmsys/srpe.csv: 11 empty report(s) (no activity) skipped" in pmdata_batch.warnings
    assert len(pmdata_batch.injuries) == 77
    assert pmdata_batch.rejections == []


def test_read_pmdata_fitbit_sessions_and_refs(pmdata_batch: ImportBatch) -> None:
    # given the Fitbit exercise logs (2440 entries)
    fitbit = pmdata_batch.sessions[pmdata_batch.sessions["source"] == "pmdata-fitbit"]
    # then each is a session with NaN RPE, and every frame row points at a participant
    assert len(fitbit) == 2440
    assert fitbit["rpe"].isna().all()
    assert fitbit["external_id"].str.startswith("fitbit:").all()
    for frame in (pmdata_batch.sessions, pmdata_batch.wellness, pmdata_batch.injuries):
        assert frame["athlete_ref"].str.fullmatch(r"pmdata:p\d\d").all()
        assert (frame["athlete_id"] == 0).all()


def test_read_pmdata_athletes_from_overview(pmdata_batch: ImportBatch) -> None:
    # given participant-overview.csv (p01: 48 years, male, max HR 182; p07: no max HR)
    athletes = pmdata_batch.athletes.set_index("name")
    # then birth year = 2019 - age, sex = gender, max_hr kept or NaN
    assert athletes.loc["p01", ["birth_year", "sex", "max_hr"]].tolist() == [1971, "male", 182]
    assert athletes.loc["p04", "sex"] == "female"
    assert pd.isna(athletes.loc["p07", "max_hr"])
    assert athletes.loc["p01", "athlete_ref"] == "pmdata:p01"


def _participant(root: Path, pid: str = "p01") -> Path:
    folder = root / pid
    (folder / "pmsys").mkdir(parents=True)
    (folder / "fitbit").mkdir()
    return folder


def test_read_pmdata_converts_wellness_to_cairn_convention(tmp_path: Path) -> None:
    # given two reports on one UTC day (the later wins), PMSys 1-5 items all "higher is
    # better", a 0 meaning "not answered", a 0 sleep filled from Fitbit, and Fitbit's RHR
    folder = _participant(tmp_path)
    (folder / "pmsys" / "wellness.csv").write_text(
        "effective_time_frame,fatigue,mood,readiness,sleep_duration_h,sleep_quality,soreness,"
        "soreness_area,stress\n"
        "2019-11-01T06:00:00.000Z,1,1,1,5,1,1,[],1\n"
        "2019-11-01T22:30:00.000Z,2,4,7,0,5,0,[],1\n"
    )
    (folder / "fitbit" / "sleep.json").write_text(
        json.dumps([{"dateOfSleep": "2019-11-01", "minutesAsleep": 450, "mainSleep": True}])
    )
    (folder / "fitbit" / "resting_heart_rate.json").write_text(
        json.dumps([{"dateTime": "2019-11-01 00:00:00", "value": {"value": 51.5}}])
    )
    # when read as a single participant folder
    batch = read_pmdata(folder, today=dt.date(2020, 1, 1))
    # then one check-in with fatigue/soreness/stress reversed (6 - x), 0 -> NaN
    row = batch.wellness.iloc[0]
    assert len(batch.wellness) == 1
    assert (row["fatigue"], row["stress"], row["mood"], row["sleep_quality"]) == (4, 5, 4, 5)
    assert pd.isna(row["soreness"])
    assert (row["readiness"], row["sleep_h"], row["resting_hr"]) == (7, 7.5, 51.5)
    assert batch.warnings == ["p01/pmsys/wellness.csv: 1 earlier report(s) of a day replaced"]


def test_read_pmdata_srpe_and_injuries(tmp_path: Path) -> None:
    # given an sRPE run, an empty report, and injury reports (empty, two parts, bad word)
    folder = _participant(tmp_path)
    (folder / "pmsys" / "srpe.csv").write_text(
        "end_date_time,activity_names,perceived_exertion,duration_min\n"
        "2019-11-05T22:51:54.710Z,\"['individual', 'running']\",7,100\n"
        "2019-11-06T10:00:00.000Z, {},,\n"
    )
    (folder / "pmsys" / "injury.csv").write_text(
        "effective_time_frame,injuries\n"
        "2019-11-07T06:39:48.428Z,{}\n"
        "2019-11-14T06:39:48.428Z,\"{'left_knee': 'minor', 'right_foot': 'major'}\"\n"
        "2019-11-21T06:39:48.428Z,\"{'left_knee': 'awful'}\"\n"
    )
    # when read
    batch = read_pmdata(tmp_path, today=dt.date(2020, 1, 1))
    # then one long run dated by its UTC end, one injury with the worst severity, one rejection
    run = batch.sessions.iloc[0]
    assert len(batch.sessions) == 1
    assert (run["kind"], run["type"], run["rpe"], run["source"]) == (
        "run",
        "long_trail",
        7,
        "pmdata",
    )
    assert run["date"] == pd.Timestamp("2019-11-05")
    assert run["start_time"] == pd.Timestamp("2019-11-05 21:11:54.710")
    injury = batch.injuries.iloc[0]
    assert (injury["body_part"], injury["severity"]) == ("left_knee+right_foot", "major")
    assert injury["start_date"] == injury["end_date"] == pd.Timestamp("2019-11-14")
    assert [r.message() for r in batch.rejections] == [
        "p01/pmsys/injury.csv row 4, field injuries: awful "
        "(injuries must look like {'left_knee': 'minor'} (minor, moderate or major))"
    ]
