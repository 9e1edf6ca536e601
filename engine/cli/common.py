"""Shared pieces of the ``cairn`` command line (settings, database, console, dates)."""

from __future__ import annotations

import datetime as dt

import typer
from rich.console import Console
from sqlalchemy.orm import Session, sessionmaker

from engine.settings import Settings
from engine.store import database

console = Console()
err_console = Console(stderr=True)


def load_settings() -> Settings:
    """Settings from ``CAIRN_*`` variables, with the data folder created."""
    settings = Settings()
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    return settings


def open_database(settings: Settings) -> sessionmaker[Session]:
    """Create or migrate the database, then return a session factory."""
    engine = database.make_engine(settings.database_url)
    try:
        database.migrate_database(engine)
    except database.NewerSchemaError as err:
        raise fail(str(err)) from err
    return database.make_session_factory(engine)


def parse_date(value: str | None) -> dt.date:
    """A YYYY-MM-DD option, today when omitted."""
    if value is None:
        return dt.date.today()
    try:
        return dt.date.fromisoformat(value)
    except ValueError as err:
        raise typer.BadParameter(f"expected a date as YYYY-MM-DD, got {value!r}") from err


def parse_day(value: str | None) -> dt.date | None:
    """A YYYY-MM-DD option, None when omitted (the service then takes the athlete's local
    date in their time zone)."""
    return None if value is None else parse_date(value)


def fail(message: str, *, code: int = 1) -> typer.Exit:
    """Print an error a person can act on and return the exit to raise."""
    err_console.print(f"[red]Error:[/red] {message}", soft_wrap=True, markup=True, highlight=False)
    return typer.Exit(code=code)
