"""Use cases shared by the CLI and the API: read what is needed, call the pure core."""

from __future__ import annotations

import datetime as dt

import pandas as pd
from sqlalchemy.orm import Session

from engine import store
from engine.optimizer import Rules
from engine.recommend import AthleteHistory, ModelSet, Recommendation, recommend_session
from engine.settings import Settings


def rules_from_settings(settings: Settings) -> Rules:
    """The optimizer's guard rails with the configured risk ceiling and readiness floor."""
    return Rules(risk_ceiling=settings.risk_ceiling, readiness_floor=settings.readiness_floor)


def read_history(session: Session, *, athlete_id: int, today: dt.date) -> AthleteHistory:
    """Read one athlete's logs up to ``today`` (raises ``AthleteNotFoundError``)."""
    logs = store.read_athlete_logs(session, athlete_id=athlete_id, until=today)
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
        sets=store.read_set_frame(session, athlete_ids=[athlete_id], until=today),
    )


def recommend_for(
    session: Session,
    *,
    athlete_id: int,
    today: dt.date,
    models: ModelSet,
    settings: Settings,
) -> Recommendation:
    """Today's recommendation for one athlete."""
    history = read_history(session, athlete_id=athlete_id, today=today)
    return recommend_session(history, models, today=today, rules=rules_from_settings(settings))
