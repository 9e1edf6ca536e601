"""Session catalogue: the session types Cairn can prescribe and the candidates built from them.

Pure data. Type ids, kinds, intensity classes and target RPEs (CR-10) come from the one session
vocabulary, ``pipelines.sessions``; this module adds what the coach needs to prescribe them. Run
terrain follows the simulator (climb m/km; downhill repeats descend 3.5x what they climb).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from types import MappingProxyType
from typing import Any, Literal, cast

from pipelines.sessions import SESSION_TYPES

Kind = Literal["rest", "mobility", "run", "strength", "cross"]
Intensity = Literal["rest", "easy", "moderate", "hard"]

# Weekly-structure categories (see ``Rules.weekly_structure``); every type belongs to one.
TRAIL_RUN = "trail_run"
TEMPO_OR_FARTLEK = "tempo_or_fartlek"
STRENGTH = "strength"
EASY = "easy"
STRUCTURE_CATEGORIES = (TRAIL_RUN, TEMPO_OR_FARTLEK, STRENGTH)
CATEGORY_LABELS = {
    TRAIL_RUN: "trail runs",
    TEMPO_OR_FARTLEK: "tempo/fartlek sessions",
    STRENGTH: "strength sessions",
}


@dataclass(frozen=True)
class Terrain:
    """How a run or walk covers ground: pace (min/km) and climb and descent (m/km)."""

    pace_min_per_km: float
    gain_m_per_km: float
    loss_m_per_km: float


@dataclass(frozen=True)
class SessionType:
    """One prescribable session type.

    Attributes:
        type: Id shared with the simulator and importers (e.g. ``"easy_trail"``).
        kind: ``rest``, ``mobility``, ``run``, ``strength`` or ``cross``.
        intensity: ``rest``, ``easy``, ``moderate`` or ``hard``.
        durations_min: Allowed durations (minutes).
        target_rpe: Intended effort (CR-10).
        muscle_groups: Main muscle groups loaded.
        energy_systems: Main energy systems trained.
        category: Weekly-structure category (``trail_run``, ``tempo_or_fartlek``, ``strength``,
            ``easy``).
        terrain: Pace and climb model for runs and walks, else None.
        exercises: Typical content (strength exercises, run structure).
    """

    type: str
    kind: Kind
    intensity: Intensity
    durations_min: tuple[int, ...]
    target_rpe: float
    muscle_groups: tuple[str, ...]
    energy_systems: tuple[str, ...]
    category: str
    terrain: Terrain | None = None
    exercises: tuple[str, ...] = ()


@dataclass(frozen=True)
class Candidate:
    """A concrete session that could be done on one day.

    Attributes:
        type: Session type id.
        kind: Session kind.
        intensity: Session intensity.
        duration_min: Duration (minutes).
        target_rpe: Intended effort (CR-10).
        distance_km: Estimated distance (km; 0 for non-runs other than walks).
        elevation_gain_m: Estimated climb (m).
        elevation_loss_m: Estimated descent (m).
    """

    type: str
    kind: str
    intensity: str
    duration_min: float
    target_rpe: float
    distance_km: float = 0.0
    elevation_gain_m: float = 0.0
    elevation_loss_m: float = 0.0

    @property
    def load_au(self) -> float:
        """Session-RPE load (AU): target RPE x duration in minutes."""
        return self.target_rpe * self.duration_min


_LEGS = ("quads", "hamstrings", "glutes", "calves")
_HARD_RUN = ("aerobic", "lactate_threshold", "vo2max")


def _session_type(
    type_id: str, durations_min: tuple[int, ...], *args: Any, **kw: Any
) -> SessionType:
    """A ``SessionType`` whose kind, intensity class and target RPE come from the one session
    vocabulary (``pipelines.sessions.SESSION_TYPES``)."""
    info = SESSION_TYPES[type_id]
    return SessionType(
        type_id,
        cast(Kind, info.kind),
        cast(Intensity, info.intensity),
        durations_min,
        info.rpe,
        *args,
        **kw,
    )


def _types() -> tuple[SessionType, ...]:
    T, S = Terrain, _session_type
    return (
        S("rest", (0,), (), (), EASY),
        S("mobility", (20, 30), ("hips", "ankles", "calves", "thoracic_spine"), ("recovery",),
          EASY, exercises=("hip circuit", "ankle mobility", "thoracic rotations")),
        S("recovery_jog", (20, 30, 40), _LEGS, ("aerobic",), EASY, T(7.0, 15, 15)),
        S("easy_trail", (40, 60, 75), _LEGS, ("aerobic",), TRAIL_RUN, T(6.7, 35, 35)),
        S("long_trail", (75, 100, 125, 150), _LEGS, ("aerobic", "muscular_endurance"),
          TRAIL_RUN, T(7.1, 45, 45)),
        S("hills", (45, 60), ("glutes", "quads", "calves"), _HARD_RUN, TRAIL_RUN,
          T(8.6, 70, 70), ("uphill repeats",)),
        S("tempo", (40, 55), _LEGS, _HARD_RUN[:2], TEMPO_OR_FARTLEK, T(5.2, 10, 10)),
        S("fartlek", (40, 55), _LEGS, _HARD_RUN, TEMPO_OR_FARTLEK, T(5.7, 20, 20)),
        S("downhill", (40, 55), ("quads", "calves", "tendons"), ("aerobic", "eccentric"),
          TRAIL_RUN, T(6.3, 20, 70), ("downhill technique repeats",)),
        S("strength_lower", (45, 60), ("quads", "glutes", "hamstrings", "calves", "adductors"),
          ("strength", "neuromuscular"), STRENGTH,
          exercises=("goblet squat", "deadlift", "Bulgarian split squat", "step-up",
                     "single-leg Romanian deadlift", "calf raise")),
        S("strength_full", (45, 60),
          ("quads", "glutes", "hamstrings", "core", "shoulders", "upper_back"),
          ("strength", "neuromuscular"), STRENGTH,
          exercises=("deadlift", "lunge", "plank", "side plank", "dead bug", "Pallof press",
                     "stability push-up", "renegade row")),
        S("strength_explosive", (30, 45), ("quads", "glutes", "calves"),
          ("power", "neuromuscular"), STRENGTH,
          exercises=("jump squat", "bounding", "deadlift", "calf raise")),
        S("easy_spin", (30, 45, 60), ("quads", "glutes"), ("aerobic", "recovery"), EASY),
        S("walk", (30, 60), ("calves", "glutes"), ("aerobic", "recovery"), EASY,
          T(11.0, 15, 15)),
        S("race", (), _LEGS, ("aerobic", "lactate_threshold", "muscular_endurance"),
          TRAIL_RUN, T(7.5, 30, 30), ("the goal event",)),
    )  # fmt: skip


CATALOGUE: Mapping[str, SessionType] = MappingProxyType({t.type: t for t in _types()})
SAFE_WHEN_UNWELL = frozenset({"rest", "mobility", "easy_spin", "walk"})


def make_candidate(type_id: str, duration_min: float) -> Candidate:
    """Build the candidate for one catalogue type at one duration (minutes).

    Raises:
        KeyError: ``type_id`` is not in the catalogue.
    """
    spec = CATALOGUE[type_id]
    distance = gain = loss = 0.0
    if spec.terrain is not None and duration_min > 0:
        distance = duration_min / spec.terrain.pace_min_per_km
        gain = distance * spec.terrain.gain_m_per_km
        loss = distance * spec.terrain.loss_m_per_km
    return Candidate(
        type=spec.type,
        kind=spec.kind,
        intensity=spec.intensity,
        duration_min=float(duration_min),
        target_rpe=spec.target_rpe,
        distance_km=round(distance, 2),
        elevation_gain_m=round(gain, 1),
        elevation_loss_m=round(loss, 1),
    )


def enumerate_candidates(*, max_minutes: float | None = None) -> list[Candidate]:
    """Every catalogue type at each allowed duration (32 candidates without a limit).

    ``race`` has no catalogue durations: it is planned from a goal event, never offered.

    Args:
        max_minutes: Drop candidates longer than this (minutes); rest is always kept.
    """
    return [
        make_candidate(spec.type, minutes)
        for spec in CATALOGUE.values()
        for minutes in spec.durations_min
        if max_minutes is None or minutes <= max_minutes or spec.kind == "rest"
    ]


def category_of(*, type_id: str, kind: str, intensity: str) -> str:
    """Weekly-structure category of a session; unknown types are classed by kind and intensity."""
    if type_id in CATALOGUE:
        return CATALOGUE[type_id].category
    if kind == "strength":
        return STRENGTH
    if kind == "run" and intensity == "hard":
        return TEMPO_OR_FARTLEK
    return EASY


def is_recovery(kind: str) -> bool:
    """Rest and mobility: exempt from the load guard rails (ramp, acute:chronic)."""
    return kind in ("rest", "mobility")


def is_safe_when_unwell(*, type_id: str, kind: str, intensity: str) -> bool:
    """Allowed with an open injury, pain or illness: rest, mobility or easy cross-training."""
    if type_id in CATALOGUE:
        return type_id in SAFE_WHEN_UNWELL
    return is_recovery(kind) or (kind == "cross" and intensity in ("rest", "easy"))
