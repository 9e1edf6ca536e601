"""Request and response models (pydantic). Field ranges match the import validation rules."""

from __future__ import annotations

import datetime as dt
import re
from typing import Annotated, Any, Literal

from fastapi import Query
from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    JsonValue,
    ValidationInfo,
    field_validator,
    model_validator,
)

from engine.optimizer.catalogue import CATALOGUE
from engine.services.calendar import check_timezone
from engine.services.plans import check_lock
from pipelines.validation import check_log_date

Kind = Literal["run", "strength", "cross", "mobility"]
Likert = Field(default=None, ge=1, le=5)
# Logged days outside this range are rejected (422): they cannot be turned into features.
EARLIEST_DATE = dt.date(1970, 1, 1)
LATEST_DATE = dt.date(2100, 12, 31)
# The pattern documents the range in the OpenAPI schema (JSON Schema has no date bounds).
YEAR_RANGE_PATTERN = r"^(19[7-9][0-9]|20[0-9]{2}|2100)-"
ISO_DATE_SHAPE = re.compile(r"^\d{4}-\d{2}-\d{2}$")


def _iso_date(value: object) -> object:
    """Dates come as ``YYYY-MM-DD`` text (as the schema says): numbers and other shapes,
    which pydantic would read as Unix timestamps (``0`` -> 1970-01-01), are refused."""
    if isinstance(value, dt.date) or (isinstance(value, str) and ISO_DATE_SHAPE.match(value)):
        return value
    raise ValueError("expected a date as YYYY-MM-DD")


# Put into every date parameter and field: Annotated[dt.date, ISO_DATE, Query(...)].
ISO_DATE = BeforeValidator(_iso_date)
LogDate = Annotated[
    dt.date,
    ISO_DATE,
    Field(ge=EARLIEST_DATE, le=LATEST_DATE, json_schema_extra={"pattern": YEAR_RANGE_PATTERN}),
]
# The ``date`` query parameter of the routes about one athlete's day.
AthleteDayQuery = Annotated[
    dt.date | None,
    ISO_DATE,
    Query(
        ge=EARLIEST_DATE,
        le=LATEST_DATE,
        description="Day (YYYY-MM-DD); default: today in the athlete's time zone.",
        json_schema_extra={"pattern": YEAR_RANGE_PATTERN},
    ),
]


def _logged_day(value: dt.date | None, info: ValidationInfo) -> dt.date | None:
    """The import rule on the JSON path too: 1980-01-01 .. tomorrow (UTC + 1 day)."""
    today = dt.datetime.now(dt.UTC).date()
    return check_log_date(value, field=str(info.field_name), today=today)


# A day something happened (a session, a check-in, an injury onset): never after tomorrow.
PastLogDate = Annotated[LogDate, AfterValidator(_logged_day)]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class AthleteCreate(_Strict):
    name: str = Field(min_length=1, max_length=120)
    birth_year: int | None = Field(default=None, ge=1900, le=2030)
    sex: Literal["female", "male", "other"] | None = None
    experience_years: float | None = Field(default=None, ge=0, le=80)
    max_hr: float | None = Field(default=None, ge=100, le=250)
    resting_hr: float | None = Field(default=None, ge=25, le=120)
    availability_min: list[Annotated[int, Field(ge=0, le=1440)]] = Field(
        default=[60, 60, 60, 60, 60, 120, 120],
        min_length=7,
        max_length=7,
        description="Minutes available Monday..Sunday.",
    )
    goal: str | None = Field(default=None, max_length=200)
    timezone: str | None = Field(
        default=None,
        max_length=64,
        description="IANA time zone (e.g. Europe/Oslo); 'today' is the athlete's local date. "
        "Default: the server's CAIRN_DEFAULT_TIMEZONE.",
    )

    @field_validator("timezone")
    @classmethod
    def _iana(cls, value: str | None) -> str | None:
        return None if value is None else check_timezone(value)

    @field_validator("availability_min")
    @classmethod
    def _minutes_in_day(cls, value: list[int]) -> list[int]:
        if any(m < 0 or m > 1440 for m in value):
            raise ValueError("each availability value must be between 0 and 1440 minutes")
        return value


