"""The served champions for one-shot commands (``cairn recommend``, ``cairn plan``) without MLflow.

Loading the champions through MLflow costs a command-line process seconds (importing MLflow,
opening its store, resolving the aliases, checking the population models). With the embedded
SQLite registry, a copy of the two champions is kept in ``<data_dir>/serving-cache/`` beside the
registry file's size and modification time. While the registry file is unchanged no alias can
have moved, so the copy is served; any change to it (a new version, a promotion, a rollback, a
training run) sends the next process through MLflow, which writes a fresh copy. A tracking
server (any URI but ``sqlite:///``) is always read through MLflow. A copy that cannot be read is
ignored.

The copy is a pickle, not skops: importing skops costs a command 0.4 s (it imports all of
scikit-learn to list its trusted types). A pickle runs code when loaded, so the copy is only
ever one this installation wrote from models it had loaded safely from the registry (skops,
trusted types): files are created private to their owner (0600) and a copy owned by another
user, or writable by the group or others, is never loaded.
"""

from __future__ import annotations

import json
import logging
import os
import pickle
from pathlib import Path
from typing import Any

from engine.coach.scoring import ModelSet
from engine.settings import Settings

log = logging.getLogger(__name__)

CACHE_DIR = "serving-cache"
META = "champions.json"
TARGETS = ("readiness", "injury")


def registry_stamp(settings: Settings) -> list[int] | None:
    """Size and mtime (ns) of the SQLite registry file and its WAL; None when not SQLite."""
    uri = settings.mlflow_registry_uri or settings.mlflow_tracking_uri
    if not uri.startswith("sqlite:///"):
        return None
    path = Path(uri.removeprefix("sqlite:///"))
    stamp: list[int] = []
    for file in (path, path.with_name(path.name + "-wal")):
        if file.exists():
            info = file.stat()
            stamp += [info.st_size, info.st_mtime_ns]
    return stamp or None


def read_cached_versions(settings: Settings) -> tuple[dict[str, int | None], str | None] | None:
    """The cached champions' registry versions and source while the registry is unchanged
    (the models themselves not loaded), else None."""
    stamp = registry_stamp(settings)
    meta_path = settings.data_dir / CACHE_DIR / META
    if stamp is None or not meta_path.exists():
        return None
    try:
        meta = json.loads(meta_path.read_text())
    except (OSError, ValueError) as err:
        log.warning("serving cache unreadable: %s", err)
        return None
    if meta.get("stamp") != stamp:
        return None
    return dict(meta["versions"]), meta.get("source")


def read_cached(settings: Settings) -> ModelSet | None:
    """The cached champions while the registry is unchanged, else None."""
    stamp = registry_stamp(settings)
    folder = settings.data_dir / CACHE_DIR
    meta_path = folder / META
    if stamp is None or not meta_path.exists():
        return None
    try:
        meta = json.loads(meta_path.read_text())
        if meta["stamp"] != stamp:
            return None
        from models.estimators import set_single_thread

        loaded = {
            target: set_single_thread(_load_private(folder / meta["files"][target]))
            for target in TARGETS
        }
    except Exception as err:  # noqa: BLE001 - a broken copy only costs the slow path
        log.warning("serving cache unreadable, reading the registry: %s", err)
        return None
    return ModelSet(
        loaded["readiness"], loaded["injury"], dict(meta["versions"]), source=meta["source"]
    )


def _load_private(path: Path) -> Any:
    info = path.stat()
    if info.st_uid != os.getuid() or info.st_mode & 0o022:
        raise PermissionError(f"{path} is not private to this user; not loaded")
    return pickle.loads(path.read_bytes())  # noqa: S301 - our own private copy, see above


def _write_private(path: Path, payload: bytes) -> None:
    tmp = path.with_name(path.name + ".tmp")
    tmp.unlink(missing_ok=True)
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "wb") as out:
        out.write(payload)
    os.replace(tmp, path)


def write_cached(settings: Settings, models: ModelSet, *, stamp: list[int]) -> None:
    """Keep ``models`` (loaded while the registry had ``stamp``) for the next process."""
    folder = settings.data_dir / CACHE_DIR
    folder.mkdir(parents=True, exist_ok=True)
    by_target: dict[str, Any] = {"readiness": models.readiness, "injury": models.injury}
    names = {"readiness": settings.readiness_model_name, "injury": settings.injury_model_name}
    files = {}
    for target in TARGETS:
        files[target] = f"{target}-v{models.versions.get(names[target])}.pickle"
        _write_private(folder / files[target], pickle.dumps(by_target[target]))
    meta = {"stamp": stamp, "versions": models.versions, "source": models.source, "files": files}
    # written last and replaced whole: a reader sees the old copy or the new one, never half
    _write_private(folder / META, json.dumps(meta).encode())


def load_served_champions(settings: Settings) -> ModelSet:
    """The champions a command serves: the cached copy while the registry is unchanged, else
    the registry (with the day-one population models put in place first), then cached."""
    cached = read_cached(settings)
    if cached is not None:
        return cached
    from engine.services.population import ensure_population_models
    from engine.services.serving import load_champions

    try:
        ensure_population_models(settings)
    except Exception as err:  # noqa: BLE001 - no population model: the answer is degraded
        log.warning("population models unavailable: %s", err)
    before = registry_stamp(settings)
    models = load_champions(settings)
    stamp = registry_stamp(settings)
    # cached only when nothing changed the registry while it was read (another process's
    # promotion, say: the next command caches instead)
    if models.available and stamp is not None and stamp == before:
        try:
            write_cached(settings, models, stamp=stamp)
        except Exception as err:  # noqa: BLE001 - the answer does not depend on the copy
            log.warning("serving cache not written: %s", err)
    return models
