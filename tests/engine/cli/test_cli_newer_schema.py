"""A database migrated by a newer Cairn is refused with one line saying what to do, and left
unchanged (instead of an Alembic traceback)."""

from __future__ import annotations

import sqlite3

from typer.testing import CliRunner

from engine.cli.app import app
from engine.settings import Settings


def test_a_newer_schema_is_refused_with_a_clear_error(settings: Settings) -> None:
    env = {"CAIRN_DATA_DIR": str(settings.data_dir)}
    assert CliRunner().invoke(app, ["athletes", "create", "--name", "A"], env=env).exit_code == 0
    db = settings.data_dir / "app.sqlite"
    with sqlite3.connect(db) as con:
        con.execute("UPDATE alembic_version SET version_num = '9999'")
    result = CliRunner().invoke(app, ["recommend", "--athlete", "1"], env=env)
    assert result.exit_code == 1
    assert "revision 9999, newer than this Cairn knows" in result.output
    assert "upgrade Cairn" in result.output and "Traceback" not in result.output
    with sqlite3.connect(db) as con:
        assert con.execute("SELECT version_num FROM alembic_version").fetchall() == [("9999",)]
        assert con.execute("SELECT count(*) FROM athlete").fetchone() == (1,)
