"""Database tables (SQLAlchemy 2 declarative mapping). Schema changes go through Alembic."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import (
    JSON,
    Boolean,
    Date,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    String,
    UniqueConstraint,
    text,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship


class Base(DeclarativeBase):
    """Declarative base for all Cairn tables."""


class Athlete(Base):
    """An athlete and their static attributes; availability is minutes per weekday."""

    __tablename__ = "athlete"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(120))
    birth_year: Mapped[int | None] = mapped_column(Integer)
    sex: Mapped[str | None] = mapped_column(String(16))
    experience_years: Mapped[float | None] = mapped_column(Float)
    max_hr: Mapped[float | None] = mapped_column(Float)
    resting_hr: Mapped[float | None] = mapped_column(Float)
    availability_min: Mapped[list[int]] = mapped_column(JSON)  # Mon..Sun
    goal: Mapped[str | None] = mapped_column(String(200))
    timezone: Mapped[str | None] = mapped_column(String(64))  # IANA name (revision 0006)
    external_ref: Mapped[str | None] = mapped_column(String(120), unique=True)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime, default=dt.datetime.utcnow)


class TrainingSession(Base):
    """One logged training session (run, strength, cross-training or mobility)."""

    __tablename__ = "training_session"
    __table_args__ = (UniqueConstraint("athlete_id", "source", "external_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    athlete_id: Mapped[int] = mapped_column(
        ForeignKey("athlete.id", ondelete="CASCADE"), index=True
    )
    date: Mapped[dt.date] = mapped_column(Date, index=True)
    start_time: Mapped[dt.datetime | None] = mapped_column(DateTime)
    kind: Mapped[str] = mapped_column(String(16))
    type: Mapped[str] = mapped_column(String(40))
    duration_min: Mapped[float] = mapped_column(Float)
    distance_km: Mapped[float | None] = mapped_column(Float)
    elevation_gain_m: Mapped[float | None] = mapped_column(Float)
    elevation_loss_m: Mapped[float | None] = mapped_column(Float)
    avg_hr: Mapped[float | None] = mapped_column(Float)
    rpe: Mapped[float | None] = mapped_column(Float)
    source: Mapped[str] = mapped_column(String(32), default="manual")
    external_id: Mapped[str] = mapped_column(String(128))

    sets: Mapped[list[StrengthSet]] = relationship(
        back_populates="session", cascade="all, delete-orphan", order_by="StrengthSet.set_number"
    )


class StrengthSet(Base):
    """One set of a strength session."""

    __tablename__ = "strength_set"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    session_id: Mapped[int] = mapped_column(
        ForeignKey("training_session.id", ondelete="CASCADE"), index=True
    )
    exercise: Mapped[str] = mapped_column(String(120))
    set_number: Mapped[int] = mapped_column(Integer)
    reps: Mapped[float | None] = mapped_column(Float)
    load_kg: Mapped[float | None] = mapped_column(Float)
    rpe: Mapped[float | None] = mapped_column(Float)

    session: Mapped[TrainingSession] = relationship(back_populates="sets")


class WellnessCheckin(Base):
    """The morning check-in; at most one per athlete and day."""

    __tablename__ = "wellness_checkin"
    __table_args__ = (UniqueConstraint("athlete_id", "date"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    athlete_id: Mapped[int] = mapped_column(
        ForeignKey("athlete.id", ondelete="CASCADE"), index=True
    )
    date: Mapped[dt.date] = mapped_column(Date)
    sleep_h: Mapped[float | None] = mapped_column(Float)
    sleep_quality: Mapped[float | None] = mapped_column(Float)
    soreness: Mapped[float | None] = mapped_column(Float)
    fatigue: Mapped[float | None] = mapped_column(Float)
    mood: Mapped[float | None] = mapped_column(Float)
    stress: Mapped[float | None] = mapped_column(Float)
    resting_hr: Mapped[float | None] = mapped_column(Float)
    hrv_rmssd: Mapped[float | None] = mapped_column(Float)
    readiness: Mapped[float | None] = mapped_column(Float)
    pain: Mapped[bool] = mapped_column(Boolean, default=False)
    illness: Mapped[bool] = mapped_column(Boolean, default=False)
    source: Mapped[str] = mapped_column(String(32), default="manual")


class Injury(Base):
    """A time-loss injury; ``end_date`` is NULL while it is still open."""

    __tablename__ = "injury"
    __table_args__ = (UniqueConstraint("athlete_id", "source", "external_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    athlete_id: Mapped[int] = mapped_column(
        ForeignKey("athlete.id", ondelete="CASCADE"), index=True
    )
    start_date: Mapped[dt.date] = mapped_column(Date)
    end_date: Mapped[dt.date | None] = mapped_column(Date)
    body_part: Mapped[str] = mapped_column(String(80))
    severity: Mapped[str] = mapped_column(String(16))
    source: Mapped[str] = mapped_column(String(32), default="manual")
    # One row per report: PMData's weekly reports keep their own ids; elsewhere start:body_part.
    external_id: Mapped[str] = mapped_column(String(160))


# --- Accounts, API keys, jobs and idempotency (revision 0002) ---

ACTIVE_JOB_STATES = ("queued", "running")


class User(Base):
    """A person who signs in: ``athlete`` (own data), ``coach`` (linked athletes) or ``admin``."""

    __tablename__ = "app_user"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    username: Mapped[str] = mapped_column(String(80), unique=True)
    password_hash: Mapped[str] = mapped_column(String(255))
    role: Mapped[str] = mapped_column(String(16))
    athlete_id: Mapped[int | None] = mapped_column(
        ForeignKey("athlete.id", ondelete="CASCADE"), index=True
    )
    is_active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime, default=dt.datetime.utcnow)


class CoachAthlete(Base):
    """A coach may see and log for a linked athlete."""

    __tablename__ = "coach_athlete"
    __table_args__ = (UniqueConstraint("coach_id", "athlete_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    coach_id: Mapped[int] = mapped_column(ForeignKey("app_user.id", ondelete="CASCADE"), index=True)
    athlete_id: Mapped[int] = mapped_column(
        ForeignKey("athlete.id", ondelete="CASCADE"), index=True
    )


class ApiKey(Base):
    """A machine credential for one athlete with space-separated scopes (``sessions:write``)."""

    __tablename__ = "api_key"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    key_id: Mapped[str] = mapped_column(String(32), unique=True)
    key_hash: Mapped[str] = mapped_column(String(64))
    athlete_id: Mapped[int] = mapped_column(
        ForeignKey("athlete.id", ondelete="CASCADE"), index=True
    )
    scopes: Mapped[str] = mapped_column(String(400))
    name: Mapped[str] = mapped_column(String(80), default="")
    created_at: Mapped[dt.datetime] = mapped_column(DateTime, default=dt.datetime.utcnow)
    revoked_at: Mapped[dt.datetime | None] = mapped_column(DateTime)


class Job(Base):
    """A background job (model retraining); at most one active job per kind."""

    __tablename__ = "job"
    __table_args__ = (
        Index(
            "uq_job_active_kind",
            "kind",
            unique=True,
            sqlite_where=text("state IN ('queued', 'running')"),
            postgresql_where=text("state IN ('queued', 'running')"),
        ),
    )

    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    kind: Mapped[str] = mapped_column(String(32))
    state: Mapped[str] = mapped_column(String(16), index=True)
    progress: Mapped[float] = mapped_column(Float, default=0.0)
    stage: Mapped[str] = mapped_column(String(80), default="")
    requested_by: Mapped[int | None] = mapped_column(ForeignKey("app_user.id", ondelete="SET NULL"))
    owner: Mapped[str] = mapped_column(String(160), default="")
    created_at: Mapped[dt.datetime] = mapped_column(DateTime, default=dt.datetime.utcnow)
    started_at: Mapped[dt.datetime | None] = mapped_column(DateTime)
    finished_at: Mapped[dt.datetime | None] = mapped_column(DateTime)
    heartbeat_at: Mapped[dt.datetime | None] = mapped_column(DateTime)
    result: Mapped[dict | None] = mapped_column(JSON)
    error: Mapped[str | None] = mapped_column(String(2000))


class IdempotencyRecord(Base):
    """The stored answer to a POST sent with an ``Idempotency-Key`` (per athlete and key)."""

    __tablename__ = "idempotency_record"
    __table_args__ = (UniqueConstraint("athlete_id", "key"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    athlete_id: Mapped[int] = mapped_column(
        ForeignKey("athlete.id", ondelete="CASCADE"), index=True
    )
    key: Mapped[str] = mapped_column(String(255))
    request_hash: Mapped[str] = mapped_column(String(64))
    status_code: Mapped[int] = mapped_column(Integer)
    response: Mapped[dict] = mapped_column(JSON)
    created_at: Mapped[dt.datetime] = mapped_column(
        DateTime, default=dt.datetime.utcnow, index=True
    )


# --- Coach locks on plan days (revision 0003) ---


class PlanLock(Base):
    """A day fixed by a coach (override) or the athlete (race, travel); one per athlete and day.

    ``duration_min`` is 0 for a rest day; ``role`` is who set it (``athlete``, ``coach`` or
    ``admin``): an athlete may not replace or remove a coach's or admin's lock.
    """

    __tablename__ = "plan_lock"
    __table_args__ = (UniqueConstraint("athlete_id", "date"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    athlete_id: Mapped[int] = mapped_column(
        ForeignKey("athlete.id", ondelete="CASCADE"), index=True
    )
    date: Mapped[dt.date] = mapped_column(Date)
    type: Mapped[str] = mapped_column(String(40))
    duration_min: Mapped[float] = mapped_column(Float)
    note: Mapped[str] = mapped_column(String(200), default="")
    role: Mapped[str] = mapped_column(String(16))
    created_by: Mapped[int | None] = mapped_column(ForeignKey("app_user.id", ondelete="SET NULL"))
    created_at: Mapped[dt.datetime] = mapped_column(DateTime, default=dt.datetime.utcnow)


# --- Who changed which logged record, and when (revision 0004) ---


class RecordChange(Base):
    """One change to a logged record: ``action`` is ``create``, ``update`` or ``delete``;
    ``changes`` maps each changed field to ``[before, after]`` (the whole record on delete)."""

    __tablename__ = "record_change"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    athlete_id: Mapped[int] = mapped_column(
        ForeignKey("athlete.id", ondelete="CASCADE"), index=True
    )
    record_type: Mapped[str] = mapped_column(String(16))
    record_id: Mapped[int] = mapped_column(Integer)
    action: Mapped[str] = mapped_column(String(8))
    changes: Mapped[dict] = mapped_column(JSON)
    changed_by: Mapped[str] = mapped_column(String(80))
    user_id: Mapped[int | None] = mapped_column(ForeignKey("app_user.id", ondelete="SET NULL"))
    changed_at: Mapped[dt.datetime] = mapped_column(DateTime, default=dt.datetime.utcnow)


# --- Goal events (revision 0006) ---


class GoalEvent(Base):
    """A race or other goal event: the plan tapers toward it, races it and recovers after.

    ``distance_km`` and ``climb_m`` size the taper and the build's long runs; ``priority`` is
    ``A`` (the goal the plan builds toward), ``B`` or ``C`` (a mini-taper).
    """

    __tablename__ = "goal_event"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    athlete_id: Mapped[int] = mapped_column(
        ForeignKey("athlete.id", ondelete="CASCADE"), index=True
    )
    date: Mapped[dt.date] = mapped_column(Date)
    name: Mapped[str] = mapped_column(String(120))
    distance_km: Mapped[float] = mapped_column(Float)
    climb_m: Mapped[float] = mapped_column(Float, default=0.0)
    priority: Mapped[str] = mapped_column(String(1))
    created_at: Mapped[dt.datetime] = mapped_column(DateTime, default=dt.datetime.utcnow)


# --- Daily feature store, its dirty markers and the nightly scores (revision 0007) ---


class FeatureDay(Base):
    """One athlete-day of the daily feature table (``pipelines.feature_rows``): the float64
    vector of the stored columns, stamped with the feature definitions' version."""

    __tablename__ = "feature_day"

    athlete_id: Mapped[int] = mapped_column(
        ForeignKey("athlete.id", ondelete="CASCADE"), primary_key=True
    )
    date: Mapped[dt.date] = mapped_column(Date, primary_key=True)
    version: Mapped[str] = mapped_column(String(40))
    values: Mapped[bytes] = mapped_column(LargeBinary)


