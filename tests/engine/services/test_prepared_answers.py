"""Prepared answers: a recommendation is served from the database only while every input
(logs, locks, goal events, champions, rules) is unchanged, equals the answer computed afresh,
and the nightly batch prepares one per athlete. SQLite and PostgreSQL; real champions."""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
import os
import subprocess
import sys

import pytest
from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker
from typer.testing import CliRunner

from engine.cli.app import app
from engine.coach import coach
from engine.coach.scoring import ModelSet
from engine.services import nightly, prepared
from engine.services.recommendation import answer_for, recommend_for
from engine.services.serving import load_champions
from engine.settings import Settings
from engine.store import database, logbook, plan_locks, prepared_answers
from engine.store.events import save_event
from tests.engine.services.test_feature_store_writes import _seed

DAY = dt.date(2025, 2, 26)  # the morning after the last of 8 weeks of logs


@pytest.fixture
def factory(db_engine: Engine) -> sessionmaker[Session]:
    return database.make_session_factory(db_engine)


@pytest.fixture
def athletes(factory: sessionmaker[Session]) -> list[int]:
    """Three athletes with 8 weeks of logs each."""
    ids = []
    for name in ("A", "B", "C"):
        with database.open_session(factory) as session:
            ids.append(logbook.create_athlete(session, data={"name": name}).id)
        _seed(factory, ids[-1])
    return ids


@pytest.fixture
def models(trained_settings: Settings) -> ModelSet:
    served = load_champions(trained_settings)
    assert prepared.keeps(served), served.degraded_reason
    return served


