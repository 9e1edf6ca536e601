"""Tests of the athlete simulator: determinism, contracts, physiology and the step API."""

from __future__ import annotations

from dataclasses import replace
from datetime import date

import numpy as np
import pandas as pd
import pytest

from pipelines.schemas import (
    ATHLETE_COLUMNS,
    INJURY_COLUMNS,
    SESSION_COLUMNS,
    SET_COLUMNS,
    WELLNESS_COLUMNS,
)
from pipelines.simulator.catalogue import KIND_OF_TYPE, KINDS, SESSION_TYPES
from pipelines.simulator.cohort import (
    HIDDEN_COLUMNS,
    CohortSimulator,
    SimulatedCohort,
    TemplatePolicy,
    sample_athlete_params,
    simulate_cohort,
)
from pipelines.simulator.params import AVAIL_COLUMNS

START = date(2025, 1, 6)  # a Monday
FRAMES = ("athletes", "sessions", "sets", "wellness", "injuries", "hidden", "params")


@pytest.fixture(scope="module")
def cohort() -> SimulatedCohort:
    """A default 50-athlete, one-year run with strength sets."""
    return simulate_cohort(n_athletes=50, n_days=365, seed=7, start=START)


def _athletes(n: int) -> np.ndarray:
    return np.arange(1, n + 1)


def _rest(n: int) -> pd.DataFrame:
    return pd.DataFrame({"athlete_id": _athletes(n), "kind": "rest"})


def _runs(n: int, *, session_type: str, minutes: float, rpe: float) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "athlete_id": _athletes(n),
            "kind": "run",
            "type": session_type,
            "duration_min": minutes,
            "rpe": rpe,
        }
    )


def _drive(sim: CohortSimulator, plans: list[pd.DataFrame]) -> CohortSimulator:
    for plan in plans:
        sim.step(plan)
    return sim


@pytest.fixture(scope="module")
def sturdy_params():
    """Five athletes with time, who always follow the plan and (almost) never get injured."""
    params = sample_athlete_params(5, random_state=3)
    return replace(
        params,
        adherence=np.ones(5),
        susceptibility=np.full(5, 1e-3),
        avail_min=np.full((5, 7), 240.0),
    )


def test_simulate_cohort_is_deterministic_for_a_seed():
    # given two runs with one seed and one with another
    first = simulate_cohort(n_athletes=8, n_days=60, seed=1, start=START)
    second = simulate_cohort(n_athletes=8, n_days=60, seed=1, start=START)
    other = simulate_cohort(n_athletes=8, n_days=60, seed=2, start=START)
    # then the same seed gives identical frames and another seed differs
    for name in FRAMES:
        pd.testing.assert_frame_equal(getattr(first, name), getattr(second, name))
    assert not first.wellness.equals(other.wellness)
    assert not first.hidden.equals(other.hidden)


def test_simulate_cohort_frames_conform_to_schemas(cohort):
    # given the contracts, then every athlete-facing frame has exactly their columns and dtypes
    contracts = {
        "sessions": SESSION_COLUMNS,
        "sets": SET_COLUMNS,
        "wellness": WELLNESS_COLUMNS,
        "injuries": INJURY_COLUMNS,
    }
    for name, columns in contracts.items():
        frame = getattr(cohort, name)
        assert list(frame.columns) == list(columns), name
        assert frame.dtypes.astype(str).to_dict() == columns, name
    assert list(cohort.athletes.columns) == [*ATHLETE_COLUMNS, *AVAIL_COLUMNS]
    assert cohort.athletes["athlete_id"].tolist() == list(range(1, 51))
    assert list(cohort.hidden.columns) == [*HIDDEN_COLUMNS, "load_au"]
    assert len(cohort.hidden) == 50 * 365


