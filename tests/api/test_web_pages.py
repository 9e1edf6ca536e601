"""The web pages through the test client: sign-in cookie, CSRF, access rules, forms, docs."""

from __future__ import annotations

import datetime as dt
import re
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from api.main import create_app
from api.web.session import require_athlete_page
from engine.services.events import goal_summary
from engine.settings import Settings
from engine.store import database, events, records
from tests.api.conftest import (
    PASSWORD,
    Callers,
    add_athlete,
    add_user,
    make_callers,
    with_secret,
)
from tests.api.test_access import _routes

HTTPS = "https://testserver"


@pytest.fixture(scope="module")
def web(
    tmp_path_factory: pytest.TempPathFactory, mlflow_template: Path
) -> Iterator[tuple[TestClient, Callers]]:
    data_dir = tmp_path_factory.mktemp("web-pages") / "data"
    data_dir.mkdir()
    shutil.copy(mlflow_template, data_dir / "mlflow.db")
    app = create_app(with_secret(Settings(data_dir=data_dir)))
    with TestClient(app, base_url=HTTPS) as client:
        own, other = add_athlete(app, "Own"), add_athlete(app, "Other")
        yield client, make_callers(app, own, other)


def _csrf(client: TestClient) -> str:
    page = client.get("/login")
    return re.search(r'name="csrf_token" value="([^"]+)"', page.text).group(1)


def _login(client: TestClient, username: str) -> str:
    client.cookies.clear()
    token = _csrf(client)
    answer = client.post(
        "/login",
        data={"username": username, "password": PASSWORD, "csrf_token": token},
        follow_redirects=False,
    )
    assert answer.status_code == 303, answer.text
    return token


def _as(client: TestClient, headers: dict[str, str]) -> str:
    """Act as the user behind ``headers`` (its bearer token as the session cookie)."""
    client.cookies.clear()
    client.cookies.set("cairn_session", headers["Authorization"].removeprefix("Bearer "))
    client.cookies.set("cairn_csrf", "test-csrf-token")
    return "test-csrf-token"


def test_landing_goes_to_login_then_to_the_users_home(web) -> None:  # noqa: ANN001
    client, callers = web
    client.cookies.clear()
    assert client.get("/", follow_redirects=False).headers["location"] == "/login"
    _login(client, "own-athlete")
    assert client.get("/", follow_redirects=False).headers["location"] == (
        f"/app/athletes/{callers.own}"
    )
    _login(client, "coach")
    assert client.get("/", follow_redirects=False).headers["location"] == "/app/coach"
    _login(client, "admin")
    assert client.get("/", follow_redirects=False).headers["location"] == "/app/admin"


def test_login_sets_a_secure_httponly_strict_session_cookie(web) -> None:  # noqa: ANN001
    client, _ = web
    client.cookies.clear()
    token = _csrf(client)
    answer = client.post(
        "/login",
        data={"username": "own-athlete", "password": PASSWORD, "csrf_token": token},
        follow_redirects=False,
    )
    cookie = next(c for c in answer.headers.get_list("set-cookie") if "cairn_session=" in c)
    attributes = {a.strip().lower() for a in cookie.split(";")[1:]}
    assert {"httponly", "secure", "samesite=strict", "path=/"} <= attributes


def test_wrong_password_is_refused_without_a_session(web) -> None:  # noqa: ANN001
    client, _ = web
    client.cookies.clear()
    token = _csrf(client)
    answer = client.post(
        "/login", data={"username": "own-athlete", "password": "nope", "csrf_token": token}
    )
    assert answer.status_code == 401 and "Wrong username or password" in answer.text
    assert "cairn_session" not in answer.headers.get("set-cookie", "")


