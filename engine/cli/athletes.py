"""``cairn athletes create|list``: real athletes, without any simulated cohort."""

from __future__ import annotations

import json
from typing import Annotated, Literal

import typer
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator
from rich.table import Table

from engine.cli.common import console, fail, load_settings, open_database
from engine.services.calendar import check_timezone
from engine.store import database, logbook

athletes_app = typer.Typer(help="Athletes: create one, list them.", no_args_is_help=True)


class AthleteProfile(BaseModel):
    """The profile a person can give (same ranges as ``POST /athletes``)."""

    model_config = ConfigDict(extra="forbid")
    name: str = Field(min_length=1, max_length=120)
    birth_year: int | None = Field(default=None, ge=1900, le=2030)
    sex: Literal["female", "male", "other"] | None = None
    experience_years: float | None = Field(default=None, ge=0, le=80)
    max_hr: float | None = Field(default=None, ge=100, le=250)
    resting_hr: float | None = Field(default=None, ge=25, le=120)
    goal: str | None = Field(default=None, max_length=200)
    timezone: str | None = None

    @field_validator("timezone")
    @classmethod
    def _known_zone(cls, value: str | None) -> str | None:
        return None if value is None else check_timezone(value)


def machine_timezone() -> str | None:
    """This machine's IANA time zone (e.g. ``Europe/Oslo``), or None when it has no name."""
    import tzlocal

    try:
        return check_timezone(tzlocal.get_localzone_name())
    except Exception:  # noqa: BLE001 - an unnamed zone: the installation's default applies
        return None


@athletes_app.command("create")
def create(
    name: Annotated[str, typer.Option(help="Name (1-120 characters).")],
    birth_year: Annotated[int | None, typer.Option(help="Year of birth.")] = None,
    sex: Annotated[str | None, typer.Option(help="female, male or other.")] = None,
    experience_years: Annotated[
        float | None, typer.Option(help="Years of endurance training.")
    ] = None,
    max_hr: Annotated[float | None, typer.Option(help="Maximum heart rate (bpm).")] = None,
    resting_hr: Annotated[float | None, typer.Option(help="Resting heart rate (bpm).")] = None,
    goal: Annotated[str | None, typer.Option(help="Goal, free text (200 characters).")] = None,
    timezone: Annotated[
        str | None,
        typer.Option(help="IANA time zone, e.g. Europe/Oslo; default: this machine's."),
    ] = None,
) -> None:
    """Create an athlete and print the new id (the same rules as ``POST /athletes``).

    The time zone decides the athlete's "today" (recommendations, check-ins): by default the
    zone of the machine the athlete is created on, since a solo athlete creates theirs on the
    machine they use."""
    values = {
        "name": name,
        "birth_year": birth_year,
        "sex": sex,
        "experience_years": experience_years,
        "max_hr": max_hr,
        "resting_hr": resting_hr,
        "goal": goal,
        "timezone": timezone or machine_timezone(),
    }
    try:
        data = AthleteProfile.model_validate({k: v for k, v in values.items() if v is not None})
    except ValidationError as err:
        problems = "; ".join(
            f"--{str(e['loc'][0]).replace('_', '-')}: {e['msg'].removeprefix('Value error, ')}"
            for e in err.errors()
        )
        raise fail(problems, code=2) from err
    settings = load_settings()
    factory = open_database(settings)
    with database.open_session(factory) as session:
        athlete = logbook.create_athlete(session, data=data.model_dump(exclude_none=True))
        athlete_id = athlete.id
    typer.echo(athlete_id)


@athletes_app.command("list")
def list_athletes(
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
) -> None:
    """Every athlete in the database (id, name, profile)."""
    settings = load_settings()
    factory = open_database(settings)
    with database.open_session(factory) as session:
        frame = logbook.read_athletes_frame(session)
        zones = logbook.read_timezones(session)
    frame["timezone"] = frame["athlete_id"].map(zones)
    rows = json.loads(frame.to_json(orient="records", date_format="iso"))
    if as_json:
        typer.echo(json.dumps({"data": rows, "count": len(rows)}))
        return
    table = Table(title=f"{len(rows)} athletes")
    columns = [
        c
        for c in ("athlete_id", "name", "birth_year", "sex", "experience_years", "timezone")
        if c in frame
    ]
    for column in columns:
        table.add_column(column)
    for row in rows:
        table.add_row(*("-" if row.get(c) is None else str(row[c]) for c in columns))
    console.print(table)


def register(app: typer.Typer) -> None:
    """Attach ``athletes`` to the ``cairn`` app."""
    app.add_typer(athletes_app, name="athletes")
