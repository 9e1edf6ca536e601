"""Helpers for registry tests: extra model versions without a full training run."""

from __future__ import annotations

from engine.services.model_registry import model_name, tracking_store
from engine.services.training import load_feature_table
from engine.settings import Settings
from engine.store import database
from models import tracking
from models.estimators import TRUSTED_TYPES
from pipelines.features import FEATURE_COLUMNS


def register_copy_of_champion(settings: Settings, *, target: str) -> int:
    """Log the current champion again as a new version (not promoted); returns the version."""
    store = tracking_store(settings)
    name = model_name(settings, target=target)
    model = tracking.load_model(store, name=name, alias=settings.champion_alias)
    engine = database.make_engine(settings.database_url)
    with database.open_session(database.make_session_factory(engine)) as session:
        example = load_feature_table(session)[list(FEATURE_COLUMNS)].head(5)
    engine.dispose()
    logged = tracking.log_model_run(
        store,
        experiment=f"cairn-{target}",
        run_name="copy",
        model=model,
        params={},
        metrics={},
        X_example=example,
        registered_name=name,
        trusted_types=TRUSTED_TYPES,
    )
    assert logged.version is not None
    return logged.version
