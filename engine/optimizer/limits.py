"""Day limits: hard caps on one day's session set by the coach (red flags, returns, tapers).

Pure data. A ``DayLimit`` caps the intensity, the kind and the length of the training session
planned on one date; rest and mobility are always allowed. The coach derives limits from the
athlete's history (``engine.coach.red_flags``) and goal events (``engine.coach.goals``); the hard
rule checker (``engine.optimizer.constraints``) enforces them on every planned day, locked days
included, under the limit's own code, so the answer can name the rule that applied.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date

from engine.optimizer.catalogue import Candidate, is_recovery

INTENSITY_RANK: Mapping[str, int] = {"rest": 0, "easy": 1, "moderate": 2, "hard": 3}


@dataclass(frozen=True)
class DayLimit:
    """A cap on one day's training session.

    Attributes:
        code: The rule's short name (``illness_return``, ``worst_checkin``, ``taper`` ...).
        detail: A human sentence with the athlete's own facts (dates, numbers).
        max_intensity: Highest intensity class allowed (``easy``, ``moderate`` or ``hard``).
        kinds: Training kinds allowed (``run``, ``strength``, ``cross``); None = all.
        max_minutes: Longest training session allowed (minutes).
        binds_locks: The limit also holds on a locked day (a lock it rules out is dropped):
            True for red flags (safety first), False for plan shape (taper, deload,
            recovery), where a coach's lock or a race wins.
    """

    code: str
    detail: str
    max_intensity: str = "hard"
    kinds: frozenset[str] | None = None
    max_minutes: float = math.inf
    binds_locks: bool = True

    def allows(self, candidate: Candidate) -> bool:
        """Rest and mobility always; otherwise intensity, kind and duration within the caps."""
        if is_recovery(candidate.kind):
            return True
        if INTENSITY_RANK.get(candidate.intensity, 3) > INTENSITY_RANK[self.max_intensity]:
            return False
        if self.kinds is not None and candidate.kind not in self.kinds:
            return False
        return candidate.duration_min <= self.max_minutes

    def summary(self) -> str:
        """``"<code>: <detail>"``: how reasons and ``rules_applied`` name the rule."""
        return f"{self.code}: {self.detail}"


def limits_on(limits: Mapping[date, Sequence[DayLimit]], when: date) -> tuple[DayLimit, ...]:
    """The limits set for ``when`` (none: an empty tuple)."""
    return tuple(limits.get(when, ()))


def broken_limits(
    limits: Mapping[date, Sequence[DayLimit]],
    when: date,
    candidate: Candidate,
    *,
    locked: bool = False,
) -> list[DayLimit]:
    """The limits on ``when`` that ``candidate`` breaks (on a locked day: the binding ones)."""
    return [
        limit
        for limit in limits_on(limits, when)
        if not limit.allows(candidate) and (limit.binds_locks or not locked)
    ]


def merge_limits(*parts: Mapping[date, Sequence[DayLimit]]) -> dict[date, tuple[DayLimit, ...]]:
    """All limits of ``parts`` by date (each date keeps every part's limits, in order)."""
    out: dict[date, tuple[DayLimit, ...]] = {}
    for part in parts:
        for when, found in part.items():
            out[when] = (*out.get(when, ()), *found)
    return out
