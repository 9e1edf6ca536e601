"""A tiny closed loop: the table's shape, and its numbers come from the simulator."""

from __future__ import annotations

import datetime as dt
import json
import math
from pathlib import Path

import pandas as pd
import pytest
from typer.testing import CliRunner

from engine.coach.scoring import ModelSet
from engine.evaluation.closed_loop import (
    DEFAULT_START,
    POLICIES,
    WARMUP_WEEKS,
    ClosedLoopReport,
    PolicyOutcome,
    goal_check,
    run_closed_loop,
    train_simulated_models,
)
from pipelines.simulator.cohort import CohortSimulator, TemplatePolicy

N_ATHLETES, WEEKS, SEED = 4, 1, 11
FIELDS = {
    "fitness_gain",
    "performance_gain",
    "injuries",
    "training_hours",
    "injuries_per_1000h",
    "sessions",
    "sessions_per_week",
    "weekly_load_au",
    "injured_days",
    "seconds",
}


@pytest.fixture(scope="module")
def models() -> ModelSet:
    return train_simulated_models(n_athletes=30, n_days=150, seed=5, start=dt.date(2024, 1, 1))


@pytest.fixture(scope="module")
def report(models: ModelSet) -> ClosedLoopReport:
    return run_closed_loop(n_athletes=N_ATHLETES, weeks=WEEKS, seed=SEED, models=models)


def test_closed_loop_table_has_three_policies_with_every_number(report: ClosedLoopReport) -> None:
    body = report.to_dict()
    assert set(body["policies"]) == set(POLICIES)
    for outcome in body["policies"].values():
        assert set(outcome) == FIELDS
        assert outcome["sessions"] > 0 and outcome["training_hours"] > 0
        assert math.isfinite(outcome["fitness_gain"]) and 0 <= outcome["injured_days"] <= 1
    assert body["setup"]["athletes"] == N_ATHLETES and body["setup"]["weeks"] == WEEKS
    json.dumps(body)  # JSON-ready


def test_template_numbers_come_from_the_simulator(report: ClosedLoopReport) -> None:
    # given the same cohort simulated directly on the template for warm-up + coached weeks
    sim = CohortSimulator(n_athletes=N_ATHLETES, seed=SEED, start=DEFAULT_START, with_sets=False)
    policy = TemplatePolicy(sim.athletes, start=DEFAULT_START, seed=SEED)
    for _ in range(7 * WARMUP_WEEKS):
        sim.step_batch(policy.plan_batch(sim.today))
    first, switch = sim.hidden_state(), pd.Timestamp(sim.today)
    for _ in range(7 * WEEKS):
        sim.step_batch(policy.plan_batch(sim.today))
    history = sim.history()
    sessions = history.sessions[history.sessions["date"] >= switch]
    # then the template row is exactly the truth of that run
    template = report.policies["template"]
    gain = float((sim.hidden_state()["fitness"] - first["fitness"]).mean())
    assert template.fitness_gain == pytest.approx(gain)
    assert template.sessions == len(sessions)
    assert template.training_hours == pytest.approx(sessions["duration_min"].sum() / 60)
    onsets = (history.injuries["start_date"] >= switch).sum()
    assert template.injuries == onsets
    # and the paired difference is Cairn minus the template on the same athletes
    cairn = report.policies["cairn"]
    diff = report.cairn_vs_template["fitness_gain_difference"]
    assert diff == pytest.approx(cairn.fitness_gain - template.fitness_gain, abs=1e-3)


@pytest.mark.slow
def test_cli_evaluate_closed_loop_prints_the_json_table(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, mlflow_template: Path
) -> None:
    import shutil

    from engine.cli import app

    data_dir = tmp_path / "data"
    data_dir.mkdir()
    shutil.copy(mlflow_template, data_dir / "mlflow.db")
    monkeypatch.setenv("CAIRN_DATA_DIR", str(data_dir))
    monkeypatch.delenv("CAIRN_DATABASE_URL", raising=False)
    result = CliRunner().invoke(
        app, ["evaluate", "--closed-loop", "--athletes", "3", "--weeks", "1", "--json"]
    )
    assert result.exit_code == 0, result.output
    body = json.loads(result.stdout)
    assert set(body["policies"]) == {"cairn", "template", "acwr_rule"}
    for outcome in body["policies"].values():
        assert {"fitness_gain", "injuries_per_1000h", "sessions"} <= set(outcome)


def _outcome(fitness_gain: float, injuries_per_1000h: float) -> PolicyOutcome:
    return PolicyOutcome(fitness_gain, 0.0, 1, 100.0, injuries_per_1000h, 10, 3.0, 1000.0, 0.0, 1.0)


@pytest.mark.parametrize(
    ("cairn", "template", "bar", "fitness_met", "injuries_met"),
    [
        ((11.5, 5.0), (10.0, 6.0), 11.5, True, True),  # gains: 1.15x exactly
        ((11.4, 5.0), (10.0, 6.0), 11.5, False, True),
        ((-4.2, 5.0), (-5.0, 6.0), -4.25, True, True),  # losses: 15% less loss
        ((-4.3, 5.0), (-5.0, 6.0), -4.25, False, True),
        ((20.0, 6.1), (10.0, 6.0), 11.5, True, False),  # more injuries per 1,000 h
    ],
)
def test_goal_is_fifteen_percent_more_gain_at_no_more_injuries(
    cairn: tuple[float, float],
    template: tuple[float, float],
    bar: float,
    fitness_met: bool,
    injuries_met: bool,
) -> None:
    got = goal_check(_outcome(*cairn), _outcome(*template))
    assert got["fitness_gain_bar"] == pytest.approx(bar)
    assert got["fitness_met"] is fitness_met and got["injuries_met"] is injuries_met
    assert got["met"] is (fitness_met and injuries_met)


def test_report_json_carries_the_goal(report: ClosedLoopReport) -> None:
    body = report.to_dict()
    expected = goal_check(report.policies["cairn"], report.policies["template"])
    assert body["goal"]["met"] is expected["met"]
    assert body["goal"]["fitness_gain_bar"] == pytest.approx(expected["fitness_gain_bar"], abs=1e-4)
