"""Record models at the boundary: ranges, plausibility, dates and readable rules."""

from __future__ import annotations

import datetime as dt

import pytest

from pipelines import validation
from pipelines.validation import (
    InjuryRecord,
    SessionRecord,
    SetRecord,
    WellnessRecord,
    validate_record,
)

TODAY = dt.date(2024, 6, 1)
SESSION = {
    "athlete_id": 1,
    "date": "2024-05-01",
    "kind": "run",
    "type": "easy_trail",
    "duration_min": "45",
    "source": "test",
    "external_id": "x",
}


def test_validate_record_parses_text_and_blanks() -> None:
    # given text values as a CSV gives them, with blanks and NaN for "not given"
    record, issues = validate_record(
        SessionRecord, {**SESSION, "rpe": "", "avg_hr": float("nan")}, today=TODAY
    )
    # then numbers are parsed and blanks become None
    assert issues == []
    assert record.duration_min == 45.0 and record.rpe is None and record.avg_hr is None


@pytest.mark.parametrize(
    ("distance_km", "duration_min", "gain_m", "valid"),
    [
        ("1.9", "40", "1000", True),  # the steepest vertical kilometre passes
        ("2", "30", "1101", False),  # 300 m/km * 2 km + 500 m = 1100 m
        ("", "60", "2500", True),  # no distance: 2000 m/h * 1 h + 500 m
        ("", "60", "2501", False),
    ],
)
def test_session_record_elevation_plausibility(
    distance_km: str, duration_min: str, gain_m: str, valid: bool
) -> None:
    # given a session with a climb
    data = {**SESSION, "distance_km": distance_km, "duration_min": duration_min}
    record, issues = validate_record(
        SessionRecord, {**data, "elevation_gain_m": gain_m}, today=TODAY
    )
    # then it passes only within the documented limit
    assert (record is not None) is valid
    if not valid:
        assert issues[0].field == "elevation_gain_m" and issues[0].value == gain_m


def test_validate_record_future_rule_needs_today() -> None:
    # given a future session
    data = {**SESSION, "date": "2030-01-01"}
    # then it is refused with a today, and allowed when no today is given (rule skipped)
    assert validate_record(SessionRecord, data, today=TODAY)[0] is None
    assert validate_record(SessionRecord, data, today=None)[0] is not None


def test_set_record_bodyweight_and_ranges() -> None:
    # given a bodyweight set and one with negative reps
    base = {"athlete_id": 1, "session_external_id": "s", "exercise": "Push Up", "set_number": 1}
    ok, _ = validate_record(SetRecord, {**base, "reps": "12", "load_kg": ""}, today=TODAY)
    _, issues = validate_record(SetRecord, {**base, "reps": "-1"}, today=TODAY)
    # then load is None for bodyweight and negative reps are refused
    assert ok.load_kg is None
    assert issues[0].rule == "reps must be between 0 and 1000"


def test_wellness_record_reports_every_broken_rule() -> None:
    # given a check-in with two out-of-range items
    _, issues = validate_record(
        WellnessRecord, {"athlete_id": 1, "date": "2024-05-01", "mood": 0, "stress": 6}, today=TODAY
    )
    # then both are named
    assert [i.field for i in issues] == ["mood", "stress"]


def test_injury_record_open_injury_is_valid() -> None:
    # given an injury without an end date
    record, _ = validate_record(
        InjuryRecord,
        {"athlete_id": 1, "start_date": "2024-05-01", "body_part": "calf", "severity": "minor"},
        today=TODAY,
    )
    # then it is open
    assert record.end_date is None


def test_validation_exports_range_constants() -> None:
    # given the API wants to reuse the limits
    # then they are plain module constants
    assert (validation.RPE_MIN, validation.RPE_MAX) == (0, 10)
    assert (validation.HR_MIN, validation.HR_MAX) == (25, 250)
    assert validation.DURATION_MIN_MAX == 2880
    assert validation.SEVERITIES == ("minor", "moderate", "major")
