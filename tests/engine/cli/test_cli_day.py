"""A solo athlete's day at the command line: log, recommend (with --fit), plan, accounts.

Real SQLite database in a tmp data dir, no models registered (rule-based answers).
"""

from __future__ import annotations

import datetime as dt
import io
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path
from zoneinfo import ZoneInfo

import fitdecode
import pytest
from sqlalchemy import func, select

from engine.cli import app
from engine.cli.errors import run_cli
from engine.store import accounts, credentials, database, logbook
from engine.store.tables import TrainingSession, WellnessCheckin
from pipelines.schemas import SESSION_COLUMNS, WELLNESS_COLUMNS, conform
from tests.factories import make_training_log

DAY = "2025-02-26"  # the day after the factory's 8 weeks of logs


@pytest.fixture(scope="module")
def data_dir(tmp_path_factory: pytest.TempPathFactory, population_mlflow: Path) -> Path:
    """Athlete 1 (max HR known) with 8 weeks of logs before DAY, and athlete 2; the day-one
    population models in the MLflow store (as after a first ``cairn recommend``)."""
    folder = tmp_path_factory.mktemp("cli-day") / "data"
    folder.mkdir()
    shutil.copy(population_mlflow, folder / "mlflow.db")
    engine = database.make_engine(f"sqlite:///{folder / 'app.sqlite'}")
    database.migrate_database(engine)
    sessions, wellness, injuries = make_training_log(days=56)
    sessions = conform(sessions, SESSION_COLUMNS, name="sessions")
    wellness = conform(wellness, WELLNESS_COLUMNS, name="wellness")
    with database.open_session(database.make_session_factory(engine)) as session:
        assert logbook.create_athlete(session, data={"name": "Mia", "max_hr": 185.0}).id == 1
        logbook.create_athlete(session, data={"name": "Ola"})
        logbook.bulk_insert_logs(session, sessions=sessions, wellness=wellness, injuries=injuries)
    engine.dispose()
    return folder


def _count(data_dir: Path, table: type) -> int:
    engine = database.make_engine(f"sqlite:///{data_dir / 'app.sqlite'}")
    with database.open_session(database.make_session_factory(engine)) as session:
        total = session.scalar(select(func.count()).select_from(table))
    engine.dispose()
    return int(total or 0)


def test_log_checkin_saves_and_refuses_out_of_range_values(cairn, data_dir: Path) -> None:  # noqa: ANN001
    # given a day without a check-in for athlete 2
    before = _count(data_dir, WellnessCheckin)
    # when a check-in with an out-of-range soreness is logged
    bad = cairn("log", "checkin", "--athlete", "2", "--soreness", "7", "--sleep-h", "7")
    # then exit 2, one error naming the option and its range, nothing written
    assert bad.exit_code == 2
    assert "--soreness" in bad.output and "between 1 and 5" in bad.output
    assert _count(data_dir, WellnessCheckin) == before
    # when a valid one is logged twice, then saved, then replaced (one row)
    args = ("log", "checkin", "--athlete", "2", "--sleep-h", "7.5", "--soreness", "2", "--pain")
    first, second = cairn(*args), cairn(*args)
    assert first.exit_code == 0 and "Saved" in first.output
    assert second.exit_code == 0 and "Replaced" in second.output
    assert _count(data_dir, WellnessCheckin) == before + 1


def test_log_session_validates_like_imports_and_refuses_duplicates(cairn, data_dir: Path) -> None:  # noqa: ANN001
    before = _count(data_dir, TrainingSession)
    args = ["log", "session", "--athlete", "2", "--type", "easy_trail", "--duration-min", "50"]
    # when the climb is implausible for the distance, or the type unknown: exit 2, no row
    climb = cairn(*args, "--distance-km", "2", "--climb-m", "5000")
    assert climb.exit_code == 2 and "--climb-m" in climb.output and "implausible" in climb.output
    unknown = cairn("log", "session", "--athlete", "2", "--type", "jog", "--duration-min", "5")
    assert unknown.exit_code == 2 and "easy_trail" in unknown.output
    future = cairn(*args, "--date", "2199-01-01")
    assert future.exit_code == 2 and "future" in future.output
    assert _count(data_dir, TrainingSession) == before
    # when a valid session is logged, then stored; the same again is refused (exit 1)
    ok = cairn(*args, "--rpe", "4", "--distance-km", "9", "--climb-m", "350")
    assert ok.exit_code == 0 and "Logged session" in ok.output
    again = cairn(*args, "--rpe", "4", "--distance-km", "9", "--climb-m", "350")
    assert again.exit_code == 1 and "already logged" in again.output
    assert _count(data_dir, TrainingSession) == before + 1
    missing = cairn("log", "session", "--athlete", "99", "--type", "walk", "--duration-min", "30")
    assert missing.exit_code == 1 and "athlete 99 not found" in missing.output


