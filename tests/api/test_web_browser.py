"""The web app in a real browser: Debian's Chromium driven by Selenium, against uvicorn.

The server is the real app (``uvicorn api.main:create_app --factory``) on a free loopback
port, on a copy of the trained data dir plus one athlete simulated up to yesterday. Chromium
sends everything except loopback to a dead proxy, so a page that needed the network (a CDN)
would fail; each test also checks that every loaded resource came from the server.
Screenshots go to ``tests/artifacts/`` (gitignored).

Marked slow (a server and a browser, ~25 s): CI's second step runs them; the same pages are
checked through the test client in ``test_web_pages.py`` in the default run.
"""

from __future__ import annotations

import datetime as dt
import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from engine.services.simulation import save_cohort
from engine.settings import Settings
from engine.store import accounts, database
from engine.store.tables import User
from pipelines.simulator.cohort import simulate_cohort
from tests.api.conftest import PASSWORD, TEST_SECRET, password_hash

CHROMIUM = Path(os.environ.get("CAIRN_TEST_CHROMIUM", "/usr/bin/chromium"))
CHROMEDRIVER = Path(os.environ.get("CAIRN_TEST_CHROMEDRIVER", "/usr/bin/chromedriver"))
pytestmark = pytest.mark.slow

ARTIFACTS = Path(__file__).resolve().parents[1] / "artifacts"
FIT_FILE = Path(__file__).resolve().parents[2] / "data" / "samples" / "hill-run.fit"
RECENT_DAYS = 120
WAIT_S = 20

webdriver = pytest.importorskip("selenium.webdriver")
from selenium.common.exceptions import (  # noqa: E402
    StaleElementReferenceException,
    TimeoutException,
    WebDriverException,
)
from selenium.webdriver.common.by import By  # noqa: E402
from selenium.webdriver.support import expected_conditions as ec  # noqa: E402
from selenium.webdriver.support.ui import WebDriverWait  # noqa: E402


def _browser_problem() -> str | None:
    missing = [str(p) for p in (CHROMIUM, CHROMEDRIVER) if not p.exists()]
    return f"browser not installed: {', '.join(missing)}" if missing else None


@dataclass(frozen=True)
class Site:
    url: str
    athlete_id: int
    linked_id: int
    unlinked_id: int


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _add_user(session, *, username: str, role: str, athlete_id: int | None = None) -> int:  # noqa: ANN001
    user = User(username=username, password_hash=password_hash(), role=role,
                athlete_id=athlete_id, is_active=True)  # fmt: skip
    session.add(user)
    session.flush()
    return user.id


def _prepare(data_dir: Path) -> tuple[int, int, int]:
    """Add an athlete simulated up to yesterday, and the users; returns the athlete ids
    (the recent one, another one linked to the coach, one not linked)."""
    settings = Settings(data_dir=data_dir)
    engine = database.make_engine(settings.database_url)
    factory = database.make_session_factory(engine)
    today = dt.date.today()
    cohort = simulate_cohort(
        n_athletes=1, n_days=RECENT_DAYS, seed=41, start=today - dt.timedelta(days=RECENT_DAYS)
    )
    with database.open_session(factory) as session:
        save_cohort(session, cohort, seed=41)
    with database.open_session(factory) as session:
        ids = accounts.read_athletes_page(session, coach_id=None, only_id=None, limit=500,
                                          offset=0)[0]  # fmt: skip
        recent, linked, unlinked = ids[-1], ids[0], ids[1]
        recent.name, linked.name = "Mia Recent", "Linked Athlete"
        _add_user(session, username="mia", role="athlete", athlete_id=recent.id)
        _add_user(session, username="coach", role="coach")
        _add_user(session, username="admin", role="admin")
        for athlete_id in (recent.id, linked.id):
            accounts.link_coach(session, coach_username="coach", athlete_id=athlete_id)
        ids_out = (recent.id, linked.id, unlinked.id)
    engine.dispose()
    return ids_out


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory, trained_dir: Path) -> Iterator[Site]:
    """The real app served by uvicorn in a child process on a free loopback port."""
    problem = _browser_problem()
    if problem:
        if os.environ.get("CI"):
            pytest.fail(problem)
        pytest.skip(problem)
    data_dir = tmp_path_factory.mktemp("web") / "data"
    shutil.copytree(trained_dir, data_dir)
    athlete_id, linked, unlinked = _prepare(data_dir)
    port = _free_port()
    env = {**os.environ, "CAIRN_DATA_DIR": str(data_dir), "CAIRN_SECRET_KEY": TEST_SECRET,
           "CAIRN_LOG_LEVEL": "WARNING"}  # fmt: skip
    log = (data_dir / "server.log").open("wb")
    server = subprocess.Popen(
        [sys.executable, "-m", "uvicorn", "api.main:create_app", "--factory",
         "--host", "127.0.0.1", "--port", str(port), "--log-level", "warning"],
        env=env, stdout=log, stderr=subprocess.STDOUT, cwd=Path(__file__).resolve().parents[2],
    )  # fmt: skip
    url = f"http://127.0.0.1:{port}"
    try:
        _wait_until_up(url, server)
        yield Site(url, athlete_id, linked, unlinked)
    finally:
        server.terminate()
        try:
            server.wait(timeout=10)
        except subprocess.TimeoutExpired:
            server.kill()
        log.close()


