"""Use cases shared by the CLI and the API: read what is needed, call the pure core."""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Hashable, Mapping

import pandas as pd
from sqlalchemy.orm import Session, sessionmaker

from engine.coach import coach
from engine.coach.answer import Recommendation
from engine.coach.goals import GoalEvent
from engine.coach.history import HISTORY_DAYS, AthleteHistory
from engine.coach.scoring import ModelSet
from engine.optimizer.catalogue import Candidate
from engine.optimizer.choose import HORIZON_DAYS, Rules
from engine.services import prepared
from engine.services.calendar import athlete_today
from engine.services.events import read_goal_events
from engine.services.feature_store import read_morning_features
from engine.services.morning_cache import MorningCache
from engine.settings import Settings
from engine.store import database, logbook, plan_locks

log = logging.getLogger(__name__)

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
    fingerprint: Hashable | None = None,
) -> coach.Morning:
    """This morning's state for one athlete, from ``cache`` while the logs are unchanged
    (``fingerprint``: the logs' fingerprint when the caller has read it already)."""

    def build() -> coach.Morning:
        history = read_history(session, athlete_id=athlete_id, today=today)
        features = read_morning_features(
            session, athlete_id=athlete_id, today=today, days=STORE_WINDOW_DAYS
        )
        return coach.prepare_morning(history, today=today, features=features)

    if cache is None:
        return build()
    if fingerprint is None:
        fingerprint = plan_locks.read_log_fingerprint(session, athlete_id=athlete_id, until=today)
    key: Hashable = (athlete_id, today, fingerprint)
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


Inputs = tuple[Hashable, dict[dt.date, Candidate], tuple[GoalEvent, ...], Rules]


def _read_inputs(
    session: Session, *, athlete_id: int, today: dt.date, settings: Settings
) -> Inputs:
    """What an answer depends on besides the models: the logs' fingerprint, locks, goals, rules."""
    return (
        plan_locks.read_log_fingerprint(session, athlete_id=athlete_id, until=today),
        read_lock_candidates(session, athlete_id=athlete_id, today=today),
        read_goal_events(session, athlete_id=athlete_id, today=today),
        rules_from_settings(settings),
    )


def inputs_key(
    athlete_id: int,
    today: dt.date,
    inputs: Inputs,
    *,
    versions: Mapping[str, int | None],
    source: str | None,
) -> str:
    """The prepared-answer key of one athlete's day (``prepared.inputs_key``)."""
    fingerprint, locks, goals, rules = inputs
    return prepared.inputs_key(
        athlete_id=athlete_id,
        today=today,
        fingerprint=fingerprint,
        locks=locks,
        goals=goals,
        versions=versions,
        source=source,
        rules=rules,
    )


def read_prepared_answer(
    session: Session,
    *,
    athlete_id: int,
    today: dt.date,
    versions: Mapping[str, int | None],
    source: str | None,
    settings: Settings,
) -> Recommendation | None:
    """The prepared answer of the athlete's day under champions known by their registry
    ``versions`` and ``source`` only (not loaded: a command serving a prepared answer never
    imports LightGBM), when its inputs are unchanged; else None."""
    if not prepared.registered(versions):
        return None
    inputs = _read_inputs(session, athlete_id=athlete_id, today=today, settings=settings)
    key = inputs_key(athlete_id, today, inputs, versions=versions, source=source)
    return prepared.read_prepared(session, athlete_id=athlete_id, today=today, key=key)


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

    The answer is served from the prepared answers (``engine.services.prepared``: the nightly
    batch's, or one computed earlier by any process) when its inputs are unchanged; otherwise
    it is computed and kept there for the next request. With a ``cache``, the
    morning state and its answers are also kept in this process.
    """
    rec, key = answer_for(
        session, athlete_id=athlete_id, today=today, models=models, settings=settings, cache=cache
    )
    if key is not None:
        prepared.save_prepared(session, [(key, rec)])
    return rec


def warm_today(
    factory: sessionmaker[Session],
    *,
    athlete_id: int,
    models: ModelSet,
    settings: Settings,
    cache: MorningCache[coach.Morning] | None = None,
) -> bool:
    """After a write to an athlete's logs: compute and save their answer of today (their local
    date), so that the request that usually follows (the check-in, then "what today?") is
    served prepared. Best effort, for a background task: a failure is logged, never raised.
    Returns whether an answer is now prepared."""
    if not prepared.keeps(models):
        return False
    try:
        with database.open_session(factory) as session:
            recommend_for(
                session,
                athlete_id=athlete_id,
                today=None,
                models=models,
                settings=settings,
                cache=cache,
            )
    except Exception:  # noqa: BLE001 - after the response: nothing to answer, only to log
        log.exception("today's answer of athlete %s not prepared after a write", athlete_id)
        return False
    return True


def answer_for(
    session: Session,
    *,
    athlete_id: int,
    today: dt.date | None,
    models: ModelSet,
    settings: Settings,
    cache: MorningCache[coach.Morning] | None = None,
    use_prepared: bool = True,
) -> tuple[Recommendation, str | None]:
    """``recommend_for`` without saving: the answer, and its inputs key when it was computed
    here and may be kept (None: served prepared, or not kept for these models).
    ``use_prepared`` False always computes (e.g. to check or time the computation)."""
    if today is None:
        today = athlete_today(session, athlete_id=athlete_id, settings=settings)
    inputs = _read_inputs(session, athlete_id=athlete_id, today=today, settings=settings)
    fingerprint, locks, goals, rules = inputs
    key = None
    if prepared.keeps(models):
        key = inputs_key(athlete_id, today, inputs, versions=models.versions, source=models.source)
        ready = (
            prepared.read_prepared(session, athlete_id=athlete_id, today=today, key=key)
            if use_prepared
            else None
        )
        if ready is not None:
            return ready, None
    morning = load_morning(
        session, athlete_id=athlete_id, today=today, cache=cache, fingerprint=fingerprint
    )
    models = _personal_models(morning, models)
    if cache is None:
        rec = coach.recommend_today(morning, models, rules=rules, locks=locks, events=goals)
        return rec, key
    memo = (
        "recommendation",
        tuple(sorted(locks.items())),
        goals,
        tuple(sorted(models.versions.items())),
        models.available,
        id(models.readiness),
        id(models.injury),
        repr(rules),
    )
    if memo in morning.answers:
        return morning.answers[memo], None  # computed (and saved) by an earlier request
    rec = coach.recommend_today(morning, models, rules=rules, locks=locks, events=goals)
    morning.answers[memo] = rec
    return rec, key
