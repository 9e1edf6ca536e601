"""Importing files for one athlete: ``POST /athletes/{athlete_id}/imports`` (multipart).

Answers: 201 when something was imported, 200 when every record was already stored,
422 with the summary when a file was rejected or failed (nothing of that file written;
other files of the same request are imported, each in its own transaction), 413 when the
request body is larger than ``Settings.max_upload_mb``, 404 for an unknown athlete.
"""

from __future__ import annotations

import datetime as dt
import tempfile
from pathlib import Path as FilePath
from typing import Annotated, Any, Literal, get_args

from fastapi import APIRouter, Depends, HTTPException, Path, Query, Request, status
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import BaseModel, TypeAdapter, ValidationError
from sqlalchemy.orm import Session, sessionmaker
from starlette.concurrency import run_in_threadpool

from api.deps import SettingsDep
from api.metrics import ApiMetrics, MetricsDep
from api.uploads import (
    MAX_FILES,
    MEGABYTE,
    UploadTooLargeError,
    check_content_length,
    receive_uploads,
)
from api.warm import WarmDep
from engine.services.imports import ImportOptions, import_paths
from engine.store import database, logbook
from pipelines.importers.summary import ImportSummary

router = APIRouter(prefix="/athletes/{athlete_id}", tags=["imports"])

ImportFormat = Literal["auto", "fit", "gpx", "strength-csv", "cairn-csv", "pmdata"]
FILE_FIELD = "files"
_MULTIPART_BODY = {
    "requestBody": {
        "required": True,
        "content": {
            "multipart/form-data": {
                "schema": {
                    "type": "object",
                    "required": [FILE_FIELD],
                    "properties": {
                        FILE_FIELD: {
                            "type": "array",
                            "minItems": 1,
                            "maxItems": MAX_FILES,
                            "items": {"type": "string", "format": "binary"},
                            "description": "One or more files (FIT, GPX, Strong/Hevy, Cairn CSV)",
                        },
                        "format": {
                            "type": "string",
                            "enum": list(get_args(ImportFormat)),
                            "description": "overrides the query",
                        },
                        "skip_invalid": {"type": "boolean", "description": "overrides the query"},
                    },
                }
            }
        },
    }
}


class RejectionPublic(BaseModel):
    """One invalid record: file, place (e.g. ``row 14``), field, value and broken rule."""

    file: str
    record: str | None
    field: str | None
    rule: str
    value: str | None
    message: str


class FileImportPublic(BaseModel):
    """The outcome of one uploaded file (status ``ok``, ``rejected`` or ``failed``)."""

    file: str
    format: str | None
    status: Literal["ok", "rejected", "failed"]
    imported: dict[str, int]
    duplicates: dict[str, int]
    rejected: list[RejectionPublic]
    warnings: list[str]
    error: str | None


class ImportSummaryPublic(BaseModel):
    """Rows imported and duplicates skipped per table, and every file's outcome."""

    ok: bool
    imported: dict[str, int]
    duplicates: dict[str, int]
    rejected: int
    files: list[FileImportPublic]


class ImportRejectedPublic(BaseModel):
    """The 422 answer: the usual error shape, plus the summary when a file was rejected.

    ``error`` is ``import_rejected`` or ``import_failed`` (with ``summary``), or
    ``invalid_request`` when the request itself was malformed (``detail`` lists the fields).
    """

    error: str
    detail: str | list[dict[str, Any]]
    summary: ImportSummaryPublic | None = None


def get_session_factory(request: Request) -> sessionmaker[Session]:
    """Return the app's session factory (each file is imported in its own transaction)."""
    return request.app.state.session_factory


FactoryDep = Annotated[sessionmaker[Session], Depends(get_session_factory)]
AthleteIdPath = Annotated[int, Path(ge=1, le=2**31 - 1, description="Athlete id.")]


