"""``cairn events``: an athlete's goal events (races the plan tapers toward)."""

from __future__ import annotations

import json
from typing import Annotated

import typer
from rich.table import Table

from engine.cli.common import console, fail, load_settings, open_database, parse_date
from engine.errors import AthleteNotFoundError
from engine.services import events as goal_events
from engine.store import database, events

events_app = typer.Typer(help="Goal events: races with a taper before and a recovery after.")
AthleteOption = Annotated[int, typer.Option(help="Athlete id.")]


def register(app: typer.Typer) -> None:
    """Attach ``cairn events`` (``add``, ``list``, ``remove``) to ``app``."""
    app.add_typer(events_app, name="events")


@events_app.command("add")
def add_event(
    athlete: AthleteOption,
    date: Annotated[str, typer.Option("--date", help="Event day (YYYY-MM-DD).")],
    name: Annotated[str, typer.Option(help="The event's name.")],
    distance_km: Annotated[float, typer.Option("--distance-km", help="Distance (km).")],
    climb_m: Annotated[float, typer.Option("--climb-m", help="Total climb (m).")] = 0.0,
    priority: Annotated[str, typer.Option(help="A (the goal), B or C.")] = "A",
) -> None:
    """Add a goal event; the plan tapers toward it, races it on its day and recovers after."""
    day = parse_date(date)
    try:
        goal_events.check_event(
            name=name, distance_km=distance_km, climb_m=climb_m, priority=priority
        )
    except ValueError as err:
        raise fail(str(err), code=2) from err
    settings = load_settings()
    try:
        with database.open_session(open_database(settings)) as session:
            record = goal_events.add_event(
                session,
                athlete_id=athlete,
                day=day,
                name=name,
                distance_km=distance_km,
                climb_m=climb_m,
                priority=priority,
            )
    except AthleteNotFoundError as err:
        raise fail(str(err)) from err
    console.print(
        f"Added event {record.id} for athlete {athlete}: {record.name} on {record.date} "
        f"({record.distance_km:g} km, {record.climb_m:g} m climb, priority {record.priority})"
    )


@events_app.command("list")
def list_events(
    athlete: AthleteOption,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
) -> None:
    """Every goal event of one athlete, by date."""
    settings = load_settings()
    with database.open_session(open_database(settings)) as session:
        found = [goal_events.event_dict(r) for r in events.read_events(session, athlete_id=athlete)]
    if as_json:
        typer.echo(json.dumps({"data": found, "count": len(found)}, indent=2))
        return
    table = Table(title=f"Goal events of athlete {athlete}")
    for column in ("id", "date", "name", "km", "climb m", "priority"):
        table.add_column(column)
    for e in found:
        table.add_row(
            str(e["id"]), e["date"], e["name"], f"{e['distance_km']:g}", f"{e['climb_m']:g}",
            e["priority"],
        )  # fmt: skip
    console.print(table)


@events_app.command("remove")
def remove_event(
    athlete: AthleteOption,
    event_id: Annotated[int, typer.Option("--id", help="Event id (see `cairn events list`).")],
) -> None:
    """Remove one goal event."""
    settings = load_settings()
    with database.open_session(open_database(settings)) as session:
        removed = events.delete_event(session, athlete_id=athlete, event_id=event_id)
    if not removed:
        raise fail(f"no event {event_id} for athlete {athlete}")
    console.print(f"Removed event {event_id} of athlete {athlete}")
