"""Boundary validation for log records, shared by the importers and the API.

Each record model checks one row at the edge of the system: a session, a strength set,
a morning check-in or an injury. The range constants are public so the API's request
schemas can reuse them instead of repeating numbers.

Validate with ``model.model_validate(data, context={"today": today})``: the ``today``
context switches on the "not in the future" rule (it is skipped when absent), or call
:func:`validate_record`, which also turns pydantic's errors into plain :class:`Issue` rows.
Blank strings, ``None``, NaN and NaT all mean "not given".
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Annotated, Any, Literal, TypeVar

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    ValidationError,
    ValidationInfo,
    field_validator,
    model_validator,
)
from pydantic_core import PydanticCustomError

RPE_MIN, RPE_MAX = 0.0, 10.0  # CR-10
HR_MIN, HR_MAX = 25.0, 250.0  # beats per minute, average over a session
RESTING_HR_MIN, RESTING_HR_MAX = 25.0, 120.0  # beats per minute
HRV_MIN, HRV_MAX = 1.0, 300.0  # rMSSD, ms
SLEEP_H_MIN, SLEEP_H_MAX = 0.0, 24.0  # hours
LIKERT_MIN, LIKERT_MAX = 1.0, 5.0  # 1-5 wellness items
READINESS_MIN, READINESS_MAX = 0.0, 10.0
DURATION_MIN_MAX = 2880.0  # minutes (48 h), exclusive; duration must also be > 0
DISTANCE_KM_MAX = 500.0  # km, exclusive
# Elevation plausibility: gain (or loss) <= ELEVATION_M_PER_KM_MAX * km + ELEVATION_ALLOWANCE_M.
# The steepest vertical-kilometre races climb 1000 m in about 1.9 km (~530 m/km), which
# 300 m/km + 500 m still admits (1070 m), while GPS noise multiplied by 10 does not pass.
# Without a distance (treadmill, indoor logs) the cap is per hour instead: about the
# vertical-kilometre world record pace (~2000 m/h) + the same allowance.
ELEVATION_M_PER_KM_MAX = 300.0
ELEVATION_M_PER_H_MAX = 2000.0
ELEVATION_ALLOWANCE_M = 500.0
EARLIEST_DATE = dt.date(1980, 1, 1)  # any date or time must fall within these
LATEST_DATE = dt.date(2200, 12, 31)
# A logged day may be "tomorrow" at most: the athlete's local date runs up to a day ahead of
# the server's (UTC+14 vs UTC-12), and no time zone is stored per athlete.
FUTURE_TOLERANCE = dt.timedelta(days=1)
REPS_MAX = 1000.0
LOAD_KG_MAX = 1000.0
SEVERITIES = ("minor", "moderate", "major")

Kind = Literal["run", "strength", "cross", "mobility"]
Severity = Literal["minor", "moderate", "major"]

RANGE_RULES: dict[str, str] = {
    "rpe": f"rpe must be between {RPE_MIN:g} and {RPE_MAX:g}",
    "avg_hr": f"avg_hr must be between {HR_MIN:g} and {HR_MAX:g} bpm",
    "resting_hr": f"resting_hr must be between {RESTING_HR_MIN:g} and {RESTING_HR_MAX:g} bpm",
    "hrv_rmssd": f"hrv_rmssd must be between {HRV_MIN:g} and {HRV_MAX:g} ms",
    "sleep_h": f"sleep_h must be between {SLEEP_H_MIN:g} and {SLEEP_H_MAX:g} hours",
    "readiness": f"readiness must be between {READINESS_MIN:g} and {READINESS_MAX:g}",
    "duration_min": f"duration_min must be more than 0 and less than {DURATION_MIN_MAX:g} (48 h)",
    "distance_km": f"distance_km must be at least 0 and less than {DISTANCE_KM_MAX:g}",
    "elevation_gain_m": "elevation_gain_m must be at least 0",
    "elevation_loss_m": "elevation_loss_m must be at least 0",
    "reps": f"reps must be between 0 and {REPS_MAX:g}",
    "load_kg": f"load_kg must be between 0 and {LOAD_KG_MAX:g}",
    "set_number": "set_number must be at least 1",
    "athlete_id": "athlete_id must be at least 0",
    **{
        item: f"{item} must be between {LIKERT_MIN:g} and {LIKERT_MAX:g}"
        for item in ("sleep_quality", "soreness", "fatigue", "mood", "stress")
    },
}


@dataclass(frozen=True)
class Issue:
    """One broken rule of one record: the field (None for the whole record), rule and value."""

    field: str | None
    rule: str
    value: str | None


def _is_blank(value: Any) -> bool:
    if value is None:
        return True
    if isinstance(value, str):
        return value.strip() == ""
    if isinstance(value, float):
        return math.isnan(value)
    return str(value) in {"NaT", "<NA>"}


def latest_log_date(today: dt.date) -> dt.date:
    """The last day a log may carry: tomorrow (the athlete's time zone may be a day ahead)."""
    return today + FUTURE_TOLERANCE


def check_log_date(value: dt.date | None, *, field: str, today: dt.date) -> dt.date | None:
    """The one date rule of every path (JSON, CSV, FIT/GPX): 1980-01-01 .. tomorrow.

    Raises a ``PydanticCustomError`` naming ``field`` (a ``ValueError`` outside pydantic).
    """
    day = value.date() if isinstance(value, dt.datetime) else value
    if day is None:
        return value
    if day < EARLIEST_DATE:
        raise PydanticCustomError(
            "date_out_of_range",
            "{field} must not be before {earliest}",
            {"field": field, "earliest": EARLIEST_DATE.isoformat()},
        )
    if day > latest_log_date(today):
        raise PydanticCustomError(
            "future_date",
            "{field} must not be in the future: after tomorrow ({latest}; today is {today})",
            {
                "field": field,
                "latest": latest_log_date(today).isoformat(),
                "today": today.isoformat(),
            },
        )
    return value


def _not_future(value: dt.date | None, info: ValidationInfo) -> dt.date | None:
    today = (info.context or {}).get("today")
    if today is None:
        return value
    return check_log_date(value, field=str(info.field_name), today=today)


def _in_calendar(value: dt.date | None, info: ValidationInfo) -> dt.date | None:
    day = value.date() if isinstance(value, dt.datetime) else value
    if day is not None and not EARLIEST_DATE <= day <= LATEST_DATE:
        raise PydanticCustomError(
            "date_out_of_range",
            "{field} must be between {earliest} and {latest}",
            {
                "field": info.field_name,
                "earliest": EARLIEST_DATE.isoformat(),
                "latest": LATEST_DATE.isoformat(),
            },
        )
    return value


_Date = Annotated[dt.date, AfterValidator(_in_calendar)]
_DateTime = Annotated[dt.datetime, AfterValidator(_in_calendar)]
_PastDate = Annotated[dt.date, AfterValidator(_in_calendar), AfterValidator(_not_future)]


class _Record(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True, frozen=True)

    @field_validator("*", mode="before")
    @classmethod
    def _blank_to_none(cls, value: Any) -> Any:
        return None if _is_blank(value) else value


def _check_climb(
    gain: float | None, *, field: str, distance_km: float | None, hours: float
) -> None:
    if gain is None:
        return
    if distance_km is not None and distance_km > 0:
        limit = ELEVATION_M_PER_KM_MAX * distance_km + ELEVATION_ALLOWANCE_M
        basis = f"{ELEVATION_M_PER_KM_MAX:g} m per km + {ELEVATION_ALLOWANCE_M:g} m"
    else:
        limit = ELEVATION_M_PER_H_MAX * hours + ELEVATION_ALLOWANCE_M
        basis = f"{ELEVATION_M_PER_H_MAX:g} m per hour + {ELEVATION_ALLOWANCE_M:g} m (no distance)"
    if gain > limit:
        raise PydanticCustomError(
            "elevation_implausible",
            "{field} is implausible for the session: at most {limit} m ({basis})",
            {"field": field, "limit": f"{limit:.0f}", "basis": basis, "value": f"{gain:g}"},
        )


class SessionRecord(_Record):
    """One training session: kind, duration (min), distance (km), climb (m), HR (bpm), RPE."""

    athlete_id: int = Field(ge=0)
    date: _PastDate
    start_time: _DateTime | None = None
    kind: Kind
    type: str = Field(min_length=1, max_length=40)
    duration_min: float = Field(gt=0, lt=DURATION_MIN_MAX)
    distance_km: float | None = Field(default=None, ge=0, lt=DISTANCE_KM_MAX)
    elevation_gain_m: float | None = Field(default=None, ge=0)
    elevation_loss_m: float | None = Field(default=None, ge=0)
    avg_hr: float | None = Field(default=None, ge=HR_MIN, le=HR_MAX)
    rpe: float | None = Field(default=None, ge=RPE_MIN, le=RPE_MAX)
    source: str = Field(min_length=1)
    external_id: str = Field(min_length=1, max_length=200)

    @model_validator(mode="after")
    def _plausible_climb(self) -> SessionRecord:
        hours = self.duration_min / 60.0
        for name in ("elevation_gain_m", "elevation_loss_m"):
            _check_climb(getattr(self, name), field=name, distance_km=self.distance_km, hours=hours)
        return self


class SetRecord(_Record):
    """One strength set: exercise, set number (1-based), reps, load (kg, None = bodyweight)."""

    athlete_id: int = Field(ge=0)
    session_external_id: str = Field(min_length=1)
    exercise: str = Field(min_length=1, max_length=200)
    set_number: int = Field(ge=1)
    reps: float | None = Field(default=None, ge=0, le=REPS_MAX)
    load_kg: float | None = Field(default=None, ge=0, le=LOAD_KG_MAX)
    rpe: float | None = Field(default=None, ge=RPE_MIN, le=RPE_MAX)


_Likert = float | None


class WellnessRecord(_Record):
    """One morning check-in in Cairn's convention (soreness/fatigue/stress: higher is worse)."""

    athlete_id: int = Field(ge=0)
    date: _PastDate
    sleep_h: float | None = Field(default=None, ge=SLEEP_H_MIN, le=SLEEP_H_MAX)
    sleep_quality: _Likert = Field(default=None, ge=LIKERT_MIN, le=LIKERT_MAX)
    soreness: _Likert = Field(default=None, ge=LIKERT_MIN, le=LIKERT_MAX)
    fatigue: _Likert = Field(default=None, ge=LIKERT_MIN, le=LIKERT_MAX)
    mood: _Likert = Field(default=None, ge=LIKERT_MIN, le=LIKERT_MAX)
    stress: _Likert = Field(default=None, ge=LIKERT_MIN, le=LIKERT_MAX)
    resting_hr: float | None = Field(default=None, ge=RESTING_HR_MIN, le=RESTING_HR_MAX)
    hrv_rmssd: float | None = Field(default=None, ge=HRV_MIN, le=HRV_MAX)
    readiness: float | None = Field(default=None, ge=READINESS_MIN, le=READINESS_MAX)
    pain: bool | None = None
    illness: bool | None = None


class InjuryRecord(_Record):
    """One injury (time-loss event); ``end_date`` None while it is still open."""

    athlete_id: int = Field(ge=0)
    start_date: _PastDate
    end_date: _Date | None = None
    body_part: str = Field(min_length=1, max_length=100)
    severity: Severity

    @model_validator(mode="after")
    def _end_after_start(self) -> InjuryRecord:
        if self.end_date is not None and self.end_date < self.start_date:
            raise PydanticCustomError(
                "end_before_start",
                "{field} must not be before start_date ({start})",
                {
                    "field": "end_date",
                    "start": self.start_date.isoformat(),
                    "value": self.end_date.isoformat(),
                },
            )
        return self


def _text(value: Any) -> str:
    return f"{value:g}" if isinstance(value, float) else str(value)


_TYPE_RULES = {
    "missing": "{field} is required",
    "float_parsing": "{field} must be a number",
    "float_type": "{field} must be a number",
    "int_parsing": "{field} must be a whole number",
    "int_type": "{field} must be a whole number",
    "int_from_float": "{field} must be a whole number",
    "bool_parsing": "{field} must be true or false",
    "bool_type": "{field} must be true or false",
    "date_parsing": "{field} must be a date like 2024-05-31",
    "date_type": "{field} must be a date like 2024-05-31",
    "date_from_datetime_parsing": "{field} must be a date like 2024-05-31",
    "date_from_datetime_inexact": "{field} must be a date without a time, like 2024-05-31",
    "datetime_parsing": "{field} must be a date and time like 2024-05-31T07:30:00",
    "datetime_type": "{field} must be a date and time like 2024-05-31T07:30:00",
    "datetime_from_date_parsing": "{field} must be a date and time like 2024-05-31T07:30:00",
    "string_too_short": "{field} must not be empty",
    "string_type": "{field} must be text",
    "extra_forbidden": "{field} is not a known field",
}
_RANGE_TYPES = {"greater_than", "greater_than_equal", "less_than", "less_than_equal"}


def _issue_from_error(error: Mapping[str, Any]) -> Issue:
    loc = error.get("loc", ())
    ctx = error.get("ctx") or {}
    field = str(loc[0]) if loc else ctx.get("field")
    raw = error.get("input")
    value = None if _is_blank(raw) or isinstance(raw, Mapping) else _text(raw)
    if value is None and "value" in ctx:
        value = str(ctx["value"])
    kind = error["type"]
    if kind in _RANGE_TYPES and field in RANGE_RULES:
        rule = RANGE_RULES[field]
    elif value is None and kind in _TYPE_RULES and kind.endswith(("_type", "missing")):
        rule = f"{field} is required"
    elif kind in _TYPE_RULES:
        rule = _TYPE_RULES[kind].format(field=field)
    elif kind == "literal_error":
        rule = f"{field} must be one of {ctx.get('expected', '')}"
    else:
        rule = str(error.get("msg", kind))
    return Issue(field=field, rule=rule, value=value)


M = TypeVar("M", bound=BaseModel)


def validate_record(
    model: type[M], data: Mapping[str, Any], *, today: dt.date | None
) -> tuple[M | None, list[Issue]]:
    """Validate one record; return the parsed model or None plus the broken rules.

    Args:
        model: One of the record models of this module.
        data: Field values; strings are parsed (pydantic's lax mode), blanks mean "not given".
        today: The reference day for the "not in the future" rule; None skips that rule.

    Returns:
        ``(record, [])`` when valid, else ``(None, issues)`` with one issue per broken rule.
    """
    try:
        return model.model_validate(dict(data), context={"today": today}), []
    except ValidationError as err:
        return None, [_issue_from_error(error) for error in err.errors()]
