"""Managing accounts through the admin API, and sign-in throttling (429 + Retry-After)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient

from api.main import create_app
from api.throttle import LoginThrottle
from engine.settings import Settings
from engine.store import accounts, database
from tests.api.conftest import PASSWORD, add_athlete, add_user, link, with_secret

MAX_PER_USER, MAX_PER_IP, WINDOW_S = 3, 5, 600


@pytest.fixture
def client(settings: Settings) -> Iterator[TestClient]:
    app_settings = with_secret(
        settings,
        login_max_failures=MAX_PER_USER,
        login_max_failures_per_ip=MAX_PER_IP,
        login_window_s=WINDOW_S,
    )
    with TestClient(create_app(app_settings)) as test_client:
        yield test_client


def _sign_in(client: TestClient, username: str, password: str) -> int:
    form = {"username": username, "password": password}
    return client.post("/auth/token", data=form).status_code


def test_users_routes_are_admin_only(client: TestClient) -> None:
    # given an athlete and a coach
    athlete_id = add_athlete(client.app)
    athlete = add_user(client.app, username="mia", role="athlete", athlete_id=athlete_id)
    coach = add_user(client.app, username="cora", role="coach")
    # when they call the account routes, then 403 (and 401 without a token)
    for headers in (athlete, coach):
        assert client.get("/users", headers=headers).status_code == 403
        body = {"is_active": False}
        assert client.patch("/users/mia", json=body, headers=headers).status_code == 403
        assert client.delete(f"/users/cora/links/{athlete_id}", headers=headers).status_code == 403
    assert client.get("/users").status_code == 401


def test_admin_lists_deactivates_and_reactivates_with_immediate_effect(
    client: TestClient,
) -> None:
    # given an admin and an athlete with a valid token and an API key
    admin = add_user(client.app, username="ada", role="admin")
    athlete_id = add_athlete(client.app)
    athlete = add_user(client.app, username="mia", role="athlete", athlete_id=athlete_id)
    with database.open_session(client.app.state.session_factory) as session:
        _, key = accounts.create_api_key(
            session, athlete_id=athlete_id, scopes=["profile:read"], name="watch"
        )
    key_headers = {"Authorization": f"Bearer {key}"}
    assert client.get(f"/athletes/{athlete_id}", headers=athlete).status_code == 200
    # when the admin lists users, then no password hash is shown
    listed = client.get("/users", headers=admin).json()
    assert listed["count"] == 2 and {u["username"] for u in listed["data"]} == {"ada", "mia"}
    assert all("password" not in str(u) for u in listed["data"])
    # when the admin deactivates the athlete, then token and key stop at once
    off = client.patch("/users/mia", json={"is_active": False}, headers=admin)
    assert off.status_code == 200 and off.json()["is_active"] is False
    assert client.get(f"/athletes/{athlete_id}", headers=athlete).status_code == 401
    assert client.get(f"/athletes/{athlete_id}", headers=key_headers).status_code == 401
    assert _sign_in(client, "mia", PASSWORD) == 401
    # when reactivated, then both work again
    client.patch("/users/mia", json={"is_active": True}, headers=admin)
    assert client.get(f"/athletes/{athlete_id}", headers=athlete).status_code == 200
    assert client.get(f"/athletes/{athlete_id}", headers=key_headers).status_code == 200


def test_admin_sets_a_password_and_unlinks_a_coach(client: TestClient) -> None:
    # given a coach linked to an athlete
    admin = add_user(client.app, username="ada", role="admin")
    athlete_id = add_athlete(client.app)
    coach = add_user(client.app, username="cora", role="coach")
    link(client.app, coach="cora", athlete_id=athlete_id)
    assert client.get(f"/athletes/{athlete_id}", headers=coach).status_code == 200
    # when the admin sets a new password, then only the new one signs in
    new = {"password": "a-new-long-password"}
    assert client.patch("/users/cora", json=new, headers=admin).status_code == 200
    assert _sign_in(client, "cora", PASSWORD) == 401
    assert _sign_in(client, "cora", "a-new-long-password") == 200
    # when the admin unlinks the coach, then the athlete is hidden (404), twice is 404
    path = f"/users/cora/links/{athlete_id}"
    assert client.delete(path, headers=admin).status_code == 204
    assert client.get(f"/athletes/{athlete_id}", headers=coach).status_code == 404
    assert client.delete(path, headers=admin).status_code == 404
    # and bad input names the field; unknown users are 404
    short = client.patch("/users/cora", json={"password": "short"}, headers=admin)
    assert short.status_code == 422 and short.json()["detail"][0]["field"] == "password"
    assert client.patch("/users/cora", json={}, headers=admin).status_code == 422
    assert (
        client.patch("/users/nobody", json={"is_active": False}, headers=admin).status_code == 404
    )


def test_sign_in_is_throttled_per_username_with_retry_after(client: TestClient) -> None:
    # given a user
    add_user(client.app, username="mia", role="coach")
    # when the wrong password is sent MAX_PER_USER times
    assert [_sign_in(client, "mia", "wrong-password") for _ in range(MAX_PER_USER)] == [
        401
    ] * MAX_PER_USER
    # then the next attempt, even with the right password, is 429 with Retry-After
    response = client.post("/auth/token", data={"username": "mia", "password": PASSWORD})
    assert response.status_code == 429
    assert 0 < int(response.headers["Retry-After"]) <= WINDOW_S
    assert response.json()["error"] == "too_many_requests"
    # and another username from the same client is not locked yet
    add_user(client.app, username="ada", role="admin")
    assert _sign_in(client, "ada", PASSWORD) == 200


def test_sign_in_is_throttled_per_client_across_usernames(client: TestClient) -> None:
    # given failures for many different usernames from one client
    codes = [_sign_in(client, f"guess{i}", "wrong-password") for i in range(MAX_PER_IP)]
    assert codes == [401] * MAX_PER_IP
    # when yet another username is tried, then the client is refused
    assert _sign_in(client, "guess-new", "wrong-password") == 429


def test_throttle_window_slides_and_success_clears_the_username() -> None:
    # given a throttle on a fake clock
    now = [1000.0]
    throttle = LoginThrottle(max_per_user=2, max_per_ip=10, window_s=60, clock=lambda: now[0])
    throttle.record_failure(username="mia", client="1.2.3.4")
    now[0] += 30
    throttle.record_failure(username="mia", client="1.2.3.4")
    # then blocked until the first failure leaves the window (30 s later)
    assert throttle.retry_after(username="mia", client="1.2.3.4") == 30
    now[0] += 31
    assert throttle.retry_after(username="mia", client="1.2.3.4") is None
    # and a success clears the username's failures
    throttle.record_failure(username="mia", client="5.6.7.8")
    throttle.record_success(username="mia")
    throttle.record_failure(username="mia", client="5.6.7.8")
    assert throttle.retry_after(username="mia", client="5.6.7.8") is None