def test_posts_without_the_csrf_token_are_refused(web) -> None:  # noqa: ANN001
    client, callers = web
    token = _as(client, callers.athlete)
    url = f"/app/athletes/{callers.own}/checkin"
    checkin = {"date": "2026-02-02", "sleep_h": "6"}
    # when the token is missing or wrong, then 403 and nothing is stored
    assert client.post(url, data=checkin).status_code == 403
    assert client.post(url, data={**checkin, "csrf_token": "forged"}).status_code == 403
    assert client.post(url, data=checkin, headers={"X-CSRF-Token": "x"}).status_code == 403
    with database.open_session(client.app.state.session_factory) as session:
        _, count = records.read_records_page(
            session, record_type="wellness", athlete_id=callers.own
        )
    assert count == 0
    # and with the cookie's token (form field or htmx header) it goes through
    assert client.post(url, data={**checkin, "csrf_token": token}).status_code == 200
    fragment = client.post(url, data=checkin, headers={"X-CSRF-Token": token, "HX-Request": "true"})
    assert fragment.status_code == 200 and 'id="today"' in fragment.text
    assert "<html" not in fragment.text


def test_checkin_form_validates_like_the_api(web) -> None:  # noqa: ANN001
    client, callers = web
    token = _as(client, callers.athlete)
    answer = client.post(
        f"/app/athletes/{callers.own}/checkin",
        data={"date": "2026-02-03", "soreness": "9", "csrf_token": token},
    )
    assert answer.status_code == 422 and "soreness" in answer.text
    with database.open_session(client.app.state.session_factory) as session:
        rows, _ = records.read_records_page(session, record_type="wellness", athlete_id=callers.own)
    assert all(str(r.date) != "2026-02-03" for r in rows)


@pytest.mark.parametrize("page", ["", "/week", "/chart", "/log", "/events"])
def test_pages_of_hidden_athletes_are_not_found(web, page: str) -> None:  # noqa: ANN001
    client, callers = web
    for headers in (callers.other_athlete, callers.unlinked_coach):
        _as(client, headers)
        assert client.get(f"/app/athletes/{callers.own}{page}").status_code == 404
    for headers in (callers.athlete, callers.coach, callers.admin):
        _as(client, headers)
        assert client.get(f"/app/athletes/{callers.own}{page}").status_code == 200


def test_pages_without_a_session_redirect_to_login(web) -> None:  # noqa: ANN001
    client, callers = web
    client.cookies.clear()
    page = client.get(f"/app/athletes/{callers.own}", follow_redirects=False)
    assert page.status_code == 303 and page.headers["location"] == "/login"
    htmx = client.get("/app/coach", headers={"HX-Request": "true"}, follow_redirects=False)
    assert htmx.headers["HX-Redirect"] == "/login"
    client.cookies.set("cairn_session", "not-a-token")
    assert client.get("/app/coach", follow_redirects=False).status_code == 303


def test_every_athlete_page_checks_access(web) -> None:  # noqa: ANN001
    client, _ = web
    pages = [(m, p, ctx) for m, p, ctx in _routes(client.app) if p.startswith("/app/athletes/")]
    assert len(pages) >= 9
    for method, path, ctx in pages:
        calls = {d.call for d in ctx.dependant.dependencies}
        assert require_athlete_page in calls, f"{method} {path}"


def test_staff_pages_are_for_staff(web) -> None:  # noqa: ANN001
    client, callers = web
    _as(client, callers.athlete)
    assert client.get("/app/coach").status_code == 403
    assert client.get("/app/admin").status_code == 403
    _as(client, callers.coach)
    overview = client.get("/app/coach")
    assert overview.status_code == 200
    assert f"/app/athletes/{callers.own}?" in overview.text
    assert f"/app/athletes/{callers.other}?" not in overview.text
    assert client.get("/app/admin").status_code == 403


def test_admin_retrain_button_starts_a_job_and_shows_its_progress(web) -> None:  # noqa: ANN001
    client, callers = web
    token = _as(client, callers.admin)
    page = client.get("/app/admin")
    assert page.status_code == 200 and "retrain-button" in page.text
    answer = client.post(
        "/app/admin/retrain", headers={"X-CSRF-Token": token, "HX-Request": "true"}
    )
    assert answer.status_code == 200, answer.text
    assert 'id="job-state"' in answer.text
    state = re.search(r'id="job-state">(\w+)<', answer.text).group(1)
    assert state in {"queued", "running", "succeeded", "failed"}  # the app's shutdown stops it


