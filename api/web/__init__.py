"""The web app (server-rendered Jinja2 pages with htmx) and the offline API docs.

Everything a page needs (scripts, styles, the chart library) is served from ``static/``;
see docs/web.md.
"""

from __future__ import annotations

from pathlib import Path

from fastapi import FastAPI, Request
from fastapi.responses import RedirectResponse
from fastapi.staticfiles import StaticFiles

from api.web import athlete_pages, login, staff_pages
from api.web.docs import install_docs
from api.web.session import LoginRequired

STATIC_DIR = Path(__file__).parent / "static"
WEB_ROUTERS = (login, athlete_pages, staff_pages)


def install_web(app: FastAPI) -> None:
    """Mount the static files, the docs pages and the web pages on ``app``."""
    app.mount("/static", StaticFiles(directory=STATIC_DIR), name="static")
    install_docs(app)
    for module in WEB_ROUTERS:
        app.include_router(module.router)

    @app.exception_handler(LoginRequired)
    async def _to_login(request: Request, _: LoginRequired) -> RedirectResponse:
        response = RedirectResponse("/login", status_code=303)
        if request.headers.get("HX-Request") == "true":
            response.headers["HX-Redirect"] = "/login"
        return response
