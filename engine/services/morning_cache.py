"""A small in-process cache of athletes' morning states, keyed by their log fingerprint."""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable
from typing import Generic, TypeVar

T = TypeVar("T")
DEFAULT_ENTRIES = 512


class MorningCache(Generic[T]):
    """Least-recently-used values by key; thread-safe. A key that includes the athlete's log
    fingerprint makes stale entries unreachable (they age out), so nothing is ever invalidated.

    Args:
        max_entries: Entries kept (oldest dropped first).
    """

    def __init__(self, max_entries: int = DEFAULT_ENTRIES) -> None:
        if max_entries < 1:
            raise ValueError(f"max_entries must be >= 1, got {max_entries}")
        self._max = max_entries
        self._items: OrderedDict[Hashable, T] = OrderedDict()
        self._slot_of: dict[Hashable, Hashable] = {}  # key -> slot
        self._key_in: dict[Hashable, Hashable] = {}  # slot -> its current key
        self._lock = threading.Lock()
        self.hits = 0
        self.misses = 0

    def get_or_build(
        self, key: Hashable, build: Callable[[], T], *, slot: Hashable | None = None
    ) -> T:
        """The value for ``key``, built (outside the lock) and stored when absent.

        With ``slot`` (e.g. athlete and day), a new key replaces the slot's previous entry at
        once: an outdated state (the logs changed) is dropped instead of ageing out, so memory
        stays bounded by the number of live slots rather than by ``max_entries``.
        """
        with self._lock:
            if key in self._items:
                self._items.move_to_end(key)
                self.hits += 1
                return self._items[key]
            self.misses += 1
        value = build()
        with self._lock:
            if slot is not None:
                old = self._key_in.get(slot)
                if old is not None and old != key:
                    self._drop(old)
                self._key_in[slot] = key
                self._slot_of[key] = slot
            self._items[key] = value
            self._items.move_to_end(key)
            while len(self._items) > self._max:
                self._drop(next(iter(self._items)))
        return value

    def _drop(self, key: Hashable) -> None:
        self._items.pop(key, None)
        slot = self._slot_of.pop(key, None)
        if slot is not None and self._key_in.get(slot) == key:
            del self._key_in[slot]

    def __len__(self) -> int:
        return len(self._items)
