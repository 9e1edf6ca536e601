"""Held-out splits and metrics for the readiness and injury models, with naive baselines."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
from sklearn.metrics import (
    average_precision_score,
    brier_score_loss,
    mean_absolute_error,
    mean_squared_error,
    r2_score,
    roc_auc_score,
)


@dataclass(frozen=True)
class Split:
    """Row masks of a time (and optionally athlete) split, and the cut-off date."""

    train: np.ndarray
    test: np.ndarray
    cutoff: pd.Timestamp


def split_by_time(
    frame: pd.DataFrame,
    *,
    test_fraction: float = 0.2,
    athlete_fraction: float = 0.0,
    random_state: int = 0,
) -> Split:
    """Train on days before a cut-off date, test on days from it on.

    With ``athlete_fraction > 0`` that share of athletes is held out entirely: they are only
    tested (after the cut-off) and never trained on, so the score covers unseen athletes too.
    """
    if not 0 < test_fraction < 1:
        raise ValueError(f"test_fraction must be in (0, 1), got {test_fraction}")
    dates = np.sort(frame["date"].unique())
    cutoff = pd.Timestamp(dates[int(len(dates) * (1 - test_fraction))])
    later = (frame["date"] >= cutoff).to_numpy()
    held = np.zeros(len(frame), dtype=bool)
    if athlete_fraction > 0:
        athletes = np.sort(frame["athlete_id"].unique())
        rng = np.random.default_rng(random_state)
        n_held = max(1, int(round(len(athletes) * athlete_fraction)))
        held = frame["athlete_id"].isin(rng.choice(athletes, n_held, replace=False)).to_numpy()
    return Split(train=~later & ~held, test=later, cutoff=cutoff)


def readiness_baselines(frame: pd.DataFrame) -> dict[str, np.ndarray]:
    """Naive next-day readiness forecasts: today's value and the athlete's 28-day mean."""
    mean = frame["readiness_score_base"].to_numpy(float)
    fallback = np.where(np.isnan(mean), np.nanmean(mean) if np.isfinite(mean).any() else 50, mean)
    persistence = frame["readiness_today"].to_numpy(float)
    return {
        "persistence": np.where(np.isnan(persistence), fallback, persistence),
        "athlete_mean": fallback,
    }


def regression_metrics(y_true: np.ndarray, y_pred: np.ndarray, *, prefix: str = "") -> dict:
    """MAE, RMSE and R^2 (readiness points)."""
    return {
        f"{prefix}mae": float(mean_absolute_error(y_true, y_pred)),
        f"{prefix}rmse": float(np.sqrt(mean_squared_error(y_true, y_pred))),
        f"{prefix}r2": float(r2_score(y_true, y_pred)),
    }


def classification_metrics(y_true: np.ndarray, proba: np.ndarray, *, prefix: str = "") -> dict:
    """ROC AUC, PR AUC, Brier score and the event rate of a probability forecast."""
    both = len(np.unique(y_true)) == 2
    return {
        f"{prefix}roc_auc": float(roc_auc_score(y_true, proba)) if both else float("nan"),
        f"{prefix}pr_auc": float(average_precision_score(y_true, proba)) if both else float("nan"),
        f"{prefix}brier": float(brier_score_loss(y_true, np.clip(proba, 0, 1))),
        f"{prefix}event_rate": float(np.mean(y_true)),
    }


def acwr_rule_score(frame: pd.DataFrame) -> np.ndarray:
    """The ACWR rule baseline for injury: risk rises with the EWMA acute:chronic ratio.

    A monotone score (not a probability): ROC/PR AUC only. Its Brier score uses a logistic
    squash centred on the classic 1.5 danger threshold.
    """
    return frame["acwr_ewma"].to_numpy(float)


def squash_acwr(score: np.ndarray, *, event_rate: float) -> np.ndarray:
    """Map ACWR to a probability: the event rate at 1.0, about 3x the rate at 1.5."""
    odds = event_rate / (1 - event_rate) * np.exp(2.2 * (score - 1.0))
    return odds / (1 + odds)
