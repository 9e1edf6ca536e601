"""Where log records go: one handler on the root logger, libraries kept quiet.

Called by the edges only (``cairn`` in ``engine.cli.main``, the API in
``api.observability.configure_logging``), never at import. MLflow and Alembic attach their
own handlers (MLflow prints INFO lines such as "Creating initial MLflow database tables");
they are made to propagate to the root logger at WARNING instead, so every record is
written once, by the root handler, in the edge's format.
"""

from __future__ import annotations

import logging
import os

QUIET_LOGGERS = ("mlflow", "alembic", "huey")
OWNED_MARK = "cairn_handler"


def quiet_library_loggers(level: int = logging.WARNING) -> None:
    """Route MLflow/Alembic records to the root handler, at ``level`` or above."""
    # Read by MLflow when it is first imported: do not install its own handler.
    os.environ.setdefault("MLFLOW_CONFIGURE_LOGGING", "false")
    for name in QUIET_LOGGERS:
        logger = logging.getLogger(name)
        logger.handlers.clear()
        logger.propagate = True
        logger.setLevel(level)


def install_root_handler(handler: logging.Handler, *, level: int | str) -> None:
    """Make ``handler`` the root logger's only Cairn handler (earlier ones are removed)."""
    root = logging.getLogger()
    for old in list(root.handlers):
        if getattr(old, OWNED_MARK, False):
            root.removeHandler(old)
    setattr(handler, OWNED_MARK, True)
    root.addHandler(handler)
    root.setLevel(level)


def configure_cli_logging() -> None:
    """``cairn``: warnings and errors only, as ``warning: <logger>: <message>`` on stderr."""
    handler = logging.StreamHandler()
    handler.setFormatter(logging.Formatter("%(levelname)s: %(name)s: %(message)s"))
    install_root_handler(handler, level=logging.WARNING)
    quiet_library_loggers()
