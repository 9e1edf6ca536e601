"""Champion history in the MLflow registry: promote, roll back, list.

Aliases per registered model: ``champion`` (served), ``challenger`` (the latest trained
version) and ``previous-champion`` (what ``rollback`` restores). The full history lives in the
registered-model tag ``cairn.champion_history``: a JSON list of the versions that were
champion, oldest first, so repeated rollbacks walk back one promotion at a time. A champion
moved by other means (the MLflow UI, the API) is appended to the history when next seen.
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass
from typing import Any

from engine.errors import ModelUnavailableError
from engine.settings import Settings
from models import tracking

HISTORY_TAG = "cairn.champion_history"
TARGETS = ("readiness", "injury")


@dataclass(frozen=True)
class AliasChange:
    """The champion of one registered model before and after a promotion or rollback."""

    name: str
    before: int | None
    after: int
    previous: int | None


def tracking_store(settings: Settings) -> tracking.TrackingStore:
    """The MLflow store named by the settings."""
    assert settings.mlflow_artifact_dir is not None
    return tracking.TrackingStore(
        tracking_uri=settings.mlflow_tracking_uri,
        registry_uri=settings.mlflow_registry_uri,
        artifact_root=settings.mlflow_artifact_dir,
    )


def model_name(settings: Settings, *, target: str) -> str:
    """The registered model name of a target ("readiness" or "injury")."""
    if target not in TARGETS:
        raise ValueError(f"target must be one of {', '.join(TARGETS)}, got {target!r}")
    return settings.readiness_model_name if target == "readiness" else settings.injury_model_name


def read_history(settings: Settings, *, name: str) -> list[int]:
    """Versions that were champion, oldest first (the current champion last)."""
    store_ = tracking_store(settings)
    raw = tracking.read_model_tags(store_, name=name).get(HISTORY_TAG, "[]")
    history = [int(v) for v in json.loads(raw)]
    current = tracking.read_alias_version(store_, name=name, alias=settings.champion_alias)
    if current is not None and (not history or history[-1] != current):
        history.append(current)
    return history


def _write(settings: Settings, *, name: str, history: list[int]) -> None:
    store_ = tracking_store(settings)
    tracking.set_model_tag(store_, name=name, key=HISTORY_TAG, value=json.dumps(history))
    tracking.set_alias(store_, name=name, alias=settings.champion_alias, version=history[-1])
    if len(history) >= 2:
        tracking.set_alias(
            store_, name=name, alias=settings.previous_champion_alias, version=history[-2]
        )
    else:
        tracking.delete_alias(store_, name=name, alias=settings.previous_champion_alias)


def promote(settings: Settings, *, name: str, version: int, reason: str) -> AliasChange:
    """Make ``version`` the champion; the old champion becomes ``previous-champion``."""
    store_ = tracking_store(settings)
    known = {row["version"] for row in tracking.list_model_versions(store_, name=name)}
    if version not in known:
        raise ModelUnavailableError(f"{name} has no version {version} (known: {sorted(known)})")
    history = read_history(settings, name=name)
    before = history[-1] if history else None
    if before != version:
        history.append(version)
        _write(settings, name=name, history=history)
    stamp = dt.datetime.now(dt.UTC).isoformat(timespec="seconds")
    tracking.set_version_tag(store_, name=name, version=version, key="promoted", value=stamp)
    tracking.set_version_tag(
        store_, name=name, version=version, key="promotion_reason", value=reason
    )
    return AliasChange(name, before, version, history[-2] if len(history) >= 2 else None)


def rollback(settings: Settings, *, name: str) -> AliasChange:
    """Restore the previous champion (one step back in the history)."""
    history = read_history(settings, name=name)
    if len(history) < 2:
        raise ModelUnavailableError(f"{name} has no previous champion to roll back to")
    dropped = history.pop()
    _write(settings, name=name, history=history)
    stamp = dt.datetime.now(dt.UTC).isoformat(timespec="seconds")
    store_ = tracking_store(settings)
    tracking.set_version_tag(store_, name=name, version=dropped, key="rolled_back", value=stamp)
    return AliasChange(name, dropped, history[-1], history[-2] if len(history) >= 2 else None)


def list_versions(settings: Settings, *, name: str) -> list[dict[str, Any]]:
    """Every version with its aliases and run metrics (see ``tracking.list_model_versions``)."""
    return tracking.list_model_versions(tracking_store(settings), name=name)
