"""The retraining job's body: runs in a child process started by ``engine.services.job_runner``."""

from __future__ import annotations

import datetime as dt
import logging
import math
import os
import threading
import time
from dataclasses import asdict
from typing import Any

from engine.services.training import train_and_register
from engine.settings import Settings
from engine.store import database
from engine.store.jobs import finish_job, update_job, utcnow

log = logging.getLogger(__name__)


def _finite(value: Any) -> Any:
    if type(value).__module__ == "numpy" and hasattr(value, "item"):
        value = value.item()  # numpy scalars are not JSON
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if isinstance(value, dict):
        return {k: _finite(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_finite(v) for v in value]
    return value


def report_to_result(report: Any) -> dict[str, Any]:
    """A JSON-safe dict of a ``TrainReport`` (NaN metrics become null)."""
    data = asdict(report)
    for outcome in data["outcomes"]:
        outcome.pop("run_id", None)
    return _finite(data)


def _exit_when_orphaned(parent_pid: int) -> None:
    """Stop the child when its server dies (e.g. SIGKILL); the job is then failed on restart."""

    def watch() -> None:
        while os.getppid() == parent_pid:
            time.sleep(1.0)
        os._exit(70)

    threading.Thread(target=watch, name="orphan-watch", daemon=True).start()


def run_retrain_job(*, settings: Settings, job_id: str, today: dt.date, parent_pid: int) -> None:
    """The job body (child process): train both models, record metrics and promotion."""
    _exit_when_orphaned(parent_pid)
    engine = database.make_engine(settings.database_url, busy_timeout_ms=30_000)
    factory = database.make_session_factory(engine)
    try:
        with database.open_session(factory) as session:
            update_job(session, job_id=job_id, stage="training", progress=0.2)
        with database.open_session(factory) as session:
            report = train_and_register(session, settings, today=today)
        with database.open_session(factory) as session:
            finish_job(
                session,
                job_id=job_id,
                state="succeeded",
                now=utcnow(),
                result=report_to_result(report),
            )
    except Exception as err:  # noqa: BLE001 - the job records any failure, then the process ends
        log.exception("retrain job %s failed", job_id)
        with database.open_session(factory) as session:
            finish_job(
                session,
                job_id=job_id,
                state="failed",
                now=utcnow(),
                error=f"{type(err).__name__}: {err}",
            )
    finally:
        engine.dispose()
