"""Sign-in, tokens, API keys, roles and the signing secret."""

from __future__ import annotations

import datetime as dt
import stat
from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient

from api.main import create_app
from engine.errors import InsecureSettingsError
from engine.settings import Settings
from engine.store import accounts, credentials, database
from tests.api.conftest import PASSWORD, add_athlete, add_user

SESSION = {"date": "2025-06-01", "kind": "run", "type": "easy_trail", "duration_min": 40}


@pytest.fixture
def client(api_settings: Settings) -> Iterator[TestClient]:
    with TestClient(create_app(api_settings)) as test_client:
        yield test_client


def _key(client: TestClient, athlete_id: int, *scopes: str) -> tuple[str, dict[str, str]]:
    with database.open_session(client.app.state.session_factory) as session:
        row, key = accounts.create_api_key(session, athlete_id=athlete_id, scopes=list(scopes))
        return row.key_id, {"Authorization": f"Bearer {key}"}


def test_token_endpoint_issues_an_expiring_bearer_token(client: TestClient) -> None:
    # given an athlete user
    aid = add_athlete(client.app)
    add_user(client.app, username="mia", role="athlete", athlete_id=aid)
    # when signing in with the OAuth2 password form
    response = client.post("/auth/token", data={"username": "mia", "password": PASSWORD})
    # then a bearer token with its lifetime, which opens the athlete's own data
    assert response.status_code == 200
    body = response.json()
    assert body["token_type"] == "bearer" and body["expires_in"] == 60 * 60
    claims = credentials.decode_access_token(
        body["access_token"], secret=client.app.state.secret_key
    )
    assert (
        dt.timedelta(minutes=59)
        < claims.expires_at - dt.datetime.now(dt.UTC)
        <= dt.timedelta(hours=1)
    )
    headers = {"Authorization": f"Bearer {body['access_token']}"}
    assert client.get(f"/athletes/{aid}", headers=headers).status_code == 200


@pytest.mark.parametrize(
    ("username", "password"), [("mia", "wrong-password"), ("nobody", PASSWORD), ("", "")]
)
def test_token_endpoint_refuses_bad_credentials_alike(
    client: TestClient, username: str, password: str
) -> None:
    # given one user
    add_user(client.app, username="mia", role="admin")
    # when signing in wrongly (bad password, unknown user, empty form)
    response = client.post("/auth/token", data={"username": username, "password": password})
    # then 401 (422 for an empty form), same words whether or not the user exists
    assert response.status_code in (401, 422)
    if response.status_code == 401:
        assert response.json() == {"error": "unauthorized", "detail": "wrong username or password"}
        assert response.headers["WWW-Authenticate"] == "Bearer"


def test_expired_forged_or_orphan_tokens_get_401(client: TestClient) -> None:
    # given an admin, a token that expired, one signed with another secret, one for a gone user
    add_user(client.app, username="root", role="admin")
    now = dt.datetime.now(dt.UTC)
    secret = client.app.state.secret_key
    expired = credentials.create_access_token(
        user_id=1, secret=secret, ttl_min=1, now=now - dt.timedelta(hours=1)
    )
    forged = credentials.create_access_token(user_id=1, secret="f" * 40, ttl_min=5, now=now)
    orphan = credentials.create_access_token(user_id=999, secret=secret, ttl_min=5, now=now)
    # when each is used, then 401 with the challenge header
    for token in (expired, forged, orphan, "not-a-jwt"):
        response = client.get("/athletes", headers={"Authorization": f"Bearer {token}"})
        assert response.status_code == 401, token
        assert response.headers["WWW-Authenticate"] == "Bearer"


def test_api_key_reaches_only_its_athlete_and_scopes(client: TestClient) -> None:
    # given a watch-sync key allowed to post athlete A's sessions
    a, b = add_athlete(client.app, "A"), add_athlete(client.app, "B")
    key_id, key = _key(client, a, "sessions:write")
    # when it posts A's session, then created
    assert client.post(f"/athletes/{a}/sessions", json=SESSION, headers=key).status_code == 201
    # when it reads A's recommendation or posts A's wellness, then 403 (scope missing)
    assert client.get(f"/athletes/{a}/recommendation", headers=key).status_code == 403
    wellness = {"date": "2025-06-01", "sleep_h": 7}
    assert client.post(f"/athletes/{a}/wellness", json=wellness, headers=key).status_code == 403
    # when it touches B or a non-athlete route, then 404 / 403
    assert client.post(f"/athletes/{b}/sessions", json=SESSION, headers=key).status_code == 404
    assert client.get("/athletes", headers=key).status_code == 403
    # when revoked, then 401
    with database.open_session(client.app.state.session_factory) as session:
        assert accounts.revoke_api_key(session, key_id=key_id)
    assert client.post(f"/athletes/{a}/sessions", json=SESSION, headers=key).status_code == 401