def _lock_today(cairn, type_id: str, minutes: int) -> None:  # noqa: ANN001
    args = ("plan", "lock", "--athlete", "1", "--date", DAY, "--type", type_id)
    result = cairn(*args, "--duration", str(minutes))
    assert result.exit_code == 0, result.output


def test_recommend_prints_the_prescription_within_80_columns(
    cairn,
    monkeypatch: pytest.MonkeyPatch,  # noqa: ANN001
) -> None:
    monkeypatch.setenv("COLUMNS", "80")
    # given today locked to a long trail run: HR zone in bpm, distance and climb
    _lock_today(cairn, "long_trail", 100)
    run = cairn("recommend", "--athlete", "1", "--date", DAY)
    assert run.exit_code == 0, run.output
    assert "bpm" in run.output and " km" in run.output and "climb" in run.output
    # given today locked to strength: exercises with sets x reps and load or RIR
    _lock_today(cairn, "strength_lower", 45)
    lift = cairn("recommend", "--athlete", "1", "--date", DAY)
    assert "sets x reps" in lift.output and " x " in lift.output and "RIR" in lift.output
    # then no line is wider than 80 columns and nothing is cut with an ellipsis
    for output in (run.output, lift.output):
        assert max(len(line) for line in output.splitlines()) <= 80, output
        assert "…" not in output


def test_plan_table_fits_80_columns_with_targets(
    cairn,
    monkeypatch: pytest.MonkeyPatch,  # noqa: ANN001
) -> None:
    monkeypatch.setenv("COLUMNS", "80")
    _lock_today(cairn, "long_trail", 100)
    result = cairn("plan", "--athlete", "1", "--date", DAY)
    assert result.exit_code == 0, result.output
    assert "prescription" in result.output and "bpm" in result.output
    assert max(len(line) for line in result.output.splitlines()) <= 80


def test_recommend_fit_writes_a_workout_fitdecode_reads(cairn, tmp_path: Path) -> None:  # noqa: ANN001
    # given today locked to a 60-minute easy trail run
    _lock_today(cairn, "easy_trail", 60)
    target = tmp_path / "today.fit"
    # when the FIT file is asked for
    result = cairn("recommend", "--athlete", "1", "--date", DAY, "--fit", str(target))
    # then it holds a running workout whose steps add up to the session
    assert result.exit_code == 0, result.output
    with fitdecode.FitReader(io.BytesIO(target.read_bytes())) as reader:
        frames = [f for f in reader if isinstance(f, fitdecode.FitDataMessage)]
    steps = [f for f in frames if f.name == "workout_step"]
    assert {f.name for f in frames} == {"file_id", "workout", "workout_step"}
    assert sum(s.get_value("duration_time") for s in steps) == 60 * 60
    # and on a rest day nothing is written, with one error line
    _lock_today(cairn, "rest", 0)
    rest = cairn("recommend", "--athlete", "1", "--date", DAY, "--fit", str(tmp_path / "rest.fit"))
    assert rest.exit_code == 1 and "rest day" in rest.output
    assert not (tmp_path / "rest.fit").exists()


def test_users_commands_manage_accounts(cairn, data_dir: Path) -> None:  # noqa: ANN001
    # given a coach linked to athlete 1
    assert cairn("users", "create", "--username", "cora", "--role", "coach",
                 "--password", "coach-password").exit_code == 0  # fmt: skip
    assert cairn("users", "link", "--coach", "cora", "--athlete", "1").exit_code == 0
    listed = cairn("users", "list", "--json")
    assert '"linked_athletes": [\n        1\n      ]' in listed.output
    # when deactivated, unlinked and given a new password
    assert cairn("users", "deactivate", "cora").exit_code == 0
    assert cairn("users", "unlink", "--coach", "cora", "--athlete", "1").exit_code == 0
    assert cairn("users", "password", "cora", "--password", "another-password").exit_code == 0
    # then the store shows it, and errors are one line with exit 1 / 2
    engine = database.make_engine(f"sqlite:///{data_dir / 'app.sqlite'}")
    with database.open_session(database.make_session_factory(engine)) as session:
        user = accounts.read_user_by_name(session, username="cora")
        assert user is not None and not user.is_active
        assert not accounts.is_linked(session, coach_id=user.id, athlete_id=1)
        assert credentials.verify_password("another-password", user.password_hash)
    engine.dispose()
    assert cairn("users", "activate", "cora").exit_code == 0
    again = cairn("users", "unlink", "--coach", "cora", "--athlete", "1")
    assert again.exit_code == 1 and "not linked" in again.output
    short = cairn("users", "password", "cora", "--password", "short")
    assert short.exit_code == 2 and "8 characters" in short.output


