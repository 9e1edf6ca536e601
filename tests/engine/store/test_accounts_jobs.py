"""Accounts, API keys, jobs and idempotency records on SQLite and PostgreSQL (revision 0002)."""

from __future__ import annotations

import datetime as dt

import pytest
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import Engine
from sqlalchemy.exc import IntegrityError

from engine.errors import AthleteNotFoundError
from engine.store import accounts, database, idempotency, jobs, logbook
from engine.store.tables import Base

NOW = dt.datetime(2025, 9, 1, 12, 0)


def test_migration_0002_matches_the_tables_and_reverses(db_engine: Engine) -> None:
    # given a database migrated to head
    # when compared with the table definitions, then nothing differs
    with db_engine.connect() as conn:
        assert compare_metadata(MigrationContext.configure(conn), Base.metadata) == []
    # and 0002 downgrades and upgrades again cleanly
    config = database._alembic_config(db_engine)
    command.downgrade(config, "0001")
    command.upgrade(config, "head")


def test_users_links_and_api_keys(db_engine: Engine) -> None:
    factory = database.make_session_factory(db_engine)
    with database.open_session(factory) as session:
        # given an athlete, their login, and a coach linked to them
        aid = logbook.create_athlete(session, data={"name": "Mia"}).id
        accounts.create_user(
            session, username="mia", password="pw-123456", role="athlete", athlete_id=aid
        )
        coach = accounts.create_user(session, username="cora", password="pw-123456", role="coach")
        accounts.link_coach(session, coach_username="cora", athlete_id=aid)
        accounts.link_coach(session, coach_username="cora", athlete_id=aid)  # idempotent
        _, key = accounts.create_api_key(session, athlete_id=aid, scopes=["sessions:write"])
    with database.open_session(factory) as session:
        # then the password verifies, the link holds, and the key resolves to the athlete
        assert accounts.authenticate_user(session, username="mia", password="pw-123456")
        assert accounts.authenticate_user(session, username="mia", password="wrong") is None
        assert accounts.authenticate_user(session, username="ghost", password="x") is None
        assert accounts.is_linked(session, coach_id=coach.id, athlete_id=aid)
        rows, total = accounts.read_athletes_page(
            session, coach_id=coach.id, only_id=None, limit=10, offset=0
        )
        assert total == 1 and rows[0].id == aid
        row = accounts.read_api_key(session, key=key)
        assert row is not None and row.athlete_id == aid and row.scopes == "sessions:write"
        assert accounts.read_api_key(session, key=key[:-1] + "x") is None


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"username": "x", "role": "admin"}, "username"),
        ({"username": "sam", "role": "root"}, "role"),
        ({"username": "sam", "role": "athlete"}, "athlete_id"),
        ({"username": "sam", "role": "coach", "athlete_id": 1}, "athlete_id"),
    ],
)
def test_create_user_refuses_bad_input(db_engine: Engine, kwargs: dict, message: str) -> None:
    factory = database.make_session_factory(db_engine)
    with database.open_session(factory) as session:
        logbook.create_athlete(session, data={"name": "A"})
        with pytest.raises(ValueError, match=message):
            accounts.create_user(session, password="pw-123456", **kwargs)


def test_user_for_unknown_athlete_is_refused(db_engine: Engine) -> None:
    factory = database.make_session_factory(db_engine)
    with database.open_session(factory) as session, pytest.raises(AthleteNotFoundError):
        accounts.create_user(
            session, username="sam", password="pw-123456", role="athlete", athlete_id=77
        )


def test_database_allows_one_active_job_per_kind(db_engine: Engine) -> None:
    factory = database.make_session_factory(db_engine)
    with database.open_session(factory) as session:
        first = jobs.insert_job(session, kind=jobs.RETRAIN, requested_by=None, now=NOW).id
    # when a second active retrain job is inserted, then the unique index refuses it
    with pytest.raises(IntegrityError), database.open_session(factory) as session:
        jobs.insert_job(session, kind=jobs.RETRAIN, requested_by=None, now=NOW)
    # when the first finishes, then a new one may start
    with database.open_session(factory) as session:
        jobs.finish_job(session, job_id=first, state="succeeded", now=NOW, result={"ok": 1})
        jobs.insert_job(session, kind=jobs.RETRAIN, requested_by=None, now=NOW)
        assert jobs.read_active_job(session, kind=jobs.RETRAIN) is not None


def test_stale_jobs_are_failed(db_engine: Engine) -> None:
    factory = database.make_session_factory(db_engine)
    with database.open_session(factory) as session:
        job = jobs.insert_job(session, kind=jobs.RETRAIN, requested_by=None, now=NOW)
        job.state, job.owner = "running", "elsewhere:1"
    with database.open_session(factory) as session:
        later = NOW + jobs.STALE_AFTER + dt.timedelta(seconds=1)
        assert jobs.fail_stale_jobs(session, now=NOW, is_alive=lambda _: True) == []
        assert jobs.fail_stale_jobs(session, now=later, is_alive=lambda _: True) == [job.id]
        failed = jobs.read_job(session, job_id=job.id)
        assert failed is not None and failed.state == "failed" and "interrupted" in failed.error


def test_idempotency_records_are_unique_per_athlete_and_key_and_expire(
    db_engine: Engine,
) -> None:
    factory = database.make_session_factory(db_engine)
    values = {"request_hash": "h", "status_code": 201, "response": {"id": 1}, "now": NOW}
    with database.open_session(factory) as session:
        aid = logbook.create_athlete(session, data={"name": "A"}).id
        idempotency.save_idempotency_record(session, athlete_id=aid, key="k", **values)
    with pytest.raises(IntegrityError), database.open_session(factory) as session:
        idempotency.save_idempotency_record(session, athlete_id=aid, key="k", **values)
    with database.open_session(factory) as session:
        found = idempotency.read_idempotency_record(session, athlete_id=aid, key="k", now=NOW)
        assert found is not None and found.response == {"id": 1}
        later = NOW + idempotency.RETENTION + dt.timedelta(minutes=1)
        assert (
            idempotency.read_idempotency_record(session, athlete_id=aid, key="k", now=later) is None
        )


def test_request_hash_depends_on_route_and_body_not_key_order() -> None:
    base = idempotency.hash_request(method="POST", route="/a", body={"x": 1, "y": 2})
    assert base == idempotency.hash_request(method="POST", route="/a", body={"y": 2, "x": 1})
    assert base != idempotency.hash_request(method="POST", route="/b", body={"x": 1, "y": 2})
    assert base != idempotency.hash_request(method="POST", route="/a", body={"x": 1, "y": 3})
