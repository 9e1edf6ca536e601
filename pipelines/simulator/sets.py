"""Strength sets of simulated strength sessions (optional: the large benchmarks skip them)."""

from __future__ import annotations

import numpy as np

from pipelines.simulator.catalogue import EXERCISES, TYPE_CODE
from pipelines.simulator.params import AthleteParams
from pipelines.simulator.physiology import SimState, initial_fitness
from pipelines.simulator.sessions import Realised

EXERCISE_NAMES = tuple(sorted({row[0] for rows in EXERCISES.values() for row in rows}))


def _expand(rows: tuple[tuple[str, int, float, float], ...]) -> np.ndarray:
    """Return one row per set: exercise code, set number, reps, load share of deadlift."""
    out = [
        (EXERCISE_NAMES.index(name), number, reps, share)
        for name, n_sets, reps, share in rows
        for number in range(1, n_sets + 1)
    ]
    return np.array(out, dtype=float)


SET_TEMPLATES = {TYPE_CODE[name]: _expand(rows) for name, rows in EXERCISES.items()}


def generate_sets(
    realised: Realised, *, state: SimState, params: AthleteParams, rng: np.random.Generator
) -> dict[str, np.ndarray]:
    """Return the sets of the day's strength sessions, one entry per set.

    Loads scale with the athlete's deadlift and with (muscular fitness / start)^0.3, rounded to
    2.5 kg; reps vary by +-1; set RPE is the session RPE +- noise.

    Args:
        realised: the day's done sessions.
        state: morning state (muscular fitness drives progression).
        params: hidden athlete parameters.
        rng: a generator reserved for sets, so sets never change the dynamics.

    Returns:
        Arrays ``athlete`` (0-based), ``rank`` (session position that day), ``exercise`` (code
        into EXERCISE_NAMES), ``set_number``, ``reps``, ``load_kg`` (NaN = bodyweight), ``rpe``.
    """
    parts = []
    for code, template in SET_TEMPLATES.items():
        index = np.flatnonzero(realised.type_code == code)
        rows = np.repeat(index, len(template))
        parts.append((rows, np.tile(template, (len(index), 1))))
    session = np.concatenate([rows for rows, _ in parts])
    table = np.concatenate([tab for _, tab in parts]) if session.size else np.empty((0, 4))
    athlete = realised.athlete[session]
    z = rng.standard_normal((3, session.size))
    start_fit = initial_fitness(params)[1]
    progress = (np.maximum(state.fit_mus, 1.0) / start_fit)[athlete] ** 0.3
    load = params.deadlift_kg[athlete] * table[:, 3] * progress * np.exp(0.03 * z[0])
    return {
        "athlete": athlete,
        "rank": realised.rank[session],
        "exercise": table[:, 0].astype(np.int64),
        "set_number": table[:, 1].astype(np.int64),
        "reps": np.maximum(table[:, 2] + np.round(np.clip(0.7 * z[1], -1, 1)), 1.0),
        "load_kg": np.maximum(np.round(load / 2.5) * 2.5, 2.5),
        "rpe": np.clip(np.round(realised.rpe[session] + 0.7 * z[2]), 1.0, 10.0),
    }
