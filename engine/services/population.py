"""A model from day one: the population models, trained on a simulated cohort kept apart.

A fresh installation whose database holds only real athletes has no champion to serve. The
population models are fitted once on a seeded simulated cohort that lives only in memory
(never in the user's database), then registered in the user's MLflow store (the cache:
nothing is refitted while a version exists) with the version tag ``source=population`` and
made champion when no champion exists. ``cairn train`` later replaces them only through the
gate, when the installation's own data earns a better model.
"""

from __future__ import annotations

import datetime as dt
import functools
from dataclasses import dataclass

from engine.services import model_registry
from engine.services.model_registry import tracking_store
from engine.services.serving import POPULATION, SOURCE_TAG
from engine.services.training import TargetOutcome, fit_targets, prepare_frame, register_fit
from engine.settings import Settings
from models import tracking
from pipelines.features import build_daily_features
from pipelines.simulator.cohort import simulate_cohort

POPULATION_ATHLETES = 40
POPULATION_DAYS = 300
POPULATION_SEED = 20_260_101
POPULATION_END = dt.date(2026, 1, 1)  # fixed: the same cohort (and model) on every machine


@dataclass(frozen=True)
class PopulationResult:
    """Which targets got a population champion in this call (empty: nothing to do)."""

    outcomes: list[TargetOutcome]
    skipped: dict[str, str]


def _missing_champions(settings: Settings) -> list[str]:
    store_ = tracking_store(settings)
    return [
        target
        for target in model_registry.TARGETS
        if tracking.read_alias_version(
            store_,
            name=model_registry.model_name(settings, target=target),
            alias=settings.champion_alias,
        )
        is None
    ]


def population_frame(*, n_athletes: int = POPULATION_ATHLETES, n_days: int = POPULATION_DAYS):  # noqa: ANN201
    """The simulated cohort's feature table with honest labels (in memory only)."""
    start = POPULATION_END - dt.timedelta(days=n_days)
    cohort = simulate_cohort(
        n_athletes=n_athletes, n_days=n_days, seed=POPULATION_SEED, start=start
    )
    table = build_daily_features(
        cohort.sessions,
        cohort.wellness,
        cohort.injuries,
        athletes=cohort.athletes,
        sets=cohort.sets,
    )
    return prepare_frame(table)[0]


@functools.lru_cache(maxsize=2)
def _population_fits(n_athletes: int, n_days: int):  # noqa: ANN202
    """The population fits for one cohort size, made once per process (the cohort is seeded, so
    every data dir that needs them gets the same models; a server or a test worker that meets
    several fresh data dirs fits once)."""
    frame = population_frame(n_athletes=n_athletes, n_days=n_days)
    # LightGBM for both (no inner folds: first-run time); the gate still swaps in the strongest
    # baseline when LightGBM does not beat it on the population holdout
    fixed = {"readiness": "lightgbm", "injury": "lightgbm"}
    _, fits, skipped = fit_targets(frame, random_state=POPULATION_SEED % 1000, families=fixed)
    return fits, skipped


def ensure_population_models(
    settings: Settings, *, n_athletes: int = POPULATION_ATHLETES, n_days: int = POPULATION_DAYS
) -> PopulationResult:
    """Register and serve the population models for every target without a champion."""
    missing = _missing_champions(settings)
    if not missing:
        return PopulationResult([], {})
    fits, skipped = _population_fits(n_athletes, n_days)
    outcomes = []
    store_ = tracking_store(settings)
    for target in missing:
        if target not in fits:
            continue
        outcome = register_fit(
            settings,
            fit=fits[target],
            run_name=f"{target}-population",
            extra_params={
                "model_source": POPULATION,
                "population_athletes": n_athletes,
                "population_days": n_days,
                "population_seed": POPULATION_SEED,
            },
        )
        assert outcome.version is not None
        tracking.set_version_tag(
            store_, name=outcome.name, version=outcome.version, key=SOURCE_TAG, value=POPULATION
        )
        outcomes.append(outcome)
    return PopulationResult(outcomes, {t: r for t, r in skipped.items() if t in missing})
