"""Counterfactual feature rows: today's row as if a candidate session were done today.

The optimizer scores each candidate by feeding it to the models as today's load. Every
load-dependent feature is updated exactly as ``build_daily_features`` would compute it had the
session been logged (tests/pipelines/test_features.py checks this feature by feature).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from pipelines.columns import FEATURE_COLUMNS
from pipelines.loads import (
    ADDITIVE_COLUMNS,
    EWMA_STATE,
    ROLLING_SUMS,
    component_arrays,
    default_rpe,
    derive_load_arrays,
)


def apply_candidate_sessions(base_row: pd.DataFrame, candidates: pd.DataFrame) -> pd.DataFrame:
    """Feature rows for today if each candidate session were done on top of today's base row.

    ``base_row`` is the single row of ``build_daily_features`` for today (built from the logs
    without the candidate). ``candidates`` has ``kind``, ``type``, ``duration_min``, ``rpe``,
    ``distance_km``, ``elevation_gain_m``, ``elevation_loss_m`` and optionally ``avg_hr``
    (bpm, for TRIMP) and ``tonnage_kg`` (kind ``rest`` adds nothing). Every load-dependent
    feature is updated exactly as if the session had been logged.
    """
    updated = _candidate_arrays(base_row, candidates)
    n = len(candidates)
    rows = {c: np.repeat(base_row[c].to_numpy(), n) for c in base_row.columns}
    return pd.DataFrame(rows | updated)


def candidate_matrix(
    base_row: pd.DataFrame, candidates: pd.DataFrame, *, columns: Sequence[str] = FEATURE_COLUMNS
) -> np.ndarray:
    """``apply_candidate_sessions(...)[columns]`` as a float array, without a DataFrame (fast)."""
    values = base_row.to_numpy()
    updated = _candidate_arrays(base_row, candidates, values=values)
    matrix = np.tile(_pick(base_row, values, columns), (len(candidates), 1))
    for j, column in enumerate(columns):
        if column in updated:
            matrix[:, j] = updated[column]
    return matrix


_STATE_INPUTS = (
    *ADDITIVE_COLUMNS,
    "rpe_max",
    *(c for c, _ in EWMA_STATE),
    *(c for c, _, _ in ROLLING_SUMS),
    "load_prev_7d",
    "days_since_rest",
    "hr_max_used",
    "hr_rest_used",
    "sex_female",
)


def _pick(base_row: pd.DataFrame, values: np.ndarray, names: Sequence[str]) -> np.ndarray:
    """``base_row[names]`` as floats, from the row's values (pandas selection is slow)."""
    position = {name: i for i, name in enumerate(base_row.columns.tolist())}
    missing = [name for name in names if name not in position]
    if missing:
        raise ValueError(f"base_row is missing columns: {', '.join(missing)}")
    return values[0, [position[name] for name in names]].astype(float)


def _candidate_arrays(
    base_row: pd.DataFrame, candidates: pd.DataFrame, *, values: np.ndarray | None = None
) -> dict[str, np.ndarray]:
    """The load-dependent columns of today's row plus each candidate session."""
    if len(base_row) != 1:
        raise ValueError(f"base_row must have exactly one row, got {len(base_row)}")
    n = len(candidates)
    values = base_row.to_numpy() if values is None else values
    base = dict(zip(_STATE_INPUTS, _pick(base_row, values, _STATE_INPUTS), strict=True))
    table = candidates.to_numpy(dtype=object)  # one conversion; column access is slow
    position = {name: i for i, name in enumerate(candidates.columns.tolist())}

    def column(name: str) -> np.ndarray:
        if name not in position:
            return np.full(n, np.nan)
        return np.array(table[:, position[name]].tolist(), dtype=float)

    kind = np.array(table[:, position["kind"]].tolist(), dtype=str)
    types = table[:, position["type"]]
    rpe = column("rpe")
    rpe_used = np.array(
        [r if r == r else default_rpe(k, str(t)) for r, k, t in zip(rpe, kind, types, strict=True)]
    ).reshape(n)

    delta = component_arrays(
        kind=kind,
        rpe_used=rpe_used,
        duration_min=column("duration_min"),
        distance_km=column("distance_km"),
        climb_m=column("elevation_gain_m"),
        descent_m=column("elevation_loss_m"),
        avg_hr=column("avg_hr"),
        hr_max=np.full(n, base["hr_max_used"]),
        hr_rest=np.full(n, base["hr_rest_used"]),
        female=np.full(n, base["sex_female"]),
        tonnage_kg=np.nan_to_num(column("tonnage_kg")),
    )
    rest = kind == "rest"
    for name in delta:
        delta[name] = np.where(rest, np.nan if name == "rpe_max" else 0.0, delta[name])
    return _add_delta(base, delta)


def _add_delta(base: dict[str, float], delta: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
    """Update additive, recursive and rolling load state by a per-row extra day's sessions."""
    out = {name: base[name] + delta[name] for name in ADDITIVE_COLUMNS}
    out["rpe_max"] = np.fmax(base["rpe_max"], delta["rpe_max"])
    extra = delta["load_total"]
    for name, weight in EWMA_STATE:
        out[name] = base[name] + weight * extra
    before, after = base["load_total"], out["load_total"]
    for name, source, _ in ROLLING_SUMS:
        if source == "load_sq":
            out[name] = base[name] + after**2 - before**2
        else:
            out[name] = base[name] + delta[source]
    state = out | {
        "load_prev_7d": np.full(len(extra), base["load_prev_7d"]),
        "days_since_rest": np.full(len(extra), base["days_since_rest"]),
    }
    return out | derive_load_arrays(state)
