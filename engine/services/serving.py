"""Load the champion models for serving; never raise, report a degraded state instead."""

from __future__ import annotations

import logging

from engine.coach.scoring import ModelSet
from engine.services.training import tracking_store
from engine.settings import Settings
from models import tracking
from models.estimators import set_single_thread

log = logging.getLogger(__name__)

SOURCE_TAG = "source"  # registry version tag: where the model's training data came from
POPULATION = "population"  # day-one models from a simulated cohort outside the database
OWN_DATA = "own_data"


def load_champions(settings: Settings) -> ModelSet:
    """Load ``<name>@champion`` for both targets; a failure yields a degraded ``ModelSet``."""
    store_ = tracking_store(settings)
    alias = settings.champion_alias
    names = {"readiness": settings.readiness_model_name, "injury": settings.injury_model_name}
    try:
        versions = {
            name: tracking.read_alias_version(store_, name=name, alias=alias)
            for name in names.values()
        }
        missing = [name for name, version in versions.items() if version is None]
        if missing:
            reason = f"no '{alias}' version registered for {', '.join(missing)}; run `cairn train`"
            return ModelSet(None, None, versions, degraded_reason=reason)
        readiness = tracking.load_model(store_, name=names["readiness"], alias=alias)
        injury = tracking.load_model(store_, name=names["injury"], alias=alias)
    except Exception as err:  # noqa: BLE001 - the service must keep answering
        log.warning("model registry unavailable: %s", err)
        return ModelSet(None, None, {}, degraded_reason=f"model registry unavailable: {err}")
    try:
        source = champion_source(settings, versions=versions)
    except Exception:  # noqa: BLE001 - a missing tag never blocks serving
        source = None
    return ModelSet(
        set_single_thread(readiness), set_single_thread(injury), versions, source=source
    )


def champion_versions(settings: Settings) -> dict[str, int | None]:
    """The versions the champion alias points at now (cheap; used to hot-reload)."""
    store_ = tracking_store(settings)
    return {
        name: tracking.read_alias_version(store_, name=name, alias=settings.champion_alias)
        for name in (settings.readiness_model_name, settings.injury_model_name)
    }


def champion_source(settings: Settings, *, versions: dict[str, int | None]) -> str:
    """``population`` when any served champion is a population model, else ``own_data``."""
    store_ = tracking_store(settings)
    for name, version in versions.items():
        if version is None:
            continue
        tags = tracking.read_version_tags(store_, name=name, version=version)
        if tags.get(SOURCE_TAG) == POPULATION:
            return POPULATION
    return OWN_DATA
