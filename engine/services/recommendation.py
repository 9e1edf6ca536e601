"""Use cases shared by the CLI and the API: read what is needed, call the pure core."""

from __future__ import annotations

import datetime as dt
from collections.abc import Hashable

import pandas as pd
from sqlalchemy.orm import Session

from engine.coach import coach
from engine.coach.answer import Recommendation
from engine.coach.history import HISTORY_DAYS, AthleteHistory
from engine.coach.scoring import ModelSet
from engine.optimizer.catalogue import Candidate
from engine.optimizer.choose import HORIZON_DAYS, Rules
from engine.services.calendar import athlete_today
from engine.services.events import read_goal_events
from engine.services.feature_store import read_morning_features
from engine.services.morning_cache import MorningCache
from engine.settings import Settings
from engine.store import logbook, plan_locks

STORE_WINDOW_DAYS = HISTORY_DAYS * 4  # stored rows before today (as ``today_features`` builds)


def rules_from_settings(settings: Settings) -> Rules:
    """The coach's guard rails with the configured risk ceiling and readiness floor."""
    return coach.default_rules(
        risk_ceiling=settings.risk_ceiling, readiness_floor=settings.readiness_floor
    )


def read_history(session: Session, *, athlete_id: int, today: dt.date) -> AthleteHistory:
    """Read one athlete's logs up to ``today`` (raises ``AthleteNotFoundError``)."""
    logs = logbook.read_athlete_logs(session, athlete_id=athlete_id, until=today)
    a = logs.athlete
    profile = pd.DataFrame(
        {
            "athlete_id": [athlete_id],
            "birth_year": [a.birth_year],
            "sex": [a.sex],
            "experience_years": [a.experience_years],
            "max_hr": [a.max_hr],
            "resting_hr": [a.resting_hr],
        }
    )
    return AthleteHistory(
        athlete_id=athlete_id,
        availability_min=list(a.availability_min),
        sessions=logs.sessions,
        wellness=logs.wellness,
        injuries=logs.injuries,
        athlete=profile,
        sets=logbook.read_set_frame(session, athlete_ids=[athlete_id], until=today),
        created=a.created_at.date() if a.created_at else None,
    )


def load_morning(
    session: Session,
    *,
    athlete_id: int,
    today: dt.date,
    cache: MorningCache[coach.Morning] | None = None,
) -> coach.Morning:
    """This morning's state for one athlete, from ``cache`` while the logs are unchanged."""

    def build() -> coach.Morning:
        history = read_history(session, athlete_id=athlete_id, today=today)
        features = read_morning_features(
            session, athlete_id=athlete_id, today=today, days=STORE_WINDOW_DAYS
        )
        return coach.prepare_morning(history, today=today, features=features)

    if cache is None:
        return build()
    key: Hashable = (
        athlete_id,
        today,
        plan_locks.read_log_fingerprint(session, athlete_id=athlete_id, until=today),
    )
    return cache.get_or_build(key, build, slot=(athlete_id, today))


def read_lock_candidates(
    session: Session,
    *,
    athlete_id: int,
    today: dt.date,
    set_before: dt.date | None = None,
) -> dict[dt.date, Candidate]:
    """Locks on the planned days (today and the next 7), optionally only those set before a day."""
    locks = plan_locks.read_locks(
        session, athlete_id=athlete_id, start=today, end=today + dt.timedelta(days=HORIZON_DAYS)
    )
    return {
        lock.date: lock.candidate
        for lock in locks
        if set_before is None or lock.created_at.date() < set_before
    }


def _personal_models(morning: coach.Morning, models: ModelSet) -> ModelSet:
    """The population readiness model plus this athlete's shrunk offset (memoised per morning)."""
    from engine.coach.personalisation import personalise

    key = ("personal", tuple(sorted(models.versions.items())), id(models.readiness))
    if key not in morning.answers:
        morning.answers[key] = personalise(models, morning.daily)
    return morning.answers[key]


def recommend_for(
    session: Session,
    *,
    athlete_id: int,
    today: dt.date | None,
    models: ModelSet,
    settings: Settings,
    cache: MorningCache[coach.Morning] | None = None,
) -> Recommendation:
    """Today's recommendation for one athlete (periodised, adapted, locks honoured).

    ``today`` None means the athlete's local date now (their time zone, else the default).

    With a ``cache``, the answer is kept with the athlete's morning state: the same logs,
    locks, models and rules give the same recommendation, so a repeated request is not solved
    again (any new log, lock or model starts a new entry).
    """
    if today is None:
        today = athlete_today(session, athlete_id=athlete_id, settings=settings)
    morning = load_morning(session, athlete_id=athlete_id, today=today, cache=cache)
    locks = read_lock_candidates(session, athlete_id=athlete_id, today=today)
    goals = read_goal_events(session, athlete_id=athlete_id, today=today)
    rules = rules_from_settings(settings)
    models = _personal_models(morning, models)
    if cache is None:
        return coach.recommend_today(morning, models, rules=rules, locks=locks, events=goals)
    key = (
        "recommendation",
        tuple(sorted(locks.items())),
        goals,
        tuple(sorted(models.versions.items())),
        models.available,
        id(models.readiness),
        id(models.injury),
        repr(rules),
    )
    if key not in morning.answers:
        morning.answers[key] = coach.recommend_today(
            morning, models, rules=rules, locks=locks, events=goals
        )
    return morning.answers[key]
