"""The stored form of the daily feature table: one float vector per athlete-day.

Pure. The feature store (``engine.services.feature_store``) keeps each row of
``build_daily_features`` as the little-endian float64 vector of ``stored_columns()``, stamped
with ``feature_version()``: a hash of the column list and of the transforms' source, so any
change of a feature definition makes the stored rows stale (they are rebuilt, never served).

``morning_row`` turns a stored day row (the day's training included) into the morning state the
coach scores candidates from (the same day's check-in, nothing trained yet).
"""

from __future__ import annotations

import functools
import hashlib
import importlib
import inspect

import numpy as np
import pandas as pd

from pipelines.loads import ADDITIVE_COLUMNS, EWMA_STATE, ROLLING_SUMS, derive_load_arrays

# Bump when a definition changes in a way the source hash cannot see (e.g. a dependency).
FEATURE_DEFINITIONS_REVISION = "1"
KEY_COLUMNS = ("athlete_id", "date")
# The modules whose source defines the feature values (their text is part of the stamp).
DEFINITION_MODULES = (
    "pipelines.athletes",
    "pipelines.columns",
    "pipelines.features",
    "pipelines.injuries",
    "pipelines.loads",
    "pipelines.panel",
    "pipelines.schemas",
    "pipelines.sessions",
    "pipelines.wellness",
)
_DTYPE = np.dtype("<f8")


@functools.cache
def stored_columns() -> tuple[str, ...]:
    """Every column of ``build_daily_features`` except the key, in its order."""
    from pipelines.features import build_daily_features
    from pipelines.schemas import INJURY_COLUMNS, SESSION_COLUMNS, WELLNESS_COLUMNS

    day = pd.Timestamp("2020-01-01")
    wellness = pd.DataFrame({c: [np.nan] for c in WELLNESS_COLUMNS})
    wellness["athlete_id"], wellness["date"] = 1, day
    empty: dict[str, list[object]] = {c: [] for c in SESSION_COLUMNS}
    frame = build_daily_features(
        pd.DataFrame(empty),
        wellness,
        pd.DataFrame({c: [] for c in INJURY_COLUMNS}),
    )
    return tuple(c for c in frame.columns if c not in KEY_COLUMNS)


@functools.cache
def feature_version() -> str:
    """The stamp of the current feature definitions (revision + hash of their source).

    The column list is a function of that source, so it is not built here: a reader that finds
    no row to decode (e.g. a morning with nothing logged yet) never pays for building it.
    """
    digest = hashlib.sha256()
    for name in DEFINITION_MODULES:
        digest.update(inspect.getsource(importlib.import_module(name)).encode())
    return f"{FEATURE_DEFINITIONS_REVISION}-{digest.hexdigest()[:12]}"


def encode_rows(frame: pd.DataFrame) -> list[bytes]:
    """Each row's ``stored_columns()`` as float64 bytes (booleans as 0/1, NaN kept)."""
    values = frame[list(stored_columns())].to_numpy(dtype=_DTYPE, na_value=np.nan)
    values = np.ascontiguousarray(values, dtype=_DTYPE)
    width = values.shape[1] * _DTYPE.itemsize
    raw = values.tobytes()
    return [raw[i : i + width] for i in range(0, len(raw), width)]


def decode_rows(athlete_ids: np.ndarray, dates: np.ndarray, blobs: list[bytes]) -> pd.DataFrame:
    """The frame of ``encode_rows`` back (key columns first, then ``stored_columns()``)."""
    columns = stored_columns()
    matrix = np.frombuffer(b"".join(blobs), dtype=_DTYPE).reshape(len(blobs), len(columns))
    data: dict[str, np.ndarray] = {
        "athlete_id": np.asarray(athlete_ids, dtype=np.int64),
        "date": np.asarray(dates, dtype="datetime64[D]").astype("datetime64[ns]"),
    }
    data |= {name: matrix[:, j] for j, name in enumerate(columns)}
    return pd.DataFrame(data, copy=False)


def morning_row(day: pd.DataFrame) -> pd.DataFrame:
    """The one-row morning state of a stored day row: the day's sessions taken out.

    Today's check-in, the counters (which end yesterday) and every log before today stay; the
    day's load sums become 0 and each recursive or rolling load state loses the day's share,
    exactly the inverse of ``pipelines.candidates`` adding a session to a morning row.
    A day without sessions is returned as it is.
    """
    if len(day) != 1:
        raise ValueError(f"day must have exactly one row, got {len(day)}")
    if not float(day["n_sessions"].iloc[0]) > 0:
        return day.reset_index(drop=True)
    row = {c: day[c].to_numpy(dtype=float).copy() for c in day.columns if c not in KEY_COLUMNS}
    load = row["load_total"].copy()
    sources = {c: row[c].copy() for c in ADDITIVE_COLUMNS} | {"load_sq": load**2}
    for name, weight in EWMA_STATE:
        row[name] = row[name] - weight * load
    for name, source, _ in ROLLING_SUMS:
        row[name] = row[name] - sources[source]
    for name in ADDITIVE_COLUMNS:
        row[name] = np.zeros(1)
    row["rpe_max"] = np.full(1, np.nan)
    row |= derive_load_arrays(row)
    out = pd.DataFrame(row)
    out.insert(0, "date", day["date"].to_numpy())
    out.insert(0, "athlete_id", day["athlete_id"].to_numpy())
    return out[list(day.columns)]
