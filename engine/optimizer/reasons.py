"""Human reasons for a choice: the athlete's own numbers, and why harder options were ruled out."""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from datetime import timedelta

from engine.optimizer.catalogue import CATEGORY_LABELS, Candidate, category_of
from engine.optimizer.constraints import Problem, locked_for
from engine.optimizer.limits import broken_limits
from engine.optimizer.load_state import History, ramp_cap, weekly_target
from engine.optimizer.rules import AthleteContext, PlannedDay, Rules

MAX_REASONS = 4
WEEKDAY_ABBR = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
_RANK = {"rest": 0, "easy": 1, "moderate": 2, "hard": 3}
# Order in which ruled-out rules are worth telling (the unwell rule has its own sentence).
_CODE_ORDER = (
    "risk",
    "readiness",
    "hard_days",
    "strength_spacing",
    "acwr_high",
    "ramp",
    "structure",
    "availability",
    "acwr_low",
)


def describe(candidate: Candidate) -> str:
    """Short label, e.g. ``"tempo 55 min (RPE 7, 385 AU)"`` or ``"rest"``."""
    if candidate.kind == "rest" or candidate.duration_min <= 0:
        return candidate.type.replace("_", " ")
    return (
        f"{candidate.type.replace('_', ' ')} {candidate.duration_min:.0f} min "
        f"(RPE {candidate.target_rpe:g}, {candidate.load_au:.0f} AU)"
    )


def _num(signals: Mapping[str, float], key: str) -> float | None:
    value = signals.get(key)
    return float(value) if value is not None and math.isfinite(value) else None


def signal_reasons(signals: Mapping[str, float]) -> list[str]:
    """Sentences citing the athlete's own numbers, most unusual first (missing or NaN skipped)."""
    found: list[tuple[float, str]] = []
    sleep, sleep_avg = _num(signals, "sleep_h"), _num(signals, "sleep_h_avg")
    if sleep is not None and sleep_avg is not None:
        text = f"slept {sleep:.1f} h against your {sleep_avg:.1f} h average"
        found.append((abs(sleep - sleep_avg) / 0.75, text))
    elif sleep is not None:
        found.append((abs(sleep - 7.5) / 1.0, f"slept {sleep:.1f} h (7-9 h supports adaptation)"))
    load, load_avg = _num(signals, "load_7d"), _num(signals, "load_28d_weekly_avg")
    if (assumed := _num(signals, "assumed_weekly_au")) is not None:
        # too few logged days: the load figures are partly the starting prior, not the athlete's
        text = (
            f"too few recent days logged for your own load figures: the limits assume "
            f"{assumed:.0f} AU a week until 4 weeks are logged"
        )
        found.append((2.0, text))
    elif load is not None and load_avg is not None and load_avg > 0:
        ratio = load / load_avg
        text = f"7-day load is {ratio:.2f}x your 4-week average ({load:.0f} vs {load_avg:.0f} AU)"
        found.append((abs(ratio - 1.0) / 0.2, text))
    elif load_avg is not None and load_avg == 0:
        # after a break the ratios compare nothing with nothing: say what the numbers mean
        found.append((2.0, "no training load logged in the last 4 weeks"))
    elif (acwr := _num(signals, "acwr_ewma")) is not None:
        found.append((abs(acwr - 1.0) / 0.2, f"acute:chronic load ratio is {acwr:.2f}"))
    sore, sore_avg = _num(signals, "soreness"), _num(signals, "soreness_avg")
    if sore is not None and sore_avg is not None:
        text = f"soreness {sore:g} against your usual {sore_avg:.1f}"
        found.append((abs(sore - sore_avg) / 1.0, text))
    if (ready := _num(signals, "readiness_self")) is not None:
        found.append((abs(ready - 6.0) / 2.0, f"you rated your readiness {ready:g}/10"))
    return [text for _, text in sorted(found, key=lambda item: -item[0])]


def _harder(candidate: Candidate, than: Candidate) -> bool:
    a, b = _RANK.get(candidate.intensity, 1), _RANK.get(than.intensity, 1)
    return a > b or (a == b and candidate.load_au > than.load_au)


