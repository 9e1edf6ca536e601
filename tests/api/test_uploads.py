"""``api.uploads`` on its own (a bare Starlette app, no body-size middleware in front)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import anyio
import httpx
import pytest
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from api.uploads import (
    UploadTooLargeError,
    check_content_length,
    receive_uploads,
    safe_file_name,
)

LIMIT = 64 * 1024


def _app(folder: Path) -> Starlette:
    async def upload(request: Request) -> JSONResponse:
        try:
            check_content_length(request, limit_bytes=LIMIT)
            form = await receive_uploads(request, folder=folder, limit_bytes=LIMIT)
        except UploadTooLargeError as err:
            return JSONResponse({"detail": str(err)}, status_code=413)
        files = {u.name: u.path.read_bytes().decode() for u in form.files}
        return JSONResponse({"files": files, "fields": form.fields})

    return Starlette(routes=[Route("/upload", upload, methods=["POST"])])


async def _post(app: Starlette, **kwargs: object) -> httpx.Response:
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://test") as client:
        return await client.post("/upload", **kwargs)  # type: ignore[arg-type]


def test_receive_uploads_saves_files_under_their_original_names(tmp_path: Path) -> None:
    # given two files with the same name and a client-side folder in one name
    files = [
        ("files", ("a.csv", b"1")),
        ("files", ("a.csv", b"2")),
        ("files", ("x/../b.gpx", b"3")),
    ]
    # when uploaded with a text field
    response = anyio.run(lambda: _post(_app(tmp_path), files=files, data={"format": "auto"}))
    # then each is kept (in its own folder), names without folders, fields returned
    body = response.json()
    assert sorted(body["files"]) == ["a.csv", "b.gpx"]
    assert body["fields"] == {"format": "auto"}
    assert sorted(p.name for p in tmp_path.glob("*/*")) == ["a.csv", "a.csv", "b.gpx"]


def test_receive_uploads_stops_reading_a_chunked_body_past_the_limit(tmp_path: Path) -> None:
    # given a lazily produced 200 MB chunked upload (no Content-Length)
    sent = 0

    async def body() -> AsyncIterator[bytes]:
        nonlocal sent
        yield b'--b\r\nContent-Disposition: form-data; name="files"; filename="big.csv"\r\n\r\n'
        while sent < 200 * 1024 * 1024:
            sent += 16 * 1024
            yield b"x" * 16 * 1024

    headers = {"content-type": "multipart/form-data; boundary=b"}
    # when posted
    response = anyio.run(lambda: _post(_app(tmp_path), content=body(), headers=headers))
    # then 413 after a little more than the limit, without reading the rest
    assert response.status_code == 413
    assert "upload too large: more than 0.1 MB received, the limit is 0.0625 MB" in response.text
    assert sent <= LIMIT + 32 * 1024


def test_check_content_length_refuses_a_declared_size_over_the_limit(tmp_path: Path) -> None:
    headers = {"content-type": "multipart/form-data; boundary=b", "content-length": "209715200"}
    response = anyio.run(lambda: _post(_app(tmp_path), content=b"--b", headers=headers))
    assert response.status_code == 413
    assert "upload too large: 200.0 MB declared, the limit is 0.0625 MB" in response.text


@pytest.mark.parametrize(
    ("raw", "expected"),
    [("run.fit", "run.fit"), ("C:\\Users\\mia\\run.gpx", "run.gpx"), ("../..", "f"), (None, "f")],
)
def test_safe_file_name_keeps_only_the_last_part(raw: str | None, expected: str) -> None:
    assert safe_file_name(raw, default="f") == expected
