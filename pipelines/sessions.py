"""The session vocabulary, declared once: kinds, intensity classes and the session types.

Every other table (the coach's catalogue in ``engine.optimizer.catalogue``, the simulator's
``pipelines.simulator.catalogue``, the importers' label mapping, the default RPEs of
``pipelines.loads``) reads its types, kinds and intensity classes from here.
"""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType
from typing import NamedTuple

import numpy as np

SESSION_KINDS = ("run", "strength", "cross", "mobility")
INTENSITIES = ("rest", "easy", "moderate", "hard")

HARD_RPE = 7.0  # a logged session at RPE >= 7 counts as hard
MODERATE_RPE = 5.0  # a logged session at RPE >= 5 (and < 7) counts as moderate


class SessionKind(NamedTuple):
    """What a session type is: its kind, its intensity class and its typical RPE (CR-10)."""

    kind: str
    intensity: str
    rpe: float


# Types the coach prescribes (``rest`` is a planned day off, never a logged session).
SESSION_TYPES: Mapping[str, SessionKind] = MappingProxyType(
    {
        "rest": SessionKind("rest", "rest", 0.0),
        "mobility": SessionKind("mobility", "easy", 1.5),
        "recovery_jog": SessionKind("run", "easy", 2.5),
        "easy_trail": SessionKind("run", "easy", 4.0),
        "long_trail": SessionKind("run", "moderate", 5.0),
        "hills": SessionKind("run", "hard", 7.5),
        "tempo": SessionKind("run", "hard", 7.0),
        "fartlek": SessionKind("run", "hard", 7.0),
        "downhill": SessionKind("run", "hard", 7.0),
        "strength_lower": SessionKind("strength", "moderate", 6.0),
        "strength_full": SessionKind("strength", "moderate", 5.5),
        "strength_explosive": SessionKind("strength", "hard", 7.0),
        "easy_spin": SessionKind("cross", "easy", 3.0),
        "walk": SessionKind("cross", "easy", 2.0),
        # A goal event on its day (``engine.coach.goals``): planned from the event, never offered.
        "race": SessionKind("run", "hard", 8.5),
    }
)
# RPE assumed for a logged session without one whose type is unknown, by kind.
DEFAULT_RPE_BY_KIND: Mapping[str, float] = MappingProxyType(
    {"run": 4.5, "strength": 5.5, "cross": 3.0, "mobility": 1.5}
)


def grade_intensity(rpe: float) -> str:
    """The intensity class of a logged session from its RPE (0-10): hard, moderate or easy.

    The one rule for grading what an athlete did; ``SESSION_TYPES`` grades what is planned.
    """
    return "hard" if rpe >= HARD_RPE else "moderate" if rpe >= MODERATE_RPE else "easy"


def grade_intensities(rpe: np.ndarray) -> np.ndarray:
    """``grade_intensity`` over an array of RPEs."""
    return np.where(rpe >= HARD_RPE, "hard", np.where(rpe >= MODERATE_RPE, "moderate", "easy"))
