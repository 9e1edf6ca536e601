"""One row per day of an athlete's load, fitness, fatigue, form and readiness (a use case).

The numbers come from the same daily feature table the models are trained on
(``pipelines.features``): fitness (CTL, 42-day EWMA), fatigue (ATL, 7-day EWMA) and form
(TSB = CTL - ATL) of the session-RPE load, and the EWMA acute:chronic ratio. The predictions
for a day are what the served models make of the previous day's row, i.e. what they expected
for that morning before it happened.
"""

from __future__ import annotations

import datetime as dt
import math
from typing import Any

import numpy as np
import pandas as pd
from sqlalchemy.orm import Session

from engine.coach.scoring import ModelSet, rule_based_predictions
from engine.services.recommendation import read_history
from models.estimators import fast_scorer
from pipelines.features import FEATURE_COLUMNS, build_daily_features

MAX_DAYS = 731


def _predictions(rows: pd.DataFrame, models: ModelSet) -> tuple[np.ndarray, np.ndarray]:
    if rows.empty:
        return np.zeros(0), np.zeros(0)
    if models.available:
        X = rows[list(FEATURE_COLUMNS)].to_numpy(float)
        readiness = np.clip(fast_scorer(models.readiness)(X), 0, 100)
        return readiness, np.asarray(fast_scorer(models.injury)(X), dtype=float)
    return rule_based_predictions(rows)


def _number(value: Any, digits: int) -> float | None:
    value = float(value)
    return None if math.isnan(value) else round(value, digits)


def read_load_days(
    session: Session, *, athlete_id: int, start: dt.date, end: dt.date, models: ModelSet
) -> list[dict[str, Any]]:
    """Daily rows from ``start`` to ``end`` (inclusive): ``load`` (AU), ``fitness``,
    ``fatigue``, ``form`` (AU/day), ``acwr`` (ratio), ``readiness_self`` (0-100 from the
    check-in; None without one), ``readiness_predicted`` (0-100) and ``injury_risk`` (0-1,
    next 7 days). Raises ``AthleteNotFoundError`` and ``ValueError`` for a bad range."""
    if end < start:
        raise ValueError("from: must not be after to")
    if (end - start).days + 1 > MAX_DAYS:
        raise ValueError(f"to: at most {MAX_DAYS} days per request")
    history = read_history(session, athlete_id=athlete_id, today=end)
    features = build_daily_features(
        history.sessions,
        history.wellness,
        history.injuries,
        until=end,
        athlete_ids=[athlete_id],
        athletes=history.athlete,
        sets=history.sets,
    )
    features = features[features["athlete_id"] == athlete_id].set_index("date")
    days = pd.date_range(start - dt.timedelta(days=1), end, freq="D")
    grid = features.reindex(days)
    known = grid[grid["load_total"].notna()]
    readiness, risk = _predictions(known, models)
    predicted = pd.DataFrame({"r": readiness, "k": risk}, index=known.index).reindex(days)
    col = {c: grid[c].to_numpy(float)[1:] for c in _COLUMNS}
    before = {c: predicted[c].to_numpy(float)[:-1] for c in ("r", "k")}
    return [
        {
            "date": day.date(),
            "load": _number(np.nan_to_num(col["load_total"][i]), 1),
            "fitness": _number(np.nan_to_num(col["ctl"][i]), 1),
            "fatigue": _number(np.nan_to_num(col["atl"][i]), 1),
            "form": _number(np.nan_to_num(col["tsb"][i]), 1),
            "acwr": _number(col["acwr_ewma"][i], 3),
            "readiness_self": _number(col["readiness_today"][i], 1),
            "readiness_predicted": _number(before["r"][i], 1),
            "injury_risk": _number(before["k"][i], 4),
        }
        for i, day in enumerate(days[1:])
    ]


_COLUMNS = ("load_total", "ctl", "atl", "tsb", "acwr_ewma", "readiness_today")
