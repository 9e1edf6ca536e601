"""Session catalogue of the athlete simulator: session types, kinds and per-type defaults.

Every table is a NumPy array indexed by the integer type code (position in ``SESSION_TYPES``),
so the simulator can look up defaults for a whole cohort at once. Types and kinds are those of
``pipelines.sessions``; the defaults here describe how simulated athletes behave (their own RPEs
and durations), not what the coach prescribes.
"""

from __future__ import annotations

import numpy as np

from pipelines.sessions import SESSION_KINDS
from pipelines.sessions import SESSION_TYPES as VOCABULARY

KINDS = SESSION_KINDS
SESSION_TYPES = (
    "recovery_jog",
    "easy_trail",
    "long_trail",
    "hills",
    "tempo",
    "fartlek",
    "downhill",
    "strength_lower",
    "strength_full",
    "strength_explosive",
    "easy_spin",
    "walk",
    "mobility",
)
TYPE_CODE = {name: code for code, name in enumerate(SESSION_TYPES)}
KIND_CODE = {name: code for code, name in enumerate(KINDS)}
RUN, STRENGTH, CROSS, MOBILITY = range(len(KINDS))
DEFAULT_TYPE_OF_KIND = {
    "run": "easy_trail",
    "strength": "strength_full",
    "cross": "easy_spin",
    "mobility": "mobility",
}

# Kind code of each type (from the session vocabulary).
KIND_OF_TYPE = np.array([KIND_CODE[VOCABULARY[t].kind] for t in SESSION_TYPES], dtype=np.int8)
# Default planned duration (minutes) and intended RPE (CR-10).
DEFAULT_DURATION_MIN = np.array([35, 60, 110, 60, 50, 50, 55, 50, 55, 45, 45, 40, 25], dtype=float)
DEFAULT_RPE = np.array([2, 4, 5, 7, 7, 6, 5, 6, 6, 7, 2, 1.5, 1], dtype=float)
# Runs only: speed relative to the athlete's easy flat speed, climb (m/km), descent/climb ratio.
SPEED_FACTOR = np.array([0.85, 0.92, 0.88, 0.85, 1.15, 1.05, 1.0] + [np.nan] * 6)
GAIN_M_PER_KM = np.array([15, 30, 40, 60, 10, 20, 20] + [0] * 6, dtype=float)
LOSS_PER_GAIN = np.array([1, 1, 1, 1, 1, 1, 3.5] + [0] * 6, dtype=float)
# Share of the session load (RPE x min) going to the aerobic and the muscular system.
AEROBIC_SHARE = np.array([0.8, 0.8, 0.8, 0.65, 0.85, 0.8, 0.6, 0.1, 0.15, 0.1, 0.9, 0.8, 0.3])
MUSCULAR_SHARE = np.array([0.2, 0.2, 0.2, 0.35, 0.15, 0.2, 0.4, 0.9, 0.85, 0.9, 0.1, 0.2, 0.1])
# Eccentric load of strength work as a share of its session load (runs use elevation loss).
ECCENTRIC_SHARE = np.array([0.0] * 7 + [0.25, 0.15, 0.3] + [0.0] * 3)
# Share of eccentric damage cleared by a low-intensity "flush" session.
FLUSH_SHARE = np.array([0.1] + [0.0] * 9 + [0.15, 0.1, 0.2])

# Strength templates: (exercise, sets, reps, load as a share of the athlete's deadlift kg).
# ``reps`` NaN means a timed hold (plank); load NaN means bodyweight.
EXERCISES = {
    "strength_lower": (
        ("Goblet Squat", 3, 10, 0.35),
        ("Bulgarian Split Squat", 3, 8, 0.2),
        ("Single-Leg Romanian Deadlift", 3, 8, 0.25),
        ("Step-Up", 3, 10, 0.2),
        ("Calf Raise", 3, 15, 0.3),
    ),
    "strength_full": (
        ("Deadlift", 3, 6, 1.0),
        ("Goblet Squat", 3, 10, 0.35),
        ("Push-Up", 3, 12, np.nan),
        ("Step-Up", 3, 10, 0.2),
        ("Plank", 3, np.nan, np.nan),
    ),
    "strength_explosive": (
        ("Jump Squat", 4, 6, np.nan),
        ("Deadlift", 3, 5, 0.9),
        ("Bulgarian Split Squat", 3, 8, 0.2),
        ("Calf Raise", 3, 15, 0.3),
        ("Plank", 3, np.nan, np.nan),
    ),
}
BODY_PARTS = ("knee", "ankle", "achilles", "calf", "hamstring", "hip", "foot", "lower_back")
BODY_PART_P = np.array([0.2, 0.15, 0.12, 0.15, 0.1, 0.08, 0.12, 0.08])
SEVERITIES = ("minor", "moderate", "major")
SEVERITY_P = np.array([0.55, 0.33, 0.12])
# Days lost per severity: inclusive ranges.
SEVERITY_DAYS = np.array([[5, 9], [10, 20], [21, 30]])
GOALS = (
    "finish a 50k trail race",
    "run a mountain half-marathon",
    "first ultra",
    "heavier deadlift",
    "general fitness",
)