class AthleteUpdate(_Strict):
    """A profile correction: only the fields sent change (``null`` clears an optional one)."""

    name: str | None = Field(default=None, min_length=1, max_length=120)
    birth_year: int | None = Field(default=None, ge=1900, le=2030)
    sex: Literal["female", "male", "other"] | None = None
    experience_years: float | None = Field(default=None, ge=0, le=80)
    max_hr: float | None = Field(default=None, ge=100, le=250)
    resting_hr: float | None = Field(default=None, ge=25, le=120)
    availability_min: list[Annotated[int, Field(ge=0, le=1440)]] | None = Field(
        default=None, min_length=7, max_length=7, description="Minutes available Monday..Sunday."
    )
    goal: str | None = Field(default=None, max_length=200)
    timezone: str | None = Field(default=None, max_length=64, description="IANA time zone.")

    @field_validator("timezone")
    @classmethod
    def _iana(cls, value: str | None) -> str | None:
        return None if value is None else check_timezone(value)

    @model_validator(mode="after")
    def _required_stay_set(self) -> AthleteUpdate:
        for name in ("name", "availability_min"):
            if name in self.model_fields_set and getattr(self, name) is None:
                raise ValueError(f"{name} cannot be null")
        return self


class AthletePublic(AthleteCreate):
    model_config = ConfigDict(extra="ignore", from_attributes=True)
    id: int
    # Stored values may come from imports or the simulator (e.g. "F", "M"), so wider than Create.
    sex: str | None = None  # type: ignore[assignment]


class StrengthSetIn(_Strict):
    exercise: str = Field(min_length=1, max_length=120)
    set_number: int = Field(ge=1, le=100)
    reps: float | None = Field(default=None, ge=0, le=500)
    load_kg: float | None = Field(default=None, ge=0, le=1000)
    rpe: float | None = Field(default=None, ge=0, le=10)


class SessionCreate(_Strict):
    date: PastLogDate
    start_time: (
        Annotated[
            dt.datetime,
            Field(
                ge=dt.datetime(1970, 1, 1),
                le=dt.datetime(2100, 12, 31),
                json_schema_extra={"pattern": YEAR_RANGE_PATTERN},
            ),
        ]
        | None
    ) = Field(default=None, description="Local start time, without a UTC offset.")
    kind: Kind
    type: str = Field(min_length=1, max_length=40)
    duration_min: float = Field(gt=0, lt=2880)
    distance_km: float | None = Field(default=None, ge=0, lt=500)
    elevation_gain_m: float | None = Field(default=None, ge=0, le=20000)
    elevation_loss_m: float | None = Field(default=None, ge=0, le=20000)
    avg_hr: float | None = Field(default=None, ge=25, le=250)
    rpe: float | None = Field(default=None, ge=0, le=10)
    sets: list[StrengthSetIn] = Field(default_factory=list, max_length=200)

    @field_validator("start_time", mode="before")
    @classmethod
    def _wall_clock(cls, value: object) -> object:
        """Keep the local wall-clock time; a UTC offset, if sent, is dropped. Numbers (Unix
        timestamps to pydantic) are refused: the schema says date-time text."""
        if isinstance(value, int | float):
            raise ValueError("expected a date and time like 2024-05-31T07:30:00")
        if isinstance(value, str) and len(value) > 19:
            parsed = dt.datetime.fromisoformat(value.replace("Z", "+00:00"))
            return parsed.replace(tzinfo=None)
        return value

    @field_validator("start_time")
    @classmethod
    def _start_logged(cls, value: dt.datetime | None, info: ValidationInfo) -> dt.datetime | None:
        _logged_day(value.date() if value is not None else None, info)
        return value


