"""Request and response models for reading back, correcting and deleting logged records.

An update sends only the fields to change; the merged record is validated again with the same
model as a new record (``SessionCreate``, ``WellnessCreate``, ``InjuryCreate``).
"""

from __future__ import annotations

import datetime as dt
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

from api.schemas import (
    InjuryPublic,
    Kind,
    LogDate,
    StrengthSetIn,
    WellnessCreate,
    WellnessPublic,
)


class _Patch(BaseModel):
    model_config = ConfigDict(extra="forbid")


class StrengthSetPublic(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    exercise: str
    set_number: int
    reps: float | None
    load_kg: float | None
    rpe: float | None


class SessionRecordPublic(BaseModel):
    """A logged session with every stored field and its strength sets."""

    model_config = ConfigDict(from_attributes=True)
    id: int
    athlete_id: int
    date: dt.date
    start_time: str | None = Field(description="Local start time, without a UTC offset.")
    kind: str
    type: str
    duration_min: float
    distance_km: float | None
    elevation_gain_m: float | None
    elevation_loss_m: float | None
    avg_hr: float | None
    rpe: float | None
    source: str
    external_id: str
    sets: list[StrengthSetPublic]

    @field_validator("start_time", mode="before")
    @classmethod
    def _local_time(cls, value: object) -> object:
        return value.isoformat() if isinstance(value, dt.datetime) else value


class SessionUpdate(_Patch):
    """Fields to change (null clears an optional field); ``sets`` replaces all the sets."""

    date: LogDate | None = None
    start_time: str | None = Field(
        default=None, max_length=40, description="Local start time (YYYY-MM-DDTHH:MM:SS)."
    )
    kind: Kind | None = None
    type: str | None = Field(default=None, min_length=1, max_length=40)
    duration_min: float | None = Field(default=None, gt=0, lt=2880)
    distance_km: float | None = Field(default=None, ge=0, lt=500)
    elevation_gain_m: float | None = Field(default=None, ge=0, le=20000)
    elevation_loss_m: float | None = Field(default=None, ge=0, le=20000)
    avg_hr: float | None = Field(default=None, ge=25, le=250)
    rpe: float | None = Field(default=None, ge=0, le=10)
    sets: list[StrengthSetIn] | None = Field(default=None, max_length=200)


class WellnessUpdate(_Patch):
    """Check-in fields to change (null clears an optional field)."""

    date: LogDate | None = None
    sleep_h: float | None = Field(default=None, ge=0, le=24)
    sleep_quality: float | None = Field(default=None, ge=1, le=5)
    soreness: float | None = Field(default=None, ge=1, le=5)
    fatigue: float | None = Field(default=None, ge=1, le=5)
    mood: float | None = Field(default=None, ge=1, le=5)
    stress: float | None = Field(default=None, ge=1, le=5)
    resting_hr: float | None = Field(default=None, ge=25, le=120)
    hrv_rmssd: float | None = Field(default=None, ge=1, le=300)
    readiness: float | None = Field(default=None, ge=0, le=10)
    pain: bool | None = None
    illness: bool | None = None


class InjuryUpdate(_Patch):
    """Injury fields to change (``end_date`` null reopens it)."""

    start_date: LogDate | None = None
    end_date: LogDate | None = None
    body_part: str | None = Field(default=None, min_length=1, max_length=80)
    severity: Literal["minor", "moderate", "major"] | None = None


class SessionsPublic(BaseModel):
    data: list[SessionRecordPublic]
    count: int = Field(description="Sessions in the date range (all pages).")


class WellnessListPublic(BaseModel):
    data: list[WellnessPublic]
    count: int = Field(description="Check-ins in the date range (all pages).")


class InjuriesPublic(BaseModel):
    data: list[InjuryPublic]
    count: int = Field(description="Injuries starting in the date range (all pages).")


class LoadDayPublic(BaseModel):
    date: dt.date
    load: float = Field(description="Session-RPE load of the day (AU).")
    fitness: float = Field(description="CTL: 42-day EWMA of the load (AU/day).")
    fatigue: float = Field(description="ATL: 7-day EWMA of the load (AU/day).")
    form: float = Field(description="TSB: fitness - fatigue (AU/day).")
    acwr: float | None = Field(description="EWMA acute:chronic load ratio.")
    readiness_self: float | None = Field(
        description="Readiness from the day's check-in, 0-100 (own 0-10 x 10, else composite)."
    )
    readiness_predicted: float | None = Field(
        description="Readiness (0-100) the models predicted for the day, from the day before."
    )
    injury_risk: float | None = Field(
        description="Predicted probability (0-1) of an injury in the 7 days from the day."
    )


class LoadPublic(BaseModel):
    athlete_id: int
    data: list[LoadDayPublic]
    count: int
    model_versions: dict[str, int | None]
    degraded: bool = False


def merged(create_model: type[BaseModel], current: dict[str, Any], patch: BaseModel) -> Any:
    """The record after the patch, validated as a new record (raises ``ValidationError``)."""
    changes = patch.model_dump(exclude_unset=True)
    fields = set(create_model.model_fields)
    values = {k: v for k, v in {**current, **changes}.items() if k in fields}
    return create_model.model_validate(values)


__all__ = [
    "InjuriesPublic",
    "InjuryUpdate",
    "LoadDayPublic",
    "LoadPublic",
    "SessionRecordPublic",
    "SessionUpdate",
    "SessionsPublic",
    "WellnessCreate",
    "WellnessListPublic",
    "WellnessUpdate",
    "merged",
]
