"""A races for simulated athletes, and the race itself on race day.

Off by default: nothing here is drawn unless a caller asks for races (the closed loop's
``--races``), so every other simulation keeps its numbers. Races are drawn from their own
random stream (``SeedSequence([seed, RACE_STREAM])``), never from the simulator's streams.

One A race per athlete, inside the coached window: distance 20-60 km, climb 20-60 m per km
(typical trail races: 20 km / 600 m to 60 km / 3,000 m), on a day in the last third of the
coached days (never the last day, so the race is done inside the window and a taper of up to
three weeks fits after the first coached week).

On race day the athlete races whoever coaches them: ``race_day_plans`` replaces that
athlete's plan by a race-effort long run (``long_trail`` at RPE 8.5, the race's distance and
climb, minutes from the same pacing as ``engine.coach.goals.race_candidate``). Every policy's
arm goes through it, so the race's own load is the same for all and only the days before it
differ. The simulator's session catalogue has no ``race`` type; this is where Cairn's
``race`` session becomes the simulator's race-effort long run.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd

RACE_STREAM = 0x5ACE  # the races' own stream, appended to the cohort's seed
DISTANCE_KM = (20.0, 60.0)
CLIMB_M_PER_KM = (20.0, 60.0)
RACE_RPE = 8.5
RACE_TYPE = "long_trail"  # the simulator's session for a race (kind run)
FLAT_PACE_MIN_PER_KM = 6.5  # as engine.coach.goals: race pace on flat trail
CLIMB_MIN_PER_M = 0.1  # plus 1 min per 10 m of climb
RACE_COLUMNS = ("athlete_id", "date", "name", "distance_km", "climb_m", "priority")


def race_minutes(distance_km: np.ndarray | float, climb_m: np.ndarray | float) -> np.ndarray:
    """Race duration (min) from distance and climb."""
    return np.round(
        np.asarray(distance_km, float) * FLAT_PACE_MIN_PER_KM
        + np.asarray(climb_m, float) * CLIMB_MIN_PER_M
    )


def draw_races(n_athletes: int, *, seed: int, start: pd.Timestamp, days: int) -> pd.DataFrame:
    """One A race per athlete in the last third of ``days`` coached days from ``start``.

    Returns:
        ``RACE_COLUMNS``, one row per athlete (simulator ids 1..n), ``date`` at midnight.

    Raises:
        ValueError: when the window is too short for a race (fewer than 3 days).
    """
    if days < 3:
        raise ValueError(f"days: races need a coached window of at least 3 days, got {days}")
    rng = np.random.default_rng(np.random.SeedSequence([seed, RACE_STREAM]))
    last = days - 2  # the race is done before the window's last morning
    first = min(math.ceil(2 * days / 3), last)
    offset = rng.integers(first, last, size=n_athletes, endpoint=True)
    distance = np.round(rng.uniform(*DISTANCE_KM, size=n_athletes))
    climb = np.round(distance * rng.uniform(*CLIMB_M_PER_KM, size=n_athletes), -1)
    frame = pd.DataFrame(
        {
            "athlete_id": np.arange(1, n_athletes + 1, dtype=np.int64),
            "date": pd.Timestamp(start).normalize() + pd.to_timedelta(offset, unit="D"),
            "name": [f"Trail {d:.0f}k" for d in distance],
            "distance_km": distance,
            "climb_m": climb,
            "priority": "A",
        }
    )
    frame["date"] = frame["date"].astype("datetime64[ns]")
    return frame[list(RACE_COLUMNS)]


def race_day_plans(plans: pd.DataFrame, races: pd.DataFrame, today: pd.Timestamp) -> pd.DataFrame:
    """``plans`` with today's racers' rows replaced by the race (a race-effort long run).

    Whatever the policy planned for a racer today (rest, Cairn's ``race``, anything) is
    dropped; the simulator then decides, as for any plan, whether an injured or ill athlete
    can do it.
    """
    racing = races[races["date"] == pd.Timestamp(today).normalize()]
    if len(racing) == 0:
        return plans
    keep = plans[~plans["athlete_id"].isin(racing["athlete_id"])]
    race = pd.DataFrame(
        {
            "athlete_id": racing["athlete_id"].to_numpy(np.int64),
            "kind": "run",
            "type": RACE_TYPE,
            "duration_min": race_minutes(racing["distance_km"], racing["climb_m"]),
            "rpe": RACE_RPE,
            "distance_km": racing["distance_km"].to_numpy(float),
            "elevation_gain_m": racing["climb_m"].to_numpy(float),
            "elevation_loss_m": racing["climb_m"].to_numpy(float),
        }
    )
    frame = pd.concat([keep, race], ignore_index=True) if len(keep) else race
    return frame.sort_values("athlete_id", kind="stable", ignore_index=True)
