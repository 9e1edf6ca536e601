"""The served models, reloaded when the registry's champion alias moves."""

from __future__ import annotations

import threading
import time

from engine.recommend import ModelSet
from engine.serving import champion_versions, load_champions
from engine.settings import Settings


class ModelCache:
    """Holds the loaded champions; ``current()`` re-checks the alias at most every few seconds."""

    def __init__(self, settings: Settings, *, check_every_s: float = 5.0) -> None:
        self._settings = settings
        self._check_every_s = check_every_s
        self._lock = threading.Lock()
        self._models = load_champions(settings)
        self._checked = time.monotonic()

    def current(self) -> ModelSet:
        """The models to serve now (hot-reloaded after a promotion or rollback)."""
        if time.monotonic() - self._checked >= self._check_every_s:
            self.refresh()
        return self._models

    def refresh(self) -> ModelSet:
        """Reload when the champion versions differ from the loaded ones."""
        with self._lock:
            self._checked = time.monotonic()
            try:
                versions = champion_versions(self._settings)
            except Exception:  # noqa: BLE001 - keep serving what is loaded
                return self._models
            if versions != self._models.versions or not self._models.available:
                self._models = load_champions(self._settings)
            return self._models
