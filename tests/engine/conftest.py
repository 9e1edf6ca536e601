"""Fixtures shared by the engine tests."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner, Result

from engine.cli import app


@pytest.fixture
def cairn(data_dir: Path, monkeypatch: pytest.MonkeyPatch):  # noqa: ANN201
    """Run ``cairn`` with CAIRN_DATA_DIR pointing at the module's ``data_dir`` fixture."""
    monkeypatch.setenv("CAIRN_DATA_DIR", str(data_dir))
    monkeypatch.delenv("CAIRN_DATABASE_URL", raising=False)
    monkeypatch.setenv("COLUMNS", "200")

    def run(*args: str) -> Result:
        return CliRunner().invoke(app, list(args))

    return run