def _names(candidates: Sequence[Candidate], chosen: Candidate) -> str:
    names = list(
        dict.fromkeys(
            ("longer " if c.type == chosen.type else "") + c.type.replace("_", " ")
            for c in candidates
        )
    )
    return ", ".join(names[:3]) + (" and others" if len(names) > 3 else "")


def ruled_out_reasons(
    *, chosen: Candidate, rejected: Sequence[tuple[Candidate, Sequence[Problem]]]
) -> list[str]:
    """Why options harder than ``chosen`` were ruled out, fewest sentences first.

    Greedy cover: each sentence names the rule that rules out the most harder options not yet
    explained (ties in ``_CODE_ORDER``), quoting the numbers of the smallest such option.
    Options barred by injury, pain or illness are left to the flag's own sentence.
    """
    left = {
        i: problems
        for i, (c, problems) in enumerate(rejected)
        if _harder(c, chosen) and not any(p.code == "unwell" for p in problems)
    }
    out = []
    while left:
        hits = {
            code: [i for i, problems in left.items() if any(p.code == code for p in problems)]
            for code in _CODE_ORDER
        }
        code = max(_CODE_ORDER, key=lambda k: (len(hits[k]), -_CODE_ORDER.index(k)))
        if not hits[code]:
            break
        smallest = min(hits[code], key=lambda i: rejected[i][0].load_au)
        detail = next(p.detail for p in rejected[smallest][1] if p.code == code)
        names = _names([rejected[i][0] for i in hits[code]], chosen)
        out.append(f"{names} ruled out: {detail}")
        left = {i: problems for i, problems in left.items() if i not in hits[code]}
    return out


def _prediction(chosen: Candidate, readiness: float, injury_risk: float) -> str:
    if math.isfinite(readiness) and math.isfinite(injury_risk):
        return (
            f"{describe(chosen)}: predicted readiness tomorrow {readiness:.0f}/100, "
            f"7-day injury risk {injury_risk:.0%}"
        )
    return f"{describe(chosen)}: no model prediction for this session"


def _flag_sentence(context: AthleteContext) -> str:
    flags = (("injury", context.open_injury), ("pain", context.pain), ("illness", context.illness))
    names = " and ".join(name for name, on in flags if on)
    return f"{names} reported: only rest, mobility or easy cross-training"


def choice_reasons(
    *,
    context: AthleteContext,
    chosen: Candidate,
    readiness: float,
    injury_risk: float,
    rejected: Sequence[tuple[Candidate, Sequence[Problem]]],
    fallback: bool,
    locked: bool,
    context_notes: Sequence[str] = (),
    limit_notes: Sequence[str] = (),
) -> list[str]:
    """2-4 reasons for today's choice: lock or flags, own numbers, ruled-out options, forecast.

    ``context_notes`` (the week ahead, the load against the ramp cap) fill up to two reasons;
    ``limit_notes`` (day limits that ruled options out, ``"<code>: <detail>"``) come first.
    """
    first = [f"locked by your coach: {describe(chosen)}"] if locked else []
    first += list(limit_notes)[:2]
    if context.unwell:
        first.append(_flag_sentence(context))
    elif fallback:
        first.append(
            f"no training session passed the safety rules today, so {chosen.type} is the fallback"
        )
    signals = signal_reasons(context.signals)
    ruled = [] if locked else ruled_out_reasons(chosen=chosen, rejected=rejected)
    ordered = [
        *first,
        *signals[:1],
        *ruled[:1],
        _prediction(chosen, readiness, injury_risk),
        *context_notes[:1],
        *ruled[1:2],
        *signals[1:2],
        *context_notes[1:],
    ]
    return list(dict.fromkeys(ordered))[:MAX_REASONS]


