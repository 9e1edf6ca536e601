"""Races in a tiny closed loop: race-day form per policy, and Cairn races on its race day."""

from __future__ import annotations

import datetime as dt
import math

import numpy as np
import pandas as pd
import pytest

from engine.coach.scoring import ModelSet
from engine.evaluation.closed_loop import (
    DEFAULT_START,
    POLICIES,
    RACE_COLUMN,
    TABLE_COLUMNS,
    ClosedLoopReport,
    format_rows,
    run_closed_loop,
    train_simulated_models,
)
from engine.evaluation.policies import CairnPolicy
from engine.evaluation.race_day import RaceDayArm, race_day_forms
from engine.settings import Settings
from pipelines.simulator.cohort import CohortSimulator, TemplatePolicy
from pipelines.simulator.races import draw_races, race_day_plans

N_ATHLETES, WEEKS, WARMUP, SEED = 3, 2, 4, 3


@pytest.fixture(scope="module")
def models() -> ModelSet:
    return train_simulated_models(n_athletes=30, n_days=150, seed=5, start=dt.date(2024, 1, 1))


@pytest.fixture(scope="module")
def report(models: ModelSet) -> ClosedLoopReport:
    return run_closed_loop(
        n_athletes=N_ATHLETES,
        weeks=WEEKS,
        seed=SEED,
        models=models,
        warmup_weeks=WARMUP,
        races=True,
    )


def test_races_are_seeded_a_races_in_the_last_third_of_the_window() -> None:
    start = pd.Timestamp("2025-03-03")
    races = draw_races(50, seed=1, start=start, days=56)
    assert races.equals(draw_races(50, seed=1, start=start, days=56))
    assert not races.equals(draw_races(50, seed=2, start=start, days=56))
    offset = (races["date"] - start).dt.days
    assert offset.min() >= 38 and offset.max() <= 54
    assert races["distance_km"].between(20, 60).all() and (races["priority"] == "A").all()
    assert (races["climb_m"] / races["distance_km"]).between(19, 61).all()


@pytest.mark.slow  # trains models and runs the three arms for a few weeks
def test_race_day_form_is_reported_per_policy(report: ClosedLoopReport) -> None:
    body = report.to_dict()
    forms = {name: body["policies"][name]["race_day_form"] for name in POLICIES}
    assert all(math.isfinite(v) for v in forms.values())
    paired = body["cairn_vs_template_race_day_form"]
    assert paired["athletes"] == N_ATHLETES
    # paired over the same athletes: the mean difference is the difference of the means
    assert paired["difference"] == pytest.approx(forms["cairn"] - forms["template"], abs=1e-3)
    assert paired["difference_ci95_low"] <= paired["difference"] <= paired["difference_ci95_high"]
    assert body["setup"]["races"] == N_ATHLETES
    columns = (*TABLE_COLUMNS, RACE_COLUMN)
    for row in format_rows(report):
        assert len(row) == len(columns)
        assert float(row[-1]) == pytest.approx(forms[row[0]], abs=0.06)


def test_every_arm_races_on_race_day() -> None:
    races = draw_races(2, seed=0, start=pd.Timestamp("2025-01-06"), days=21)
    day = races["date"].iloc[0]
    plans = pd.DataFrame(
        {"athlete_id": [1, 2], "kind": ["rest", "run"], "type": [None, "easy_trail"]}
    )
    out = race_day_plans(plans, races, day).set_index("athlete_id")
    assert out.loc[1, "type"] == "long_trail" and out.loc[1, "rpe"] == 8.5
    assert out.loc[1, "distance_km"] == races["distance_km"].iloc[0]
    assert race_day_plans(plans, races, day - pd.Timedelta(days=30)) is plans


@pytest.mark.slow  # trains models and coaches day by day through the served path
def test_cairn_plans_the_race_on_race_day_and_no_hard_session_before(models: ModelSet) -> None:
    sim = CohortSimulator(n_athletes=N_ATHLETES, seed=SEED, start=DEFAULT_START, with_sets=False)
    template = TemplatePolicy(sim.athletes, start=DEFAULT_START, seed=SEED)
    for _ in range(7 * WARMUP):
        sim.step_batch(template.plan_batch(sim.today))
    races = draw_races(N_ATHLETES, seed=SEED, start=sim.today, days=7 * WEEKS)
    cairn = CairnPolicy(sim.history(), models=models, settings=Settings(), seed=SEED, races=races)
    arm = RaceDayArm(cairn, races)
    answers: dict[pd.Timestamp, dict] = {}
    status: dict[pd.Timestamp, pd.DataFrame] = {}
    try:
        while sim.today <= races["date"].max():
            obs = sim.observe()
            arm.record(sim.step(arm(obs)))
            answers[obs.date] = {a: r.session for a, r in cairn.answers.items()}
            status[obs.date] = obs.status.set_index("athlete_id")
    finally:
        cairn.close()
    raced = 0
    for race in races.itertuples():
        for back in (1, 2, 3):
            session = answers[race.date - pd.Timedelta(days=back)][race.athlete_id]
            assert session["intensity"] != "hard", (race.athlete_id, back, session)
        morning = status[race.date].loc[race.athlete_id]
        if not (morning["injured"] or morning["ill"]):
            assert answers[race.date][race.athlete_id]["type"] == "race"
            raced += 1
    assert raced >= 1
    forms = race_day_forms(sim.history(), races)
    assert len(forms) == N_ATHLETES and np.isfinite(forms).all()
