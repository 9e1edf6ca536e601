"""Database engine creation and schema migration (Alembic), used at the edges."""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager
from importlib.resources import files
from pathlib import Path
from typing import TYPE_CHECKING

from sqlalchemy import Engine, create_engine, event, text
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session, sessionmaker

if TYPE_CHECKING:
    from alembic.config import Config


def _sqlite_pragmas(busy_timeout_ms: int):  # noqa: ANN202
    def _set_sqlite_pragmas(dbapi_connection, _record) -> None:  # noqa: ANN001
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute(f"PRAGMA busy_timeout={int(busy_timeout_ms)}")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.close()

    return _set_sqlite_pragmas


def make_engine(database_url: str, *, busy_timeout_ms: int = 5000) -> Engine:
    """Create an engine: SQLite in WAL mode with a busy timeout (ms), PostgreSQL pooled."""
    if database_url.startswith("sqlite"):
        path = database_url.split("///", 1)[-1]
        if path and path != ":memory:":
            Path(path).parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(database_url, connect_args={"check_same_thread": False})
        event.listen(engine, "connect", _sqlite_pragmas(busy_timeout_ms))
        return engine
    return create_engine(database_url, pool_size=5, max_overflow=10, pool_pre_ping=True)


def _alembic_config(engine: Engine) -> Config:
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(files("engine.store") / "migrations"))
    config.attributes["connection_engine"] = engine
    return config


_REVISION = re.compile(
    r"""^(down_revision|revision)\s*(?::[^=\n]*)?=\s*(?:["']([^"']+)["']|None)""", re.MULTILINE
)


def head_revision() -> str:
    """The newest migration's revision id, read from the migration files (Alembic not imported:
    it costs every command a fifth of a second when the schema is already current)."""
    revisions, parents = set(), set()
    for path in (files("engine.store") / "migrations" / "versions").iterdir():
        if not path.name.endswith(".py"):
            continue
        found = dict((key, value) for key, value in _REVISION.findall(path.read_text()))
        revisions.add(found["revision"])
        parents.add(found.get("down_revision") or "")
    heads = revisions - parents
    if len(heads) != 1:
        raise RuntimeError(f"the migrations have {len(heads)} heads: {sorted(heads)}")
    return heads.pop()


class NewerSchemaError(RuntimeError):
    """The database was migrated by a newer Cairn than this one."""


def _known_revisions() -> set[str]:
    return {
        found
        for path in (files("engine.store") / "migrations" / "versions").iterdir()
        if path.name.endswith(".py")
        for key, found in _REVISION.findall(path.read_text())
        if key == "revision"
    }


def _schema_is_current(engine: Engine) -> bool:
    try:
        with engine.connect() as connection:
            stamped = connection.execute(text("SELECT version_num FROM alembic_version")).all()
    except DBAPIError:  # no schema yet
        return False
    revisions = [row[0] for row in stamped]
    unknown = sorted(set(revisions) - _known_revisions()) if revisions != [head_revision()] else []
    if unknown:
        raise NewerSchemaError(
            f"the database {engine.url.render_as_string(hide_password=True)} has schema "
            f"revision {', '.join(unknown)}, newer than this Cairn knows (up to "
            f"{head_revision()}): upgrade Cairn (pip install -U) or point CAIRN_DATA_DIR / "
            "CAIRN_DATABASE_URL at another database; nothing was changed"
        )
    return revisions == [head_revision()]


def migrate_database(engine: Engine) -> None:
    """Create or upgrade the schema to the newest Alembic revision (a no-op when current).
    Raises ``NewerSchemaError`` (nothing changed) when a newer Cairn migrated it."""
    if _schema_is_current(engine):
        return
    from alembic import command

    command.upgrade(_alembic_config(engine), "head")


def make_session_factory(engine: Engine) -> sessionmaker[Session]:
    """Return a session factory bound to ``engine``."""
    return sessionmaker(bind=engine, expire_on_commit=False)


@contextmanager
def open_session(factory: sessionmaker[Session]) -> Iterator[Session]:
    """Yield a session that commits on success and rolls back on any error."""
    session = factory()
    try:
        yield session
        session.commit()
    except BaseException:
        session.rollback()
        raise
    finally:
        session.close()
