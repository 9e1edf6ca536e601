"""The custom estimators follow the scikit-learn contract, and the pipelines serialise safely."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from sklearn.linear_model import Ridge
from sklearn.utils.estimator_checks import parametrize_with_checks

from models.estimators import (
    ColumnChecker,
    ResidualRegressor,
    calibrate_classifier,
    fast_scorer,
    lightgbm_models,
    make_injury_model,
    make_readiness_model,
    set_single_thread,
)


@parametrize_with_checks([ColumnChecker(), ResidualRegressor(Ridge()), ResidualRegressor()])
def test_sklearn_contract(estimator, check) -> None:  # noqa: ANN001
    check(estimator)


def test_column_checker_selects_named_columns_in_order() -> None:
    frame = pd.DataFrame({"b": [1.0, 2.0], "a": [3.0, 4.0], "extra": ["x", "y"]})
    checker = ColumnChecker(("a", "b")).fit(frame)
    np.testing.assert_array_equal(checker.transform(frame), [[3.0, 1.0], [4.0, 2.0]])
    np.testing.assert_array_equal(checker.transform(np.array([[3.0, 1.0]])), [[3.0, 1.0]])
    assert list(checker.get_feature_names_out()) == ["a", "b"]
    with pytest.raises(ValueError, match="missing columns: a"):
        checker.transform(frame.drop(columns="a"))


def test_column_checker_rejects_empty_columns() -> None:
    with pytest.raises(ValueError, match="non-empty"):
        ColumnChecker(()).fit(np.zeros((3, 2)))


def test_residual_regressor_adds_the_baseline() -> None:
    rng = np.random.default_rng(0)
    X = rng.normal(size=(200, 2))
    y = 3.0 * X[:, 0] + 0.5 * X[:, 1]
    model = ResidualRegressor(Ridge(alpha=1e-6), baseline_index=0).fit(X, y)
    np.testing.assert_allclose(model.estimator_.coef_, [2.0, 0.5], atol=1e-4)
    np.testing.assert_allclose(model.predict(X), y, atol=1e-4)


def _frame(n: int = 400) -> tuple[pd.DataFrame, np.ndarray]:
    rng = np.random.default_rng(1)
    X = pd.DataFrame(
        {"load_total": rng.uniform(0, 600, n), "readiness_ewm": rng.uniform(40, 80, n)}
    )
    y = X["readiness_ewm"] - 0.02 * X["load_total"] + rng.normal(0, 1, n)
    return X, y.to_numpy()


def test_set_single_thread_reaches_every_lightgbm() -> None:
    X, y = _frame()
    readiness = make_readiness_model(list(X.columns), params={"n_jobs": 2, "n_estimators": 5})
    readiness.fit(X, y)
    injury = make_injury_model(list(X.columns), params={"n_jobs": 2, "n_estimators": 5})
    injury.fit(X, (y < 40).astype(int))
    calibrated = calibrate_classifier(injury, X, (y < 40).astype(int), method="sigmoid")
    for model in (readiness, calibrated):
        assert list(lightgbm_models(model))
        assert all(m.get_params()["n_jobs"] == 1 for m in lightgbm_models(set_single_thread(model)))


def test_fast_scorer_matches_the_pipelines() -> None:
    X, y = _frame(600)
    X["noise"] = np.random.default_rng(3).normal(size=len(X))
    X.loc[::7, "readiness_ewm"] = np.nan
    columns = list(X.columns)
    label = (y < np.quantile(y, 0.2)).astype(int)
    readiness = make_readiness_model(columns, params={"n_estimators": 30}).fit(X, y)
    plain = make_readiness_model(columns, params={"n_estimators": 30}, baseline=None).fit(X, y)
    raw = make_injury_model(columns, params={"n_estimators": 30}).fit(X[:400], label[:400])
    for method in ("isotonic", "sigmoid"):
        injury = calibrate_classifier(raw, X[400:], label[400:], method=method)
        np.testing.assert_allclose(
            fast_scorer(injury)(X.to_numpy()), injury.predict_proba(X)[:, 1], rtol=1e-12
        )
    for model in (readiness, plain):
        np.testing.assert_allclose(fast_scorer(model)(X.to_numpy()), model.predict(X), rtol=1e-12)
    with pytest.raises(ValueError, match="3 feature columns"):
        fast_scorer(readiness)(X.to_numpy()[:, :2])