def test_simulate_cohort_keeps_hidden_state_out_of_athlete_frames(cohort):
    # given the hidden-only columns
    hidden_only = set(HIDDEN_COLUMNS) - {"athlete_id", "date", "fatigue", "sleep_h"}
    # then no athlete-facing frame carries any of them
    for name in ("athletes", "sessions", "sets", "wellness", "injuries"):
        assert not hidden_only & set(getattr(cohort, name).columns), name


def test_simulate_cohort_sessions_use_the_vocabulary_and_stable_ids(cohort):
    sessions = cohort.sessions
    # then kinds and types come from the catalogue and agree with each other
    kind_of = {name: KINDS[KIND_OF_TYPE[code]] for code, name in enumerate(SESSION_TYPES)}
    assert set(sessions["type"]) <= set(SESSION_TYPES)
    assert (sessions["type"].map(kind_of) == sessions["kind"]).all()
    assert (sessions["source"] == "simulator").all()
    assert sessions["external_id"].is_unique
    assert sessions["external_id"].str.fullmatch(r"sim-7-\d+-\d{8}-\d").all()
    # and every set belongs to a strength session
    strength = sessions.loc[sessions["kind"] == "strength", "external_id"]
    assert cohort.sets["session_external_id"].isin(strength).all()
    assert set(strength) == set(cohort.sets["session_external_id"])


def test_simulate_cohort_values_stay_in_range(cohort):
    sessions, wellness, sets = cohort.sessions, cohort.wellness, cohort.sets
    # then RPE is a 1-10 integer, durations are positive, runs carry distance and elevation
    assert sessions["rpe"].between(0, 10).all()
    assert (sessions["rpe"] == sessions["rpe"].round()).all()
    assert (sessions["duration_min"] > 0).all()
    runs = sessions[sessions["kind"] == "run"]
    assert (runs["distance_km"] > 0).all()
    assert (runs[["elevation_gain_m", "elevation_loss_m"]] >= 0).all().all()
    assert sessions.loc[sessions["kind"] != "run", "distance_km"].isna().all()
    assert runs["avg_hr"].dropna().between(60, 220).all()
    # and Likert items are integers 1..5, readiness 0..10, sleep 0..24 h
    for column in ("sleep_quality", "soreness", "fatigue", "mood", "stress"):
        assert set(wellness[column].unique()) <= {1.0, 2.0, 3.0, 4.0, 5.0}, column
    assert set(wellness["readiness"].unique()) <= set(np.arange(11.0))
    assert wellness["sleep_h"].between(0, 24).all()
    assert wellness["resting_hr"].dropna().between(25, 110).all()
    assert (wellness["hrv_rmssd"].dropna() > 0).all()
    assert sets["rpe"].between(1, 10).all() and (sets["reps"].dropna() >= 1).all()


def test_simulate_cohort_misses_about_a_fifth_of_checkins(cohort):
    # given at most one check-in per athlete-day
    wellness = cohort.wellness
    assert not wellness.duplicated(["athlete_id", "date"]).any()
    # then about 20% of athlete-days have no row
    missing = 1.0 - len(wellness) / len(cohort.hidden)
    assert 0.15 < missing < 0.25


def test_simulate_cohort_has_no_sessions_while_injured_or_ill(cohort):
    # given the hidden flags per athlete-day
    flags = cohort.hidden[["athlete_id", "date", "injured", "ill"]]
    merged = cohort.sessions.merge(flags, on=["athlete_id", "date"], how="left")
    # then no session falls on an injured or ill day
    assert not (merged["injured"] | merged["ill"]).any()
    # and none falls inside a reported injury (start_date..end_date, open ones to the end)
    last_day = cohort.hidden["date"].max()
    injuries = cohort.injuries.assign(end_date=cohort.injuries["end_date"].fillna(last_day))
    both = cohort.sessions.merge(injuries, on="athlete_id")
    inside = both["date"].between(both["start_date"], both["end_date"])
    assert not inside.any()
    # and illness shows in the check-in
    ill_days = cohort.wellness.merge(flags, on=["athlete_id", "date"])
    assert (ill_days["illness"] == ill_days["ill"]).all()


