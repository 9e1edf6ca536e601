"""Honest readiness labels: the athlete's own next-morning self-report wherever it exists.

The feature table's ``readiness_next`` falls back to a wellness composite when no
self-report was given; that composite lives on another scale, so it must never be mixed into
a metric. ``add_readiness_labels`` adds ``readiness_label`` (0-100), ``label_imputed``
(0/1) and ``label_scored`` (0/1: the rows a metric may use, a self-report today and
tomorrow). With enough self-reports the label is the next day's self-report x 10 and nothing
else (or, with ``imputed="scaled"``, the composite that the features already mapped onto
that athlete's self-report scale, flagged 1); a dataset without self-reports uses the
composite as its only scale (the source is then reported as "composite").
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


def add_readiness_labels(frame: pd.DataFrame, *, imputed: str = "drop") -> tuple[pd.DataFrame, str]:
    """The frame with ``readiness_label`` (0-100) and ``label_imputed``; plus the label source.

    Returns (frame, "self" | "composite"); see the module docstring for the policies.
    """
    if imputed not in IMPUTED_POLICIES:
        raise ValueError(f"imputed must be one of {', '.join(IMPUTED_POLICIES)}, got {imputed!r}")
    if "readiness" not in frame:
        label = frame["readiness_next"]
        scored = label.notna().astype(float)
        return frame.assign(readiness_label=label, label_imputed=0.0, label_scored=scored), (
            "composite"
        )
    self_next = next_day(frame, "readiness") * 10.0
    if np.isfinite(self_next).sum() < MIN_SELF_ROWS:
        composite = frame["readiness_next"].to_numpy(float)
        scored = np.isfinite(composite).astype(float)
        return frame.assign(
            readiness_label=composite, label_imputed=0.0, label_scored=scored
        ), "composite"
    label = self_next.copy()
    flag = np.zeros(len(frame))
    if imputed == "scaled":
        # readiness_next already maps a missing report's composite onto the athlete's
        # self-report scale (pipelines.wellness.composite_on_self_scale, earlier days only)
        composite = frame["readiness_next"].to_numpy(float)
        fill = np.isnan(label) & np.isfinite(composite)
        label = np.where(fill, composite, label)
        flag = fill.astype(float)
    # metrics use days with a self-report today and tomorrow: persistence is then honest too
    scored = np.isfinite(self_next) & frame["readiness"].notna().to_numpy()
    return frame.assign(
        readiness_label=label, label_imputed=flag, label_scored=scored.astype(float)
    ), "self"
