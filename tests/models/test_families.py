"""Candidate families, the labelled split, the paired bootstrap and injury-risk direction."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd
import pytest

from engine.services.training import fit_targets, prepare_frame
from models.baselines import RecencyClassifier, SignConstrained
from models.evaluate import split_by_time
from models.families import INJURY_FAMILIES, READINESS_FAMILIES, fit_family, paired_bootstrap
from models.selection import INJURY, READINESS, target_rows
from pipelines.candidates import apply_candidate_sessions
from pipelines.features import FEATURE_COLUMNS, build_daily_features
from pipelines.simulator.cohort import simulate_cohort

END = dt.date(2025, 6, 1)


@pytest.fixture(scope="module")
def cohort():  # noqa: ANN201
    return simulate_cohort(n_athletes=12, n_days=200, seed=5, start=END - dt.timedelta(days=200))


def _table(cohort, *, extra_sessions: pd.DataFrame | None = None) -> pd.DataFrame:  # noqa: ANN001
    sessions = cohort.sessions
    if extra_sessions is not None:
        sessions = pd.concat([sessions, extra_sessions], ignore_index=True)
    table = build_daily_features(
        sessions, cohort.wellness, cohort.injuries, athletes=cohort.athletes, sets=cohort.sets
    )
    return prepare_frame(table)[0]


@pytest.fixture(scope="module")
def table(cohort) -> pd.DataFrame:  # noqa: ANN001
    return _table(cohort)


def test_split_survives_an_archive_reaching_back_years(cohort) -> None:  # noqa: ANN001
    # Given one athlete with a run in 2012 on top of a 200-day cohort
    old = cohort.sessions[cohort.sessions["athlete_id"] == cohort.sessions["athlete_id"].min()]
    old = old.head(1).assign(date=pd.Timestamp("2012-05-01"), external_id="fit-2012")
    frame = _table(cohort, extra_sessions=old)
    # When the split is placed on labelled rows
    split = split_by_time(frame, labelled=target_rows(READINESS, frame), athlete_fraction=0.2)
    labelled = target_rows(READINESS, frame)
    # Then about 80% of the labelled rows stay before the cut-off, and training works
    assert (split.train & labelled).sum() > 0.6 * labelled.sum()
    assert split.cutoff > pd.Timestamp(END) - pd.Timedelta(days=80)
    cutoff, fits, skipped = fit_targets(frame, random_state=0, families={"readiness": "ewma"})
    assert "readiness" in fits and "readiness" not in skipped


def test_injury_without_onsets_is_skipped_with_a_reason(table: pd.DataFrame) -> None:
    quiet = table.assign(injury_7d=0.0, injured=0.0)
    _, fits, skipped = fit_targets(quiet, random_state=0, families={"readiness": "ewma"})
    assert "readiness" in fits
    assert "injury onsets" in skipped["injury"] and "\n" not in skipped["injury"]


@pytest.mark.parametrize("family", READINESS_FAMILIES)
def test_readiness_families_fit_and_predict_on_arrays(table: pd.DataFrame, family: str) -> None:
    rows = table[target_rows(READINESS, table)]
    model = fit_family(READINESS, family, rows, columns=FEATURE_COLUMNS, params={"n_estimators": 5})
    # served models get a float array in FEATURE_COLUMNS order; same numbers as the frame
    array = rows[list(FEATURE_COLUMNS)].to_numpy(float)[:20]
    assert np.allclose(model.predict(array), model.predict(rows.head(20)))


@pytest.mark.parametrize("family", INJURY_FAMILIES)
def test_injury_families_give_probabilities(table: pd.DataFrame, family: str) -> None:
    rows = table[target_rows(INJURY, table)]
    model = fit_family(INJURY, family, rows, columns=FEATURE_COLUMNS, params={"n_estimators": 20})
    proba = model.predict_proba(rows[list(FEATURE_COLUMNS)].to_numpy(float)[:50])[:, 1]
    assert ((proba >= 0) & (proba <= 1)).all()


def test_paired_bootstrap_by_athlete_sees_a_clear_win() -> None:
    rng = np.random.default_rng(0)
    y = rng.normal(60, 10, 400)
    groups = np.repeat(np.arange(20), 20)
    good, bad = y + rng.normal(0, 2, 400), y + rng.normal(0, 8, 400)
    low, high = paired_bootstrap(READINESS, y, good, bad, groups=groups)
    assert low < high < 0  # MAE difference: the good forecast is clearly better
    assert paired_bootstrap(READINESS, y, good, good, groups=groups) == (0.0, 0.0)


def test_sign_constrained_drops_wrong_signed_columns() -> None:
    from sklearn.linear_model import Ridge

    rng = np.random.default_rng(1)
    X = rng.normal(size=(300, 2))  # noqa: N806
    y = 2 * X[:, 0] + 3 * X[:, 1]
    model = SignConstrained(Ridge(alpha=0.1), directions=(1, -1)).fit(X, y)
    # column 1 rises y, but it must not: it is dropped and the model stays non-increasing in it
    assert model.active_.tolist() == [True, False]
    assert np.allclose(model.predict(X + [0, 5]), model.predict(X))


def test_recency_risk_falls_as_the_last_injury_recedes() -> None:
    days = np.array([1, 3, 10, 30, 100, 300, 365.0] * 40)
    y = (days < 20).astype(int) * (np.arange(len(days)) % 3 == 0)
    X = pd.DataFrame({"days_since_injury": days, "pain": 0.0})  # noqa: N806
    model = RecencyClassifier().fit(X, y)
    grid = pd.DataFrame({"days_since_injury": [1, 10, 100, 365.0], "pain": 0.0})
    assert np.all(np.diff(model.predict_proba(grid)[:, 1]) <= 0)
    pain = grid.assign(pain=1.0)
    assert (model.predict_proba(pain)[:, 1] >= model.predict_proba(grid)[:, 1]).all()


@pytest.mark.parametrize("family", ["lightgbm", "logistic"])
def test_injury_risk_rises_with_load_spike_pain_and_recent_injury(
    table: pd.DataFrame, family: str
) -> None:
    # Given a monotone injury model (calibrated LightGBM, sign-constrained logistic)
    rows = table[target_rows(INJURY, table)]
    model = fit_family(INJURY, family, rows, columns=FEATURE_COLUMNS)
    sample = rows.sample(60, random_state=0)
    base = model.predict_proba(sample)[:, 1]
    # Then pain, a recent injury and a big acute spike never lower the risk
    with_pain = model.predict_proba(sample.assign(pain=1.0))[:, 1]
    recent = model.predict_proba(sample.assign(days_since_injury=3.0))[:, 1]
    assert (with_pain >= base - 1e-12).all() and (recent >= base - 1e-12).all()
    run = pd.DataFrame(
        [
            {
                "kind": "run",
                "type": "long_trail",
                "duration_min": 336.0,
                "rpe": 8.0,
                "distance_km": 50.0,
                "elevation_gain_m": 2000.0,
                "elevation_loss_m": 2000.0,
            }
        ]
    )
    rest = pd.DataFrame([{"kind": "rest", "type": "rest", "duration_min": 0.0, "rpe": np.nan}])
    for _, row in sample.head(20).iterrows():
        one = row.to_frame().T.infer_objects()
        spike = model.predict_proba(apply_candidate_sessions(one, run))[:, 1]
        calm = model.predict_proba(apply_candidate_sessions(one, rest))[:, 1]
        assert spike[0] >= calm[0] - 1e-12
