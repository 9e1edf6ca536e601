"""``cairn athletes create|list``: real athletes, without any simulated cohort."""

from __future__ import annotations

import json
from typing import Annotated, Literal

import typer
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator
from rich.table import Table

from engine.cli.common import console, fail, load_settings, open_database
from engine.errors import AthleteNotFoundError
from engine.services.calendar import check_timezone
from engine.store import database, logbook

athletes_app = typer.Typer(
    help="Athletes: create one, list them, correct a profile.", no_args_is_help=True
)


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


class ProfileChanges(AthleteProfile):
    """The fields ``cairn athletes update`` may change (the same ranges)."""

    name: str | None = Field(default=None, min_length=1, max_length=120)  # type: ignore[assignment]
    availability_min: list[int] | None = Field(default=None, min_length=7, max_length=7)

    @field_validator("availability_min")
    @classmethod
    def _minutes_in_day(cls, value: list[int] | None) -> list[int] | None:
        if value is not None and any(m < 0 or m > 1440 for m in value):
            raise ValueError("each value must be between 0 and 1440 minutes")
        return value


def _problems(err: ValidationError) -> str:
    return "; ".join(
        f"--{str(e['loc'][0]).replace('_', '-')}: {e['msg'].removeprefix('Value error, ')}"
        for e in err.errors()
    )


def machine_timezone() -> str | None:
    """This machine's IANA time zone (e.g. ``Europe/Oslo``), or None when it has no name."""
    import tzlocal

    try:
        return check_timezone(tzlocal.get_localzone_name())
    except Exception:  # noqa: BLE001 - an unnamed zone: the installation's default applies
        return None


# The profile options of `create` and `update` (the same help, the same names).
BirthYear = Annotated[int | None, typer.Option(help="Year of birth.")]
Sex = Annotated[str | None, typer.Option(help="female, male or other.")]
Experience = Annotated[float | None, typer.Option(help="Years of endurance training.")]
MaxHr = Annotated[float | None, typer.Option(help="Maximum heart rate (bpm).")]
RestingHr = Annotated[float | None, typer.Option(help="Resting heart rate (bpm).")]
Goal = Annotated[str | None, typer.Option(help="Goal, free text (200 characters).")]


@athletes_app.command("create")
def create(
    name: Annotated[str, typer.Option(help="Name (1-120 characters).")],
    birth_year: BirthYear = None,
    sex: Sex = None,
    experience_years: Experience = None,
    max_hr: MaxHr = None,
    resting_hr: RestingHr = None,
    goal: Goal = None,
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
        raise fail(_problems(err), code=2) from err
    settings = load_settings()
    factory = open_database(settings)
    with database.open_session(factory) as session:
        athlete = logbook.create_athlete(session, data=data.model_dump(exclude_none=True))
        athlete_id = athlete.id
    typer.echo(athlete_id)


@athletes_app.command("update")
def update(
    athlete: Annotated[int, typer.Option(help="Athlete id.")],
    name: Annotated[str | None, typer.Option(help="Name (1-120 characters).")] = None,
    birth_year: BirthYear = None,
    sex: Sex = None,
    experience_years: Experience = None,
    max_hr: MaxHr = None,
    resting_hr: RestingHr = None,
    goal: Goal = None,
    timezone: Annotated[str | None, typer.Option(help="IANA time zone, e.g. Europe/Oslo.")] = None,
    availability: Annotated[
        str | None, typer.Option(help="Minutes free Monday..Sunday, e.g. 60,60,0,60,60,150,120.")
    ] = None,
) -> None:
    """Correct an athlete's profile: only the options given change (same rules as
    ``PATCH /athletes/{id}``)."""
    minutes: list[int] | str | None = None
    if availability is not None:
        try:
            minutes = [int(part) for part in availability.split(",")]
        except ValueError:
            raise fail("--availability: seven whole minutes, comma-separated", code=2) from None
    given = {
        "name": name, "birth_year": birth_year, "sex": sex,
        "experience_years": experience_years, "max_hr": max_hr, "resting_hr": resting_hr,
        "goal": goal, "timezone": timezone, "availability_min": minutes,
    }  # fmt: skip
    changes = {k: v for k, v in given.items() if v is not None}
    if not changes:
        raise fail("nothing to change: give at least one option (see --help)", code=2)
    try:
        checked = ProfileChanges.model_validate(changes)
    except ValidationError as err:
        raise fail(_problems(err).replace("--availability-min", "--availability"), code=2) from err
    settings = load_settings()
    factory = open_database(settings)
    try:
        with database.open_session(factory) as session:
            logbook.update_athlete(
                session, athlete_id=athlete, values=checked.model_dump(include=set(changes))
            )
    except AthleteNotFoundError as err:
        raise fail(f"{err}; list them with `cairn athletes list`") from err
    console.print(f"Updated athlete {athlete}: {', '.join(sorted(changes))}.")


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
