"""MLflow tracking and registry: the only module that imports ``mlflow``.

Every function takes the tracking store explicitly (``TrackingStore``); nothing here sets
global MLflow state at import time.
"""

from __future__ import annotations

import contextlib
import io
import logging
import warnings
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

_REGISTRY_NOTICES = ("Successfully registered model", "Registered model", "Created version")


def _relay_unexpected(printed: str) -> None:
    for line in printed.splitlines():
        if line.strip() and not line.startswith(_REGISTRY_NOTICES):
            logging.getLogger(__name__).warning("mlflow: %s", line)


@dataclass(frozen=True)
class TrackingStore:
    """Where runs and registered models live."""

    tracking_uri: str
    registry_uri: str
    artifact_root: Path


@dataclass(frozen=True)
class LoggedModel:
    """A logged run and, when registered, the model version it created."""

    run_id: str
    version: int | None


def _mlflow(store: TrackingStore):  # noqa: ANN202
    import mlflow

    mlflow.set_tracking_uri(store.tracking_uri)
    mlflow.set_registry_uri(store.registry_uri)
    return mlflow


def _client(store: TrackingStore):  # noqa: ANN202
    from mlflow import MlflowClient

    return MlflowClient(tracking_uri=store.tracking_uri, registry_uri=store.registry_uri)


def is_tracking_server(store: TrackingStore) -> bool:
    """True when runs go to an MLflow tracking server (``http(s)://``), not a local database."""
    return store.tracking_uri.startswith(("http://", "https://"))


def ensure_experiment(store: TrackingStore, *, name: str) -> str:
    """Return the experiment id, creating it if needed: with a local artifact folder on the
    embedded store; on a tracking server, in the server's own artifact store (proxied through
    the server, so every user and machine reads the same artifacts)."""
    client = _client(store)
    experiment = client.get_experiment_by_name(name)
    if experiment is not None:
        return experiment.experiment_id
    if is_tracking_server(store):
        return client.create_experiment(name)
    location = (store.artifact_root / name).resolve()
    location.mkdir(parents=True, exist_ok=True)
    return client.create_experiment(name, artifact_location=location.as_uri())


def log_model_run(
    store: TrackingStore,
    *,
    experiment: str,
    run_name: str,
    model: Any,
    params: Mapping[str, Any],
    metrics: Mapping[str, float],
    X_example: pd.DataFrame,  # noqa: N803
    train_frame: pd.DataFrame | None = None,
    registered_name: str | None = None,
    figures: Mapping[str, Any] | None = None,
    tags: Mapping[str, str] | None = None,
    trusted_types: list[str] | None = None,
) -> LoggedModel:
    """Log one training run (params, metrics, dataset, figures, model) and register the model."""
    mlflow = _mlflow(store)
    from mlflow.models import infer_signature

    experiment_id = ensure_experiment(store, name=experiment)
    with mlflow.start_run(experiment_id=experiment_id, run_name=run_name) as run:
        mlflow.log_params(dict(params))
        mlflow.log_metrics({k: float(v) for k, v in metrics.items() if np.isfinite(v)})
        mlflow.set_tags(dict(tags or {}))
        if train_frame is not None:
            with warnings.catch_warnings():  # integer id columns: MLflow's hint is noise here
                warnings.simplefilter("ignore", UserWarning)
                dataset = mlflow.data.from_pandas(train_frame, name=f"{experiment}-train")
                mlflow.log_input(dataset, context="training")
        for filename, figure in (figures or {}).items():
            mlflow.log_figure(figure, filename)
        example = X_example.head(5)
        signature = infer_signature(example, _predict_any(model, example))
        # MLflow prints registry notices ("Created version '2' ...") straight to stderr;
        # they are dropped, anything else it prints is logged as a warning.
        with contextlib.redirect_stderr(io.StringIO()) as printed:
            info = mlflow.sklearn.log_model(
                model,
                name="model",
                signature=signature,
                input_example=example,
                registered_model_name=registered_name,
                skops_trusted_types=trusted_types,
                pip_requirements=_pip_requirements(),
            )
        _relay_unexpected(printed.getvalue())
    version = info.registered_model_version
    return LoggedModel(run_id=run.info.run_id, version=int(version) if version else None)


