"""Who may reach which athlete: every route is walked, so routes added later are covered.

The isolation matrix is this module's parametrization; list it with
``pytest --collect-only -q tests/api/test_access.py``.
"""

from __future__ import annotations

import re
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi import APIRouter, FastAPI
from fastapi.testclient import TestClient

from api.main import create_app
from api.security import require_athlete_access
from api.web.session import require_web_user
from engine.settings import Settings
from engine.store import accounts, database
from tests.api.conftest import Callers, add_athlete, make_callers, with_secret

PUBLIC_PATHS = {
    "/health",
    "/auth/token",
    "/metrics",
    "/openapi.json",
    "/docs",
    "/docs/oauth2-redirect",
    "/redoc",
    "/",  # the web app's landing page and sign-in (api.web.login)
    "/login",
    "/logout",
}
WEB_PREFIX = "/app/"  # web pages: guarded by the session cookie (tests/api/test_web_pages.py)
DENIED = {  # caller -> expected status on another athlete's route
    "no token": 401,
    "other athlete": 404,
    "unlinked coach": 404,
    "other athlete's API key": 404,
}
ALLOWED = ("own athlete", "linked coach", "admin")


def _routes(app: FastAPI) -> list[tuple[str, str, object]]:
    try:  # FastAPI >= 0.16x includes routers lazily; older versions list APIRoutes directly
        from fastapi.routing import iter_route_contexts
    except ImportError:  # pragma: no cover - depends on the FastAPI version

        def iter_route_contexts(routes):  # noqa: ANN001, ANN202
            return routes

    out = []
    for ctx in iter_route_contexts(app.routes):
        for method in sorted((ctx.methods or set()) - {"HEAD"}):
            out.append((method, ctx.path, ctx))
    return out


def _has_access_check(ctx: object) -> bool:
    dependant = getattr(ctx, "dependant", None)
    guards = (require_athlete_access, require_web_user)
    return dependant is not None and any(d.call in guards for d in dependant.dependencies)


def unprotected_routes(app: FastAPI) -> list[str]:
    """Routes that are neither public nor guarded by ``require_athlete_access``."""
    return [
        f"{method} {path}"
        for method, path, ctx in _routes(app)
        if path not in PUBLIC_PATHS and not _has_access_check(ctx)
    ]


def _athlete_routes() -> list[tuple[str, str]]:
    app = create_app(Settings(data_dir=Path("/nonexistent/collect"), secret_key="c" * 40))
    return [
        (m, p) for m, p, _ in _routes(app) if "{athlete_id}" in p and not p.startswith(WEB_PREFIX)
    ]


ATHLETE_ROUTES = _athlete_routes()


def test_every_route_is_public_by_name_or_guarded() -> None:
    # given the real app
    app = create_app(Settings(data_dir=Path("/nonexistent/walk"), secret_key="w" * 40))
    # when its routes are walked
    missing = unprotected_routes(app)
    public = {p for _, p, _ in _routes(app) if p in PUBLIC_PATHS}
    # then every route outside the public list has the access dependency
    assert missing == []
    assert public == PUBLIC_PATHS
    assert ATHLETE_ROUTES, "no athlete routes found"


def test_walker_flags_a_router_registered_without_the_dependency() -> None:
    # given an app with a route added the wrong way
    app = FastAPI()
    router = APIRouter()

    @router.get("/athletes/{athlete_id}/secrets")
    def read_secrets(athlete_id: int) -> dict:  # pragma: no cover - never called
        return {}

    app.include_router(router)
    # when walked, then it is reported
    assert unprotected_routes(app) == ["GET /athletes/{athlete_id}/secrets"]


