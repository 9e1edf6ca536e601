"""``cairn demo`` (the README's first command) end to end on a smaller cohort: simulate,
train, the nightly batch with answers, today's session; run twice."""

from __future__ import annotations

import datetime as dt
import importlib
import json

import pytest
from typer.testing import CliRunner

from engine.settings import Settings
from engine.store import database, prepared_answers

cli_app = importlib.import_module(
    "engine.cli.app"
)  # the module (``engine.cli.app`` is the Typer app)


@pytest.mark.slow
def test_demo_prepares_every_answer_and_serves_them(
    settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(cli_app, "DEMO_ATHLETES", 24)
    monkeypatch.setattr(cli_app, "DEMO_DAYS", 200)
    env = {"CAIRN_DATA_DIR": str(settings.data_dir), "COLUMNS": "80"}
    runner = CliRunner()
    first = runner.invoke(cli_app.app, ["demo"], env=env)
    assert first.exit_code == 0, first.output
    assert "Simulated 24 athletes" in first.output
    assert "24 answers" in first.output
    assert "Today's session for athlete 1" in first.output
    assert all(len(line) <= 80 for line in first.output.splitlines())
    today = dt.date.today()
    factory = database.make_session_factory(database.make_engine(settings.database_url))
    with database.open_session(factory) as session:
        assert prepared_answers.count_answers(session, day=today) == 24
        stored = prepared_answers.read_answer(session, athlete_id=5, day=today)
    assert stored is not None
    answer = runner.invoke(
        cli_app.app, ["recommend", "--athlete", "5", "--date", today.isoformat(), "--json"],
        env=env,
    )  # fmt: skip
    assert answer.exit_code == 0, answer.output
    assert json.loads(answer.output) == stored.answer
    # a second demo reuses the athletes, retrains and answers again
    second = runner.invoke(cli_app.app, ["demo"], env=env)
    assert second.exit_code == 0, second.output
    assert "Using the 24 athletes already" in second.output
    assert "Today's session for athlete 1" in second.output