def test_plain_http_sign_in_explains_that_https_is_needed(web) -> None:  # noqa: ANN001
    client, _ = web
    with TestClient(client.app, base_url="http://cairn.example") as plain:
        token = re.search(r'value="([^"]+)"', plain.get("/login").text).group(1)
        answer = plain.post(
            "/login", data={"username": "admin", "password": PASSWORD, "csrf_token": token}
        )
    assert answer.status_code == 400 and "HTTPS" in answer.text


def test_docs_pages_load_only_local_assets(web) -> None:  # noqa: ANN001
    client, _ = web
    for path in ("/docs", "/redoc"):
        html = client.get(path).text
        sources = re.findall(r'(?:src|href)="([^"]+)"', html)
        assert sources and all(s.startswith("/") for s in sources), sources
        for source in sources:
            asset = client.get(source)
            assert asset.status_code == 200, source
    assert client.get("/docs/oauth2-redirect").status_code == 200


def test_web_sign_in_is_throttled_like_the_api(tmp_path: Path, mlflow_template: Path) -> None:
    # given a fresh app (its own throttle) and an athlete account
    data_dir = tmp_path / "data"
    data_dir.mkdir()
    shutil.copy(mlflow_template, data_dir / "mlflow.db")
    app = create_app(with_secret(Settings(data_dir=data_dir)))
    with TestClient(app, base_url=HTTPS) as client:
        athlete = add_athlete(app, "Throttled")
        add_user(app, username="throttled-athlete", role="athlete", athlete_id=athlete)
        limit = app.state.settings.login_max_failures
        token = _csrf(client)
        wrong = {"username": "throttled-athlete", "password": "nope", "csrf_token": token}
        # when the password is wrong as often as the limit allows
        codes = [client.post("/login", data=wrong).status_code for _ in range(limit)]
        # then the next try, even with the right password, waits with Retry-After
        right = wrong | {"password": PASSWORD}
        blocked = client.post("/login", data=right, follow_redirects=False)
    assert codes == [401] * limit
    assert blocked.status_code == 429
    assert int(blocked.headers["Retry-After"]) > 0
    assert "Too many failed sign-ins" in blocked.text


def _stored_events(client: TestClient, athlete_id: int) -> list[events.EventRecord]:
    with database.open_session(client.app.state.session_factory) as session:
        return events.read_events(session, athlete_id=athlete_id)


def test_events_page_adds_lists_and_deletes_goal_events(web) -> None:  # noqa: ANN001
    client, callers = web
    token = _as(client, callers.athlete)
    url = f"/app/athletes/{callers.own}/events"
    today = dt.date.today()
    race, past = today + dt.timedelta(days=40), today - dt.timedelta(days=30)
    for day, name, km, climb, prio in [
        (race, "Glen Ultra", "50", "2500", "A"),
        (past, "Spring 10k", "10", "", "C"),
    ]:
        form = {"date": day.isoformat(), "name": name, "distance_km": km, "climb_m": climb}
        answer = client.post(
            url, data={**form, "priority": prio, "csrf_token": token}, follow_redirects=False
        )
        assert answer.status_code == 303 and answer.headers["location"] == url
    stored = {e.name: e for e in _stored_events(client, callers.own)}
    assert stored["Glen Ultra"].climb_m == 2500 and stored["Spring 10k"].climb_m == 0
    # the page lists the upcoming event with its days to go and the past one apart
    page = client.get(url).text
    upcoming, past_part = page.split('id="events-upcoming"')[1].split('id="events-past"')
    assert "Glen Ultra" in upcoming and "40 days" in upcoming and "2500 m" in upcoming
    assert "Spring 10k" in past_part and "30 days ago" in past_part
    assert f'href="{url}" class="on"' in page  # the nav link
    # the coach's view of the athlete reuses the page
    _as(client, callers.coach)
    assert "Glen Ultra" in client.get(url).text
    # today names the next A race with the plan's taper start
    token = _as(client, callers.athlete)
    with database.open_session(client.app.state.session_factory) as session:
        goal = goal_summary(session, athlete_id=callers.own, today=today)
    assert goal is not None and goal["days_to_event"] == 40
    today_page = client.get(f"/app/athletes/{callers.own}").text
    line = (
        f"Next A race: <strong>Glen Ultra</strong> in 40 days (taper from {goal['taper_starts']})"
    )
    assert line in today_page
    # delete, through htmx (the row goes) and as a plain form post (back to the list)
    ultra, spring = stored["Glen Ultra"].id, stored["Spring 10k"].id
    answer = client.post(
        f"{url}/{ultra}/delete", headers={"HX-Request": "true", "X-CSRF-Token": token}
    )
    assert answer.status_code == 200 and answer.text == ""
    answer = client.post(
        f"{url}/{spring}/delete", data={"csrf_token": token}, follow_redirects=False
    )
    assert answer.status_code == 303
    assert _stored_events(client, callers.own) == []
    assert "Next A race" not in client.get(f"/app/athletes/{callers.own}").text
    assert client.post(f"{url}/{spring}/delete", data={"csrf_token": token}).status_code == 404