def test_simulate_cohort_injury_prevalence_is_plausible(cohort):
    # given injury onsets on the athlete-day grid
    grid = cohort.hidden[["athlete_id", "date"]].copy()
    onsets = cohort.injuries[["athlete_id", "start_date"]].assign(onset=True)
    grid = grid.merge(onsets.rename(columns={"start_date": "date"}), how="left")
    grid["onset"] = grid["onset"].fillna(False).astype(bool)
    # when labelling days with an onset within the next 7 days
    onset = grid.pivot(index="date", columns="athlete_id", values="onset").astype(float)
    upcoming = onset[::-1].rolling(7, min_periods=1).sum()[::-1].shift(-1) > 0
    prevalence = upcoming.iloc[:-7].to_numpy().mean()
    # then the rate sits in a wide, plausible band (target ~1-4 injuries/athlete-year)
    assert 0.005 < prevalence < 0.15
    per_athlete_year = len(cohort.injuries) / 50
    assert 0.5 < per_athlete_year < 6.0
    assert set(cohort.injuries["severity"]) <= {"minor", "moderate", "major"}


def test_simulate_cohort_readiness_tracks_hidden_freshness(cohort):
    # given check-ins joined to the hidden truth of the same morning
    joined = cohort.wellness.merge(
        cohort.hidden, on=["athlete_id", "date"], suffixes=("", "_hidden")
    )
    # then readiness rises with freshness, across and within athletes
    assert joined["readiness"].corr(joined["freshness"]) > 0.4
    centred = joined.groupby("athlete_id")[["readiness", "freshness"]].transform(
        lambda column: column - column.mean()
    )
    assert centred["readiness"].corr(centred["freshness"]) > 0.4
    # and the physiological markers move the documented way
    assert joined["hrv_rmssd"].corr(joined["freshness"]) > 0.1
    assert joined["fatigue"].corr(joined["freshness"]) < -0.3


def test_cohort_simulator_heavy_load_raises_fitness_and_fatigue(sturdy_params):
    # given identical athletes driven for 4 weeks with rest vs heavy daily runs
    def run(plan: pd.DataFrame) -> pd.DataFrame:
        sim = CohortSimulator(params=sturdy_params, seed=5, start=START)
        return _drive(sim, [plan] * 28).hidden_state()

    rest = run(_rest(5))
    heavy = run(_runs(5, session_type="long_trail", minutes=150.0, rpe=7.0))
    # then heavy load leaves more fitness and more fatigue, and less freshness
    for column in ("fitness_aerobic", "fitness_muscular", "fatigue_aerobic", "fatigue_muscular"):
        assert (heavy[column] > rest[column]).all(), column
    assert (heavy["freshness"] < rest["freshness"]).all()


def test_cohort_simulator_rest_decays_fatigue(sturdy_params):
    # given athletes who rest for 4 weeks
    sim = CohortSimulator(params=sturdy_params, seed=5, start=START)
    start = sim.hidden_state()
    hidden = _drive(sim, [_rest(5)] * 28).history().hidden
    # then fatigue falls every day and ends far below its start
    fatigue = hidden.pivot(index="date", columns="athlete_id", values="fatigue")
    assert (fatigue.diff().iloc[1:] < 0).all().all()
    assert (sim.hidden_state()["fatigue"] < 0.1 * start["fatigue"]).all()
    assert sim.history().sessions.empty