class FeatureDirty(Base):
    """An athlete whose stored feature rows from ``from_date`` on may be out of date.

    Written only by database triggers (migration 0007) in the transaction of any write to
    the logs the features read; ``seq`` grows with every mark, so a refresh clears the marker
    only when no write came in while it computed. No foreign key: a trigger may mark an
    athlete that is being deleted."""

    __tablename__ = "feature_dirty"

    athlete_id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    from_date: Mapped[dt.date] = mapped_column(Date)
    seq: Mapped[int] = mapped_column(Integer)


class MorningScore(Base):
    """The nightly batch's scores of one athlete's morning: each candidate's predicted
    readiness and injury risk under the champions (``result``, JSON)."""

    __tablename__ = "morning_score"

    athlete_id: Mapped[int] = mapped_column(
        ForeignKey("athlete.id", ondelete="CASCADE"), primary_key=True
    )
    date: Mapped[dt.date] = mapped_column(Date, primary_key=True)
    feature_version: Mapped[str] = mapped_column(String(40))
    model_versions: Mapped[dict] = mapped_column(JSON)
    result: Mapped[dict] = mapped_column(JSON)
    computed_at: Mapped[dt.datetime] = mapped_column(DateTime, default=dt.datetime.utcnow)


class PreparedAnswer(Base):
    """One athlete's recommendation of a day (``answer``, the contract's JSON), kept with the
    hash of every input it was computed from (``inputs_key``): the nightly batch prepares the
    morning's answers, and a request with the same inputs is served from here."""

    __tablename__ = "prepared_answer"

    athlete_id: Mapped[int] = mapped_column(
        ForeignKey("athlete.id", ondelete="CASCADE"), primary_key=True
    )
    date: Mapped[dt.date] = mapped_column(Date, primary_key=True)
    inputs_key: Mapped[str] = mapped_column(String(64))
    answer: Mapped[dict] = mapped_column(JSON)
    computed_at: Mapped[dt.datetime] = mapped_column(DateTime, default=dt.datetime.utcnow)