@pytest.fixture(scope="module")
def matrix_client(
    tmp_path_factory: pytest.TempPathFactory, mlflow_template: Path
) -> Iterator[tuple[TestClient, Callers, dict[str, str]]]:
    data_dir = tmp_path_factory.mktemp("access") / "data"
    data_dir.mkdir()
    shutil.copy(mlflow_template, data_dir / "mlflow.db")
    app = create_app(with_secret(Settings(data_dir=data_dir)))
    with TestClient(app) as client:
        own, other = add_athlete(app, "Own"), add_athlete(app, "Other")
        callers = make_callers(app, own, other)
        with database.open_session(app.state.session_factory) as session:
            scopes = [f"{r}:{a}" for r in ("sessions", "wellness", "injuries", "imports",
                                           "recommendation", "profile", "plan")
                      for a in ("read", "write")]  # fmt: skip
            _, key = accounts.create_api_key(session, athlete_id=other, scopes=scopes)
        yield client, callers, {"Authorization": f"Bearer {key}"}


def _headers(caller: str, callers: Callers, other_key: dict[str, str]) -> dict[str, str]:
    return {
        "no token": {},
        "other athlete": callers.other_athlete,
        "unlinked coach": callers.unlinked_coach,
        "other athlete's API key": other_key,
        "own athlete": callers.athlete,
        "linked coach": callers.coach,
        "admin": callers.admin,
    }[caller]


def _call(client: TestClient, method: str, path: str, athlete_id: int, headers: dict):  # noqa: ANN202
    url = path.replace("{athlete_id}", str(athlete_id)).replace("{day}", "2025-09-01")
    url = re.sub(r"\{[a-z_]+\}", "1", url)  # any other path parameter
    body = {"json": {}} if method in ("POST", "PUT", "PATCH") else {}
    return client.request(method, url, headers=headers, **body)


@pytest.mark.parametrize(
    ("method", "path"), ATHLETE_ROUTES, ids=[f"{m} {p}" for m, p in ATHLETE_ROUTES]
)
@pytest.mark.parametrize(("caller", "expected"), DENIED.items(), ids=list(DENIED))
def test_isolation_denied(
    matrix_client: tuple[TestClient, Callers, dict[str, str]],
    method: str,
    path: str,
    caller: str,
    expected: int,
) -> None:
    # given athlete "own" and a caller who may not see them
    client, callers, other_key = matrix_client
    # when the caller reaches own's route
    response = _call(client, method, path, callers.own, _headers(caller, callers, other_key))
    # then 401 without a credential, else 404 (existence not revealed), in the error shape
    assert response.status_code == expected, response.text
    assert set(response.json()) == {"error", "detail"}


@pytest.mark.parametrize(
    ("method", "path"), ATHLETE_ROUTES, ids=[f"{m} {p}" for m, p in ATHLETE_ROUTES]
)
@pytest.mark.parametrize("caller", ALLOWED)
def test_isolation_allowed(
    matrix_client: tuple[TestClient, Callers, dict[str, str]],
    method: str,
    path: str,
    caller: str,
) -> None:
    # given a caller who may see athlete "own"
    client, callers, other_key = matrix_client
    # when they reach own's route (with an empty body where one is expected)
    response = _call(client, method, path, callers.own, _headers(caller, callers, other_key))
    # then they get past authorization (an answer, a 422 about the body, or a 404 about
    # something other than the athlete, e.g. "no lock on <day>")
    assert response.status_code not in (401, 403), response.text
    hidden = {"error": "not_found", "detail": f"athlete {callers.own} not found"}
    assert not (response.status_code == 404 and response.json() == hidden), response.text


def test_missing_athlete_and_hidden_athlete_look_the_same(
    matrix_client: tuple[TestClient, Callers, dict[str, str]],
) -> None:
    # given an athlete that does not exist and one that is hidden from the caller
    client, callers, _ = matrix_client
    # when an admin asks for the missing one and an athlete for the hidden one
    missing = client.get("/athletes/999999", headers=callers.admin)
    hidden = client.get("/athletes/999999", headers=callers.athlete)
    # then both answers are identical
    assert missing.status_code == hidden.status_code == 404
    assert missing.json() == hidden.json()