def test_cohort_simulator_load_spike_raises_injury_hazard(sturdy_params):
    # given steady moderate running vs the same with a heavy final week
    moderate = _runs(5, session_type="easy_trail", minutes=50.0, rpe=4.0)
    heavy = _runs(5, session_type="downhill", minutes=150.0, rpe=7.0)

    def last_week_hazard(plans: list[pd.DataFrame]) -> pd.Series:
        sim = _drive(CohortSimulator(params=sturdy_params, seed=5, start=START), plans)
        hidden = sim.history().hidden
        return (
            hidden[hidden["date"] >= hidden["date"].max() - pd.Timedelta(days=5)]
            .groupby("athlete_id")[["injury_hazard", "acwr"]]
            .mean()
        )

    steady = last_week_hazard([moderate] * 28)
    spiked = last_week_hazard([moderate] * 21 + [heavy] * 7)
    # then the spike raises the acute:chronic ratio and at least doubles the hazard
    assert (spiked["acwr"] > steady["acwr"]).all()
    assert spiked["acwr"].mean() > steady["acwr"].mean() + 0.3
    assert (spiked["injury_hazard"] > 2.0 * steady["injury_hazard"]).all()


def test_cohort_simulator_heavy_load_lowers_observed_readiness(sturdy_params):
    # given four weeks of rest vs heavy daily load, observed over the last two weeks
    def readiness(plan: pd.DataFrame) -> float:
        sim = _drive(CohortSimulator(params=sturdy_params, seed=5, start=START), [plan] * 28)
        wellness = sim.history().wellness
        return wellness.loc[wellness["date"] >= wellness["date"].max() - pd.Timedelta(days=13)][
            "readiness"
        ].mean()

    rested = readiness(_rest(5))
    loaded = readiness(_runs(5, session_type="long_trail", minutes=150.0, rpe=7.0))
    # then the loaded athletes report clearly lower readiness
    assert loaded < rested - 2.0


def test_cohort_simulator_step_matches_simulate_cohort():
    # given the template policy driven through the DataFrame step API
    sim = CohortSimulator(n_athletes=6, seed=3, start=START)
    policy = TemplatePolicy(sim.athletes, start=START, seed=3)
    daily = [sim.step(policy(sim.observe())) for _ in range(45)]
    # when the same run goes through the fast path
    fast = simulate_cohort(n_athletes=6, n_days=45, seed=3, start=START)
    # then both produce the same history, and step returned each day's sessions
    stepped = sim.history()
    for name in FRAMES:
        pd.testing.assert_frame_equal(getattr(stepped, name), getattr(fast, name))
    pd.testing.assert_frame_equal(pd.concat(daily, ignore_index=True), stepped.sessions)


def test_cohort_simulator_observe_reports_status_and_checkins():
    # given a simulator a few days in
    sim = CohortSimulator(n_athletes=30, seed=2, start=START)
    _drive(sim, [_rest(30)] * 3)
    observation = sim.observe()
    hidden = sim.hidden_state()
    # then the status lists every athlete with the hidden injured/ill flags of today
    status = observation.status
    assert status["athlete_id"].tolist() == list(range(1, 31))
    assert (status["date"] == pd.Timestamp(START) + pd.Timedelta(days=3)).all()
    assert (status["injured"].to_numpy() == hidden["injured"].to_numpy()).all()
    assert (status["ill"].to_numpy() == hidden["ill"].to_numpy()).all()
    # and the check-ins are today's, only for athletes who checked in
    checked = status.loc[status["checked_in"], "athlete_id"].tolist()
    assert observation.wellness["athlete_id"].tolist() == checked
    assert list(observation.wellness.columns) == list(WELLNESS_COLUMNS)


