"""The champions for short-lived processes (``cairn recommend``) without importing MLflow.

Loading a model through MLflow costs seconds per process (importing MLflow, resolving the
alias, reading the artifact). With the embedded SQLite registry, a local copy of the two
champions (skops files, the same safe format and trusted types as the registry's) is kept in
``<data_dir>/serving-cache/`` with the registry file's size and modification time: while the
registry file is unchanged, no alias can have moved and the copy is served; any change (a new
version, a promotion, a rollback) sends the next process through MLflow, which refreshes the
copy. A tracking server (any other URI) always goes through MLflow.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

from engine.coach.scoring import ModelSet
from engine.settings import Settings
from models.estimators import TRUSTED_TYPES, set_single_thread

CACHE_DIR = "serving-cache"


def _registry_stamp(settings: Settings) -> list[int] | None:
    """Size and mtime (ns) of the SQLite registry file and its WAL, or None (not SQLite)."""
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


def load_champions_cached(settings: Settings) -> ModelSet:
    """``serving.load_champions``, from the local copy while the registry is unchanged."""
    import skops.io

    stamp = _registry_stamp(settings)
    folder = settings.data_dir / CACHE_DIR
    meta_path = folder / "champions.json"
    if stamp is not None and meta_path.exists():
        meta = json.loads(meta_path.read_text())
        files = {target: folder / name for target, name in meta["files"].items()}
        if meta["stamp"] == stamp and all(f.exists() for f in files.values()):
            readiness = skops.io.load(files["readiness"], trusted=TRUSTED_TYPES)
            injury = skops.io.load(files["injury"], trusted=TRUSTED_TYPES)
            return ModelSet(
                set_single_thread(readiness), set_single_thread(injury), meta["versions"]
            )
    from engine.services.serving import load_champions

    models = load_champions(settings)
    if stamp is None or not models.available or stamp != _registry_stamp(settings):
        return models
    folder.mkdir(parents=True, exist_ok=True)
    names = {}
    for target, model in (("readiness", models.readiness), ("injury", models.injury)):
        version = models.versions.get(
            settings.readiness_model_name if target == "readiness" else settings.injury_model_name
        )
        names[target] = f"{target}-v{version}.skops"
        skops.io.dump(model, folder / names[target])
    tmp = meta_path.with_suffix(".tmp")
    tmp.write_text(json.dumps({"stamp": stamp, "versions": models.versions, "files": names}))
    os.replace(tmp, meta_path)
    return models
