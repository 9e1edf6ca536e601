"""Held-out splits and metrics for the readiness and injury models, with naive baselines."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

import numpy as np
import pandas as pd
from sklearn.calibration import calibration_curve
from sklearn.metrics import (
    average_precision_score,
    brier_score_loss,
    mean_absolute_error,
    mean_squared_error,
    r2_score,
    roc_auc_score,
)

EMBARGO_DAYS = 7  # training rows this close to a cut-off have labels beyond it (7-day horizon)


@dataclass(frozen=True)
class Split:
    """Row masks of a time (and optionally athlete) split, and the cut-off date.

    ``train`` rows are dated before ``cutoff - embargo`` (their labels end before the
    cut-off) and never belong to a held-out athlete; ``test`` rows are dated from ``cutoff``
    on (up to an optional end) and include the held-out athletes, unseen in training.
    """

    train: np.ndarray
    test: np.ndarray
    cutoff: pd.Timestamp


def _held_out_athletes(
    frame: pd.DataFrame, *, athlete_fraction: float, random_state: int
) -> np.ndarray:
    held = np.zeros(len(frame), dtype=bool)
    if athlete_fraction > 0:
        athletes = np.sort(frame["athlete_id"].unique())
        rng = np.random.default_rng(random_state)
        n_held = max(1, int(round(len(athletes) * athlete_fraction)))
        held = frame["athlete_id"].isin(rng.choice(athletes, n_held, replace=False)).to_numpy()
    return held


def split_by_time(
    frame: pd.DataFrame,
    *,
    test_fraction: float = 0.2,
    athlete_fraction: float = 0.0,
    random_state: int = 0,
    embargo_days: int = EMBARGO_DAYS,
    labelled: np.ndarray | None = None,
) -> Split:
    """Train on days before a cut-off date, test on days from it on.

    The cut-off is the date by which ``1 - test_fraction`` of the labelled athlete-days
    (``labelled``, default every row) have happened: a quantile of labelled rows, not of
    calendar dates, so an archive reaching back decades or one athlete's stray dates cannot
    move every labelled row to one side of it.

    With ``athlete_fraction > 0`` that share of athletes is held out entirely: they are only
    tested (after the cut-off) and never trained on, so the score covers unseen athletes too.
    Training rows within ``embargo_days`` of the cut-off are dropped: their 7-day injury
    labels (and next-day readiness labels) would read the test period.
    """
    if not 0 < test_fraction < 1:
        raise ValueError(f"test_fraction must be in (0, 1), got {test_fraction}")
    cutoff = labelled_cutoff(frame, test_fraction=test_fraction, labelled=labelled)
    return _split_at(
        frame,
        cutoff=cutoff,
        end=None,
        held=_held_out_athletes(
            frame, athlete_fraction=athlete_fraction, random_state=random_state
        ),
        embargo_days=embargo_days,
    )


def labelled_cutoff(
    frame: pd.DataFrame, *, test_fraction: float, labelled: np.ndarray | None = None
) -> pd.Timestamp:
    """The date by which ``1 - test_fraction`` of the labelled rows have happened.

    Raises ``ValueError`` when no row is labelled.
    """
    dates = frame["date"].to_numpy()
    if labelled is not None:
        dates = dates[np.asarray(labelled, dtype=bool)]
    if len(dates) == 0:
        raise ValueError("no labelled athlete-days to split")
    dates = np.sort(dates)
    cutoff = pd.Timestamp(dates[min(len(dates) - 1, int(len(dates) * (1 - test_fraction)))])
    first = pd.Timestamp(dates[0])
    # a cut-off on the first labelled day would leave nothing to train on
    return max(cutoff, first + pd.Timedelta(days=1))


def _split_at(
    frame: pd.DataFrame,
    *,
    cutoff: pd.Timestamp,
    end: pd.Timestamp | None,
    held: np.ndarray,
    embargo_days: int,
) -> Split:
    date = frame["date"]
    train = (date < cutoff - pd.Timedelta(days=embargo_days)).to_numpy() & ~held
    test = (date >= cutoff).to_numpy()
    if end is not None:
        test = test & (date < end).to_numpy()
    return Split(train=train, test=test, cutoff=cutoff)


def labelled_folds(
    frame: pd.DataFrame,
    *,
    labelled: np.ndarray,
    n_splits: int = 2,
    block: float = 0.2,
    athlete_fraction: float = 0.2,
    random_state: int = 0,
    embargo_days: int = EMBARGO_DAYS,
) -> Iterator[Split]:
    """Forward-chaining validation folds placed by labelled rows, not calendar days.

    Fold k tests the labelled rows between the quantiles ``1 - k * block / n_splits`` and
    the next fold's cut-off (the last fold: to the end); it trains on everything before, minus
    the embargo and a held-out share of athletes. Robust to archives spanning decades.
    """
    held = _held_out_athletes(frame, athlete_fraction=athlete_fraction, random_state=random_state)
    cutoffs = [
        labelled_cutoff(frame, test_fraction=k * block / n_splits, labelled=labelled)
        for k in range(n_splits, 0, -1)
    ]
    ends: list[pd.Timestamp | None] = [*cutoffs[1:], None]
    for cutoff, end in zip(cutoffs, ends, strict=True):
        yield _split_at(frame, cutoff=cutoff, end=end, held=held, embargo_days=embargo_days)


def forward_chaining_splits(
    frame: pd.DataFrame,
    *,
    n_splits: int = 3,
    test_days: int | None = None,
    athlete_fraction: float = 0.2,
    random_state: int = 0,
    embargo_days: int = EMBARGO_DAYS,
) -> Iterator[Split]:
    """Expanding-window folds: train on everything before each cut-off, test the next block.

    The last ``n_splits`` blocks of ``test_days`` days (default: a fifth of the period split
    evenly) are tested in turn; the same held-out athletes are never trained on in any fold.
    """
    if n_splits < 1:
        raise ValueError(f"n_splits must be >= 1, got {n_splits}")
    first, last = frame["date"].min(), frame["date"].max()
    span = (last - first).days + 1
    days = test_days or max(1, span // (5 * n_splits))
    held = _held_out_athletes(frame, athlete_fraction=athlete_fraction, random_state=random_state)
    for k in range(n_splits, 0, -1):
        cutoff = last + pd.Timedelta(days=1) - pd.Timedelta(days=k * days)
        end = cutoff + pd.Timedelta(days=days)
        yield _split_at(frame, cutoff=cutoff, end=end, held=held, embargo_days=embargo_days)


def calibration_fold(
    frame: pd.DataFrame, train: np.ndarray, *, fraction: float = 0.2, embargo_days: int = 7
) -> tuple[np.ndarray, np.ndarray]:
    """Split training rows into an earlier fitting part and a later calibration part.

    Returns (fit, calibrate) masks: calibration rows are the last ``fraction`` of the training
    dates; fitting rows end ``embargo_days`` before them so no label overlaps.
    """
    dates = np.sort(frame.loc[train, "date"].unique())
    cut = pd.Timestamp(dates[int(len(dates) * (1 - fraction))])
    date = frame["date"]
    fit = train & (date < cut - pd.Timedelta(days=embargo_days)).to_numpy()
    calibrate = train & (date >= cut).to_numpy()
    return fit, calibrate


def readiness_baselines(frame: pd.DataFrame) -> dict[str, np.ndarray]:
    """Naive next-day readiness forecasts (0-100).

    ``persistence``: today's readiness; ``ewma``: the athlete's exponentially weighted recent
    readiness (span 7 days); ``athlete_mean``: the athlete's 28-day mean. Gaps fall back to the
    next simpler forecast, then to the mean of the available values.
    """
    mean = frame["readiness_score_base"].to_numpy(float)
    pool = mean[np.isfinite(mean)]
    fallback = np.where(np.isnan(mean), pool.mean() if len(pool) else 50.0, mean)
    ewma = frame["readiness_ewm"].to_numpy(float)
    persistence = frame["readiness_today"].to_numpy(float)
    ewma = np.where(np.isnan(ewma), fallback, ewma)
    return {
        "persistence": np.where(np.isnan(persistence), ewma, persistence),
        "ewma": ewma,
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


def calibration_table(y_true: np.ndarray, proba: np.ndarray, *, n_bins: int = 10) -> pd.DataFrame:
    """Reliability curve on quantile bins: mean predicted vs observed rate per bin."""
    observed, predicted = calibration_curve(y_true, proba, n_bins=n_bins, strategy="quantile")
    return pd.DataFrame({"predicted": predicted, "observed": observed})


def bootstrap_roc_auc(
    y_true: np.ndarray,
    proba: np.ndarray,
    *,
    groups: np.ndarray | None = None,
    n_boot: int = 1000,
    level: float = 0.95,
    random_state: int = 0,
) -> tuple[float, float]:
    """Percentile bootstrap confidence interval of the ROC AUC.

    With ``groups`` (e.g. athlete ids) whole groups are resampled (cluster bootstrap), which
    respects the correlation of one athlete's days. Resamples with one class only are skipped.
    """
    rng = np.random.default_rng(random_state)
    y_true, proba = np.asarray(y_true), np.asarray(proba)
    keys = np.arange(len(y_true)) if groups is None else np.asarray(groups)
    unique, inverse = np.unique(keys, return_inverse=True)
    members = [np.flatnonzero(inverse == i) for i in range(len(unique))]
    scores = []
    for _ in range(n_boot):
        pick = rng.integers(0, len(unique), len(unique))
        rows = np.concatenate([members[i] for i in pick]) if groups is not None else pick
        if len(np.unique(y_true[rows])) == 2:
            scores.append(fast_roc_auc(y_true[rows], proba[rows]))
    if not scores:
        return float("nan"), float("nan")
    tail = (1 - level) / 2 * 100
    low, high = np.percentile(scores, [tail, 100 - tail])
    return float(low), float(high)


def fast_roc_auc(y_true: np.ndarray, score: np.ndarray) -> float:
    """ROC AUC from the rank sum of the positives (Mann-Whitney U, ties count one half).

    The same number as ``sklearn.metrics.roc_auc_score`` for binary labels, without its input
    validation: the bootstraps call it a thousand times per interval. NaN with one class only.
    """
    from scipy.stats import rankdata

    positive = np.asarray(y_true) == 1
    n_pos = int(positive.sum())
    n_neg = len(positive) - n_pos
    if n_pos == 0 or n_neg == 0:
        return float("nan")
    ranks = rankdata(score)
    return float((ranks[positive].sum() - n_pos * (n_pos + 1) / 2) / (n_pos * n_neg))


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
