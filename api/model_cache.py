"""The served models, reloaded when the registry's champion alias moves."""

from __future__ import annotations

import logging
import threading
import time

from engine.coach.scoring import ModelSet
from engine.services.serving import champion_versions, load_champions
from engine.settings import Settings

log = logging.getLogger(__name__)


class ModelCache:
    """Holds the loaded champions; ``current()`` re-checks the alias at most every few seconds.

    Loading and the periodic check run in background threads, so a slow or unreachable
    registry never delays a request (start-up waits at most ``load_timeout_s`` seconds):
    requests get the models already loaded, or the rule-based fallback until a load succeeds.
    """

    def __init__(
        self,
        settings: Settings,
        *,
        check_every_s: float | None = None,
        load_timeout_s: float = 30.0,
    ) -> None:
        self._settings = settings
        # seconds between registry checks; ``settings.model_refresh_s`` when not given
        self._check_every_s = settings.model_refresh_s if check_every_s is None else check_every_s
        self._lock = threading.Lock()
        self._models = ModelSet(None, None, {}, degraded_reason="the models are still loading")
        self._checked = time.monotonic()
        self._lock.acquire()  # released by the first load: no periodic check before it ends
        first = threading.Thread(target=self._first_load, name="model-load", daemon=True)
        first.start()
        first.join(load_timeout_s)
        if first.is_alive():  # e.g. a remote registry that does not answer: start degraded
            log.warning("model registry slow to answer; serving the fallback until it does")

    def _first_load(self) -> None:
        try:
            self._models = load_champions(self._settings)
        finally:
            self._checked = time.monotonic()
            self._lock.release()

    def current(self) -> ModelSet:
        """The models to serve now (hot-reloaded after a promotion or rollback)."""
        due = time.monotonic() - self._checked >= self._check_every_s
        if due and self._lock.acquire(blocking=False):
            self._checked = time.monotonic()
            threading.Thread(target=self._refresh_and_release, daemon=True).start()
        return self._models

    def _refresh_and_release(self) -> None:
        try:
            self._reload_if_changed()
        finally:
            self._lock.release()

    def refresh(self) -> ModelSet:
        """Reload now (blocking) when the champion versions differ from the loaded ones."""
        with self._lock:
            self._checked = time.monotonic()
            self._reload_if_changed()
            return self._models

    def _reload_if_changed(self) -> None:
        try:
            versions = champion_versions(self._settings)
        except Exception as err:  # noqa: BLE001 - keep serving what is loaded
            log.warning("model registry check failed, serving the loaded models: %s", err)
            return
        if versions == self._models.versions and self._models.available:
            return
        loaded = load_champions(self._settings)
        if self._models.available and not loaded.available:
            # Never trade working models for the fallback: the registry may be briefly broken.
            log.warning("keeping models %s: %s", self._models.versions, loaded.degraded_reason)
            return
        changed = (loaded.versions, loaded.available) != (
            self._models.versions,
            self._models.available,
        )
        self._models = loaded
        if changed:
            log.info("serving models %s", loaded.versions)
