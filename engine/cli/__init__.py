"""The ``cairn`` command line: one module per command group, attached to one Typer app."""

from __future__ import annotations

import logging

from engine.cli import imports, models, nightly, plan, users
from engine.cli.app import app

for _group in (imports, users, models, plan, nightly):
    _group.register(app)


def main() -> None:
    """Entry point with logging configured."""
    logging.basicConfig(level=logging.WARNING)
    app()
