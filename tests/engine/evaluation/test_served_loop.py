"""The closed loop's Cairn arm chooses exactly what the API answers for the same morning."""

from __future__ import annotations

import datetime as dt

import pandas as pd
from fastapi.testclient import TestClient
from pydantic import SecretStr

from api.main import create_app
from engine.evaluation.policies import CairnPolicy
from engine.services.serving import load_champions
from engine.settings import Settings
from engine.store import credentials, database, jobs, logbook
from engine.store.tables import User
from pipelines.simulator.cohort import CohortSimulator, TemplatePolicy

SEED, N_ATHLETES, WARMUP_DAYS = 17, 3, 21
START = dt.date(2025, 6, 2)  # a Monday
SECRET = "closed-loop-test-signing-secret-0123456789"


def _admin_headers(settings: Settings) -> dict[str, str]:
    engine = database.make_engine(settings.database_url)
    try:
        with database.open_session(database.make_session_factory(engine)) as session:
            user = User(
                username="loop-admin",
                password_hash=credentials.hash_password("loop-admin-password"),
                role="admin",
                is_active=True,
            )
            session.add(user)
            session.flush()
            user_id = user.id
    finally:
        engine.dispose()
    token = credentials.create_access_token(
        user_id=user_id, secret=SECRET, ttl_min=30, now=jobs.utcnow()
    )
    return {"Authorization": f"Bearer {token}"}


def test_closed_loop_choice_equals_the_api_answer(trained_settings: Settings) -> None:
    # given the served settings and champions, and a small simulated cohort warmed up on the
    # template whose Cairn arm keeps its store in the API's own database
    settings = trained_settings.model_copy(update={"secret_key": SecretStr(SECRET)})
    models = load_champions(settings)
    sim = CohortSimulator(n_athletes=N_ATHLETES, seed=SEED, start=START, with_sets=False)
    template = TemplatePolicy(sim.athletes, start=START, seed=SEED)
    for _ in range(WARMUP_DAYS):
        sim.step_batch(template.plan_batch(sim.today))
    policy = CairnPolicy(
        sim.history(),
        models=models,
        settings=settings,
        seed=SEED,
        database_url=settings.database_url,
    )
    try:
        policy.record(sim.step(policy(sim.observe())))  # one coached day already logged
        # when the closed loop coaches the next morning
        observation = sim.observe()
        plan = policy(observation).set_index("athlete_id")
        today = pd.Timestamp(observation.date).date()
        # then the API answers each athlete exactly what the loop chose for them
        with TestClient(create_app(settings)) as client:
            headers = _admin_headers(settings)
            for athlete in policy.athletes:
                store_id = policy.store.store_id[athlete]
                response = client.get(
                    f"/athletes/{store_id}/recommendation",
                    params={"date": today.isoformat()},
                    headers=headers,
                )
                assert response.status_code == 200, response.text
                served = response.json()["session"]
                chosen = policy.answers[athlete].session
                assert (served["type"], served["intensity"], served["duration_min"]) == (
                    chosen["type"],
                    chosen["intensity"],
                    chosen["duration_min"],
                )
                if served["kind"] == "rest":
                    assert athlete not in plan.index
                else:  # and that is what the simulator was asked to do
                    row = plan.loc[athlete]
                    assert (row["type"], row["duration_min"], row["rpe"]) == (
                        served["type"],
                        served["duration_min"],
                        served["target_rpe"],
                    )
        # the store ids are not the simulator's (the API's database holds other athletes)
        with policy.store.session() as session:
            names = logbook.read_athletes_frame(session).set_index("athlete_id")
        assert set(policy.store.store_id.values()) <= set(names.index)
        assert list(policy.store.store_id) != list(policy.store.store_id.values())
        assert len(plan) > 0  # somebody trains this morning
    finally:
        policy.close()