def _wait_until_up(url: str, server: subprocess.Popen) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise RuntimeError(f"uvicorn exited with {server.returncode}")
        try:
            with urllib.request.urlopen(f"{url}/health", timeout=2) as response:
                if response.status == 200:
                    return
        except OSError:
            time.sleep(0.3)
    raise RuntimeError("uvicorn did not answer /health within 60 s")


@pytest.fixture(scope="module")
def browser(site: Site) -> Iterator[object]:
    """Headless Chromium that can reach only loopback (everything else goes to a dead proxy)."""
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = str(CHROMIUM)
    for arg in ("--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--disable-gpu",
                "--proxy-server=http://127.0.0.1:9", "--proxy-bypass-list=127.0.0.1;localhost",
                "--window-size=1280,900", "--no-first-run", "--disable-extensions"):  # fmt: skip
        options.add_argument(arg)
    driver = webdriver.Chrome(service=Service(str(CHROMEDRIVER)), options=options)
    driver.set_page_load_timeout(WAIT_S)
    ARTIFACTS.mkdir(exist_ok=True)
    yield driver
    driver.quit()


def _wait(driver, condition):  # noqa: ANN001, ANN202
    return WebDriverWait(driver, WAIT_S).until(condition)


def _replaced(element):  # noqa: ANN001, ANN202
    """``ec.staleness_of`` that also accepts Chromium's other word for a node swapped out of
    the page (htmx replaced it): "Node with given id does not belong to the document"."""

    def check(_driver) -> bool:  # noqa: ANN001
        try:
            element.is_enabled()
        except StaleElementReferenceException:
            return True
        except WebDriverException as err:
            if "does not belong to the document" in str(err):
                return True
            raise
        return False

    return check


def _shot(driver, name: str, *, phone: bool = False) -> None:  # noqa: ANN001
    if phone:
        driver.set_window_size(412, 915)
    height = driver.execute_script("return document.body.scrollHeight")
    width = 412 if phone else 1280
    driver.set_window_size(width, min(max(int(height) + 40, 600), 4000))
    driver.save_screenshot(str(ARTIFACTS / f"{name}.png"))
    driver.set_window_size(1280, 900)


def _only_local_resources(driver, site: Site) -> None:  # noqa: ANN001
    names = driver.execute_script(
        "return performance.getEntriesByType('resource').map(e => e.name)"
    )
    foreign = [n for n in names if not n.startswith(site.url)]
    assert foreign == [], f"resources from elsewhere: {foreign}"


def _login(driver, site: Site, username: str) -> None:  # noqa: ANN001
    driver.delete_all_cookies()
    driver.get(f"{site.url}/")
    _wait(driver, ec.presence_of_element_located((By.ID, "sign-in")))
    driver.find_element(By.NAME, "username").send_keys(username)
    driver.find_element(By.NAME, "password").send_keys(PASSWORD)
    driver.find_element(By.ID, "sign-in").click()
    _wait(driver, lambda d: "/login" not in d.current_url)


