"""Adaptation: a missed session, a bad night or high soreness re-plans the rest of the week.

Pure. ``detect_triggers`` reads this morning's numbers (and yesterday's plan against what was
logged); ``adapt_today`` turns a bad night or high soreness into two changes of the optimizer's
inputs: no hard session today, and a weekly target 10% lower; the rest of the week is then
re-planned by the optimizer itself. ``plan_changes`` compares yesterday's plan with today's day
by day and says what changed and why. See docs/coaching.md.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import date
from typing import Any

from engine.optimizer.catalogue import Candidate
from engine.optimizer.reasons import describe
from engine.optimizer.rules import Rules

BAD_NIGHT_H = 5.5  # slept under this, or BAD_NIGHT_GAP_H under the usual
BAD_NIGHT_GAP_H = 2.0
SORE = 5.0  # soreness (1-5) at this, or SORE_GAP above the usual
SORE_GAP = 1.5
TARGET_CUT = 0.10  # weekly-target cut after a bad night or high soreness
MIN_OVERLOAD = -0.5


@dataclass(frozen=True)
class Trigger:
    """Something that re-plans the week: a code and a sentence with the athlete's numbers."""

    code: str
    detail: str


def _num(signals: Mapping[str, float], key: str) -> float:
    value = signals.get(key)
    return float(value) if value is not None else math.nan


def detect_triggers(
    signals: Mapping[str, float],
    *,
    flags: Mapping[str, bool] | None = None,
    planned_yesterday: Candidate | None = None,
    done_yesterday_min: float = 0.0,
) -> list[Trigger]:
    """This morning's triggers: bad night, high soreness, pain/illness/injury, missed session.

    Args:
        signals: ``sleep_h``, ``sleep_h_avg`` (h), ``soreness``, ``soreness_avg`` (1-5).
        flags: ``open_injury``, ``pain``, ``illness`` (True when reported).
        planned_yesterday: The session yesterday's plan held for yesterday, if known.
        done_yesterday_min: Minutes logged yesterday.
    """
    out = []
    sleep, usual = _num(signals, "sleep_h"), _num(signals, "sleep_h_avg")
    if sleep < BAD_NIGHT_H or sleep <= usual - BAD_NIGHT_GAP_H:
        ref = f" against your {usual:.1f} h average" if math.isfinite(usual) else ""
        out.append(Trigger("bad_night", f"slept {sleep:.1f} h{ref}"))
    sore, sore_usual = _num(signals, "soreness"), _num(signals, "soreness_avg")
    if sore >= SORE or sore >= sore_usual + SORE_GAP:
        ref = f" against your usual {sore_usual:.1f}" if math.isfinite(sore_usual) else ""
        out.append(Trigger("soreness", f"soreness {sore:g}/5{ref}"))
    for code, on in (flags or {}).items():
        if on:
            out.append(Trigger(code, f"{code.replace('open_', '')} reported"))
    missed = (
        planned_yesterday is not None
        and planned_yesterday.kind not in ("rest", "mobility")
        and done_yesterday_min < 0.5 * planned_yesterday.duration_min
    )
    if missed and planned_yesterday is not None:
        detail = f"yesterday's {describe(planned_yesterday)} was not logged"
        out.append(Trigger("missed_session", detail))
    return out


def adapt_today(
    triggers: Sequence[Trigger], *, candidates: Sequence[Candidate], rules: Rules
) -> tuple[list[Candidate], Rules, list[str]]:
    """Today's candidates and rules after a bad night or high soreness, with the notes.

    No hard session today (it moves later in the week, where the optimizer still offers it)
    and the weekly target 10% lower. Other triggers need no change here: the optimizer already
    reacts to injury flags, and a missed session is simply not made up.
    """
    codes = {t.code for t in triggers}
    if not codes & {"bad_night", "soreness"}:
        return list(candidates), rules, []
    why = "; ".join(t.detail for t in triggers if t.code in ("bad_night", "soreness"))
    kept = [c for c in candidates if c.intensity != "hard"]
    overload = max(rules.weights.overload - TARGET_CUT, MIN_OVERLOAD)
    adapted = replace(rules, weights=replace(rules.weights, overload=overload))
    note = f"{why}: no hard session today and a {TARGET_CUT:.0%} lighter week"
    return kept, adapted, [note]


def _session(c: Candidate) -> dict[str, Any]:
    return {"type": c.type, "duration_min": float(c.duration_min), "intensity": c.intensity}


def plan_changes(
    before: Mapping[date, Candidate],
    after: Mapping[date, Candidate],
    *,
    triggers: Sequence[Trigger],
    locked: Mapping[date, bool] | None = None,
) -> list[dict[str, Any]]:
    """Days whose session differs between yesterday's plan and today's, with why.

    Args:
        before: Yesterday's plan by date.
        after: Today's plan by date (only dates in both are compared).
        triggers: This morning's triggers (they are the reasons when present).
        locked: Today's locked days (a new lock is its own reason).
    """
    reasons = [t.detail for t in triggers] or [
        "yesterday's training and this morning's check-in updated the loads and predictions"
    ]
    out = []
    for when in sorted(set(before) & set(after)):
        old, new = before[when], after[when]
        if old == new:
            continue
        why = ["locked day (coach override or race)"] if (locked or {}).get(when) else reasons
        out.append(
            {
                "date": when.isoformat(),
                "before": _session(old),
                "after": _session(new),
                "why": list(why),
            }
        )
    return out
