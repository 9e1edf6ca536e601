"""Templates for the web pages, with the CSRF cookie set on every rendered answer."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

from fastapi import Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from fastapi.templating import Jinja2Templates

from api.web.session import csrf_token, set_csrf_cookie

TEMPLATES = Jinja2Templates(directory=str(Path(__file__).parent / "templates"))
TEMPLATES.env.globals["app_name"] = "Cairn"


def _label(value: object) -> str:
    """``long_trail`` -> ``Long trail``."""
    text = str(value).replace("_", " ")
    return text[:1].upper() + text[1:]


def _pct(value: float | str | None) -> str:
    return "-" if value is None else f"{100 * float(value):.1f}%"


def _ms_date(value: int | float | str | None) -> str:
    """Milliseconds since the epoch as a UTC date and time (the registry's ``created``)."""
    if value is None:
        return "-"
    moment = dt.datetime.fromtimestamp(int(value) / 1000, tz=dt.UTC)
    return moment.strftime("%Y-%m-%d %H:%M UTC")


TEMPLATES.env.filters["ms_date"] = _ms_date
TEMPLATES.env.filters["label"] = _label
TEMPLATES.env.filters["pct"] = _pct


def render(
    request: Request, name: str, context: dict[str, Any], *, status_code: int = 200
) -> HTMLResponse:
    """Render ``name`` with the user, the CSRF token and ``context``."""
    values = {"csrf": csrf_token(request), "today": dt.date.today(), **context}
    response = TEMPLATES.TemplateResponse(request, name, values, status_code=status_code)
    set_csrf_cookie(response, request)
    return response


def is_htmx(request: Request) -> bool:
    return request.headers.get("HX-Request") == "true"


def redirect(path: str) -> Response:
    """A POST/redirect/GET answer (303)."""
    return RedirectResponse(path, status_code=303)
