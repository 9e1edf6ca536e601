"""This morning's state from the feature store: stored rows, recent sessions, dated sets.

The fast path of ``engine.services.recommendation.load_morning``: the daily features come
from the store (``read_morning_features``) instead of being rebuilt from every log, and only
the logs the coach still reads are fetched (the last 28 days of sessions, the strength sets
with their day, the profile). Returns None when the store cannot serve the day; the caller
then builds the morning from the logs.
"""

from __future__ import annotations

import datetime as dt

import pandas as pd
from sqlalchemy.orm import Session

from engine.coach import coach
from engine.coach.history import HISTORY_DAYS, AthleteHistory
from engine.services.feature_store import read_morning_features
from engine.store import feature_days, logbook
from pipelines.schemas import INJURY_COLUMNS, WELLNESS_COLUMNS, conform

RECENT_DAYS = 28  # sessions the coach reads directly (recent sessions, minutes done)
FEATURE_WINDOW_DAYS = HISTORY_DAYS * 4  # stored rows before today (as the logs path builds)

_EMPTY_WELLNESS = conform(
    pd.DataFrame(columns=list(WELLNESS_COLUMNS)), WELLNESS_COLUMNS, name="wellness"
)
_EMPTY_INJURIES = conform(
    pd.DataFrame(columns=list(INJURY_COLUMNS)), INJURY_COLUMNS, name="injuries"
)


def morning_from_store(
    session: Session, *, athlete_id: int, today: dt.date
) -> coach.Morning | None:
    """This morning's state with the features read from the store (None: not servable)."""
    features = read_morning_features(
        session, athlete_id=athlete_id, today=today, days=FEATURE_WINDOW_DAYS
    )
    if features is None:
        return None
    a = logbook.read_athlete(session, athlete_id=athlete_id)
    spans = feature_days.read_log_spans(session, athlete_ids=[athlete_id])
    created = a.created_at.date() if a.created_at else None
    first = spans.get(athlete_id, (None, None))[0]
    anchor = first if first is not None and first <= today else (created or today)
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
    history = AthleteHistory(
        athlete_id=athlete_id,
        availability_min=list(a.availability_min),
        sessions=feature_days.read_session_window(
            session,
            athlete_id=athlete_id,
            start=today - dt.timedelta(days=RECENT_DAYS),
            end=today,
        ),
        wellness=_EMPTY_WELLNESS,
        injuries=_EMPTY_INJURIES,
        athlete=profile,
        sets=feature_days.read_dated_sets(session, athlete_id=athlete_id, until=today),
        created=created,
    )
    return coach.prepare_morning(history, today=today, features=features, anchor=anchor)