def _pip_requirements() -> list[str]:
    """Pinned requirements, given explicitly: MLflow's inference runs a slow subprocess."""
    from importlib.metadata import version

    return [f"{p}=={version(p)}" for p in ("lightgbm", "scikit-learn", "pandas", "numpy")]


def _predict_any(model: Any, X: pd.DataFrame) -> np.ndarray:  # noqa: N803
    if hasattr(model, "predict_proba"):
        return model.predict_proba(X)[:, 1]
    return model.predict(X)


def set_alias(store: TrackingStore, *, name: str, alias: str, version: int) -> None:
    """Point ``name@alias`` at ``version``."""
    _client(store).set_registered_model_alias(name, alias, str(version))


def read_alias_version(store: TrackingStore, *, name: str, alias: str) -> int | None:
    """The version ``name@alias`` points at, or None when unset or unknown."""
    from mlflow.exceptions import MlflowException

    try:
        return int(_client(store).get_model_version_by_alias(name, alias).version)
    except MlflowException:
        return None


def load_model(
    store: TrackingStore, *, name: str, alias: str | None = None, version: int | None = None
) -> Any:
    """Load ``models:/name@alias`` (or a fixed version) as a scikit-learn object."""
    mlflow = _mlflow(store)
    uri = f"models:/{name}@{alias}" if alias else f"models:/{name}/{version}"
    return mlflow.sklearn.load_model(uri)


def list_model_versions(store: TrackingStore, *, name: str) -> list[dict[str, Any]]:
    """All versions of a registered model with their aliases, run ids and run metrics."""
    client = _client(store)
    rows = []
    for found in client.search_model_versions(f"name = '{name}'"):
        mv = client.get_model_version(name, found.version)  # search omits aliases
        metrics = client.get_run(mv.run_id).data.metrics if mv.run_id else {}
        rows.append(
            {
                "name": name,
                "version": int(mv.version),
                "aliases": sorted(mv.aliases),
                "run_id": mv.run_id,
                "created": mv.creation_timestamp,
                "metrics": dict(metrics),
            }
        )
    return sorted(rows, key=lambda r: r["version"])


def read_run_params(store: TrackingStore, *, run_id: str) -> dict[str, str]:
    """The parameters logged in a run (raises ``ValueError`` for an unknown run)."""
    from mlflow.exceptions import MlflowException

    try:
        return dict(_client(store).get_run(run_id).data.params)
    except MlflowException as err:
        raise ValueError(f"no MLflow run {run_id!r} in {store.tracking_uri}") from err


def set_run_tag(store: TrackingStore, *, run_id: str, key: str, value: str) -> None:
    """Set a tag on a run (e.g. the model version a search produced)."""
    _client(store).set_tag(run_id, key, value)


def read_run_metrics(store: TrackingStore, *, run_id: str) -> dict[str, float]:
    """The metrics logged in a run."""
    return dict(_client(store).get_run(run_id).data.metrics)


def log_table_run(
    store: TrackingStore,
    *,
    experiment: str,
    run_name: str,
    params: Mapping[str, Any],
    metrics: Mapping[str, float],
    table: Mapping[str, Any] | None = None,
) -> str:
    """Log a run without a model (evaluations): params, metrics and a JSON table artifact."""
    mlflow = _mlflow(store)
    experiment_id = ensure_experiment(store, name=experiment)
    with mlflow.start_run(experiment_id=experiment_id, run_name=run_name) as run:
        mlflow.log_params(dict(params))
        mlflow.log_metrics({k: float(v) for k, v in metrics.items() if np.isfinite(v)})
        if table is not None:
            mlflow.log_dict(dict(table), "results.json")
    return run.info.run_id


