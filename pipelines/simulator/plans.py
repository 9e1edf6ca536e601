"""Planned sessions for one simulated day: the array form and its DataFrame form.

A plan frame has one row per planned session (an athlete may have several rows, or one row of
kind ``rest``, or none, which also means rest). Columns: ``athlete_id``, ``kind`` and optionally
``type``, ``duration_min``, ``rpe`` (intended CR-10), ``distance_km``, ``elevation_gain_m``,
``elevation_loss_m``; NaN means "use the simulator's default for the type".
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from pipelines.schemas import check_columns
from pipelines.simulator.catalogue import (
    DEFAULT_TYPE_OF_KIND,
    KIND_CODE,
    KIND_OF_TYPE,
    KINDS,
    SESSION_TYPES,
    TYPE_CODE,
)

PLAN_NUMERIC = (
    "duration_min",
    "rpe",
    "distance_km",
    "elevation_gain_m",
    "elevation_loss_m",
)
PLAN_COLUMNS = ("athlete_id", "kind", "type", *PLAN_NUMERIC)


@dataclass(frozen=True)
class PlanBatch:
    """Planned sessions as arrays, sorted by athlete (row order within an athlete is kept).

    ``athlete`` is the 0-based athlete index; ``type_code`` indexes ``SESSION_TYPES``; the
    numeric fields follow PLAN_NUMERIC units (minutes, CR-10, km, m) and may be NaN.
    """

    athlete: np.ndarray
    type_code: np.ndarray
    duration_min: np.ndarray
    rpe: np.ndarray
    distance_km: np.ndarray
    elevation_gain_m: np.ndarray
    elevation_loss_m: np.ndarray

    @property
    def n_sessions(self) -> int:
        """Number of planned sessions."""
        return int(self.athlete.shape[0])

    def rank(self) -> np.ndarray:
        """Return each session's 0-based position among its athlete's sessions of the day."""
        first = np.searchsorted(self.athlete, self.athlete, side="left")
        return np.arange(self.n_sessions) - first


def make_plan_batch(
    *, athlete: np.ndarray, type_code: np.ndarray, **numeric: np.ndarray
) -> PlanBatch:
    """Return a PlanBatch sorted by athlete; absent numeric fields are NaN.

    Args:
        athlete: 0-based athlete index per session.
        type_code: session type code per session.
        **numeric: any of PLAN_NUMERIC as float arrays of the same length.
    """
    unknown = set(numeric) - set(PLAN_NUMERIC)
    if unknown:
        raise ValueError(f"unknown plan fields: {', '.join(sorted(unknown))}")
    order = np.argsort(athlete, kind="stable")
    nan = np.full(len(athlete), np.nan)
    fields = {name: np.asarray(numeric.get(name, nan), dtype=float)[order] for name in PLAN_NUMERIC}
    return PlanBatch(
        athlete=np.asarray(athlete, dtype=np.int64)[order],
        type_code=np.asarray(type_code, dtype=np.int64)[order],
        **fields,
    )


def plans_from_frame(plans: pd.DataFrame, *, n_athletes: int) -> PlanBatch:
    """Validate a plan frame and convert it to a PlanBatch (rest rows dropped).

    Raises:
        ValueError: naming the athlete for an unknown id, kind or type, or a kind/type clash.
    """
    check_columns(plans, ["athlete_id", "kind"], name="plans")
    ids = pd.to_numeric(plans["athlete_id"]).to_numpy()
    bad = (ids < 1) | (ids > n_athletes) | (ids != np.round(ids))
    if bad.any():
        raise ValueError(f"plans: athlete_id {ids[bad][0]} is not in 1..{n_athletes}")
    kind = plans["kind"].astype(object).where(plans["kind"].notna(), "rest").to_numpy()
    active = kind != "rest"
    kind, ids = kind[active], ids[active].astype(np.int64)
    types = plans["type"] if "type" in plans.columns else pd.Series(np.nan, index=plans.index)
    codes = _type_codes(kind, types.astype(object).to_numpy()[active], athlete_ids=ids)
    numeric = {
        name: pd.to_numeric(plans[name]).to_numpy(dtype=float)[active]
        for name in PLAN_NUMERIC
        if name in plans.columns
    }
    return make_plan_batch(athlete=ids - 1, type_code=codes, **numeric)


def _type_codes(kind: np.ndarray, types: np.ndarray, *, athlete_ids: np.ndarray) -> np.ndarray:
    """Return the type codes of planned sessions, defaulting missing types from the kind."""
    kind_s = pd.Series(kind, dtype=object)
    unknown_kind = ~kind_s.isin(KINDS).to_numpy()
    if unknown_kind.any():
        i = int(np.flatnonzero(unknown_kind)[0])
        raise ValueError(f"plans: athlete {athlete_ids[i]} has unknown kind {kind[i]!r}")
    filled = pd.Series(types, dtype=object)
    filled = filled.where(
        filled.map(lambda t: isinstance(t, str)), kind_s.map(DEFAULT_TYPE_OF_KIND)
    )
    codes = filled.map(TYPE_CODE)
    if codes.isna().any():
        i = int(np.flatnonzero(codes.isna().to_numpy())[0])
        raise ValueError(f"plans: athlete {athlete_ids[i]} has unknown type {filled.iloc[i]!r}")
    codes = codes.to_numpy(dtype=np.int64)
    clash = KIND_OF_TYPE[codes] != kind_s.map(KIND_CODE).to_numpy(dtype=np.int64)
    if clash.any():
        i = int(np.flatnonzero(clash)[0])
        raise ValueError(
            f"plans: athlete {athlete_ids[i]} has type {filled.iloc[i]!r} of kind {kind[i]!r}"
        )
    return codes


def plans_to_frame(batch: PlanBatch, *, n_athletes: int) -> pd.DataFrame:
    """Return the plan frame of a batch, with a ``rest`` row for athletes without a session."""
    types = np.array(SESSION_TYPES, dtype=object)[batch.type_code]
    planned = pd.DataFrame(
        {
            "athlete_id": batch.athlete + 1,
            "kind": np.array(KINDS, dtype=object)[KIND_OF_TYPE[batch.type_code]],
            "type": types,
            **{name: getattr(batch, name) for name in PLAN_NUMERIC},
        }
    )
    resting = np.setdiff1d(np.arange(1, n_athletes + 1), planned["athlete_id"].to_numpy())
    rest = pd.DataFrame({"athlete_id": resting, "kind": "rest", "type": None})
    frame = pd.concat([planned, rest], ignore_index=True) if len(rest) else planned
    frame = frame.sort_values("athlete_id", kind="stable", ignore_index=True)
    frame["athlete_id"] = frame["athlete_id"].astype(np.int64)
    for column in ("kind", "type"):
        frame[column] = frame[column].astype(object)
    return frame[list(PLAN_COLUMNS)]


@dataclass(frozen=True)
class Observation:
    """What a coaching policy sees on a simulated morning.

    Attributes:
        date: today (midnight).
        wellness: today's check-ins (WELLNESS_COLUMNS), only for athletes who checked in.
        status: one row per athlete: ``athlete_id``, ``date``, ``injured`` and ``ill`` (bool,
            known time-loss), ``checked_in`` (bool) and ``available_min`` (minutes today).
    """

    date: pd.Timestamp
    wellness: pd.DataFrame
    status: pd.DataFrame