def test_login_lands_on_today_with_the_full_session(browser, site: Site) -> None:  # noqa: ANN001
    # given the landing page
    browser.delete_all_cookies()
    browser.get(f"{site.url}/")
    # then it is the sign-in form, with nothing loaded from elsewhere
    _wait(browser, ec.presence_of_element_located((By.ID, "sign-in")))
    _shot(browser, "01-login", phone=True)
    # when the athlete signs in with a wrong password, then an error and no session
    browser.find_element(By.NAME, "username").send_keys("mia")
    browser.find_element(By.NAME, "password").send_keys("wrong-password")
    browser.find_element(By.ID, "sign-in").click()
    _wait(browser, ec.presence_of_element_located((By.CLASS_NAME, "error")))
    assert "Wrong username or password" in browser.page_source
    # when they sign in properly
    _login(browser, site, "mia")
    # then today's session, its prescription, reasons and predictions are shown
    assert browser.current_url.endswith(f"/app/athletes/{site.athlete_id}")
    session_type = browser.find_element(By.ID, "session-type").text
    assert session_type
    readiness = float(browser.find_element(By.ID, "predicted-readiness").text)
    assert 0 <= readiness <= 100
    assert browser.find_element(By.ID, "predicted-risk").text.endswith("%")
    assert len(browser.find_elements(By.CSS_SELECTOR, "#reasons li")) >= 2
    cookie = browser.get_cookie("cairn_session")
    assert cookie["httpOnly"] and cookie["sameSite"] == "Strict"
    _only_local_resources(browser, site)
    _shot(browser, "02-today-phone", phone=True)
    _shot(browser, "03-today-desktop")


def test_checkin_changes_the_answer(browser, site: Site) -> None:  # noqa: ANN001
    # given the athlete's today page
    _login(browser, site, "mia")
    before = (
        browser.find_element(By.ID, "session-type").text,
        browser.find_element(By.ID, "predicted-readiness").text,
        browser.find_element(By.ID, "reasons").text,
    )
    # when they report a bad night, heavy soreness and pain (htmx posts the form)
    browser.find_element(By.NAME, "sleep_h").send_keys("3.5")
    for name in ("soreness", "fatigue", "stress"):
        browser.find_element(By.CSS_SELECTOR, f"select[name={name}] option[value='5']").click()
    browser.find_element(By.NAME, "pain").click()
    browser.find_element(By.ID, "checkin-submit").click()
    # then the answer is recomputed in place
    _wait(browser, ec.presence_of_element_located((By.CSS_SELECTOR, "#today .ok")))
    after = (
        browser.find_element(By.ID, "session-type").text,
        browser.find_element(By.ID, "predicted-readiness").text,
        browser.find_element(By.ID, "reasons").text,
    )
    assert after != before
    assert "pain" in after[2].lower() or after[0] != before[0]
    _shot(browser, "04-after-checkin", phone=True)


def test_week_and_chart_pages_render(browser, site: Site) -> None:  # noqa: ANN001
    _login(browser, site, "mia")
    browser.get(f"{site.url}/app/athletes/{site.athlete_id}/week")
    days = _wait(browser, lambda d: d.find_elements(By.CSS_SELECTOR, "#week > li"))
    assert len(days) == 7
    _shot(browser, "05-week", phone=True)
    browser.get(f"{site.url}/app/athletes/{site.athlete_id}/chart")
    _wait(browser, ec.presence_of_element_located((By.CSS_SELECTOR, "#chart-load .uplot canvas")))
    _wait(browser, ec.presence_of_element_located((By.CSS_SELECTOR, "#chart-readiness canvas")))
    assert "fitness" in browser.find_element(By.ID, "chart-summary").text
    _only_local_resources(browser, site)
    _shot(browser, "06-chart")
    _shot(browser, "07-chart-phone", phone=True)