class Computed:
    """Counts the mornings the coach prepares (an answer served prepared prepares none)."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        self.count = 0
        real = coach.prepare_morning

        def counting(*args, **kwargs):  # noqa: ANN002, ANN003, ANN202
            self.count += 1
            return real(*args, **kwargs)

        monkeypatch.setattr(coach, "prepare_morning", counting)


def _answer(factory, athlete, models, settings, **kwargs):  # noqa: ANN001, ANN003, ANN202
    with database.open_session(factory) as session:
        return recommend_for(
            session, athlete_id=athlete, today=DAY, models=models, settings=settings, **kwargs
        )


def test_an_answer_is_computed_once_then_served_prepared_and_equal(
    factory: sessionmaker[Session],
    athletes: list[int],
    models: ModelSet,
    trained_settings: Settings,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    computed = Computed(monkeypatch)
    # given a first request, computed and saved
    first = _answer(factory, athletes[0], models, trained_settings)
    assert computed.count == 1
    with database.open_session(factory) as session:
        assert prepared_answers.count_answers(session, day=DAY) == 1
    # when the same athlete and day are asked again, by a new session (another process)
    again = _answer(factory, athletes[0], models, trained_settings)
    # then nothing is computed, and the answer is the computed one
    assert computed.count == 1
    assert again.to_dict() == first.to_dict()
    assert again == dataclasses.replace(first, rules_applied=tuple(first.rules_applied))
    # and without saving, a new day is computed but not kept
    with database.open_session(factory) as session:
        answer_for(
            session,
            athlete_id=athletes[1],
            today=DAY,
            models=models,
            settings=trained_settings,
        )
        assert prepared_answers.count_answers(session) == 1


def test_a_new_log_lock_event_or_rule_makes_a_new_answer(
    factory: sessionmaker[Session],
    athletes: list[int],
    models: ModelSet,
    trained_settings: Settings,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    athlete = athletes[0]
    computed = Computed(monkeypatch)
    _answer(factory, athlete, models, trained_settings)
    now = dt.datetime(2025, 2, 25, 20, 0)
    # a bad check-in this morning: the answer is computed again, and it sees the check-in
    with database.open_session(factory) as session:
        logbook.save_wellness(
            session,
            athlete_id=athlete,
            values={"date": DAY, "sleep_h": 3.0, "soreness": 5, "fatigue": 5, "pain": True},
        )
    hurt = _answer(factory, athlete, models, trained_settings)
    assert computed.count == 2
    assert hurt.session["kind"] in {"rest", "mobility", "cross"}
    assert any("pain" in reason for reason in hurt.reasons)
    # a coach's lock on today: computed again, and honoured (or overruled with a reason)
    with database.open_session(factory) as session:
        plan_locks.save_lock(
            session,
            athlete_id=athlete,
            day=DAY + dt.timedelta(days=2),
            type_id="long_trail",
            duration_min=120,
            note="",
            role="coach",
            user_id=None,
            now=now,
        )
    _answer(factory, athlete, models, trained_settings)
    assert computed.count == 3
    # a goal event ahead: computed again
    with database.open_session(factory) as session:
        save_event(
            session,
            athlete_id=athlete,
            day=DAY + dt.timedelta(days=20),
            name="Trail 30k",
            distance_km=30.0,
            climb_m=1200.0,
            priority="A",
            now=now,
        )
    _answer(factory, athlete, models, trained_settings)
    assert computed.count == 4
    # another readiness floor: computed again; then the same inputs are served prepared
    stricter = trained_settings.model_copy(update={"readiness_floor": 60.0})
    _answer(factory, athlete, models, stricter)
    assert computed.count == 5
    _answer(factory, athlete, models, stricter)
    assert computed.count == 5
    # and the row keeps the newest inputs only (one per athlete and day)
    with database.open_session(factory) as session:
        assert prepared_answers.count_answers(session) == 1


def test_another_champion_or_an_unregistered_model_is_never_served_prepared(
    factory: sessionmaker[Session],
    athletes: list[int],
    models: ModelSet,
    trained_settings: Settings,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    computed = Computed(monkeypatch)
    _answer(factory, athletes[0], models, trained_settings)
    bumped = {name: (v or 0) + 1 for name, v in models.versions.items()}
    _answer(factory, athletes[0], dataclasses.replace(models, versions=bumped), trained_settings)
    assert computed.count == 2
    # a model without a registry version (an evaluation's own fit) is neither saved nor served
    unregistered = dataclasses.replace(models, versions={k: None for k in models.versions})
    assert not prepared.keeps(unregistered)
    for _ in range(2):
        _answer(factory, athletes[1], unregistered, trained_settings)
    assert computed.count == 4
    with database.open_session(factory) as session:
        assert prepared_answers.count_answers(session) == 1
    # and so is the rule-based fallback
    assert not prepared.keeps(ModelSet(None, None, {}, degraded_reason="no models"))


def test_nightly_prepares_every_answer_and_keeps_90_days(
    factory: sessionmaker[Session],
    athletes: list[int],
    models: ModelSet,
    trained_settings: Settings,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # given an answer prepared long ago
    old = DAY - dt.timedelta(days=nightly.PREPARED_KEEP_DAYS + 1)
    with database.open_session(factory) as session:
        recommend_for(
            session, athlete_id=athletes[2], today=old, models=models, settings=trained_settings
        )
    # when the nightly batch runs with answers
    report = nightly.run_nightly(factory, day=DAY, models=models, answers=trained_settings)
    # then every athlete's answer of the day is prepared, and the old one is gone
    assert report.answers_prepared == 3 and report.answers_failed == []
    with database.open_session(factory) as session:
        assert prepared_answers.count_answers(session, day=DAY) == 3
        assert prepared_answers.count_answers(session) == 3
    # and every morning request is served without computing, equal to a fresh computation
    computed = Computed(monkeypatch)
    again = nightly.run_nightly(factory, day=DAY, models=models, answers=trained_settings)
    assert again.answers_prepared == 3 and computed.count == 0  # kept, not recomputed
    served = [_answer(factory, a, models, trained_settings) for a in athletes]
    assert computed.count == 0
    with database.open_session(factory) as session:
        prepared_answers.delete_before(session, day=DAY + dt.timedelta(days=1))
    with database.open_session(factory) as session:
        recomputed = [
            answer_for(session, athlete_id=a, today=DAY, models=models, settings=trained_settings)
            for a in athletes
        ]
    assert computed.count == 3
    assert [r.to_dict() for r in served] == [r.to_dict() for r, _ in recomputed]


def test_one_athletes_failure_does_not_stop_the_others(
    factory: sessionmaker[Session],
    athletes: list[int],
    models: ModelSet,
    trained_settings: Settings,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    real = coach.prepare_morning
    broken = athletes[1]

    def failing(history, **kwargs):  # noqa: ANN001, ANN003, ANN202
        if history.athlete_id == broken:
            raise ValueError("corrupt log")
        return real(history, **kwargs)

    monkeypatch.setattr(coach, "prepare_morning", failing)
    report = nightly.run_nightly(factory, day=DAY, models=models, answers=trained_settings)
    assert report.answers_prepared == 2
    assert report.answers_failed == [broken]


@pytest.mark.slow  # a nightly over 30 athletes through the CLI (~3 s)
def test_cli_nightly_answers_prints_the_count(trained_settings: Settings) -> None:
    env = {"CAIRN_DATA_DIR": str(trained_settings.data_dir)}
    day = "2025-09-02"
    result = CliRunner().invoke(app, ["nightly", "--date", day, "--answers"], env=env)
    assert result.exit_code == 0, result.output
    assert "30 answers prepared" in result.output
    result = CliRunner().invoke(app, ["recommend", "--athlete", "1", "--date", day, "--json"],
                                env=env)  # fmt: skip
    assert result.exit_code == 0, result.output
    with database.open_session(
        database.make_session_factory(database.make_engine(trained_settings.database_url))
    ) as session:
        stored = prepared_answers.read_answer(session, athlete_id=1, day=dt.date(2025, 9, 2))
    assert stored is not None
    assert json.loads(result.output) == stored.answer


@pytest.mark.slow  # fresh interpreters (~7 s)
def test_a_command_serving_a_prepared_answer_never_loads_the_models(
    trained_settings: Settings,
) -> None:
    # given a prepared answer and the champions' cached copy (written by the first command)
    env = {**os.environ, "CAIRN_DATA_DIR": str(trained_settings.data_dir)}
    day = "2025-09-02"
    assert CliRunner().invoke(app, ["nightly", "--date", day, "--answers"], env=env).exit_code == 0
    assert CliRunner().invoke(app, ["recommend", "--athlete", "2", "--date", "2025-09-01"],
                              env=env).exit_code == 0  # fmt: skip
    # when a fresh process asks for the prepared day, and for a day not prepared
    probe = (
        "import sys\n"
        "from engine.cli import main\n"
        "sys.argv = ['cairn', 'recommend', '--athlete', '1', '--date', sys.argv[1], '--json']\n"
        "try:\n    main()\nexcept SystemExit:\n    pass\n"
        "print('LIGHTGBM', 'lightgbm' in sys.modules)\n"
    )
    served = subprocess.run([sys.executable, "-c", probe, day], env=env, capture_output=True,
                            text=True, check=True)  # fmt: skip
    computed = subprocess.run([sys.executable, "-c", probe, "2025-08-20"], env=env,
                              capture_output=True, text=True, check=True)  # fmt: skip
    # then the prepared one is answered without importing LightGBM, the other with the models
    assert "LIGHTGBM False" in served.stdout, served.stderr
    assert "LIGHTGBM True" in computed.stdout, computed.stderr
    assert '"date": "2025-09-02"' in served.stdout
