"""Honest readiness labels: the athlete's own next-morning self-report wherever it exists.

The feature table's ``readiness_next`` falls back to a wellness composite when no
self-report was given; that composite lives on another scale, so it must never be mixed into
a metric. ``add_readiness_labels`` adds ``readiness_label`` (0-100) and ``label_imputed``
(0/1): with enough self-reports the label is the next day's self-report x 10 and nothing
else (or, with ``imputed="scaled"``, the composite mapped per athlete onto that athlete's
self-report scale, flagged 1); a dataset without self-reports uses the composite as its only
scale (the source is then reported as "composite").
"""

from __future__ import annotations

import numpy as np
import pandas as pd

MIN_SELF_ROWS = 50  # fewer self-reported labels than this: the dataset has no self-report scale
IMPUTED_POLICIES = ("drop", "scaled")


def next_day(frame: pd.DataFrame, column: str) -> np.ndarray:
    """The value of ``column`` on the athlete's next calendar day (NaN when not in the table)."""
    shifted = frame.groupby("athlete_id", sort=False)[column].shift(-1).to_numpy(float)
    next_date = frame.groupby("athlete_id", sort=False)["date"].shift(-1)
    consecutive = (next_date - frame["date"]).dt.days.to_numpy() == 1
    return np.where(consecutive, shifted, np.nan)


def _scaled_composite(frame: pd.DataFrame, composite_next: np.ndarray) -> np.ndarray:
    """Composite labels mapped per athlete onto their self-report mean and SD (0-100).

    Uses each athlete's days with both a self-report and a composite; athletes without such
    days get the cohort's mapping.
    """
    self_today = frame["readiness"].to_numpy(float) * 10.0
    composite_today = frame["readiness_today"].to_numpy(float)
    both = np.isfinite(self_today) & np.isfinite(composite_today)
    out = np.full(len(frame), np.nan)
    ids = frame["athlete_id"].to_numpy()
    pool = (self_today[both], composite_today[both])
    for athlete in np.unique(ids):
        rows = ids == athlete
        pick = rows & both
        s, c = (self_today[pick], composite_today[pick]) if pick.sum() >= 10 else pool
        if len(s) < 2:
            continue
        scale = np.std(s) / max(np.std(c), 1e-6)
        out[rows] = np.mean(s) + (composite_next[rows] - np.mean(c)) * scale
    return np.clip(out, 0.0, 100.0)


def add_readiness_labels(frame: pd.DataFrame, *, imputed: str = "drop") -> tuple[pd.DataFrame, str]:
    """The frame with ``readiness_label`` (0-100) and ``label_imputed``; plus the label source.

    Returns (frame, "self" | "composite"); see the module docstring for the policies.
    """
    if imputed not in IMPUTED_POLICIES:
        raise ValueError(f"imputed must be one of {', '.join(IMPUTED_POLICIES)}, got {imputed!r}")
    if "readiness" not in frame:
        labelled = frame.assign(readiness_label=frame["readiness_next"], label_imputed=0.0)
        return labelled, "composite"
    self_next = next_day(frame, "readiness") * 10.0
    if np.isfinite(self_next).sum() < MIN_SELF_ROWS:
        composite = frame["readiness_next"].to_numpy(float)
        return frame.assign(readiness_label=composite, label_imputed=0.0), "composite"
    label = self_next.copy()
    flag = np.zeros(len(frame))
    if imputed == "scaled":
        fill = np.isnan(label) & np.isfinite(frame["readiness_next"].to_numpy(float))
        scaled = _scaled_composite(frame, frame["readiness_next"].to_numpy(float))
        label = np.where(fill, scaled, label)
        flag = fill.astype(float)
    return frame.assign(readiness_label=label, label_imputed=flag), "self"
