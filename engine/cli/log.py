"""``cairn log checkin`` and ``cairn log session``: a solo athlete's day at the command line.

Values are checked by the same record rules as imports and the API
(``pipelines.validation``: ranges, no future dates, plausible climb) and written by the same
store functions as ``POST /athletes/{id}/wellness`` and ``/sessions``. Nothing is written
when a value is invalid: the error names the option and its allowed range (exit 2).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from typing import Annotated, Any

import typer
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from engine.cli.common import console, fail, load_settings, open_database, parse_date
from engine.errors import AthleteNotFoundError
from engine.optimizer.catalogue import CATALOGUE
from engine.services.calendar import athlete_today
from engine.settings import Settings
from engine.store import database, logbook
from pipelines.validation import SessionRecord, WellnessRecord, validate_record

log_app = typer.Typer(help="Log a morning check-in or a session.", no_args_is_help=True)
AthleteOption = Annotated[int, typer.Option(help="Athlete id.")]
DateOption = Annotated[str | None, typer.Option(help="Day (YYYY-MM-DD); default today.")]
CROSS_TYPES = ("swim", "ski", "team_sport", "endurance", "other")  # cross types imports use
OPTION_NAMES = {
    "sleep_h": "--sleep-h",
    "sleep_quality": "--sleep-quality",
    "resting_hr": "--resting-hr",
    "hrv_rmssd": "--hrv",
    "elevation_gain_m": "--climb-m",
    "elevation_loss_m": "--descent-m",
    "duration_min": "--duration-min",
    "distance_km": "--distance-km",
    "avg_hr": "--avg-hr",
}
Likert = Annotated[float | None, typer.Option(help="1 (low) to 5 (high).")]


def register(app: typer.Typer) -> None:
    """Attach ``cairn log`` to ``app``."""
    app.add_typer(log_app, name="log")


def _option(field: str | None) -> str:
    if field is None:
        return "the record"
    return OPTION_NAMES.get(field, f"--{field.replace('_', '-')}")


def _validated(model: type, data: dict[str, Any], today: dt.date) -> Any:
    record, issues = validate_record(model, data, today=today)
    if issues:
        first = issues[0]
        got = f" (got {first.value})" if first.value is not None else ""
        more = f"; and {len(issues) - 1} more" if len(issues) > 1 else ""
        raise fail(f"{_option(first.field)}: {first.rule}{got}{more}", code=2)
    return record


def _open_for(athlete: int) -> tuple[Settings, sessionmaker[Session], dt.date]:
    """The settings, the database and the athlete's local today (their time zone's date)."""
    settings = load_settings()
    factory = open_database(settings)
    try:
        with database.open_session(factory) as session:
            today = athlete_today(session, athlete_id=athlete, settings=settings)
    except AthleteNotFoundError as err:
        raise fail(f"{err}; list them with `cairn athletes list`") from err
    return settings, factory, today


def _kind_of(session_type: str) -> str:
    if session_type in CATALOGUE and session_type != "rest":
        return CATALOGUE[session_type].kind
    if session_type in CROSS_TYPES:
        return "cross"
    known = sorted(t for t in CATALOGUE if t != "rest") + list(CROSS_TYPES)
    raise fail(f"--type {session_type!r} is unknown; use one of: {', '.join(known)}", code=2)


@log_app.command("checkin")
def log_checkin(
    athlete: AthleteOption,
    date: DateOption = None,
    sleep_h: Annotated[float | None, typer.Option(help="Hours slept (0-24).")] = None,
    sleep_quality: Likert = None,
    soreness: Likert = None,
    fatigue: Likert = None,
    stress: Likert = None,
    mood: Likert = None,
    readiness: Annotated[float | None, typer.Option(help="Self-rated, 0-10.")] = None,
    resting_hr: Annotated[float | None, typer.Option(help="Morning HR, bpm.")] = None,
    hrv: Annotated[float | None, typer.Option(help="HRV rMSSD, ms.")] = None,
    pain: Annotated[bool, typer.Option("--pain/--no-pain", help="Any pain today?")] = False,
    illness: Annotated[bool, typer.Option("--illness/--no-illness", help="Unwell?")] = False,
) -> None:
    """Log the morning check-in (a second one for the same day replaces the first); the day
    is the athlete's local today unless ``--date`` says otherwise."""
    _, factory, today = _open_for(athlete)
    day = parse_date(date) if date else today
    values = {"date": day, "sleep_h": sleep_h, "sleep_quality": sleep_quality,
              "soreness": soreness, "fatigue": fatigue, "stress": stress, "mood": mood,
              "readiness": readiness, "resting_hr": resting_hr, "hrv_rmssd": hrv,
              "pain": pain, "illness": illness}  # fmt: skip
    record = _validated(WellnessRecord, {"athlete_id": athlete, **values}, today)
    row_values = record.model_dump(exclude={"athlete_id"})
    with database.open_session(factory) as session:
        _, created = logbook.save_wellness(session, athlete_id=athlete, values=row_values)
    verb = "Saved" if created else "Replaced"
    console.print(f"{verb} the check-in of athlete {athlete} for {record.date}.")


@log_app.command("session")
def log_session(
    athlete: AthleteOption,
    session_type: Annotated[str, typer.Option("--type", help="e.g. easy_trail, strength_full.")],
    duration_min: Annotated[float, typer.Option(help="Minutes (more than 0).")],
    rpe: Annotated[float | None, typer.Option(help="Session effort, 0-10 (CR-10).")] = None,
    distance_km: Annotated[float | None, typer.Option(help="Kilometres.")] = None,
    climb_m: Annotated[float | None, typer.Option(help="Elevation gain, metres.")] = None,
    descent_m: Annotated[float | None, typer.Option(help="Elevation loss, metres.")] = None,
    avg_hr: Annotated[float | None, typer.Option(help="Average heart rate, bpm.")] = None,
    date: DateOption = None,
) -> None:
    """Log a session you did (the same session twice is refused); the day is the athlete's
    local today unless ``--date`` says otherwise."""
    kind = _kind_of(session_type)
    _, factory, today = _open_for(athlete)
    values = {"date": parse_date(date) if date else today, "kind": kind, "type": session_type,
              "duration_min": duration_min, "distance_km": distance_km,
              "elevation_gain_m": climb_m, "elevation_loss_m": descent_m, "avg_hr": avg_hr,
              "rpe": rpe}  # fmt: skip
    digest = hashlib.sha256(json.dumps(values, default=str, sort_keys=True).encode()).hexdigest()
    data = {"athlete_id": athlete, "source": "manual", "external_id": f"cli-{digest[:32]}"}
    record = _validated(SessionRecord, data | values, today)
    row_values = record.model_dump(exclude={"athlete_id"})
    try:
        with database.open_session(factory) as session:
            row = logbook.add_training_session(session, athlete_id=athlete, values=row_values)
            row_id = row.id
    except IntegrityError as err:
        raise fail("this session is already logged (same day, type and numbers)") from err
    console.print(
        f"Logged session {row_id} for athlete {athlete}: {session_type.replace('_', ' ')} "
        f"{duration_min:g} min on {record.date}."
    )
