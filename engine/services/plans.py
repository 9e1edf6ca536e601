"""Week plans and locks for the CLI and the API: read what is needed, call the pure core."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy.orm import Session

from engine.coach import coach
from engine.coach.scoring import ModelSet
from engine.optimizer.catalogue import CATALOGUE
from engine.optimizer.choose import HORIZON_DAYS
from engine.services.calendar import athlete_today
from engine.services.events import read_goal_events
from engine.services.morning_cache import MorningCache
from engine.services.recommendation import load_morning, read_lock_candidates, rules_from_settings
from engine.settings import Settings
from engine.store import plan_locks

STAFF_ROLES = frozenset({"coach", "admin"})
MAX_LOCK_MIN = 600.0


def plan_for(
    session: Session,
    *,
    athlete_id: int,
    today: dt.date | None,
    models: ModelSet,
    settings: Settings,
    days: int = HORIZON_DAYS,
    cache: MorningCache[coach.Morning] | None = None,
) -> dict[str, Any]:
    """The plan JSON for the next ``days`` days, with what changed since yesterday's plan.

    Yesterday's plan is recomputed from the data up to yesterday morning (logs before
    yesterday, yesterday's check-in, the locks set before today), so no plan is stored.
    """
    if not 1 <= days <= HORIZON_DAYS:
        raise ValueError(f"days must be 1-{HORIZON_DAYS}, got {days}")
    local_now = athlete_today(session, athlete_id=athlete_id, settings=settings)
    today = local_now if today is None else today  # default: the athlete's local date now
    rules = rules_from_settings(settings)
    yesterday = today - dt.timedelta(days=1)
    before = coach.plan_days(
        load_morning(session, athlete_id=athlete_id, today=yesterday, cache=cache),
        models,
        rules=rules,
        locks=read_lock_candidates(
            session, athlete_id=athlete_id, today=yesterday, set_before=today
        ),
        events=read_goal_events(session, athlete_id=athlete_id, today=yesterday),
    )
    plan = coach.plan_days(
        load_morning(session, athlete_id=athlete_id, today=today, cache=cache),
        models,
        rules=rules,
        locks=read_lock_candidates(session, athlete_id=athlete_id, today=today),
        # a plan for a future day cannot have missed yesterday's session: nothing is logged yet
        planned_yesterday=before.plan.days[0].candidate if today <= local_now else None,
        events=read_goal_events(session, athlete_id=athlete_id, today=today),
    )
    out = plan.to_dict(changes=coach.changes_since(plan, before))
    out["days"] = out["days"][:days]
    return out


def may_change_lock(*, role: str, existing_role: str | None) -> bool:
    """Coaches and admins may set or remove any lock; athletes (and their API keys) only
    their own, never one a coach or admin set."""
    return role in STAFF_ROLES or existing_role is None or existing_role not in STAFF_ROLES


def check_lock(*, type_id: str, duration_min: float) -> None:
    """Raise ``ValueError`` naming the field for a lock the optimizer cannot plan."""
    if type_id not in CATALOGUE:
        raise ValueError(f"type: unknown session type {type_id!r}")
    rest = CATALOGUE[type_id].kind == "rest"
    if rest and duration_min != 0:
        raise ValueError("duration_min: a rest day lasts 0 minutes")
    if not rest and not 0 < duration_min <= MAX_LOCK_MIN:
        raise ValueError(f"duration_min: must be in (0, {MAX_LOCK_MIN:g}] for {type_id}")


def lock_dict(lock: plan_locks.LockRecord) -> dict[str, Any]:
    """A lock as JSON-ready data, with the session it fixes."""
    c = lock.candidate
    return {
        "athlete_id": lock.athlete_id,
        "date": lock.date.isoformat(),
        "type": lock.type,
        "duration_min": lock.duration_min,
        "note": lock.note,
        "set_by": lock.role,
        "session": {
            "kind": c.kind,
            "type": c.type,
            "intensity": c.intensity,
            "duration_min": float(c.duration_min),
            "target_rpe": float(c.target_rpe),
        },
    }
