"""``cairn users list|deactivate|activate|unlink|password``: accounts after creation.

The same operations as the admin API (``GET /users``, ``PATCH /users/{username}``,
``DELETE /users/{username}/links/{athlete_id}``), through ``engine.store.account_admin``.
"""

from __future__ import annotations

import json
from typing import Annotated

import typer
from rich.table import Table

from engine.cli.common import console, fail, load_settings, open_database
from engine.cli.users import users_app
from engine.store import account_admin, database

UsernameArg = Annotated[str, typer.Argument(help="The sign-in name.")]


def list_users(
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
    limit: Annotated[int, typer.Option(min=1, max=10_000, help="At most this many.")] = 500,
) -> None:
    """Every account: role, athlete, active, linked athletes (never password hashes)."""
    with database.open_session(open_database(load_settings())) as session:
        records, total = account_admin.read_users_page(session, limit=limit)
    if as_json:
        data = [r.to_dict() for r in records]
        typer.echo(json.dumps({"data": data, "count": total}, indent=2))
        return
    table = Table(title=f"{total} accounts")
    for column in ("id", "username", "role", "athlete", "active", "linked athletes"):
        table.add_column(column, overflow="fold")
    for r in records:
        linked = ", ".join(map(str, r.linked_athletes))
        athlete = "" if r.athlete_id is None else str(r.athlete_id)
        table.add_row(
            str(r.id), r.username, r.role, athlete, "yes" if r.is_active else "no", linked
        )
    console.print(table)


def _set_active(username: str, *, active: bool) -> None:
    try:
        with database.open_session(open_database(load_settings())) as session:
            account_admin.set_active(session, username=username, active=active)
    except LookupError as err:
        raise fail(f"{err.args[0]}; see `cairn users list`") from err


def deactivate_user(username: UsernameArg) -> None:
    """Switch an account off: its tokens (and, for an athlete, API keys) stop at once."""
    _set_active(username, active=False)
    console.print(f"Deactivated {username!r}: its tokens are refused from now on.")


def activate_user(username: UsernameArg) -> None:
    """Switch an account back on."""
    _set_active(username, active=True)
    console.print(f"Activated {username!r}.")


def unlink_coach(
    coach: Annotated[str, typer.Option(help="The coach's username.")],
    athlete: Annotated[int, typer.Option(help="Athlete id.")],
) -> None:
    """Stop a coach from seeing an athlete."""
    try:
        with database.open_session(open_database(load_settings())) as session:
            account_admin.unlink_coach(session, username=coach, athlete_id=athlete)
    except LookupError as err:
        raise fail(f"{err.args[0]}; see `cairn users list`") from err
    console.print(f"Coach {coach!r} no longer sees athlete {athlete}.")


def set_password(
    username: UsernameArg,
    password: Annotated[
        str,
        typer.Option(prompt=True, hide_input=True, confirmation_prompt=True, help="8+ chars."),
    ],
) -> None:
    """Set a new password (prompts when --password is not given)."""
    try:
        with database.open_session(open_database(load_settings())) as session:
            account_admin.set_password(session, username=username, password=password)
    except ValueError as err:
        raise fail(str(err), code=2) from err
    except LookupError as err:
        raise fail(f"{err.args[0]}; see `cairn users list`") from err
    console.print(f"New password set for {username!r}.")


def register(app: typer.Typer) -> None:
    """Attach the account-management commands to ``cairn users``."""
    del app  # they join the existing ``users`` group
    users_app.command("list")(list_users)
    users_app.command("deactivate")(deactivate_user)
    users_app.command("activate")(activate_user)
    users_app.command("unlink")(unlink_coach)
    users_app.command("password")(set_password)