def test_fit_upload_shows_the_summary_and_the_session(browser, site: Site) -> None:  # noqa: ANN001
    _login(browser, site, "mia")
    browser.get(f"{site.url}/app/athletes/{site.athlete_id}/log")
    rows_before = int(browser.find_element(By.CSS_SELECTOR, "#sessions-total").text)
    # when the athlete uploads a FIT file
    browser.find_element(By.ID, "upload-files").send_keys(str(FIT_FILE))
    browser.find_element(By.ID, "upload-submit").click()
    # then the import summary names the file and the session is in the history
    summary = _wait(browser, ec.presence_of_element_located((By.ID, "import-summary"))).text
    assert FIT_FILE.name in summary and "ok" in summary
    assert "1 sessions" in summary
    imported = browser.find_elements(By.CSS_SELECTOR, "#imported-sessions tbody tr")
    assert len(imported) == 1 and "fit" in imported[0].text
    _shot(browser, "08-upload-summary")
    # and the history (which lists sessions by date) now holds one more
    browser.get(f"{site.url}/app/athletes/{site.athlete_id}/log")
    total = browser.find_element(By.CSS_SELECTOR, "#sessions-total").text
    assert int(total) == rows_before + 1


def test_session_edit_and_delete_from_the_log(browser, site: Site) -> None:  # noqa: ANN001
    _login(browser, site, "mia")
    browser.get(f"{site.url}/app/athletes/{site.athlete_id}/log")
    first = browser.find_element(By.CSS_SELECTOR, "#sessions tbody tr")
    row_id = first.get_attribute("id")
    first.find_element(By.LINK_TEXT, "Edit").click()
    field = _wait(browser, ec.presence_of_element_located((By.NAME, "duration_min")))
    field.clear()
    field.send_keys("33")
    save = browser.find_element(By.ID, "save-session")
    save.click()
    _wait(browser, _replaced(save))
    row = _wait(browser, ec.presence_of_element_located((By.ID, row_id)))
    assert "33" in row.text
    # when it is deleted (htmx, after a confirm), then its row disappears
    row.find_element(By.CSS_SELECTOR, "button.danger").click()
    browser.switch_to.alert.accept()
    _wait(browser, ec.invisibility_of_element_located((By.ID, row_id)))
    browser.refresh()
    assert not browser.find_elements(By.ID, row_id)


def test_coach_sees_linked_athletes_only(browser, site: Site) -> None:  # noqa: ANN001
    _login(browser, site, "coach")
    assert browser.current_url.endswith("/app/coach")
    rows = browser.find_elements(By.CSS_SELECTOR, "#overview tbody tr")
    links = [r.find_element(By.TAG_NAME, "a").get_attribute("href") for r in rows]
    shown = {int(link.split("/app/athletes/")[1].split("?")[0]) for link in links}
    assert len(links) == 2 and shown == {site.athlete_id, site.linked_id}
    assert "Mia Recent" in browser.page_source and "Linked Athlete" in browser.page_source
    _shot(browser, "09-coach-overview")
    _shot(browser, "10-coach-overview-phone", phone=True)
    # an unlinked athlete's page is not found
    browser.get(f"{site.url}/app/athletes/{site.unlinked_id}")
    assert "not found" in browser.page_source
    # a linked athlete's week can be locked by the coach
    browser.get(f"{site.url}/app/athletes/{site.athlete_id}/week")
    form = _wait(browser, ec.presence_of_element_located((By.CSS_SELECTOR, "#week form.lock")))
    form.find_element(By.NAME, "type").clear()
    form.find_element(By.NAME, "type").send_keys("rest")
    form.find_element(By.NAME, "duration_min").clear()
    form.find_element(By.NAME, "duration_min").send_keys("0")
    form.find_element(By.CSS_SELECTOR, "button").click()
    _wait(browser, _replaced(form))
    first_day = _wait(browser, ec.presence_of_element_located((By.CSS_SELECTOR, "#week > li")))
    assert "locked" in first_day.text and "Rest" in first_day.text


