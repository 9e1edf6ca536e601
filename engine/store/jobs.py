"""Background jobs (model retraining): the job table's query functions and the job body.

The body, ``run_retrain_job``, runs in a child process started by ``engine.services.job_runner``.
"""

from __future__ import annotations

import datetime as dt
import logging
import os
import socket
import uuid
from collections.abc import Callable, Sequence
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from engine.store.tables import ACTIVE_JOB_STATES, Job

log = logging.getLogger(__name__)

RETRAIN = "retrain"
TERMINAL_STATES = ("succeeded", "failed")
STALE_AFTER = dt.timedelta(seconds=30)


def utcnow() -> dt.datetime:
    """Naive UTC now (the job table stores naive UTC)."""
    return dt.datetime.now(dt.UTC).replace(tzinfo=None)


def process_owner() -> str:
    """``host:pid`` of this process (who supervises a job)."""
    return f"{socket.gethostname()}:{os.getpid()}"


def owner_is_alive(owner: str) -> bool:
    """Whether the supervising process may still run: a dead pid on this host is not; this
    very process is not (it supervises nothing after a restart); other hosts are judged by
    their heartbeat alone."""
    if owner == process_owner():
        return False
    host, _, pid = owner.rpartition(":")
    if host != socket.gethostname() or not pid.isdigit():
        return True
    try:
        os.kill(int(pid), 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def insert_job(session: Session, *, kind: str, requested_by: int | None, now: dt.datetime) -> Job:
    """Insert a queued job; the unique index on active jobs rejects a second active one."""
    job = Job(
        id=uuid.uuid4().hex,
        kind=kind,
        state="queued",
        progress=0.0,
        stage="queued",
        requested_by=requested_by,
        owner=process_owner(),
        created_at=now,
        heartbeat_at=now,
    )
    session.add(job)
    session.flush()
    return job


def read_job(session: Session, *, job_id: str) -> Job | None:
    """The job with this id, or None."""
    return session.get(Job, job_id)


def read_active_job(session: Session, *, kind: str) -> Job | None:
    """The queued or running job of this kind, or None."""
    query = select(Job).where(Job.kind == kind, Job.state.in_(ACTIVE_JOB_STATES))
    return session.scalars(query).first()


def read_jobs_page(session: Session, *, limit: int, offset: int) -> tuple[Sequence[Job], int]:
    """Newest jobs first, and the total."""
    total = session.scalar(select(func.count()).select_from(Job)) or 0
    query = select(Job).order_by(Job.created_at.desc(), Job.id).limit(limit).offset(offset)
    return session.scalars(query).all(), total


def update_job(session: Session, *, job_id: str, **values: Any) -> None:
    """Set columns on a job (state, progress, stage, heartbeat_at, ...)."""
    job = session.get(Job, job_id)
    if job is not None:
        for key, value in values.items():
            setattr(job, key, value)
        session.flush()


def finish_job(
    session: Session,
    *,
    job_id: str,
    state: str,
    now: dt.datetime,
    result: dict[str, Any] | None = None,
    error: str | None = None,
) -> None:
    """Move an active job to ``succeeded`` or ``failed`` (a finished job is left alone)."""
    job = session.get(Job, job_id)
    if job is None or job.state in TERMINAL_STATES:
        return
    job.state, job.finished_at, job.heartbeat_at = state, now, now
    job.progress = 1.0 if state == "succeeded" else job.progress
    job.stage = "done" if state == "succeeded" else "failed"
    job.result = result
    job.error = error[:2000] if error else None
    session.flush()


def fail_stale_jobs(
    session: Session, *, now: dt.datetime, is_alive: Callable[[str], bool] = owner_is_alive
) -> list[str]:
    """Mark active jobs whose supervisor died (or stopped heartbeating) as failed."""
    stale = []
    for job in session.scalars(select(Job).where(Job.state.in_(ACTIVE_JOB_STATES))).all():
        beat = job.heartbeat_at or job.created_at
        if beat < now - STALE_AFTER or not is_alive(job.owner):
            finish_job(
                session,
                job_id=job.id,
                state="failed",
                now=now,
                error="interrupted: the server stopped while the job was running",
            )
            stale.append(job.id)
    return stale
