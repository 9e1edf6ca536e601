"""Background jobs (admins): state, progress, and the training report when done."""

from typing import Annotated

from fastapi import APIRouter, Depends, HTTPException, Path, Query, status

from api.deps import SessionDep
from api.schemas import JobPublic, JobsPublic
from api.security import require_admin
from engine.store import jobs

router = APIRouter(prefix="/jobs", tags=["jobs"], dependencies=[Depends(require_admin)])


@router.get("", response_model=JobsPublic)
def list_jobs(
    session: SessionDep,
    limit: Annotated[int, Query(ge=1, le=500)] = 50,
    offset: Annotated[int, Query(ge=0, le=10_000_000)] = 0,
) -> JobsPublic:
    """Jobs, newest first."""
    rows, total = jobs.read_jobs_page(session, limit=limit, offset=offset)
    return JobsPublic(data=[JobPublic.model_validate(r) for r in rows], count=total)


@router.get("/{job_id}", response_model=JobPublic)
def read_job(
    job_id: Annotated[str, Path(min_length=1, max_length=64)], session: SessionDep
) -> JobPublic:
    """One job: queued/running/succeeded/failed, progress 0-1, metrics and promotion."""
    job = jobs.read_job(session, job_id=job_id)
    if job is None:
        raise HTTPException(status.HTTP_404_NOT_FOUND, f"job {job_id} not found")
    return JobPublic.model_validate(job)
