"""``cairn users`` and ``cairn keys``: accounts, coach links, tokens and per-athlete API keys."""

from __future__ import annotations

import os
from typing import Annotated

import typer

from engine.cli.common import console, fail, load_settings, open_database
from engine.errors import AthleteNotFoundError, InsecureSettingsError
from engine.store import accounts, credentials, database, jobs

LOOPBACK_HOSTS = frozenset({"127.0.0.1", "localhost", "::1"})

users_app = typer.Typer(help="Sign-in accounts: athletes, coaches, admins.", no_args_is_help=True)
keys_app = typer.Typer(help="API keys for machines (e.g. a watch sync).", no_args_is_help=True)


@users_app.command("create")
def create_user(
    username: Annotated[str, typer.Option(help="Sign-in name (3-80 of A-Z a-z 0-9 . _ @ -).")],
    role: Annotated[str, typer.Option(help="athlete, coach or admin.")],
    password: Annotated[
        str,
        typer.Option(prompt=True, hide_input=True, confirmation_prompt=True, help="8+ chars."),
    ],
    athlete: Annotated[int | None, typer.Option(help="Athlete id (role athlete only).")] = None,
) -> None:
    """Create a user (prompts for the password when --password is not given)."""
    settings = load_settings()
    factory = open_database(settings)
    try:
        with database.open_session(factory) as session:
            user = accounts.create_user(
                session, username=username, password=password, role=role, athlete_id=athlete
            )
            user_id = user.id
    except (ValueError, AthleteNotFoundError) as err:
        raise fail(str(err)) from err
    suffix = f" for athlete {athlete}" if athlete is not None else ""
    console.print(f"Created {role} {username!r} (id {user_id}){suffix}.")


@users_app.command("link")
def link_coach(
    coach: Annotated[str, typer.Option(help="The coach's username.")],
    athlete: Annotated[int, typer.Option(help="Athlete id.")],
) -> None:
    """Let a coach see and log for an athlete."""
    settings = load_settings()
    factory = open_database(settings)
    try:
        with database.open_session(factory) as session:
            accounts.link_coach(session, coach_username=coach, athlete_id=athlete)
    except (ValueError, AthleteNotFoundError) as err:
        raise fail(str(err)) from err
    console.print(f"Coach {coach!r} is linked to athlete {athlete}.")


@users_app.command("token")
def issue_token(
    username: Annotated[str, typer.Option(help="Whose token.")],
) -> None:
    """Print an access token for a user (operator shortcut; same secret as the server)."""
    settings = load_settings()
    factory = open_database(settings)
    try:
        secret = credentials.load_secret_key(settings)
    except InsecureSettingsError as err:
        raise fail(str(err)) from err
    with database.open_session(factory) as session:
        user = accounts.read_user_by_name(session, username=username)
        user_id = user.id if user is not None and user.is_active else None
    if user_id is None:
        raise fail(f"no active user named {username!r}")
    token = credentials.create_access_token(
        user_id=user_id, secret=secret, ttl_min=settings.token_ttl_min, now=jobs.utcnow()
    )
    typer.echo(token)


@keys_app.command("create")
def create_key(
    athlete: Annotated[int, typer.Option(help="The athlete the key acts for.")],
    scope: Annotated[
        list[str], typer.Option(help="resource:read|write, e.g. sessions:write (repeatable).")
    ],
    name: Annotated[str, typer.Option(help="A label, e.g. 'garmin-sync'.")] = "",
) -> None:
    """Create an API key; it is printed once and only its hash is stored."""
    settings = load_settings()
    factory = open_database(settings)
    try:
        with database.open_session(factory) as session:
            row, key = accounts.create_api_key(session, athlete_id=athlete, scopes=scope, name=name)
            key_id, scopes = row.key_id, row.scopes
    except (ValueError, AthleteNotFoundError) as err:
        raise fail(str(err)) from err
    console.print(f"API key {key_id} for athlete {athlete}, scopes: {scopes}")
    console.print("Store it now; it cannot be shown again. Send it as: Authorization: Bearer <key>")
    typer.echo(key)


@keys_app.command("revoke")
def revoke_key(
    key_id: Annotated[str, typer.Argument(help="The key id printed at creation.")],
) -> None:
    """Revoke an API key by its id."""
    settings = load_settings()
    factory = open_database(settings)
    with database.open_session(factory) as session:
        revoked = accounts.revoke_api_key(session, key_id=key_id)
    if not revoked:
        raise fail(f"no live API key {key_id!r}")
    console.print(f"Revoked API key {key_id}.")


def prepare_serving(*, host: str, demo: bool) -> None:
    """Refuse to serve without a signing secret, or in demo mode beyond loopback.

    ``--demo`` sets ``CAIRN_DEMO_MODE=true`` for the server (and its workers): the secret is
    then generated once into ``<data dir>/secret_key``.
    """
    if demo:
        os.environ["CAIRN_DEMO_MODE"] = "true"
    settings = load_settings()
    if settings.demo_mode and host not in LOOPBACK_HOSTS:
        raise fail(f"demo mode serves on loopback only (got --host {host}); set CAIRN_SECRET_KEY")
    try:
        credentials.load_secret_key(settings)
    except InsecureSettingsError as err:
        raise fail(str(err)) from err


def register(app: typer.Typer) -> None:
    """Attach ``users`` and ``keys`` to the ``cairn`` command."""
    app.add_typer(users_app, name="users")
    app.add_typer(keys_app, name="keys")
