"""Prescription: what the chosen session looks like, from warm-up to cool-down.

Pure. A run gets its duration, target RPE, heart-rate zone (Karvonen, from the athlete's max and
resting HR when known; 208 - 0.7 x age for an unknown max), terrain and climb/descent targets
and its structure; a strength session gets its exercises from ``engine.coach.progression``. Every
session gets a dynamic warm-up, a cool-down, mobility for hips, ankles, calves and the thoracic
spine, and the cues that apply (cadence, carbohydrate before, protein after, electrolytes on
long days, sleep, shoe tread). See docs/coaching.md.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from engine.coach.periodisation import Block
from engine.coach.progression import ExercisePrescription
from engine.optimizer.catalogue import Candidate

# Heart-rate zones as fractions of the heart-rate reserve (Karvonen).
ZONES = (("Z1", 0.50, 0.60), ("Z2", 0.60, 0.70), ("Z3", 0.70, 0.80), ("Z4", 0.80, 0.90),
         ("Z5", 0.90, 1.00))  # fmt: skip
RPE_ZONE_TOP = (3.0, 4.5, 6.0, 7.4, 10.0)  # highest target RPE (CR-10) of each zone
DEFAULT_RESTING_HR = 60.0
RUN_STRUCTURE = {
    "recovery_jog": "continuous, conversational, flat or gently rolling",
    "easy_trail": "continuous on varied terrain; walk steep pitches to stay in zone",
    "long_trail": "continuous; climbs at a sustainable, talkable pace",
    "hills": "6-10 x 60-90 s uphill repeats at RPE 8, jog or walk down to recover",
    "tempo": "15 min easy, 15-25 min continuous at RPE 7, easy to finish",
    "fartlek": "8-10 x 1 min faster (RPE 7-8) / 1-2 min easy, by feel",
    "downhill": "5-8 x 1-2 min downhill at a controlled pace, walk back up; quick, light steps",
    "walk": "brisk walk, hills welcome",
    "race": "the goal event: start easy, eat and drink by the plan, even effort on the climbs",
}
TERRAIN = {
    "recovery_jog": "flat or gently rolling",
    "easy_trail": "rolling trail",
    "long_trail": "hilly trail",
    "hills": "a 4-8% climb of 200-400 m",
    "tempo": "flat, runnable trail or road",
    "fartlek": "rolling, runnable trail",
    "downhill": "a smooth 5-10% descent",
    "walk": "any",
    "race": "the race course",
}
DRILLS = (
    "high knees 2 x 20 m",
    "butt kicks 2 x 20 m",
    "leg swings 10 per leg, front-back and side-side",
    "walking lunges 10",
)
STRENGTH_WARM_UP = (
    "5 min easy spin, skipping or brisk walk",
    "leg swings 10 per leg",
    "hip circles 10 each way",
    "bodyweight squats 10",
    "glute bridges 10",
)
MOBILITY = (
    "hips: 90/90 switches, 2 min",
    "ankles: knee-to-wall 10 per side",
    "calves: wall stretch 2 x 30 s per side",
    "thoracic spine: open books 8 per side",
)
COOL_DOWN = ("slow nasal breathing, 2 min", "gentle stretching: calves, hamstrings, hip flexors")


@dataclass(frozen=True)
class HeartProfile:
    """Heart-rate bounds (bpm) known for the athlete (NaN when unknown) and the age (years)."""

    max_hr: float = math.nan
    resting_hr: float = math.nan
    age_years: float = math.nan

    @property
    def max_used(self) -> float | None:
        """Max HR (bpm): measured, else 208 - 0.7 x age (Tanaka 2001), else None."""
        if math.isfinite(self.max_hr):
            return self.max_hr
        return 208.0 - 0.7 * self.age_years if math.isfinite(self.age_years) else None


def heart_rate_zone(*, rpe: float, heart: HeartProfile) -> dict[str, Any] | None:
    """The zone of a target RPE (CR-10) and its bpm range, or None when max HR is unknown."""
    zone = next(i for i, top in enumerate(RPE_ZONE_TOP) if rpe <= top)
    name, lo, hi = ZONES[zone]
    hr_max = heart.max_used
    if hr_max is None or rpe <= 0:
        return None
    rest = heart.resting_hr if math.isfinite(heart.resting_hr) else DEFAULT_RESTING_HR
    reserve = max(hr_max - rest, 1.0)
    return {
        "zone": name,
        "bpm": [round(rest + lo * reserve), round(rest + hi * reserve)],
        "basis": "heart-rate reserve"
        + ("" if math.isfinite(heart.resting_hr) else " (resting HR assumed 60)")
        + ("" if math.isfinite(heart.max_hr) else " (max HR from age)"),
    }


def _warm_up(c: Candidate) -> list[str]:
    if c.kind == "run":
        extra = ["4 x 15 s strides, walk back"] if c.intensity == "hard" else []
        return ["5-10 min easy jog or brisk walk", *DRILLS, *extra]
    if c.kind == "strength":
        return list(STRENGTH_WARM_UP)
    if c.kind == "cross":
        return ["first 5 min very easy"]
    return []


def _cool_down(c: Candidate) -> list[str]:
    if c.kind == "run":
        return ["5-10 min easy jog or walk", *COOL_DOWN]
    if c.kind == "strength":
        return list(COOL_DOWN)
    return []


def _run_main(c: Candidate, heart: HeartProfile) -> dict[str, Any]:
    return {
        "duration_min": float(c.duration_min),
        "target_rpe": float(c.target_rpe),
        "hr_zone": heart_rate_zone(rpe=c.target_rpe, heart=heart),
        "terrain": TERRAIN.get(c.type, "trail"),
        "distance_km": round(c.distance_km, 1),
        "climb_m": round(c.elevation_gain_m),
        "descent_m": round(c.elevation_loss_m),
        "structure": RUN_STRUCTURE.get(c.type, "continuous, by feel"),
    }


def _main_set(
    c: Candidate, heart: HeartProfile, exercises: Sequence[ExercisePrescription]
) -> dict[str, Any]:
    if c.kind == "run" or c.type == "walk":
        return _run_main(c, heart)
    base: dict[str, Any] = {"duration_min": float(c.duration_min), "target_rpe": c.target_rpe}
    if c.kind == "strength":
        return base | {"exercises": [e.to_dict() for e in exercises], "rest_between_sets_s": 90}
    if c.kind == "cross":
        return base | {"hr_zone": heart_rate_zone(rpe=c.target_rpe, heart=heart)}
    if c.kind == "mobility":
        return base | {"structure": "slow mobility circuit", "exercises": list(MOBILITY)}
    return {"duration_min": 0.0, "structure": "rest: gentle walking, light cycling or mobility"}


def _cues(c: Candidate, signals: Mapping[str, float], block: Block) -> list[str]:
    out = []
    long_run = c.kind == "run" and c.duration_min >= 75
    if c.kind == "run":
        out.append("cadence: light, quick steps; shorten your stride on descents to brake less")
    if c.kind == "run" and (c.duration_min >= 60 or c.intensity == "hard"):
        out.append("carbohydrate 1-3 h before (a meal or ~1 g per kg)")
    if long_run:
        out.append("during: 30-60 g carbohydrate per hour and water to thirst")
    if c.kind == "run" and c.duration_min >= 90:
        out.append("electrolytes (sodium) on this long day, more if it is hot")
    if c.kind == "strength" or c.intensity == "hard" or long_run:
        out.append("protein 20-30 g within 2 h after")
    if c.elevation_loss_m >= 300 or c.type == "downhill":
        out.append("shoes: good tread for the descents; check cushioning wear")
    sleep = signals.get("sleep_h", math.nan)
    if sleep is not None and math.isfinite(sleep) and sleep < 7.0:
        out.append(f"you slept {sleep:.1f} h: aim for 7-9 h tonight")
    if c.kind in ("rest", "mobility") and block.phase == "deload":
        out.append("deload week: keep moving gently; the adaptation happens now")
    return out


def prescribe_session(
    candidate: Candidate,
    *,
    block: Block,
    heart: HeartProfile,
    signals: Mapping[str, float],
    exercises: Sequence[ExercisePrescription] = (),
    reasons: Sequence[str] = (),
    notes: Sequence[str] = (),
) -> dict[str, Any]:
    """The full prescription of one session, as JSON-ready data.

    Args:
        candidate: The session.
        block: Today's block (deload cue, eccentric tempo already in ``exercises``).
        heart: Heart-rate bounds for the zone.
        signals: The athlete's numbers (``sleep_h`` for the sleep cue).
        exercises: Strength exercises (strength sessions).
        reasons: The optimizer's 2-4 reasons, kept as they are.
        notes: Adaptation and periodisation notes (what changed today and why).

    Returns:
        ``warm_up``, ``main_set``, ``cool_down``, ``mobility``, ``cues``, ``reasons`` and
        ``notes``.
    """
    resting = candidate.kind == "rest"
    return {
        "warm_up": _warm_up(candidate),
        "main_set": _main_set(candidate, heart, exercises),
        "cool_down": _cool_down(candidate),
        "mobility": [] if candidate.kind == "mobility" else list(MOBILITY[: 2 if resting else 4]),
        "cues": _cues(candidate, signals, block),
        "reasons": list(reasons),
        "notes": list(notes),
    }
