"""Sign-in throttling: too many failed sign-ins per username or per client IP answer 429.

Failures are counted in a sliding window (``CAIRN_LOGIN_WINDOW_S``, 15 min): after
``CAIRN_LOGIN_MAX_FAILURES`` (5) for one username, or ``CAIRN_LOGIN_MAX_FAILURES_PER_IP``
(20) from one client address, every sign-in attempt for it is refused with 429 and
``Retry-After`` (seconds until the oldest counted failure leaves the window), before the
password is even checked. A successful sign-in clears its username's failures. Counts
live in the server process (one counter per worker); see docs/security.md.
"""

from __future__ import annotations

import math
import threading
import time
from collections import deque
from collections.abc import Callable
from typing import Annotated

from fastapi import Depends, HTTPException, Request, status

MAX_TRACKED_KEYS = 100_000
MAX_KEY_CHARS = 120  # usernames are at most 80 characters; longer guesses share a key
_CREATE = threading.Lock()


class LoginThrottle:
    """Sliding-window failure counters keyed by ``user:<name>`` and ``ip:<address>``."""

    def __init__(
        self,
        *,
        max_per_user: int,
        max_per_ip: int,
        window_s: float,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.max_per_user = max_per_user
        self.max_per_ip = max_per_ip
        self.window_s = window_s
        self._clock = clock
        self._failures: dict[str, deque[float]] = {}
        self._lock = threading.Lock()

    def _recent(self, key: str, now: float) -> deque[float]:
        failures = self._failures.get(key, deque())
        while failures and failures[0] <= now - self.window_s:
            failures.popleft()
        if not failures:
            self._failures.pop(key, None)
        return failures

    def retry_after(self, *, username: str, client: str) -> int | None:
        """Seconds to wait when the username or the client is blocked, else None."""
        now = self._clock()
        waits = []
        with self._lock:
            for key, limit in ((f"user:{username[:MAX_KEY_CHARS]}", self.max_per_user),
                               (f"ip:{client}", self.max_per_ip)):  # fmt: skip
                failures = self._recent(key, now)
                if len(failures) >= limit:
                    waits.append(failures[-limit] + self.window_s - now)
        return max(1, math.ceil(max(waits))) if waits else None

    def record_failure(self, *, username: str, client: str) -> None:
        """Count one failed sign-in for the username and the client."""
        now = self._clock()
        with self._lock:
            if len(self._failures) >= MAX_TRACKED_KEYS:
                self._failures.pop(next(iter(self._failures)))
            for key in (f"user:{username[:MAX_KEY_CHARS]}", f"ip:{client}"):
                self._failures.setdefault(key, deque()).append(now)

    def record_success(self, *, username: str) -> None:
        """Clear the username's failures (the client's stay counted)."""
        with self._lock:
            self._failures.pop(f"user:{username[:MAX_KEY_CHARS]}", None)


def get_login_throttle(request: Request) -> LoginThrottle:
    """The app's throttle, created on first use from its settings."""
    state = request.app.state
    throttle = getattr(state, "login_throttle", None)
    if throttle is None:
        with _CREATE:
            throttle = getattr(state, "login_throttle", None)
            if throttle is None:
                settings = state.settings
                throttle = state.login_throttle = LoginThrottle(
                    max_per_user=settings.login_max_failures,
                    max_per_ip=settings.login_max_failures_per_ip,
                    window_s=settings.login_window_s,
                )
    return throttle


LoginThrottleDep = Annotated[LoginThrottle, Depends(get_login_throttle)]


def client_address(request: Request) -> str:
    """The client's IP as the server sees it (the proxy's, unless uvicorn trusts its
    ``X-Forwarded-For``: ``--forwarded-allow-ips``)."""
    return request.client.host if request.client else "unknown"


def too_many_attempts(retry_after: int) -> HTTPException:
    """The 429 answer with ``Retry-After``."""
    return HTTPException(
        status.HTTP_429_TOO_MANY_REQUESTS,
        f"too many failed sign-ins; try again in {retry_after} s",
        headers={"Retry-After": str(retry_after)},
    )
