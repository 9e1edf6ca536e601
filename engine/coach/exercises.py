"""The strength exercises Cairn prescribes: rep ranges, variations and session contents.

Pure data. Names are lower case; ``canonical`` maps a logged name (e.g. "Front Squat" from an
import or the simulator) to its base exercise and variation.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from types import MappingProxyType


@dataclass(frozen=True)
class ExerciseSpec:
    """How one exercise is dosed and progressed.

    Attributes:
        name: Canonical name (lower case).
        reps: Rep range (bottom, top); for holds, seconds.
        base_sets: Sets at the bottom of the ladder.
        variations: Harder variations in order (names, lower case).
        load_cap_kg: Above this load, a harder variation replaces more load (None = no cap).
        eccentric: Can be done with a slow (eccentric) lowering.
        explosive: Done fast (jumps, bounds): no reps in reserve, no slow tempo.
        hold: Timed hold (reps are seconds).
    """

    name: str
    reps: tuple[int, int]
    base_sets: int = 3
    variations: tuple[str, ...] = ()
    load_cap_kg: float | None = None
    eccentric: bool = False
    explosive: bool = False
    hold: bool = False


def _specs() -> tuple[ExerciseSpec, ...]:
    S = ExerciseSpec
    return (
        S("goblet squat", (8, 12), variations=("front squat",), load_cap_kg=40, eccentric=True),
        S("deadlift", (5, 8), eccentric=True),
        S("bulgarian split squat", (6, 10), variations=("deficit bulgarian split squat",),
          load_cap_kg=32, eccentric=True),
        S("step-up", (8, 12), variations=("high step-up",), load_cap_kg=30, eccentric=True),
        S("single-leg romanian deadlift", (6, 10), load_cap_kg=36, eccentric=True),
        S("calf raise", (12, 20), variations=("single-leg calf raise",), load_cap_kg=60,
          eccentric=True),
        S("lunge", (8, 12), variations=("reverse lunge to knee drive",), load_cap_kg=30,
          eccentric=True),
        S("plank", (30, 60), 3, ("plank with shoulder taps",), hold=True),
        S("side plank", (20, 45), 2, ("side plank with leg lift",), hold=True),
        S("dead bug", (8, 12), 2, ("weighted dead bug",)),
        S("pallof press", (8, 12), 2),
        S("push-up", (8, 15), variations=("stability push-up", "feet-elevated push-up")),
        S("renegade row", (6, 10), 3, load_cap_kg=24),
        S("jump squat", (5, 8), 3, ("box jump",), explosive=True),
        S("bounding", (6, 10), 3, ("single-leg bounding",), explosive=True),
    )  # fmt: skip


EXERCISES: Mapping[str, ExerciseSpec] = MappingProxyType({s.name: s for s in _specs()})
_VARIATION_OF = {v: (s.name, i + 1) for s in EXERCISES.values() for i, v in enumerate(s.variations)}
# Exercises per strength session type and emphasis (the first ones carry the session).
SESSION_EXERCISES: Mapping[str, tuple[str, ...]] = MappingProxyType(
    {
        "strength_lower": (
            "goblet squat",
            "bulgarian split squat",
            "single-leg romanian deadlift",
            "step-up",
            "calf raise",
        ),
        "strength_full": ("deadlift", "lunge", "push-up", "renegade row", "plank", "dead bug"),
        "strength_explosive": ("jump squat", "bounding", "deadlift", "calf raise", "plank"),
    }
)
EMPHASIS_SWAPS: Mapping[str, Mapping[str, str]] = MappingProxyType(
    {
        "uphill": {"goblet squat": "step-up", "lunge": "step-up"},
        "descent": {"push-up": "calf raise", "dead bug": "side plank"},
        "explosive": {},
        "base": {},
    }
)


# Lift-log names (Strong, Hevy) that are a catalogue exercise under another name, as match keys
# (``_match_key``: lower case letters only, equipment in brackets dropped).
ALIASES: Mapping[str, str] = MappingProxyType(
    {
        "conventionaldeadlift": "deadlift",
        "trapbardeadlift": "deadlift",
        "hexbardeadlift": "deadlift",
        "walkinglunge": "lunge",
        "forwardlunge": "lunge",
        "splitsquat": "bulgarian split squat",
        "rearfootelevatedsplitsquat": "bulgarian split squat",
        "stepup": "step-up",
        "boxstepup": "step-up",
        "singlelegromaniandeadlift": "single-leg romanian deadlift",
        "singlelegrdl": "single-leg romanian deadlift",
        "romaniandeadliftsingleleg": "single-leg romanian deadlift",
        "standingcalfraise": "calf raise",
        "seatedcalfraise": "calf raise",
        "singlelegstandingcalfraise": "single-leg calf raise",
        "pushup": "push-up",
        "pressup": "push-up",
        "declinepushup": "feet-elevated push-up",
        "squatjump": "jump squat",
        "jumpsquats": "jump squat",
        "boxjumps": "box jump",
        "bounds": "bounding",
        "pallofpresscable": "pallof press",
    }
)


def _match_key(name: str) -> str:
    """``"Deadlift (Barbell)"`` -> ``"deadlift"``: letters only, bracketed equipment dropped."""
    text = re.sub(r"\([^)]*\)", " ", str(name).lower())
    return re.sub(r"[^a-z]", "", text)


_BY_KEY = {
    **{_match_key(n): n for n in (*EXERCISES, *_VARIATION_OF)},
    **ALIASES,
}


def canonical(name: str) -> tuple[str, int]:
    """Canonical exercise name and variation index of a logged exercise name (0 = base).

    Strong/Hevy names map onto the catalogue's exercises: equipment in brackets, case,
    spaces and hyphens do not matter ("Deadlift (Barbell)" is the deadlift, "Push Up" the
    push-up), and ``ALIASES`` adds other names for the same lift. Other names stay as logged
    (lower case), each its own lift; ``unmapped`` lists them.
    """
    found = _BY_KEY.get(_match_key(name))
    if found is None:
        return " ".join(str(name).strip().lower().replace("_", " ").split()), 0
    if found in _VARIATION_OF:
        return _VARIATION_OF[found]
    return found, 0


def unmapped(names: Iterable[str]) -> list[str]:
    """The logged exercise names that are no catalogue exercise, once each, sorted."""
    return sorted({str(n) for n in names if canonical(str(n))[0] not in EXERCISES})