def test_cohort_simulator_step_fills_and_scales_run_details(sturdy_params):
    # given planned runs with explicit route details and ones without any
    sim = CohortSimulator(params=sturdy_params, seed=4, start=START)
    planned = pd.DataFrame(
        {
            "athlete_id": [1, 2, 3, 4, 5],
            "kind": ["run", "run", "strength", "mobility", "rest"],
            "type": ["easy_trail", None, None, None, None],
            "duration_min": [60.0, np.nan, 40.0, np.nan, np.nan],
            "distance_km": [10.0, np.nan, np.nan, np.nan, np.nan],
            "elevation_gain_m": [400.0, np.nan, np.nan, np.nan, np.nan],
            "elevation_loss_m": [300.0, np.nan, np.nan, np.nan, np.nan],
        }
    )
    # when the day is stepped
    done = sim.step(planned).set_index("athlete_id")
    # then details scale with the realised duration and defaults fill the gaps
    ratio = done.loc[1, "duration_min"] / 60.0
    assert done.loc[1, "distance_km"] == pytest.approx(10.0 * ratio, abs=0.01)
    assert done.loc[1, "elevation_loss_m"] == pytest.approx(300.0 * ratio, abs=1.0)
    assert done.loc[2, "type"] == "easy_trail" and done.loc[2, "distance_km"] > 0
    assert done.loc[3, "type"] == "strength_full" and np.isnan(done.loc[3, "distance_km"])
    assert done.loc[4, "type"] == "mobility"
    assert 5 not in done.index
    assert sim.history().sets["athlete_id"].eq(3).all()


@pytest.mark.parametrize(
    ("plan", "message"),
    [
        ({"athlete_id": [1], "kind": ["swim"]}, "unknown kind"),
        ({"athlete_id": [1], "kind": ["run"], "type": ["sprint"]}, "unknown type"),
        ({"athlete_id": [1], "kind": ["run"], "type": ["strength_full"]}, "of kind"),
        ({"athlete_id": [9], "kind": ["run"]}, "athlete_id 9"),
    ],
)
def test_cohort_simulator_step_rejects_bad_plans(plan, message):
    # given a small cohort, when a plan names an unknown kind, type or athlete
    sim = CohortSimulator(n_athletes=3, seed=1, start=START)
    # then step raises a ValueError that says what is wrong
    with pytest.raises(ValueError, match=message):
        sim.step(pd.DataFrame(plan))


def test_template_policy_keeps_strength_away_from_hard_runs():
    # given four weeks of template plans for a cohort
    sim = CohortSimulator(n_athletes=40, seed=9, start=START, with_sets=False)
    policy = TemplatePolicy(sim.athletes, start=START, seed=9)
    days = []
    for _ in range(28):
        plans = policy(sim.observe())
        days.append(plans.assign(date=sim.today))
        sim.step(plans)
    plans = pd.concat(days, ignore_index=True)
    # when marking hard-run and strength days per athlete
    by_day = plans.groupby(["athlete_id", "date"])["type"].agg(set).unstack("athlete_id")
    hard = by_day.map(lambda types: bool(types & {"tempo", "fartlek", "hills"}))
    strength = by_day.map(lambda types: any(str(t).startswith("strength") for t in types))
    # then no strength day touches a hard run, no two hard days are adjacent
    assert (
        not (strength & (hard.shift(1, fill_value=False) | hard.shift(-1, fill_value=False)))
        .any()
        .any()
    )
    assert not (hard & hard.shift(1, fill_value=False)).any().any()
    # and a week holds at most one hard run and two strength sessions
    week = (by_day.index - by_day.index[0]).days // 7
    assert hard.groupby(week).sum().max().max() <= 1
    assert strength.groupby(week).sum().max().max() <= 2


def test_simulate_cohort_without_sets_has_empty_sets_and_same_dynamics():
    # given the same run with and without strength sets
    with_sets = simulate_cohort(n_athletes=5, n_days=30, seed=4, start=START)
    without = simulate_cohort(n_athletes=5, n_days=30, seed=4, start=START, with_sets=False)
    # then sets are skipped but nothing else changes
    assert without.sets.empty and list(without.sets.columns) == list(SET_COLUMNS)
    assert not with_sets.sets.empty
    pd.testing.assert_frame_equal(with_sets.sessions, without.sessions)
    pd.testing.assert_frame_equal(with_sets.hidden, without.hidden)
