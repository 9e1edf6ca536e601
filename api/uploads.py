"""Receiving multipart uploads: streamed into a temporary folder, with a size limit.

The limit applies to the whole request body. A declared ``Content-Length`` above it is
refused before anything is read; otherwise the bytes are counted while the body streams
in (chunked uploads have no length), and reading stops as soon as the count passes the
limit. File parts are spooled to disk by Starlette's parser, never held whole in memory,
then written under ``<folder>/<n>/<original file name>`` so parser messages name the
file the user sent.
"""

from __future__ import annotations

import shutil
import unicodedata
from dataclasses import dataclass
from pathlib import Path, PurePosixPath, PureWindowsPath

from starlette.concurrency import run_in_threadpool
from starlette.datastructures import UploadFile
from starlette.requests import Request
from starlette.types import Message, Receive

MEGABYTE = 1024 * 1024
MAX_FILES = 100
MAX_NAME_BYTES = 200  # the saved name; the folder adds a few bytes, file systems allow 255
MAX_EXTENSION_BYTES = 16


class UploadTooLargeError(ValueError):
    """The request body is larger than the configured limit (message gives both sizes)."""


@dataclass(frozen=True)
class Upload:
    """One uploaded file: its original name (for messages) and where it was saved."""

    name: str
    path: Path


@dataclass(frozen=True)
class ReceivedForm:
    """The files sent under the file field, and the form's text fields."""

    files: list[Upload]
    fields: dict[str, str]
    other_file_fields: list[str]


def _too_large(limit_bytes: int, seen: str) -> UploadTooLargeError:
    limit_mb = limit_bytes / MEGABYTE
    return UploadTooLargeError(
        f"upload too large: {seen}, the limit is {limit_mb:g} MB per request; "
        "send fewer or smaller files (or import big folders with the CLI: cairn import)"
    )


def check_content_length(request: Request, *, limit_bytes: int) -> None:
    """Raise :class:`UploadTooLargeError` when the declared body size exceeds the limit."""
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > limit_bytes:
        raise _too_large(limit_bytes, f"{int(declared) / MEGABYTE:.1f} MB declared")


def _limited(receive: Receive, limit_bytes: int) -> Receive:
    seen = 0

    async def wrapped() -> Message:
        nonlocal seen
        message = await receive()
        if message["type"] == "http.request":
            seen += len(message.get("body", b""))
            if seen > limit_bytes:
                raise _too_large(limit_bytes, f"more than {seen / MEGABYTE:.1f} MB received")
        return message

    return wrapped


def _printable(text: str) -> str:
    """Control, format (e.g. right-to-left override) and surrogate characters become ``_``."""
    return "".join("_" if unicodedata.category(c) in ("Cc", "Cf", "Cs") else c for c in text)


def _shortened(name: str, limit: int) -> str:
    """``name`` cut to ``limit`` UTF-8 bytes, keeping a short extension (format detection)."""
    if len(name.encode()) <= limit:
        return name
    stem, dot, ext = name.rpartition(".")
    suffix = f".{ext}" if dot and stem and len(ext.encode()) <= MAX_EXTENSION_BYTES else ""
    stem = name[: len(name) - len(suffix)]
    room = limit - len(suffix.encode()) - len("...")
    cut = stem.encode()[:room].decode(errors="ignore")
    return f"{cut}...{suffix}"


def safe_file_name(name: str | None, *, default: str) -> str:
    """Return the last part of a client's file name (no folders, never ``.``/``..``), with
    odd characters replaced and at most ``MAX_NAME_BYTES`` bytes (file systems allow 255)."""
    raw = _printable(name or "")
    base = PurePosixPath(PureWindowsPath(raw).name).name.strip()
    return _shortened(base, MAX_NAME_BYTES) if base not in ("", ".", "..") else default


def _save(upload: UploadFile, target: Path) -> None:
    target.parent.mkdir(parents=True)
    upload.file.seek(0)
    with target.open("wb") as out:
        shutil.copyfileobj(upload.file, out, length=MEGABYTE)


async def receive_uploads(
    request: Request, *, folder: Path, limit_bytes: int, field: str = "files"
) -> ReceivedForm:
    """Stream a multipart body into ``folder`` and return the files of ``field``.

    Raises:
        UploadTooLargeError: the body passed ``limit_bytes`` (reading stopped there).
        starlette.exceptions.HTTPException: 400 for a malformed multipart body.
    """
    limited = Request(request.scope, receive=_limited(request.receive, limit_bytes))
    files: list[Upload] = []
    fields: dict[str, str] = {}
    others: list[str] = []
    async with limited.form(max_files=MAX_FILES) as form:
        for key, value in form.multi_items():
            if isinstance(value, str):
                fields[key] = value
            elif key != field:
                others.append(key)
            else:
                name = safe_file_name(value.filename, default=f"upload-{len(files) + 1}")
                target = folder / str(len(files)) / name
                await run_in_threadpool(_save, value, target)
                files.append(Upload(name=name, path=target))
    return ReceivedForm(files=files, fields=fields, other_file_fields=others)