@pytest.mark.parametrize(
    ("field", "value"),
    [("distance_km", "0"), ("distance_km", "501"), ("climb_m", "-5"), ("name", " "),
     ("priority", "D"), ("date", "not-a-date")],
)  # fmt: skip
def test_event_form_validates_like_the_api(web, field: str, value: str) -> None:  # noqa: ANN001
    client, callers = web
    token = _as(client, callers.athlete)
    form = {"date": "2027-06-01", "name": "Bad", "distance_km": "20", "climb_m": "100"}
    answer = client.post(
        f"/app/athletes/{callers.own}/events",
        data={**form, "priority": "A", field: value, "csrf_token": token},
    )
    assert answer.status_code == 422
    errors = answer.text.split('id="event-errors"')[1].split("</ul>")[0]
    assert field in errors
    assert _stored_events(client, callers.own) == []


def test_event_posts_need_the_csrf_token(web) -> None:  # noqa: ANN001
    client, callers = web
    _as(client, callers.athlete)
    url = f"/app/athletes/{callers.own}/events"
    form = {"date": "2027-06-01", "name": "Forged", "distance_km": "20"}
    assert client.post(url, data=form).status_code == 403
    assert client.post(url, data={**form, "csrf_token": "forged"}).status_code == 403
    assert _stored_events(client, callers.own) == []
    token = _as(client, callers.athlete)
    client.post(url, data={**form, "csrf_token": token})
    (event,) = _stored_events(client, callers.own)
    assert client.post(f"{url}/{event.id}/delete", data={"csrf_token": "x"}).status_code == 403
    assert client.post(f"{url}/{event.id}/delete").status_code == 403
    assert len(_stored_events(client, callers.own)) == 1
    client.post(f"{url}/{event.id}/delete", data={"csrf_token": token})
    assert _stored_events(client, callers.own) == []


def test_another_athletes_events_are_not_found(web) -> None:  # noqa: ANN001
    client, callers = web
    token = _as(client, callers.athlete)
    own_url = f"/app/athletes/{callers.own}/events"
    form = {"date": "2027-06-01", "name": "Mine", "distance_km": "20", "csrf_token": token}
    client.post(own_url, data=form)
    (mine,) = _stored_events(client, callers.own)
    for headers in (callers.other_athlete, callers.unlinked_coach):
        token = _as(client, headers)
        assert client.get(own_url).status_code == 404
        assert client.post(own_url, data={**form, "csrf_token": token}).status_code == 404
        answer = client.post(f"{own_url}/{mine.id}/delete", data={"csrf_token": token})
        assert answer.status_code == 404
    # the other athlete cannot reach it through their own page either
    token = _as(client, callers.other_athlete)
    other_url = f"/app/athletes/{callers.other}/events/{mine.id}/delete"
    assert client.post(other_url, data={"csrf_token": token}).status_code == 404
    assert [e.name for e in _stored_events(client, callers.own)] == ["Mine"]
    token = _as(client, callers.athlete)
    client.post(f"{own_url}/{mine.id}/delete", data={"csrf_token": token})
    assert _stored_events(client, callers.own) == []