class SessionPublic(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    id: int
    athlete_id: int
    date: dt.date
    kind: str
    type: str
    duration_min: float
    rpe: float | None
    source: str
    external_id: str


class WellnessCreate(_Strict):
    date: PastLogDate
    sleep_h: float | None = Field(default=None, ge=0, le=24)
    sleep_quality: float | None = Likert
    soreness: float | None = Likert
    fatigue: float | None = Likert
    mood: float | None = Likert
    stress: float | None = Likert
    resting_hr: float | None = Field(default=None, ge=25, le=120)
    hrv_rmssd: float | None = Field(default=None, ge=1, le=300)
    readiness: float | None = Field(default=None, ge=0, le=10)
    pain: bool = False
    illness: bool = False


class WellnessPublic(WellnessCreate):
    model_config = ConfigDict(from_attributes=True, extra="ignore")
    id: int
    athlete_id: int


class InjuryCreate(_Strict):
    start_date: PastLogDate
    end_date: LogDate | None = None
    body_part: str = Field(min_length=1, max_length=80)
    severity: Literal["minor", "moderate", "major"] = "minor"


class InjuryPublic(InjuryCreate):
    model_config = ConfigDict(from_attributes=True, extra="ignore")
    id: int
    athlete_id: int


class RecommendedSession(BaseModel):
    kind: Literal["rest", "mobility", "run", "strength", "cross"]
    type: str
    intensity: Literal["rest", "easy", "moderate", "hard"]
    duration_min: float
    target_rpe: float


class Predicted(BaseModel):
    readiness: float = Field(ge=0, le=100)
    injury_risk: float = Field(ge=0, le=1)


class RecommendationPublic(BaseModel):
    athlete_id: int
    date: dt.date
    session: RecommendedSession
    predicted: Predicted
    reasons: list[str]
    model_versions: dict[str, int | None]
    degraded: bool = False
    degraded_reason: str | None = None
    prescription: PrescriptionPublic | None = None
    block: BlockPublic | None = None
    model_source: Literal["population", "own_data"] | None = Field(
        default=None,
        description="population: day-one models trained on a simulated cohort; own_data: "
        "models this installation's data earned through the training gate.",
    )
    rules_applied: list[str] = Field(
        default_factory=list,
        description="Every hard rule that shaped today's session, as '<code>: <detail>'.",
    )
    readiness_floor: float | None = Field(
        default=None, description="The readiness floor (0-100) for moderate/hard sessions today."
    )


class Health(BaseModel):
    status: Literal["ok"]
    database: Literal["ok", "unavailable"]
    models: dict[str, int | None]
    degraded: bool


class ErrorBody(BaseModel):
    error: str
    detail: str | list[dict]


# --- Auth, lists, models and jobs ---


class Token(BaseModel):
    access_token: str
    token_type: Literal["bearer"] = "bearer"
    expires_in: int = Field(description="Seconds until the token expires.")


class AthletesPublic(BaseModel):
    data: list[AthletePublic]
    count: int = Field(description="Athletes visible to the caller in total (all pages).")


class ModelVersionPublic(BaseModel):
    name: str
    version: int
    aliases: list[str]
    run_id: str | None = None
    created: int | None = Field(default=None, description="Milliseconds since the epoch.")
    metrics: dict[str, float | None] = Field(default_factory=dict)


class ModelsPublic(BaseModel):
    data: list[ModelVersionPublic]
    count: int


class PromoteRequest(_Strict):
    version: int = Field(ge=1, le=1_000_000, description="Registry version to serve.")


class JobPublic(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    id: str
    kind: str
    state: Literal["queued", "running", "succeeded", "failed"]
    progress: float = Field(ge=0, le=1)
    stage: str
    created_at: dt.datetime
    started_at: dt.datetime | None = None
    finished_at: dt.datetime | None = None
    result: dict | None = Field(
        default=None, description="Training report: per-model metrics and promotion decision."
    )
    error: str | None = None

    @field_validator("created_at", "started_at", "finished_at")
    @classmethod
    def _as_utc(cls, value: dt.datetime | None) -> dt.datetime | None:
        """Stored as naive UTC; answered with the offset (RFC 3339)."""
        if value is not None and value.tzinfo is None:
            return value.replace(tzinfo=dt.UTC)
        return value


class JobsPublic(BaseModel):
    data: list[JobPublic]
    count: int


# --- Coaching: prescription, periodisation, week plans and locks ---


class ExercisePublic(BaseModel):
    exercise: str
    sets: int
    reps: int | None = None
    hold_s: int | None = Field(default=None, description="Seconds per hold (planks).")
    load_kg: float | None = Field(default=None, description="None: bodyweight or choose by RIR.")
    rir: int | None = Field(default=None, description="Reps in reserve at the end of each set.")
    tempo: str | None = Field(default=None, description="Lower-pause-lift-pause seconds.")
    change: Literal["start", "progress", "hold", "back_off"]
    note: str


class PrescriptionPublic(BaseModel):
    warm_up: list[str]
    main_set: dict[str, Any] = Field(
        description="Run: duration, target RPE, hr_zone, terrain, climb/descent, structure; "
        "strength: exercises (ExercisePublic), rest between sets."
    )
    cool_down: list[str]
    mobility: list[str]
    cues: list[str]
    reasons: list[str]
    notes: list[str]


class BlockPublic(BaseModel):
    index: int = Field(ge=0)
    week_in_block: int = Field(ge=1, le=4)
    phase: Literal["build", "deload"]
    emphasis: Literal["base", "uphill", "explosive", "descent"]
    focus: str
    starts: dt.date
    ends: dt.date
    next_reassessment: dt.date


class ReassessmentPublic(BaseModel):
    date: dt.date
    verdict: Literal["progress", "hold", "reduce"]
    overload: float = Field(description="Weekly-target growth in the build weeks (fraction).")
    changes: list[str]
    reasons: list[str]


class PlanDayPublic(BaseModel):
    date: dt.date
    session: RecommendedSession
    locked: bool
    reasons: list[str]
    prescription: PrescriptionPublic | None = None


class PlannedSessionChange(BaseModel):
    type: str
    duration_min: float
    intensity: str


class PlanChangePublic(BaseModel):
    date: dt.date
    before: PlannedSessionChange
    after: PlannedSessionChange
    why: list[str]


class GoalPublic(BaseModel):
    """The goal event the plan works toward and where the athlete is on the way."""

    event: dict[str, Any] = Field(description="id, date, name, distance_km, climb_m, priority")
    days_to_event: int
    phase: Literal["build", "taper", "race", "recovery"]
    taper_days: int
    taper_starts: dt.date
    no_hard_from: dt.date
    recovery_days: int


class PlanPublic(BaseModel):
    athlete_id: int
    date: dt.date
    days: list[PlanDayPublic]
    block: BlockPublic
    reassessment: ReassessmentPublic | None = None
    changes: list[PlanChangePublic] = Field(
        description="Days whose session changed since yesterday's plan, and why."
    )
    notes: list[str]
    feasible: bool
    predicted: Predicted
    model_versions: dict[str, int | None]
    degraded: bool = False
    degraded_reason: str | None = None
    rules_applied: list[str] = Field(default_factory=list)
    readiness_floor: float | None = None
    goal: GoalPublic | None = None
    unmapped_exercises: list[str] = Field(
        default_factory=list,
        description="Logged exercise names that map onto no catalogue exercise (listed once).",
    )


class PlanLockCreate(_Strict):
    type: str = Field(
        min_length=1,
        max_length=40,
        description="A catalogue session type.",
        json_schema_extra={"enum": list[JsonValue](sorted(CATALOGUE))},
    )
    duration_min: float = Field(ge=0, le=600, description="Minutes (0 for rest).")
    note: str = Field(default="", max_length=200)

    @model_validator(mode="after")
    def _plannable(self) -> PlanLockCreate:
        check_lock(type_id=self.type, duration_min=self.duration_min)
        return self


class PlanLockPublic(BaseModel):
    athlete_id: int
    date: dt.date
    type: str
    duration_min: float
    note: str
    set_by: Literal["athlete", "coach", "admin"]
    session: RecommendedSession


class PlanLocksPublic(BaseModel):
    data: list[PlanLockPublic]
    count: int


RecommendationPublic.model_rebuild()


# --- Goal events (issue 12) ---


class EventCreate(_Strict):
    date: LogDate
    name: str = Field(min_length=1, max_length=120, description="The event's name.")
    distance_km: float = Field(gt=0, le=500, description="Distance (km).")
    climb_m: float = Field(default=0.0, ge=0, le=20000, description="Total climb (m).")
    priority: Literal["A", "B", "C"] = Field(
        default="A", description="A: the goal the plan builds toward; B/C: a mini-taper."
    )


class EventPublic(EventCreate):
    model_config = ConfigDict(extra="ignore")
    id: int
    athlete_id: int


class EventsPublic(BaseModel):
    data: list[EventPublic]
    count: int


class CandidateScore(BaseModel):
    """One candidate session scored by the nightly batch (readiness 0-100, risk 0-1)."""

    type: str
    duration_min: float
    readiness: float
    injury_risk: float


class MorningScoresPublic(BaseModel):
    """The nightly batch's scores of one athlete's morning (``cairn nightly``)."""

    athlete_id: int
    date: dt.date
    model_versions: dict[str, int | None]
    feature_version: str
    computed_at: dt.datetime
    degraded: bool
    candidates: list[CandidateScore]
