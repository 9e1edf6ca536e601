"""The web app (server-rendered Jinja2 pages with htmx) and the offline API docs.

Everything a page needs (scripts, styles, the chart library) is served from ``static/``;
see docs/web.md.
"""

from __future__ import annotations

import inspect
from pathlib import Path

from fastapi import FastAPI, Request
from fastapi.responses import RedirectResponse, Response
from fastapi.staticfiles import StaticFiles
from starlette.exceptions import HTTPException as StarletteHTTPException

from api.web import athlete_pages, event_pages, login, profile_pages, staff_pages
from api.web.docs import install_docs
from api.web.rendering import render
from api.web.session import LoginRequired

STATIC_DIR = Path(__file__).parent / "static"
WEB_ROUTERS = (login, athlete_pages, event_pages, profile_pages, staff_pages)
WEB_PREFIXES = ("/app/", "/login", "/logout")


def install_web(app: FastAPI) -> None:
    """Mount the static files, the docs pages and the web pages on ``app`` (after
    ``api.errors.install_error_handlers``, whose JSON answers stay for every other path)."""
    app.mount("/static", StaticFiles(directory=STATIC_DIR), name="static")
    install_docs(app)
    for module in WEB_ROUTERS:
        app.include_router(module.router)

    json_errors = app.exception_handlers[StarletteHTTPException]

    @app.exception_handler(StarletteHTTPException)
    async def _error_page(request: Request, exc: StarletteHTTPException) -> Response:
        """Web pages answer errors (404, 403, 422) with a page; the API keeps its JSON."""
        if not request.url.path.startswith(WEB_PREFIXES):
            answer = json_errors(request, exc)
            return await answer if inspect.isawaitable(answer) else answer
        context = {"user": None, "status": exc.status_code, "detail": str(exc.detail)}
        return render(request, "error.html", context, status_code=exc.status_code)

    @app.exception_handler(LoginRequired)
    async def _to_login(request: Request, _: LoginRequired) -> RedirectResponse:
        response = RedirectResponse("/login", status_code=303)
        if request.headers.get("HX-Request") == "true":
            response.headers["HX-Redirect"] = "/login"
        return response
