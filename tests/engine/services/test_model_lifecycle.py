"""Promotion, rollback and the registry CLI on a real MLflow store."""

from __future__ import annotations

import pytest
from typer.testing import CliRunner

from engine.cli import app
from engine.errors import ModelUnavailableError
from engine.services import model_registry
from engine.services.training import (
    load_feature_table,
    prepare_frame,
    register_fit,
    tracking_store,
)
from engine.settings import Settings
from engine.store import database
from models import tracking
from models.evaluate import split_by_time
from models.selection import READINESS, fit_target, target_rows
from pipelines.features import FEATURE_COLUMNS
from tests.model_helpers import register_copy_of_champion

NAME = "cairn-readiness"


def _alias(settings: Settings, alias: str) -> int | None:
    return tracking.read_alias_version(tracking_store(settings), name=NAME, alias=alias)


def test_worse_model_is_not_promoted(trained_settings: Settings) -> None:
    # Given champion v1, when a deliberately weak readiness model (the athlete's 28-day mean)
    engine = database.make_engine(trained_settings.database_url)
    with database.open_session(database.make_session_factory(engine)) as session:
        frame, _ = prepare_frame(load_feature_table(session))
    engine.dispose()
    split = split_by_time(
        frame,
        athlete_fraction=0.2,
        random_state=trained_settings.random_state,
        labelled=target_rows(READINESS, frame),
    )
    weak = fit_target(READINESS, frame, split, columns=FEATURE_COLUMNS, family="athlete_mean")
    weak.baselines = {}  # no baseline to fall back on: the weak family itself is registered
    outcome = register_fit(trained_settings, fit=weak, run_name="weak", extra_params={})
    # Then it becomes challenger v2 only; the champion stays v1 and the reason says why
    assert (outcome.version, outcome.promoted, outcome.champion_before) == (2, False, 1)
    assert outcome.served_version == 1 and outcome.family == "athlete_mean"
    assert "does not beat" in outcome.reason
    assert _alias(trained_settings, "champion") == 1
    assert _alias(trained_settings, "challenger") == 2


def test_rollback_restores_the_previous_champion(trained_settings: Settings) -> None:
    v2 = register_copy_of_champion(trained_settings, target="readiness")
    v3 = register_copy_of_champion(trained_settings, target="readiness")
    model_registry.promote(trained_settings, name=NAME, version=v2, reason="test")
    model_registry.promote(trained_settings, name=NAME, version=v3, reason="test")
    assert model_registry.read_history(trained_settings, name=NAME) == [1, v2, v3]
    assert _alias(trained_settings, "previous-champion") == v2

    change = model_registry.rollback(trained_settings, name=NAME)
    assert (change.before, change.after) == (v3, v2)
    assert _alias(trained_settings, "champion") == v2
    assert _alias(trained_settings, "previous-champion") == 1

    model_registry.rollback(trained_settings, name=NAME)
    assert _alias(trained_settings, "champion") == 1
    assert _alias(trained_settings, "previous-champion") is None
    with pytest.raises(ModelUnavailableError, match="no previous champion"):
        model_registry.rollback(trained_settings, name=NAME)


def test_history_picks_up_a_champion_moved_elsewhere(trained_settings: Settings) -> None:
    # Given v2 made champion directly through the alias (e.g. the MLflow UI or the API)
    v2 = register_copy_of_champion(trained_settings, target="readiness")
    store = tracking_store(trained_settings)
    tracking.set_alias(store, name=NAME, alias="champion", version=v2)
    # Then rollback still returns to v1
    assert model_registry.rollback(trained_settings, name=NAME).after == 1


def test_promote_unknown_version_fails(trained_settings: Settings) -> None:
    with pytest.raises(ModelUnavailableError, match="no version 99"):
        model_registry.promote(trained_settings, name=NAME, version=99, reason="test")


def test_models_cli_list_promote_rollback(trained_settings: Settings) -> None:
    v2 = register_copy_of_champion(trained_settings, target="injury")
    runner = CliRunner(env={"CAIRN_DATA_DIR": str(trained_settings.data_dir)})
    listed = runner.invoke(app, ["models", "list", "--target", "injury"])
    assert listed.exit_code == 0, listed.output
    assert "cairn-injury" in listed.output and "champion" in listed.output
    promoted = runner.invoke(app, ["models", "promote", str(v2), "--target", "injury"])
    assert promoted.exit_code == 0, promoted.output
    assert "v1 -> v2" in promoted.output
    rolled = runner.invoke(app, ["models", "rollback", "--target", "injury"])
    assert rolled.exit_code == 0 and "v2 -> v1" in rolled.output
    again = runner.invoke(app, ["models", "rollback", "--target", "injury"])
    assert again.exit_code == 1 and "no previous champion" in again.output


def test_evaluate_cli_names_a_missing_dataset(tmp_path) -> None:  # noqa: ANN001
    runner = CliRunner(env={"CAIRN_DATA_DIR": str(tmp_path / "data")})
    result = runner.invoke(app, ["evaluate", "--path", str(tmp_path / "nowhere")])
    assert result.exit_code == 1
    assert "no PMData folder" in result.output