def delete_alias(store: TrackingStore, *, name: str, alias: str) -> None:
    """Remove ``name@alias`` (no error when it is not set)."""
    from mlflow.exceptions import MlflowException

    try:
        _client(store).delete_registered_model_alias(name, alias)
    except MlflowException:
        return


def read_model_tags(store: TrackingStore, *, name: str) -> dict[str, str]:
    """The tags of a registered model ({} when the model does not exist)."""
    from mlflow.exceptions import MlflowException

    try:
        return dict(_client(store).get_registered_model(name).tags)
    except MlflowException:
        return {}


def set_model_tag(store: TrackingStore, *, name: str, key: str, value: str) -> None:
    """Set a tag on a registered model."""
    _client(store).set_registered_model_tag(name, key, value)


def set_version_tag(store: TrackingStore, *, name: str, version: int, key: str, value: str) -> None:
    """Set a tag on one model version."""
    _client(store).set_model_version_tag(name, str(version), key, value)


def read_version_tags(store: TrackingStore, *, name: str, version: int) -> dict[str, str]:
    """The tags of one model version ({} when it does not exist)."""
    from mlflow.exceptions import MlflowException

    try:
        return dict(_client(store).get_model_version(name, str(version)).tags)
    except MlflowException:
        return {}


def start_parent_run(
    store: TrackingStore,
    *,
    experiment: str,
    run_name: str,
    params: Mapping[str, Any] | None = None,
    tags: Mapping[str, str] | None = None,
) -> str:
    """Create a run that nested runs will point to; returns its id (end it with ``end_run``)."""
    client = _client(store)
    experiment_id = ensure_experiment(store, name=experiment)
    run = client.create_run(experiment_id, run_name=run_name, tags=dict(tags or {}))
    _log_batch(store, run.info.run_id, params=params or {}, metrics={})
    return run.info.run_id


def log_nested_run(
    store: TrackingStore,
    *,
    parent_run_id: str,
    run_name: str,
    params: Mapping[str, Any],
    metrics: Mapping[str, float],
) -> str:
    """Log one finished child run (e.g. a hyperparameter trial) under ``parent_run_id``."""
    client = _client(store)
    parent = client.get_run(parent_run_id)
    run = client.create_run(
        parent.info.experiment_id,
        run_name=run_name,
        tags={"mlflow.parentRunId": parent_run_id},
    )
    _log_batch(store, run.info.run_id, params=params, metrics=metrics)
    client.set_terminated(run.info.run_id)
    return run.info.run_id


def end_run(
    store: TrackingStore,
    *,
    run_id: str,
    metrics: Mapping[str, float] | None = None,
    params: Mapping[str, Any] | None = None,
    table: Mapping[str, Any] | None = None,
    status: str = "FINISHED",
) -> None:
    """Log final metrics/params (and a ``results.json`` table) and close a run."""
    client = _client(store)
    _log_batch(store, run_id, params=params or {}, metrics=metrics or {})
    if table is not None:
        client.log_dict(run_id, dict(table), "results.json")
    client.set_terminated(run_id, status=status)


def _log_batch(
    store: TrackingStore, run_id: str, *, params: Mapping[str, Any], metrics: Mapping[str, float]
) -> None:
    from mlflow.entities import Metric, Param

    now = int(pd.Timestamp.now(tz="UTC").timestamp() * 1000)
    _client(store).log_batch(
        run_id,
        metrics=[Metric(k, float(v), now, 0) for k, v in metrics.items() if np.isfinite(v)],
        params=[Param(k, str(v)) for k, v in params.items()],
    )


def log_figures(store: TrackingStore, *, run_id: str, figures: Mapping[str, Any]) -> None:
    """Log matplotlib figures as image artifacts of a run."""
    client = _client(store)
    for filename, figure in figures.items():
        client.log_figure(run_id, figure, filename)
