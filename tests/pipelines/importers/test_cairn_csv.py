"""Cairn's own CSV layouts: sessions, wellness and injuries."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pandas as pd
import pytest

from pipelines.importers import read_cairn_csv
from pipelines.schemas import INJURY_COLUMNS, SESSION_COLUMNS, WELLNESS_COLUMNS


def _write(tmp_path: Path, name: str, text: str, encoding: str = "utf-8") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding=encoding)
    return path


@pytest.mark.parametrize(
    ("name", "frame", "columns", "rows"),
    [
        ("cairn-sessions.csv", "sessions", SESSION_COLUMNS, 7),
        ("cairn-wellness.csv", "wellness", WELLNESS_COLUMNS, 7),
        ("cairn-injuries.csv", "injuries", INJURY_COLUMNS, 2),
    ],
)
def test_read_cairn_csv_reads_each_sample_layout(
    samples: Path, today: dt.date, name: str, frame: str, columns: dict, rows: int
) -> None:
    # given a sample file of one layout
    batch = read_cairn_csv(samples / name, athlete_id=5, today=today)
    # then only that frame is filled, with the contract's columns, and nothing is rejected
    result = getattr(batch, frame)
    assert len(result) == rows
    assert list(result.columns) == [*columns, "athlete_ref"]
    assert (result["athlete_id"] == 5).all()
    assert batch.rejections == []
    assert sum(batch.counts()[k] for k in ("sessions", "wellness", "injuries")) == rows


def test_read_cairn_csv_sessions_sample_values(samples: Path, today: dt.date) -> None:
    # given the sessions sample
    sessions = read_cairn_csv(samples / "cairn-sessions.csv", athlete_id=5, today=today).sessions
    # then units and optional blanks come through, and the source is cairn-csv
    long_run = sessions[sessions["type"] == "long_trail"].iloc[0]
    assert long_run["duration_min"] == 135 and long_run["elevation_gain_m"] == 950
    assert pd.isna(sessions[sessions["kind"] == "mobility"].iloc[0]["start_time"])
    assert set(sessions["source"]) == {"cairn-csv"}
    assert sessions["external_id"].str.startswith("cairn:").all()


def test_read_cairn_csv_injuries_keep_open_end_date(samples: Path, today: dt.date) -> None:
    # given an injury with an empty end_date
    injuries = read_cairn_csv(samples / "cairn-injuries.csv", athlete_id=5, today=today).injuries
    # then it is open (NaT)
    assert injuries["end_date"].isna().sum() == 1


def test_read_cairn_csv_row_athlete_id_overrides_argument(tmp_path: Path, today: dt.date) -> None:
    # given a wellness file with an athlete_id column, blank on one row
    path = _write(tmp_path, "w.csv", "athlete_id,date,sleep_h\n11,2024-05-01,7\n,2024-05-01,8\n")
    # when imported for athlete 5
    wellness = read_cairn_csv(path, athlete_id=5, today=today).wellness
    # then the row's id wins where given
    assert list(wellness["athlete_id"]) == [11, 5]


def test_read_cairn_csv_accepts_bom_and_semicolons(tmp_path: Path, today: dt.date) -> None:
    # given a spreadsheet export: UTF-8 with BOM, semicolon separated
    path = _write(
        tmp_path, "s.csv", "date;kind;duration_min;rpe\n2024-05-01;run;40;5\n", "utf-8-sig"
    )
    # then it reads like any other sessions file
    sessions = read_cairn_csv(path, athlete_id=1, today=today).sessions
    assert len(sessions) == 1 and sessions.iloc[0]["rpe"] == 5


def test_read_cairn_csv_derives_missing_type(tmp_path: Path, today: dt.date) -> None:
    # given sessions without a type column
    path = _write(
        tmp_path,
        "s.csv",
        "date,kind,duration_min,distance_km,elevation_gain_m\n"
        "2024-05-01,run,100,15,300\n2024-05-02,run,40,6,200\n2024-05-03,strength,45,,\n",
    )
    # then runs are typed from their numbers and strength defaults to strength_full
    types = list(read_cairn_csv(path, athlete_id=1, today=today).sessions["type"])
    assert types == ["long_trail", "hills", "strength_full"]


def test_read_cairn_csv_ignores_notes_column(tmp_path: Path, today: dt.date) -> None:
    # given an injuries file with notes
    path = _write(
        tmp_path, "i.csv", "start_date,body_part,severity,notes\n2024-05-01,calf,minor,tight\n"
    )
    # then notes are dropped without complaint
    batch = read_cairn_csv(path, athlete_id=1, today=today)
    assert len(batch.injuries) == 1 and batch.rejections == []


def test_read_cairn_csv_keeps_wall_clock_of_zoned_times(tmp_path: Path, today: dt.date) -> None:
    # given start times written with a UTC offset, and Windows line endings
    path = tmp_path / "s.csv"
    path.write_bytes(
        b"date,start_time,kind,duration_min\r\n2024-05-07,2024-05-07T07:00:00+02:00,run,40\r\n"
    )
    # then the local wall-clock time is kept
    sessions = read_cairn_csv(path, athlete_id=1, today=today).sessions
    assert sessions.iloc[0]["start_time"] == pd.Timestamp("2024-05-07 07:00:00")


def test_two_games_on_one_day_with_different_rpe_are_two_sessions(
    tmp_path: Path, today: dt.date
) -> None:
    text = "date,kind,type,duration_min,rpe\n2024-05-01,run,game,90,6\n2024-05-01,run,game,90,8\n"
    batch = read_cairn_csv(_write(tmp_path, "games.csv", text), athlete_id=1, today=today)
    assert len(batch.sessions) == 2 and not batch.rejections
    assert batch.sessions["external_id"].nunique() == 2


def test_identical_rows_without_external_id_name_no_unsent_column(
    tmp_path: Path, today: dt.date
) -> None:
    text = "date,kind,duration_min,rpe\n2024-05-01,run,30,5\n2024-05-01,run,30,5\n"
    batch = read_cairn_csv(_write(tmp_path, "twice.csv", text), athlete_id=1, today=today)
    assert len(batch.sessions) == 1
    message = batch.rejections[0].message()
    assert "every logged value is the same" in message and "external_id" not in message
