"""Mapping of the sport labels of watches and apps to Cairn's session kind and type.

Kinds are those of ``pipelines.schemas.SESSION_KINDS``. Types used by the importers:

- run: ``long_trail`` (>= 90 min), ``hills`` (>= 25 m of climb per km), else ``easy_trail``.
  Files do not say "tempo" or "fartlek"; those come from Cairn CSV or the API.
- strength: ``strength_lower`` when at least half the sets are lower-body exercises,
  else ``strength_full``.
- cross: ``walk`` (walking, hiking), ``easy_spin`` (cycling), ``swim``, ``ski``,
  ``team_sport``, ``endurance`` (PMSys' unnamed endurance work), ``other``.
- mobility: ``mobility`` (yoga, pilates, stretching).
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from typing import TypeGuard

LONG_RUN_MIN = 90.0  # minutes
HILLS_M_PER_KM = 25.0  # metres of climb per km
HIKE_MAX_EFFORT_KMH = 7.0  # grade-adjusted km/h below which an unlabelled track is a hike
CLIMB_M_PER_FLAT_KM = 100.0  # ~100 m of climb costs like ~1 km on the flat
LOWER_BODY_SHARE = 0.5

_LOWER_WORDS = (
    "squat", "deadlift", "lunge", "leg press", "leg curl", "leg extension", "calf", "step-up",
    "step up", "split", "hip thrust", "glute", "hamstring", "romanian", "rdl", "good morning",
    "bounding", "jump", "pistol", "nordic", "abduct", "adduct",
)  # fmt: skip

_FIT_SPORTS: dict[str, tuple[str, str]] = {
    "cycling": ("cross", "easy_spin"),
    "e_biking": ("cross", "easy_spin"),
    "walking": ("cross", "walk"),
    "hiking": ("cross", "walk"),
    "mountaineering": ("cross", "walk"),
    "snowshoeing": ("cross", "walk"),
    "swimming": ("cross", "swim"),
    "cross_country_skiing": ("cross", "ski"),
    "alpine_skiing": ("cross", "ski"),
    "backcountry_skiing": ("cross", "ski"),
    "soccer": ("cross", "team_sport"),
    "basketball": ("cross", "team_sport"),
}
_FIT_TRAINING: dict[str, tuple[str, str]] = {
    "strength_training": ("strength", "strength_full"),
    "yoga": ("mobility", "mobility"),
    "pilates": ("mobility", "mobility"),
    "flexibility_training": ("mobility", "mobility"),
}
_FITBIT: dict[str, tuple[str, str]] = {
    "walk": ("cross", "walk"),
    "hike": ("cross", "walk"),
    "outdoor bike": ("cross", "easy_spin"),
    "bike": ("cross", "easy_spin"),
    "spinning": ("cross", "easy_spin"),
    "swim": ("cross", "swim"),
    "cross country skiing": ("cross", "ski"),
    "skiing": ("cross", "ski"),
    "weights": ("strength", "strength_full"),
    "circuit training": ("strength", "strength_full"),
    "yoga": ("mobility", "mobility"),
    "sport": ("cross", "team_sport"),
    "hockey": ("cross", "team_sport"),
    "tennis": ("cross", "team_sport"),
}
_STRAVA_GPX_TYPES = {"1": "cycling", "4": "hiking", "9": "running", "10": "walking"}


def _known(value: float | None) -> TypeGuard[float]:
    return value is not None and not math.isnan(value)


def classify_run(
    *, duration_min: float, distance_km: float | None, elevation_gain_m: float | None
) -> str:
    """Return the run type: long_trail (>= 90 min), hills (>= 25 m/km climb) or easy_trail."""
    if duration_min >= LONG_RUN_MIN:
        return "long_trail"
    if (
        _known(distance_km)
        and _known(elevation_gain_m)
        and distance_km > 0
        and elevation_gain_m / distance_km >= HILLS_M_PER_KM
    ):
        return "hills"
    return "easy_trail"


def classify_fit_sport(sport: object, sub_sport: object) -> tuple[str, str | None]:
    """Return (kind, type) for a FIT session's sport/sub_sport; type None means "run: decide
    from the numbers" (see :func:`classify_run`). Unknown sports are ``("cross", "other")``."""
    sport_name, sub_name = str(sport).lower(), str(sub_sport).lower()
    if sport_name in ("running", "trail_running"):
        return "run", None
    if sport_name == "training" or sub_name in _FIT_TRAINING:
        return _FIT_TRAINING.get(sub_name, ("cross", "other"))
    return _FIT_SPORTS.get(sport_name, ("cross", "other"))


def classify_track_type(track_type: str | None) -> tuple[str, str | None] | None:
    """Return (kind, type) for a GPX ``<type>`` (words or Strava's numeric codes), or None
    when the label says nothing usable."""
    if not track_type:
        return None
    label = _STRAVA_GPX_TYPES.get(track_type.strip(), track_type.strip().lower())
    if "run" in label:
        return "run", None
    if any(word in label for word in ("hik", "walk", "trek")):
        return "cross", "walk"
    if any(word in label for word in ("bik", "cycl", "ride")):
        return "cross", "easy_spin"
    return None


def classify_by_effort_speed(
    *, duration_min: float, distance_km: float, elevation_gain_m: float | None
) -> tuple[str, str | None]:
    """Guess run vs hike for an unlabelled track from its grade-adjusted speed.

    Grade-adjusted distance = km + climb / 100 m; below 7 km/h it is a hike (cross/walk).
    """
    climb = elevation_gain_m if _known(elevation_gain_m) else 0.0
    effort_km = distance_km + climb / CLIMB_M_PER_FLAT_KM
    if duration_min > 0 and effort_km / (duration_min / 60.0) < HIKE_MAX_EFFORT_KMH:
        return "cross", "walk"
    return "run", None


def classify_strength(exercises: Iterable[str]) -> str:
    """Return strength_lower when >= half the sets are lower-body exercises, else
    strength_full (one entry per set)."""
    names = [e.lower() for e in exercises]
    if not names:
        return "strength_full"
    lower = sum(any(word in n for word in _LOWER_WORDS) for n in names)
    return "strength_lower" if lower / len(names) >= LOWER_BODY_SHARE else "strength_full"


def classify_pmsys(activity_names: Iterable[str]) -> tuple[str, str | None]:
    """Return (kind, type) for PMSys sRPE tags such as ['individual', 'running'].

    Priority: running > strength > soccer/team sport > endurance > other. Type None = run.
    """
    tags = {t.strip().lower() for t in activity_names}
    if "running" in tags:
        return "run", None
    if "strength" in tags:
        return "strength", "strength_full"
    if "soccer" in tags:
        return "cross", "team_sport"
    if "endurance" in tags:
        return "cross", "endurance"
    return "cross", "other"


def classify_fitbit(activity_name: str) -> tuple[str, str | None]:
    """Return (kind, type) for a Fitbit ``activityName`` (Run/Treadmill -> run, type None)."""
    label = activity_name.strip().lower()
    if label in ("run", "treadmill"):
        return "run", None
    return _FITBIT.get(label, ("cross", "other"))