@pytest.mark.parametrize(
    ("args", "code", "words"),
    [
        (["recommend", "--athlete", "x"], 2, "--athlete"),
        (["recommend"], 2, "Missing option '--athlete'"),
        (["recommend", "--athlete", "1", "--date", "2025-13-01"], 2, "YYYY-MM-DD"),
        (["recommend", "--athlete", "999"], 1, "athlete 999 not found"),
        (["no-such-command"], 2, "No such command"),
    ],
)
def test_user_errors_are_one_error_line_with_the_exit_code(
    data_dir: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    args: list[str],
    code: int,
    words: str,
) -> None:
    monkeypatch.setenv("CAIRN_DATA_DIR", str(data_dir))
    # when the command line runs as `cairn` does
    exit_code = run_cli(app, args)
    # then one "Error:" line naming the problem, the documented code, no traceback
    err = capsys.readouterr().err
    assert exit_code == code
    assert err.startswith("Error: ") and words in err and len(err.strip().splitlines()) == 1
    assert "Traceback" not in err


@pytest.mark.slow  # a fresh `cairn` process: ~10-20 s of imports on 2 busy cores
def test_cairn_prints_no_library_log_lines(data_dir: Path, tmp_path: Path) -> None:
    # given the installed `cairn` entry point (a fresh process: real logging set-up)
    env = {**os.environ, "CAIRN_DATA_DIR": str(data_dir), "COLUMNS": "80"}
    env.pop("CAIRN_DATABASE_URL", None)
    cairn = Path(sys.executable).with_name("cairn")
    # when recommend runs (it opens the MLflow store: no model registered)
    result = subprocess.run(
        [str(cairn), "recommend", "--athlete", "1", "--date", DAY],
        env=env,
        capture_output=True,
        text=True,
    )
    # then only Cairn's own output: no MLflow/Alembic INFO lines on either stream
    assert result.returncode == 0, result.stderr
    for stream in (result.stdout, result.stderr):
        assert " INFO " not in stream and "INFO:" not in stream and "mlflow" not in stream


def test_an_athletes_zone_defaults_to_this_machines_and_sets_the_log_day(
    cairn,  # noqa: ANN001
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # given this machine in Sydney: an athlete created without --timezone gets its zone
    monkeypatch.setenv("TZ", "Australia/Sydney")
    kiri = cairn("athletes", "create", "--name", "Kiri", "--timezone", "Pacific/Kiritimati")
    syd = cairn("athletes", "create", "--name", "Syd")
    assert kiri.exit_code == 0 and syd.exit_code == 0, kiri.output + syd.output
    listed = json.loads(cairn("athletes", "list", "--json").output)["data"]
    zones = {row["name"]: row["timezone"] for row in listed}
    assert zones["Kiri"] == "Pacific/Kiritimati" and zones["Syd"] == "Australia/Sydney"
    # when Kiri (UTC+14) logs a check-in without --date, it is for Kiri's local date
    zone = ZoneInfo("Pacific/Kiritimati")
    before = dt.datetime.now(dt.UTC).astimezone(zone).date()
    result = cairn("log", "checkin", "--athlete", kiri.output.strip(), "--sleep-h", "7")
    after = dt.datetime.now(dt.UTC).astimezone(zone).date()
    assert result.exit_code == 0, result.output
    assert before.isoformat() in result.output or after.isoformat() in result.output
    # and a zone that does not exist is refused naming the option, with no athlete created
    bad = cairn("athletes", "create", "--name", "X", "--timezone", "Mars/Olympus_Mons")
    assert bad.exit_code == 2 and "--timezone" in bad.output and "IANA" in bad.output
    assert len(json.loads(cairn("athletes", "list", "--json").output)["data"]) == len(listed)


def test_athletes_update_changes_only_the_options_given(cairn) -> None:  # noqa: ANN001
    created = cairn("athletes", "create", "--name", "Upd", "--timezone", "Europe/Oslo")
    athlete = created.output.strip()
    # when the availability and max HR are corrected
    ok = cairn("athletes", "update", "--athlete", athlete, "--availability",
               "45,60,0,60,45,150,120", "--max-hr", "188")  # fmt: skip
    assert ok.exit_code == 0, ok.output
    rows = {r["name"]: r for r in json.loads(cairn("athletes", "list", "--json").output)["data"]}
    # then those changed and the time zone did not
    assert rows["Upd"]["max_hr"] == 188 and rows["Upd"]["timezone"] == "Europe/Oslo"
    # and bad or missing values are usage errors (exit 2) that change nothing
    short = cairn("athletes", "update", "--athlete", athlete, "--availability", "60,60")
    assert short.exit_code == 2 and "--availability" in short.output
    assert cairn("athletes", "update", "--athlete", athlete).exit_code == 2
    missing = cairn("athletes", "update", "--athlete", "999", "--max-hr", "190")
    assert missing.exit_code == 1 and "not found" in missing.output
    after = {r["name"]: r for r in json.loads(cairn("athletes", "list", "--json").output)["data"]}
    assert after["Upd"] == rows["Upd"]