def _check_athlete(factory: sessionmaker[Session], athlete_id: int) -> None:
    with database.open_session(factory) as session:
        logbook.read_athlete(session, athlete_id=athlete_id)


def _invalid(field: str, message: str, value: Any = None) -> RequestValidationError:
    error = {"loc": ("body", field), "msg": message, "type": "value_error", "input": value}
    return RequestValidationError([error])


def _form_option(fields: dict[str, str], name: str, kind: Any, default: Any) -> Any:
    if name not in fields:
        return default
    try:
        return TypeAdapter(kind).validate_python(fields[name])
    except ValidationError as err:
        message = err.errors()[0]["msg"]
        raise _invalid(name, message, fields[name]) from err


def _count_rejections(metrics: ApiMetrics, summary: ImportSummary) -> None:
    if summary.n_rejected:
        metrics.record_import_rejection(reason="validation", count=summary.n_rejected)
    failed = sum(f.status == "failed" for f in summary.files)
    if failed:
        metrics.record_import_rejection(reason="file", count=failed)


def _answer(summary: ImportSummary) -> JSONResponse:
    body = summary.to_dict()
    if not summary.ok:
        rejected = any(f.status == "rejected" for f in summary.files)
        error = "import_rejected" if rejected else "import_failed"
        content = {"error": error, "detail": summary.message(), "summary": body}
        return JSONResponse(status_code=status.HTTP_422_UNPROCESSABLE_CONTENT, content=content)
    code = status.HTTP_201_CREATED if summary.n_imported else status.HTTP_200_OK
    return JSONResponse(status_code=code, content=body)


@router.post(
    "/imports",
    status_code=status.HTTP_201_CREATED,
    response_model=ImportSummaryPublic,
    responses={
        200: {"model": ImportSummaryPublic, "description": "Everything was already imported"},
        413: {"description": "Upload larger than max_upload_mb"},
        422: {"model": ImportRejectedPublic, "description": "A file was rejected or failed"},
    },
    openapi_extra=_MULTIPART_BODY,
)
async def create_import(
    athlete_id: AthleteIdPath,
    request: Request,
    settings: SettingsDep,
    factory: FactoryDep,
    metrics: MetricsDep,
    warm: WarmDep,
    fmt: Annotated[ImportFormat, Query(alias="format", description="auto detects it")] = "auto",
    skip_invalid: Annotated[
        bool, Query(description="import the valid records of a file with invalid ones")
    ] = False,
) -> JSONResponse:
    """Import uploaded files (field ``files``) for the athlete, idempotently."""
    await run_in_threadpool(_check_athlete, factory, athlete_id)
    limit = int(settings.max_upload_mb * MEGABYTE)
    with tempfile.TemporaryDirectory(prefix="cairn-upload-") as folder:
        try:
            check_content_length(request, limit_bytes=limit)
            form = await receive_uploads(request, folder=FilePath(folder), limit_bytes=limit)
        except UploadTooLargeError as err:
            raise HTTPException(status.HTTP_413_CONTENT_TOO_LARGE, detail=str(err)) from err
        if not form.files:
            others = f" (got file fields: {', '.join(form.other_file_fields)})"
            hint = others if form.other_file_fields else ""
            raise _invalid(FILE_FIELD, f"upload at least one file under the field 'files'{hint}")
        options = ImportOptions(
            athlete_id=athlete_id,
            format=_form_option(form.fields, "format", ImportFormat, fmt),
            skip_invalid=_form_option(form.fields, "skip_invalid", bool, skip_invalid),
            only_athlete=True,
            default_timezone=settings.default_timezone,
        )
        items = [(upload.name, upload.path) for upload in form.files]
        summary = await run_in_threadpool(
            import_paths, factory, items=items, options=options, today=dt.date.today()
        )
    _count_rejections(metrics, summary)
    if summary.n_imported:  # new records: today's answer is prepared after the response
        warm.after(athlete_id)
    return _answer(summary)