def test_tampered_api_key_gets_401(client: TestClient) -> None:
    # given a valid key with its secret part altered
    a = add_athlete(client.app)
    _, key = _key(client, a, "profile:read")
    bad = {"Authorization": key["Authorization"][:-2] + "xx"}
    # when used, then 401
    assert client.get(f"/athletes/{a}", headers=key).status_code == 200
    assert client.get(f"/athletes/{a}", headers=bad).status_code == 401


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("GET", "/models"),
        ("POST", "/models/retrain"),
        ("POST", "/models/cairn-readiness/promote"),
        ("GET", "/jobs"),
        ("GET", "/jobs/abc"),
    ],
)
@pytest.mark.parametrize("role", ["athlete", "coach"])
def test_model_management_is_admin_only(
    client: TestClient, method: str, path: str, role: str
) -> None:
    # given a non-admin user
    aid = add_athlete(client.app) if role == "athlete" else None
    headers = add_user(client.app, username=f"u-{role}", role=role, athlete_id=aid)
    # when they call a model-management route, then 403
    response = client.request(method, path, headers=headers, json={"version": 1})
    assert response.status_code == 403
    assert response.json()["error"] == "forbidden"


def test_coach_creates_athlete_is_linked_and_lists_only_linked(client: TestClient) -> None:
    # given a coach, and an athlete the coach is not linked to
    coach = add_user(client.app, username="coach", role="coach")
    stranger = add_athlete(client.app, "Stranger")
    # when the coach creates an athlete
    created = client.post("/athletes", json={"name": "Pupil"}, headers=coach)
    # then it is linked: readable, and the only one in the coach's list
    assert created.status_code == 201
    pupil = created.json()["id"]
    assert client.get(f"/athletes/{pupil}", headers=coach).status_code == 200
    assert client.get(f"/athletes/{stranger}", headers=coach).status_code == 404
    listing = client.get("/athletes", headers=coach).json()
    assert listing["count"] == 1 and [a["id"] for a in listing["data"]] == [pupil]


def test_athlete_cannot_create_athletes(client: TestClient) -> None:
    # given an athlete user
    aid = add_athlete(client.app)
    headers = add_user(client.app, username="mia", role="athlete", athlete_id=aid)
    # when creating an athlete, then 403
    assert client.post("/athletes", json={"name": "X"}, headers=headers).status_code == 403


def test_athlete_list_is_paginated_for_admins(client: TestClient) -> None:
    # given 7 athletes and an admin
    ids = [add_athlete(client.app, f"A{i}") for i in range(7)]
    admin = add_user(client.app, username="root", role="admin")
    # when paging 3 at a time
    pages = [
        client.get("/athletes", params={"limit": 3, "offset": o}, headers=admin).json()
        for o in (0, 3, 6)
    ]
    # then every athlete appears once, in id order, and count is the total
    assert [a["id"] for p in pages for a in p["data"]] == ids
    assert {p["count"] for p in pages} == {7}
    too_big = client.get("/athletes", params={"limit": 10_000}, headers=admin)
    assert too_big.status_code == 422


def test_app_refuses_to_start_without_a_secret_outside_demo_mode(settings: Settings) -> None:
    # given settings with no secret and no demo mode
    # when the app is built, then it refuses with an actionable message
    with pytest.raises(InsecureSettingsError, match="CAIRN_SECRET_KEY"):
        create_app(settings)


def test_short_secret_is_rejected_by_settings(settings: Settings) -> None:
    with pytest.raises(ValueError, match="32 characters"):
        Settings(data_dir=settings.data_dir, secret_key="too-short")


def test_demo_mode_generates_one_private_secret_and_reuses_it(settings: Settings) -> None:
    # given demo mode without a secret
    demo = settings.model_copy(update={"demo_mode": True})
    # when the secret is loaded twice
    first, second = credentials.load_secret_key(demo), credentials.load_secret_key(demo)
    # then it is random, long, stored owner-only in the data dir, and stable
    path = settings.data_dir / credentials.SECRET_FILE
    assert first == second and len(first) >= 32
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    app = create_app(demo)
    with TestClient(app) as client:
        admin = add_user(app, username="root", role="admin")
        assert client.get("/athletes", headers=admin).status_code == 200
