"""API fixtures: settings with a signing secret, and users with tokens for each role."""

from __future__ import annotations

import functools
from collections.abc import Iterator
from dataclasses import dataclass

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from pydantic import SecretStr

from api.main import create_app
from engine.settings import Settings
from engine.store import accounts, credentials, database, jobs, logbook
from engine.store.tables import User

TEST_SECRET = "test-only-signing-secret-0123456789abcdef"
PASSWORD = "correct-horse-battery"


def with_secret(settings: Settings, **overrides: object) -> Settings:
    """A copy of ``settings`` with the test signing secret (and any overrides)."""
    return settings.model_copy(update={"secret_key": SecretStr(TEST_SECRET), **overrides})


def bearer(app: FastAPI, user_id: int, *, ttl_min: int = 30) -> dict[str, str]:
    """An Authorization header for a user, minted with the app's secret."""
    token = credentials.create_access_token(
        user_id=user_id, secret=app.state.secret_key, ttl_min=ttl_min, now=jobs.utcnow()
    )
    return {"Authorization": f"Bearer {token}"}


@functools.cache
def password_hash() -> str:
    """PASSWORD's argon2 hash, computed once (hashing is deliberately slow)."""
    return credentials.hash_password(PASSWORD)


def add_user(
    app: FastAPI, *, username: str, role: str, athlete_id: int | None = None
) -> dict[str, str]:
    """Insert a user (password ``PASSWORD``) and return its Authorization header."""
    with database.open_session(app.state.session_factory) as session:
        user = User(
            username=username,
            password_hash=password_hash(),
            role=role,
            athlete_id=athlete_id,
            is_active=True,
        )
        session.add(user)
        session.flush()
        user_id = user.id
    return bearer(app, user_id)


def add_athlete(app: FastAPI, name: str = "Test") -> int:
    """Create an athlete directly in the store; returns its id."""
    with database.open_session(app.state.session_factory) as session:
        return logbook.create_athlete(session, data={"name": name}).id


def link(app: FastAPI, *, coach: str, athlete_id: int) -> None:
    with database.open_session(app.state.session_factory) as session:
        accounts.link_coach(session, coach_username=coach, athlete_id=athlete_id)


@dataclass(frozen=True)
class Callers:
    """Headers for each kind of caller around athlete ``own`` (and a second athlete ``other``)."""

    own: int
    other: int
    admin: dict[str, str]
    athlete: dict[str, str]
    other_athlete: dict[str, str]
    coach: dict[str, str]
    unlinked_coach: dict[str, str]


def make_callers(app: FastAPI, own: int, other: int) -> Callers:
    """Admin, the athlete ``own``, athlete ``other``, a coach linked to ``own`` and one not."""
    callers = Callers(
        own=own,
        other=other,
        admin=add_user(app, username="admin", role="admin"),
        athlete=add_user(app, username="own-athlete", role="athlete", athlete_id=own),
        other_athlete=add_user(app, username="other-athlete", role="athlete", athlete_id=other),
        coach=add_user(app, username="coach", role="coach"),
        unlinked_coach=add_user(app, username="unlinked-coach", role="coach"),
    )
    link(app, coach="coach", athlete_id=own)
    return callers


@pytest.fixture
def api_settings(settings: Settings) -> Settings:
    """Empty data dir (no models registered), with a signing secret."""
    return with_secret(settings)


@pytest.fixture
def trained_api_settings(trained_settings: Settings) -> Settings:
    """Simulated cohort and registered champions, with a signing secret."""
    return with_secret(trained_settings)


@pytest.fixture
def trained_client(trained_api_settings: Settings) -> Iterator[TestClient]:
    with TestClient(create_app(trained_api_settings)) as client:
        yield client


@pytest.fixture
def empty_app_client(api_settings: Settings) -> Iterator[TestClient]:
    with TestClient(create_app(api_settings)) as client:
        yield client