def test_admin_sees_the_champions(browser, site: Site) -> None:  # noqa: ANN001
    _login(browser, site, "admin")
    assert browser.current_url.endswith("/app/admin")
    champions = browser.find_elements(By.CSS_SELECTOR, ".champion")
    assert len(champions) == 2
    assert "mae" in browser.page_source and "roc_auc" in browser.page_source
    _shot(browser, "11-admin")


@pytest.mark.parametrize(
    ("path", "selector"),
    [("/docs", ".swagger-ui .opblock"), ("/redoc", ".api-content, [role=navigation]")],
)
def test_api_docs_render_offline(browser, site: Site, path: str, selector: str) -> None:  # noqa: ANN001
    browser.get(f"{site.url}{path}")
    try:
        _wait(browser, ec.presence_of_element_located((By.CSS_SELECTOR, selector)))
    except TimeoutException:  # pragma: no cover - the failure message shows the page
        pytest.fail(f"{path} did not render: {browser.page_source[:500]}")
    _only_local_resources(browser, site)
    _shot(browser, f"12-docs{path.replace('/', '-')}")


def test_goal_event_added_and_listed(browser, site: Site) -> None:  # noqa: ANN001
    # given the athlete's events page, reached from the nav
    _login(browser, site, "mia")
    browser.find_element(By.LINK_TEXT, "Events").click()
    _wait(browser, ec.presence_of_element_located((By.ID, "event-submit")))
    assert browser.current_url.endswith(f"/app/athletes/{site.athlete_id}/events")
    # when they add an A race 40 days ahead
    race = (dt.date.today() + dt.timedelta(days=40)).isoformat()
    date_input = browser.find_element(By.NAME, "date")
    browser.execute_script("arguments[0].value = arguments[1]", date_input, race)
    browser.find_element(By.NAME, "name").send_keys("Glen Ultra")
    browser.find_element(By.NAME, "distance_km").send_keys("50")
    browser.find_element(By.NAME, "climb_m").send_keys("2500")
    browser.find_element(By.CSS_SELECTOR, "select[name=priority] option[value='A']").click()
    browser.find_element(By.ID, "event-submit").click()
    # then it is listed among the upcoming events with its days to go
    table = _wait(browser, ec.presence_of_element_located((By.ID, "events-upcoming")))
    row = table.find_element(By.CSS_SELECTOR, "tbody tr")
    assert "Glen Ultra" in row.text and race in row.text and "40 days" in row.text
    _only_local_resources(browser, site)
    _shot(browser, "13-events")
    _shot(browser, "14-events-phone", phone=True)
    # and today names it as the next A race
    browser.find_element(By.LINK_TEXT, "Today").click()
    line = _wait(browser, ec.presence_of_element_located((By.ID, "next-race"))).text
    assert line.startswith("Next A race: Glen Ultra in 40 days (taper from ")
    _shot(browser, "15-today-next-race", phone=True)


def test_profile_saved_from_the_nav(browser, site: Site) -> None:  # noqa: ANN001
    # given the athlete's profile page, reached from the nav
    _login(browser, site, "mia")
    browser.find_element(By.LINK_TEXT, "Profile").click()
    _wait(browser, ec.presence_of_element_located((By.ID, "profile-submit")))
    # when they free Wednesday, lengthen Saturday and set their time zone
    for day, minutes in ((2, "0"), (5, "180")):
        field = browser.find_element(By.NAME, f"availability_{day}")
        field.clear()
        field.send_keys(minutes)
    zone = browser.find_element(By.NAME, "timezone")
    zone.clear()
    zone.send_keys("Europe/Oslo")
    browser.find_element(By.ID, "profile-submit").click()
    # then the page says saved and shows the new values
    _wait(browser, ec.presence_of_element_located((By.ID, "profile-saved")))
    assert browser.find_element(By.NAME, "availability_2").get_attribute("value") == "0"
    assert browser.find_element(By.NAME, "availability_5").get_attribute("value") == "180"
    assert browser.find_element(By.NAME, "timezone").get_attribute("value") == "Europe/Oslo"
    _only_local_resources(browser, site)
    _shot(browser, "16-profile")
    _shot(browser, "17-profile-phone", phone=True)
