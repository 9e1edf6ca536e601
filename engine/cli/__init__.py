"""The ``cairn`` command line: one module per command group, attached to one Typer app."""

from __future__ import annotations

import sys

from engine.cli import accounts, athletes, events, imports, log, models, nightly, plan, users
from engine.cli.app import app
from engine.cli.errors import run_cli
from engine.log_setup import configure_cli_logging

for _group in (imports, users, models, plan, log, accounts, athletes, events, nightly):
    _group.register(app)


def main() -> None:
    """Entry point: logging configured (warnings only; libraries quiet), and user errors as
    one ``Error: ...`` line with the documented exit code (docs/cli.md)."""
    configure_cli_logging()
    sys.exit(run_cli(app, sys.argv[1:]))
