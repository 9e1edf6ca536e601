"""The closed loop's store holds what a coach sees of the simulated athletes, under store ids."""

from __future__ import annotations

import datetime as dt

import pandas as pd

from engine.evaluation.loop_store import LoopStore
from engine.store import logbook
from pipelines.simulator.cohort import CohortSimulator, TemplatePolicy
from pipelines.simulator.plans import Observation

START = dt.date(2025, 3, 3)


def _warm_cohort(n_athletes: int = 3, days: int = 14) -> CohortSimulator:
    sim = CohortSimulator(n_athletes=n_athletes, seed=4, start=START, with_sets=False)
    template = TemplatePolicy(sim.athletes, start=START, seed=4)
    for _ in range(days):
        sim.step_batch(template.plan_batch(sim.today))
    return sim


def _with_injured(obs: Observation, injured: set[int]) -> Observation:
    status = obs.status.assign(injured=obs.status["athlete_id"].isin(injured))
    return Observation(date=obs.date, wellness=obs.wellness, status=status)


def test_loop_store_writes_the_observations_under_store_ids() -> None:
    sim = _warm_cohort()
    warmup = sim.history()
    store = LoopStore(warmup, seed=4)
    try:
        # given a store already holding an athlete (ids no longer match the simulator's)
        assert sorted(store.store_id) == [1, 2, 3]
        assert sorted(store.store_id.values()) == [1, 2, 3]
        store2 = LoopStore(warmup, seed=5, database_url=store.database_url)
        assert sorted(store2.store_id.values()) == [4, 5, 6]
        # when athlete 2 reports an injury on the first coached morning, logs a check-in and
        # trains, and is fine again two mornings later
        first = sim.observe()
        store2.observe(_with_injured(first, {2}))
        done = sim.step(pd.DataFrame({"athlete_id": [1, 3], "kind": ["run", "run"]}))
        store2.record(done)
        second = sim.observe()
        store2.observe(_with_injured(second, {2}))
        sim.step(pd.DataFrame({"athlete_id": [1], "kind": ["rest"]}))
        store2.observe(_with_injured(sim.observe(), set()))
        # then the store holds, for athlete 2 (store id 5), one injury from the first morning
        # to the day before the third, and every athlete's logs under its own store id
        with store2.session() as session:
            sessions, wellness, injuries = logbook.read_log_frames(session, athlete_ids=[4, 5, 6])
        mine = injuries[injuries["athlete_id"] == 5]
        new = mine[mine["start_date"] == pd.Timestamp(first.date)]
        assert len(new) == 1
        assert new["end_date"].iloc[0] == pd.Timestamp(second.date)
        ids = {a: store2.store_id[a] for a in (1, 2, 3)}
        want = warmup.sessions.assign(athlete_id=warmup.sessions["athlete_id"].map(ids))
        want = pd.concat([want, done.assign(athlete_id=done["athlete_id"].map(ids))])
        assert sessions.groupby("athlete_id").size().to_dict() == (
            want.groupby("athlete_id").size().to_dict()
        )
        assert set(done["athlete_id"].map(ids)) <= set(sessions["athlete_id"])
        checked = wellness[wellness["date"] == pd.Timestamp(first.date)]
        assert sorted(checked["athlete_id"]) == sorted(first.wellness["athlete_id"].map(ids))
        store2.close()
    finally:
        store.close()
