"""How ``cairn recommend`` and ``cairn plan`` show the prescription to a person.

Tables wrap their cells (never cut them) so they fit an 80-column terminal; the text of
each line comes from ``engine.coach.prescription_text``.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.table import Table

from engine.coach.prescription_text import (
    hr_zone_text,
    route_text,
    session_title,
    strength_exercises,
    target_text,
)
from engine.services.workout_fit import NoWorkoutError, build_workout_fit
from engine.store import jobs


def _exercise_table(exercises: list[Mapping[str, Any]]) -> Table:
    table = Table(title="Exercises", title_justify="left")
    for column in ("exercise", "sets x reps", "load", "RIR", "tempo"):
        table.add_column(column, overflow="fold")
    for e in exercises:
        dose = e.get("reps") if e.get("reps") is not None else f"{e.get('hold_s')} s"
        load = f"{e['load_kg']:g} kg" if e.get("load_kg") is not None else "by RIR"
        rir = "" if e.get("rir") is None else str(e["rir"])
        table.add_row(str(e["exercise"]), f"{e['sets']} x {dose}", load, rir, e.get("tempo") or "")
    return table


def _run_rows(table: Table, main: Mapping[str, Any]) -> None:
    zone, route = hr_zone_text(main), route_text(main)
    if zone:
        table.add_row("Heart rate", zone.removeprefix("HR "))
    if route:
        table.add_row("Route", route)
    if main.get("structure"):
        table.add_row("Structure", str(main["structure"]))


def print_recommendation(console: Console, rec: Any) -> None:
    """Today's session, its prescription and the reasons, then the exercise table."""
    s, p = rec.session, rec.prescription or {}
    main = p.get("main_set", {})
    table = Table(
        title=f"Today's session for athlete {rec.athlete_id} ({rec.date.isoformat()})",
        show_header=False,
    )
    table.add_column("field", style="bold")
    table.add_column("value", overflow="fold")
    table.add_row("Session", f"{s['type'].replace('_', ' ')} ({s['kind']}, {s['intensity']})")
    table.add_row("Duration", f"{s['duration_min']:.0f} min")
    table.add_row("Target RPE", f"{s['target_rpe']:g} / 10")
    _run_rows(table, main)
    for title, key in (("Warm-up", "warm_up"), ("Cool-down", "cool_down"), ("Cues", "cues")):
        if p.get(key):
            table.add_row(title, "; ".join(p[key]))
    table.add_row("Predicted readiness tomorrow", f"{rec.predicted['readiness']:.0f} / 100")
    table.add_row("Injury risk, next 7 days", f"{100 * rec.predicted['injury_risk']:.1f} %")
    versions = [f"{k} v{v}" for k, v in rec.model_versions.items() if v is not None]
    table.add_row("Models", ", ".join(versions) or "none: rule-based")
    for i, reason in enumerate(rec.reasons, start=1):
        table.add_row("Why" if i == 1 else "", f"- {reason}")
    console.print(table)
    exercises = strength_exercises(main)
    if exercises:
        console.print(_exercise_table(exercises))


def plan_day_cells(day: Mapping[str, Any]) -> tuple[str, str]:
    """The session and target cells of one plan row (exercises listed one per line)."""
    session, prescription = day["session"], day.get("prescription")
    title = session_title(session) + (" (locked)" if day.get("locked") else "")
    lines = [target_text(session, prescription)] if session["type"] != "rest" else []
    for e in strength_exercises((prescription or {}).get("main_set", {})):
        dose = e.get("reps") if e.get("reps") is not None else f"{e.get('hold_s')}s"
        load = f" @ {e['load_kg']:g} kg" if e.get("load_kg") is not None else ""
        lines.append(f"{e['exercise']} {e['sets']}x{dose}{load}")
    return title, "\n".join(lines)


def write_fit(rec: Any, path: Path) -> str:
    """Write today's session as a FIT workout to ``path``; returns what was done.

    Raises:
        NoWorkoutError: a rest day (nothing is written).
        OSError: the file cannot be written.
    """
    data = build_workout_fit(rec.to_dict(), now=jobs.utcnow())
    path.write_bytes(data)
    return f"Wrote the FIT workout ({len(data)} bytes) to {path}"


__all__ = ["NoWorkoutError", "plan_day_cells", "print_recommendation", "write_fit"]