def context_notes(
    *, context: AthleteContext, plan: Sequence[Candidate], history: History, rules: Rules
) -> list[str]:
    """Fillers for today's reasons: the key sessions after today and the 7-day load (AU)."""
    key = [
        f"{c.type.replace('_', ' ')} {WEEKDAY_ABBR[(context.today + timedelta(days=d)).weekday()]}"
        for d, c in enumerate(plan)
        if d > 0 and _category(c) != "easy"
    ]
    week = history.past_sum(-6, 0) + plan[0].load_au
    load = f"7-day load with today {week:.0f} AU, ramp cap {ramp_cap(history, rules, 0):.0f} AU"
    return [f"then: {', '.join(key[:3])}", load] if key else [load]


def _category(c: Candidate) -> str:
    return category_of(type_id=c.type, kind=c.kind, intensity=c.intensity)


def _day_reasons(
    *, candidate: Candidate, locked: bool, minutes: int, nth: tuple[int, int] | None
) -> list[str]:
    """One or two short reasons for a later planned day.

    Args:
        candidate: The planned session.
        locked: Fixed by the coach.
        minutes: Minutes available that day.
        nth: Its rank and the weekly target of its structure category, if it has one.
    """
    if locked:
        return [f"locked by your coach: {describe(candidate)}"]
    out = [describe(candidate)]
    category = _category(candidate)
    if nth is not None and category in CATEGORY_LABELS:
        out.append(f"{CATEGORY_LABELS[category][:-1]} {nth[0]} of {nth[1]} in the weekly structure")
    elif minutes == 0:
        out.append("no time available")
    else:
        out.append("easy day: recovery between the key sessions")
    return out


def planned_days(
    *,
    context: AthleteContext,
    plan: Sequence[Candidate],
    locked: Sequence[bool],
    rules: Rules,
    today_reasons: list[str],
) -> list[PlannedDay]:
    """The plan as dated days; later days say where they sit in the weekly structure."""
    out = [PlannedDay(context.today, plan[0], locked[0], today_reasons)]
    seen = {_category(plan[0]): 1}
    for d, c in enumerate(plan[1:], start=1):
        category = _category(c)
        seen[category] = seen.get(category, 0) + 1
        target = rules.weekly_structure.get(category)
        when = context.today + timedelta(days=d)
        reasons = _day_reasons(
            candidate=c,
            locked=locked[d],
            minutes=context.availability_min[when.weekday()],
            nth=(seen[category], target) if target else None,
        )
        out.append(PlannedDay(when, c, locked[d], reasons))
    return out


def plan_notes(
    *, context: AthleteContext, plan: Sequence[Candidate], history: History, rules: Rules
) -> tuple[bool, list[str]]:
    """Notes on a 7-day plan: assumptions, dropped locks, structure targets out of reach, load.

    Returns:
        Whether a structure target was missed, and the notes.
    """
    notes = []
    if context.unwell:
        notes.append(
            "injury, pain or illness is assumed to last all week; the plan is redone each morning"
        )
    for day in range(len(plan)):
        when = context.today + timedelta(days=day)
        if when in context.locked and locked_for(context, day) is None:
            lock = context.locked[when]
            why = [x.code for x in broken_limits(context.limits, when, lock, locked=True)] or [
                "injury, pain or illness"
            ]
            notes.append(f"lock on {when} ({lock.type}) dropped: not safe with {', '.join(why)}")
    if history.returning:
        notes.append(
            f"returning from a break (last 7 days {history.last7:.0f} AU < "
            f"{rules.ramp_floor_au:.0f} AU): the ramp starts from the floor and the "
            "acute:chronic lower bound is waived"
        )
    short = False
    for category, target in rules.weekly_structure.items():
        count = sum(_category(c) == category for c in plan)
        if count < target:
            short = True
            notes.append(
                f"{count} of {target} {CATEGORY_LABELS[category]} fit this week (availability, "
                "recovery spacing, load limits, injury or sessions already done in "
                "the last 6 days)"
            )
    total = sum(c.load_au for c in plan)
    notes.append(
        f"planned 7-day load {total:.0f} AU, target {weekly_target(history, rules):.0f} AU"
    )
    return short, notes
