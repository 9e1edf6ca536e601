"""The prescription as short lines of text, for people (CLI tables, calendar events).

Pure. Takes the session and prescription dicts of a recommendation or plan day (the JSON
contract, see ``docs/coaching.md``) and returns plain strings: the target line (duration,
RPE, heart-rate zone in bpm), the route line (distance, climb, terrain), one line per
strength exercise (sets x reps @ kg, RIR) and the warm-up, cool-down, mobility and cues.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any


def _number(value: float) -> str:
    return f"{value:g}"


def session_title(session: Mapping[str, Any]) -> str:
    """``long trail 125 min (RPE 5)``, or ``rest``."""
    if session["type"] == "rest":
        return "rest"
    return (
        f"{session['type'].replace('_', ' ')} {session['duration_min']:.0f} min "
        f"(RPE {_number(session['target_rpe'])})"
    )


def hr_zone_text(main_set: Mapping[str, Any]) -> str | None:
    """``HR Z3 148-160 bpm``, or None without a heart-rate zone."""
    zone = main_set.get("hr_zone")
    if not zone:
        return None
    bpm = zone.get("bpm")
    if bpm:
        return f"HR {zone['zone']} {bpm[0]:.0f}-{bpm[1]:.0f} bpm"
    return f"HR {zone['zone']}"


def route_text(main_set: Mapping[str, Any]) -> str | None:
    """``17.6 km, climb 792 m, descent 792 m, hilly trail``, or None for no route."""
    parts = []
    if main_set.get("distance_km") is not None:
        parts.append(f"{main_set['distance_km']:g} km")
    if main_set.get("climb_m") is not None:
        parts.append(f"climb {main_set['climb_m']:.0f} m")
    if main_set.get("descent_m") is not None:
        parts.append(f"descent {main_set['descent_m']:.0f} m")
    if main_set.get("terrain"):
        parts.append(str(main_set["terrain"]))
    return ", ".join(parts) or None


def exercise_text(exercise: Mapping[str, Any]) -> str:
    """``goblet squat: 3 x 10 @ 25 kg, RIR 2, tempo 2-0-1-0``; planks as ``3 x 30 s``."""
    if exercise.get("reps") is not None:
        dose = f"{exercise['sets']} x {exercise['reps']}"
    elif exercise.get("hold_s") is not None:
        dose = f"{exercise['sets']} x {exercise['hold_s']} s"
    else:
        dose = f"{exercise['sets']} sets"
    load = exercise.get("load_kg")
    dose += f" @ {load:g} kg" if load is not None else " (bodyweight or by RIR)"
    extras = [f"RIR {exercise['rir']}"] if exercise.get("rir") is not None else []
    if exercise.get("tempo"):
        extras.append(f"tempo {exercise['tempo']}")
    return f"{exercise['exercise']}: {dose}" + (f", {', '.join(extras)}" if extras else "")


def strength_exercises(main_set: Mapping[str, Any]) -> list[Mapping[str, Any]]:
    """The structured exercises of a strength main set (mobility lists are plain text)."""
    return [e for e in main_set.get("exercises", []) if isinstance(e, Mapping)]


def target_text(session: Mapping[str, Any], prescription: Mapping[str, Any] | None) -> str:
    """One line: ``125 min, RPE 5, HR Z3 148-160 bpm, 17.6 km, climb 792 m``."""
    if session["type"] == "rest":
        return "rest"
    parts = [f"{session['duration_min']:.0f} min", f"RPE {_number(session['target_rpe'])}"]
    main = (prescription or {}).get("main_set", {})
    zone = hr_zone_text(main)
    if zone:
        parts.append(zone)
    if main.get("distance_km") is not None:
        parts.append(f"{main['distance_km']:g} km")
    if main.get("climb_m") is not None:
        parts.append(f"climb {main['climb_m']:.0f} m")
    n_exercises = len(strength_exercises(main))
    if n_exercises:
        parts.append(f"{n_exercises} exercises")
    return ", ".join(parts)


def main_set_lines(prescription: Mapping[str, Any] | None) -> list[str]:
    """The main set: heart-rate zone, route, structure and one line per exercise."""
    main = (prescription or {}).get("main_set", {})
    lines = [text for text in (hr_zone_text(main), route_text(main)) if text]
    if main.get("structure"):
        lines.append(str(main["structure"]))
    lines += [exercise_text(e) for e in strength_exercises(main)]
    lines += [str(e) for e in main.get("exercises", []) if isinstance(e, str)]
    if main.get("rest_between_sets_s"):
        lines.append(f"rest {main['rest_between_sets_s']:.0f} s between sets")
    return lines


def prescription_lines(
    session: Mapping[str, Any], prescription: Mapping[str, Any] | None
) -> list[str]:
    """Everything a person needs to do the session, as plain lines (calendar description)."""
    lines = [session_title(session), target_text(session, prescription), ""]
    if prescription:
        sections = (
            ("Warm-up", prescription.get("warm_up", [])),
            ("Main set", main_set_lines(prescription)),
            ("Cool-down", prescription.get("cool_down", [])),
            ("Mobility", prescription.get("mobility", [])),
            ("Cues", prescription.get("cues", [])),
        )
        for title, items in sections:
            if items:
                lines.append(f"{title}:")
                lines += [f"- {item}" for item in items]
    return lines