def test_profile_page_shows_and_saves_the_profile(web) -> None:  # noqa: ANN001
    client, callers = web
    csrf = _as(client, callers.athlete)
    url = f"/app/athletes/{callers.own}/profile"
    # given the profile page, with every value in the form
    page = client.get(url)
    assert page.status_code == 200 and 'name="max_hr"' in page.text
    assert 'name="availability_6"' in page.text
    # when the athlete saves max HR, a time zone and a week with a free Wednesday
    week = [45, 60, 0, 60, 45, 150, 120]
    form = {"csrf_token": csrf, "name": "Own", "max_hr": "188", "timezone": "Europe/Oslo",
            **{f"availability_{k}": str(v) for k, v in enumerate(week)}}  # fmt: skip
    saved = client.post(url, data=form, follow_redirects=False)
    # then they are stored (the API reads them back) and the page says so
    assert saved.status_code == 303 and saved.headers["location"].endswith("?saved=1")
    profile = client.get(f"/athletes/{callers.own}", headers=callers.athlete).json()
    assert profile["max_hr"] == 188 and profile["timezone"] == "Europe/Oslo"
    assert profile["availability_min"] == week
    assert 'id="profile-saved"' in client.get(saved.headers["location"]).text
    # a bad value is refused with the field named, the form keeps what was typed, nothing saved
    bad = client.post(url, data=form | {"max_hr": "20", "goal": "sub-5 50k"})
    assert bad.status_code == 422 and "max_hr" in bad.text and "sub-5 50k" in bad.text
    assert client.get(f"/athletes/{callers.own}", headers=callers.athlete).json() == profile
    # and another athlete's profile is not found, a post without the CSRF token is refused
    assert client.get(f"/app/athletes/{callers.other}/profile").status_code == 404
    no_csrf = {k: v for k, v in form.items() if k != "csrf_token"}
    assert client.post(url, data=no_csrf, follow_redirects=False).status_code == 403


def test_today_asks_for_the_missing_profile_values_until_they_are_given(web) -> None:  # noqa: ANN001
    client, callers = web
    _as(client, callers.other_athlete)
    url = f"/app/athletes/{callers.other}"
    # given an athlete created with a name only: today names what is missing and links it
    page = client.get(url).text
    assert 'id="profile-missing"' in page
    assert all(v in page for v in ("years of training", "max heart rate", "time zone"))
    assert f'href="/app/athletes/{callers.other}/profile"' in page
    # when the profile is completed, then the prompt is gone
    patch = {"experience_years": 3, "max_hr": 186, "timezone": "Europe/Oslo"}
    done = client.patch(f"/athletes/{callers.other}", json=patch, headers=callers.other_athlete)
    assert done.status_code == 200, done.text
    assert 'id="profile-missing"' not in client.get(url).text


def test_upload_form_names_each_rejected_record_then_can_skip_them(web) -> None:  # noqa: ANN001
    client, callers = web
    token = _as(client, callers.athlete)
    csv = b"date,sleep_h,soreness\n2026-03-02,7.5,2\n2026-03-40,7.0,2\n"
    url = f"/app/athletes/{callers.own}/imports"

    def upload(**fields: str):  # noqa: ANN202
        files = [("files", ("checkins.csv", csv))]
        return client.post(url, data={"csrf_token": token, **fields}, files=files)

    def stored_dates() -> set[str]:
        with database.open_session(client.app.state.session_factory) as session:
            rows, _ = records.read_records_page(
                session, record_type="wellness", athlete_id=callers.own
            )
        return {str(r.date) for r in rows}

    # a file with an invalid record is refused whole, and the page says which record and why
    refused = upload()
    assert refused.status_code == 422
    assert "checkins.csv row 3, field date: 2026-03-40 (date must be a date" in refused.text
    assert "2026-03-02" not in stored_dates()
    # with the form's checkbox, the valid record is imported and the invalid one reported
    skipped = upload(skip_invalid="true")
    assert skipped.status_code == 200, skipped.text
    assert "checkins.csv row 3, field date" in skipped.text
    assert "2026-03-02" in stored_dates()
