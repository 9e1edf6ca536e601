"""Run one retraining job at a time in a child process, supervised by a thread.

Training never runs in a request nor in the server's own process: a crash or a long fit
cannot stall serving. The supervisor heartbeats the job row and records how the child ended.
"""

from __future__ import annotations

import datetime as dt
import logging
import multiprocessing
import os
import threading
from collections.abc import Callable

from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from engine.errors import JobConflictError
from engine.services import retrain_job
from engine.settings import Settings
from engine.store import database, jobs
from engine.store.tables import Job

log = logging.getLogger(__name__)


class TrainingJobRunner:
    """Starts ``retrain_job.run_retrain_job`` in a spawned process; one job at a time."""

    def __init__(
        self,
        settings: Settings,
        factory: sessionmaker[Session],
        *,
        on_success: Callable[[], object] | None = None,
        heartbeat_s: float = 5.0,
    ) -> None:
        self._settings = settings
        self._factory = factory
        self._on_success = on_success
        self._heartbeat_s = heartbeat_s
        self._lock = threading.Lock()
        self._process: multiprocessing.process.BaseProcess | None = None
        self._job_id: str | None = None
        self._supervisor: threading.Thread | None = None
        self._stopping = False

    def _owner_alive(self, owner: str) -> bool:
        if owner == jobs.process_owner():
            return self._process is not None and self._process.is_alive()
        return jobs.owner_is_alive(owner)

    def recover(self) -> list[str]:
        """Fail jobs left active by a dead server (call at start-up)."""
        with database.open_session(self._factory) as session:
            return jobs.fail_stale_jobs(session, now=jobs.utcnow(), is_alive=self._owner_alive)

    def _insert(self, requested_by: int | None) -> Job:
        try:
            with database.open_session(self._factory) as session:
                now = jobs.utcnow()
                jobs.fail_stale_jobs(session, now=now, is_alive=self._owner_alive)
                active = jobs.read_active_job(session, kind=jobs.RETRAIN)
                if active is not None:
                    raise JobConflictError(active.id)
                return jobs.insert_job(
                    session, kind=jobs.RETRAIN, requested_by=requested_by, now=now
                )
        except IntegrityError as err:  # another worker inserted one at the same moment
            with database.open_session(self._factory) as session:
                active = jobs.read_active_job(session, kind=jobs.RETRAIN)
            raise JobConflictError(active.id if active else "unknown") from err

    def start_retrain(self, *, requested_by: int | None, today: dt.date) -> Job:
        """Queue and start a retraining job; ``JobConflictError`` while one is active."""
        with self._lock:
            if self._process is not None and self._process.is_alive() and self._job_id:
                raise JobConflictError(self._job_id)
            job = self._insert(requested_by)
            context = multiprocessing.get_context("spawn")
            process = context.Process(
                target=retrain_job.run_retrain_job,
                kwargs={
                    "settings": self._settings,
                    "job_id": job.id,
                    "today": today,
                    "parent_pid": os.getpid(),
                },
                name=f"cairn-retrain-{job.id[:8]}",
                daemon=True,
            )
            process.start()
            self._process, self._job_id = process, job.id
            with database.open_session(self._factory) as session:
                now = jobs.utcnow()
                jobs.update_job(
                    session,
                    job_id=job.id,
                    state="running",
                    stage="starting",
                    progress=0.05,
                    started_at=now,
                    heartbeat_at=now,
                )
                job = jobs.read_job(session, job_id=job.id) or job
            self._supervisor = threading.Thread(
                target=self._supervise, args=(process, job.id), name="retrain-supervisor"
            )
            self._supervisor.daemon = True
            self._supervisor.start()
            return job

    def _supervise(self, process: multiprocessing.process.BaseProcess, job_id: str) -> None:
        try:
            while True:
                process.join(timeout=self._heartbeat_s)
                if not process.is_alive():
                    break
                with database.open_session(self._factory) as session:
                    jobs.update_job(session, job_id=job_id, heartbeat_at=jobs.utcnow())
            self._record_exit(process, job_id)
        except Exception:  # noqa: BLE001 - a supervisor thread must not die silently
            log.exception("supervising retrain job %s failed", job_id)

    def _record_exit(self, process: multiprocessing.process.BaseProcess, job_id: str) -> None:
        if self._stopping:
            error = "interrupted: the server shut down while the job was running"
        else:
            error = f"the training process exited with code {process.exitcode}"
        with database.open_session(self._factory) as session:
            jobs.finish_job(session, job_id=job_id, state="failed", now=jobs.utcnow(), error=error)
            job = jobs.read_job(session, job_id=job_id)
            succeeded = job is not None and job.state == "succeeded"
        log.info("retrain job %s ended (exit code %s)", job_id, process.exitcode)
        if succeeded and self._on_success is not None:
            self._on_success()

    def wait(self, timeout_s: float | None = None) -> None:
        """Block until the current job's supervisor has recorded the outcome (tests, CLI)."""
        if self._supervisor is not None:
            self._supervisor.join(timeout_s)

    def shutdown(self, *, timeout_s: float = 5.0) -> None:
        """Stop a running child and record the job as interrupted."""
        self._stopping = True
        process = self._process
        if process is not None and process.is_alive():
            process.terminate()
            process.join(timeout_s)
            if process.is_alive():
                process.kill()
                process.join(timeout_s)
        self.wait(timeout_s)
