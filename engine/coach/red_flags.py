"""Red flags that persist: pain, illness and injury from the athlete's history, as day limits.

Pure. A flag restricts training from the day it is reported until an explicit all-clear: a
later check-in without it (pain, illness) or the injury's end date. After the all-clear comes a
graded return (illness: easy only, then no hard; injury: a return-to-run by body part and
severity). A check-in in the athlete's worst range allows only rest, mobility or short easy
work today. Every rule is a ``DayLimit`` on the dates it covers (today and the planned days),
enforced by the hard-rule checker (``engine.optimizer.constraints``). See docs/coaching.md.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Mapping
from dataclasses import dataclass, field

import pandas as pd

from engine.optimizer.limits import DayLimit
from pipelines.wellness import readiness_score

PLAN_DAYS = 7
# Illness: easy only for this many days after the last ill day (at least), then no hard for
# ILLNESS_NO_HARD_DAYS more: hard sessions only after symptom-free easy days.
ILLNESS_EASY_DAYS = 2
ILLNESS_NO_HARD_DAYS = 2
ILLNESS_EASY_MAX_MIN = 45.0
PAIN_NO_HARD_DAYS = 2
# Worst range of a check-in: very short sleep, top of the soreness or fatigue scale, or a
# readiness composite in the athlete's own worst few percent (with enough check-ins to tell).
WORST_SLEEP_H = 5.0
WORST_SCALE = 5.0
WORST_PERCENTILE = 5.0
WORST_MIN_CHECKINS = 28
SHORT_EASY_MIN = 40.0
# Return to run after a running injury, by severity: total days, the first half easy runs only.
RETURN_DAYS = {"minor": 7, "moderate": 14, "major": 28}
RETURN_EASY_MAX_MIN = 40.0
UPPER_BODY = (
    "shoulder", "arm", "elbow", "wrist", "hand", "finger", "thumb", "neck", "chest", "rib",
    "collarbone", "clavicle", "forearm", "bicep", "tricep", "upper back", "head",
)  # fmt: skip
RUN_KINDS = frozenset({"run", "cross"})
CROSS_ONLY = frozenset({"cross"})


@dataclass(frozen=True)
class RedFlags:
    """The athlete's red flags this morning.

    Attributes:
        pain: Pain persists (the latest check-in reports it).
        illness: Illness persists (the latest check-in reports it).
        stops_running: An open injury that stops running (lower limb or unknown body part).
        limits: Day limits by date, today and the next days.
    """

    pain: bool = False
    illness: bool = False
    stops_running: bool = False
    limits: Mapping[dt.date, tuple[DayLimit, ...]] = field(default_factory=dict)


def _days(today: dt.date) -> list[dt.date]:
    return [today + dt.timedelta(days=k) for k in range(PLAN_DAYS)]


def _add(out: dict[dt.date, tuple[DayLimit, ...]], when: dt.date, limit: DayLimit) -> None:
    out[when] = (*out.get(when, ()), limit)


def _checkins(wellness: pd.DataFrame, today: dt.date) -> pd.DataFrame:
    if wellness is None or wellness.empty:
        return pd.DataFrame(columns=["date", "pain", "illness"])
    w = wellness[wellness["date"] <= pd.Timestamp(today)].sort_values("date")
    return w.drop_duplicates("date", keep="last")


def _flag_run(checkins: pd.DataFrame, column: str) -> tuple[bool, list[dt.date]]:
    """(persists, the dates of the latest run of check-ins reporting ``column``)."""
    if checkins.empty or column not in checkins:
        return False, []
    flags = checkins[column].fillna(False).astype(bool).to_numpy()
    dates = [pd.Timestamp(d).date() for d in checkins["date"]]
    persists = bool(flags[-1])
    last = len(flags) - 1 if persists else max((i for i, f in enumerate(flags) if f), default=-1)
    if last < 0:
        return False, []
    first = last
    while first > 0 and flags[first - 1]:
        first -= 1
    return persists, dates[first : last + 1]


def _flag_limits(
    out: dict[dt.date, tuple[DayLimit, ...]], *, today: dt.date, name: str, run: list[dt.date]
) -> None:
    shown = ", ".join(d.isoformat() for d in run[-3:])
    detail = (
        f"{name} reported ({shown}) and no check-in without it since: only rest, mobility "
        "or easy cross-training until a check-in says it is gone"
    )
    for when in _days(today):
        _add(out, when, DayLimit(name, detail, max_intensity="easy", kinds=CROSS_ONLY))


def _illness_return(
    out: dict[dt.date, tuple[DayLimit, ...]], *, today: dt.date, run: list[dt.date]
) -> None:
    last, n = run[-1], len(run)
    easy_days = max(ILLNESS_EASY_DAYS, n // 2)
    for when in _days(today):
        k = (when - last).days
        what = f"day {k} after {n} ill day{'s' * (n > 1)} (last {last.isoformat()})"
        if 1 <= k <= easy_days:
            detail = (
                f"graded return, {what}: easy sessions only, up to {ILLNESS_EASY_MAX_MIN:.0f} min"
            )
            limit = DayLimit(
                "illness_return", detail, max_intensity="easy", max_minutes=ILLNESS_EASY_MAX_MIN
            )
            _add(out, when, limit)
        elif easy_days < k <= easy_days + ILLNESS_NO_HARD_DAYS:
            detail = f"graded return, {what}: no hard session until {easy_days} easy days went well"
            _add(out, when, DayLimit("illness_return", detail, max_intensity="moderate"))


def _pain_return(
    out: dict[dt.date, tuple[DayLimit, ...]], *, today: dt.date, run: list[dt.date]
) -> None:
    last = run[-1]
    for when in _days(today):
        k = (when - last).days
        if 1 <= k <= PAIN_NO_HARD_DAYS:
            detail = f"pain gone since {last.isoformat()} (day {k}): no hard session yet"
            _add(out, when, DayLimit("pain_return", detail, max_intensity="moderate"))


def is_upper_body(body_part: str) -> bool:
    """An injury that need not stop easy running (shoulder, arm, hand, neck ...)."""
    part = str(body_part or "").lower()
    return any(word in part for word in UPPER_BODY)


def _severity(value: object) -> str:
    text = str(value or "").lower()
    return text if text in RETURN_DAYS else "moderate"


def _injury_limits(
    out: dict[dt.date, tuple[DayLimit, ...]], *, today: dt.date, injuries: pd.DataFrame
) -> bool:
    """Limits of every injury open or returning over the plan; True if one stops running now."""
    stops = False
    if injuries is None or injuries.empty:
        return stops
    for row in injuries.itertuples():
        start = pd.Timestamp(row.start_date).date()
        end = None if pd.isna(row.end_date) else pd.Timestamp(row.end_date).date()
        if start > today + dt.timedelta(days=PLAN_DAYS):
            continue
        upper, severity = is_upper_body(row.body_part), _severity(row.severity)
        label = f"{severity} {row.body_part} injury since {start.isoformat()}"
        for when in _days(today):
            if when < start:
                continue
            if end is None or when <= end:
                if upper:
                    detail = f"{label}: easy running or cross-training only, no strength"
                    _add(out, when, DayLimit("injury", detail, "easy", RUN_KINDS))
                else:
                    stops = stops or when == today
                    detail = f"{label}: no running; rest, mobility or easy cross-training"
                    _add(out, when, DayLimit("injury", detail, "easy", CROSS_ONLY))
                continue
            _return_to_run(out, when=when, end=end, upper=upper, severity=severity, label=label)
    return stops


def _return_to_run(
    out: dict[dt.date, tuple[DayLimit, ...]],
    *,
    when: dt.date,
    end: dt.date,
    upper: bool,
    severity: str,
    label: str,
) -> None:
    total = RETURN_DAYS[severity] // (2 if upper else 1)
    k = (when - end).days
    if upper and severity == "minor":
        return
    ended = f"return to run after the {label} (ended {end.isoformat()}, day {k} of {total})"
    if k <= total // 2 and not upper:
        detail = f"{ended}: easy runs up to {RETURN_EASY_MAX_MIN:.0f} min"
        _add(out, when, DayLimit("return_to_run", detail, "easy", None, RETURN_EASY_MAX_MIN))
    elif k <= total:
        _add(out, when, DayLimit("return_to_run", f"{ended}: no hard session", "moderate"))


def _worst_checkin(
    out: dict[dt.date, tuple[DayLimit, ...]], *, today: dt.date, checkins: pd.DataFrame
) -> None:
    if checkins.empty or pd.Timestamp(checkins["date"].iloc[-1]).date() != today:
        return
    row = checkins.iloc[-1]
    why = []
    sleep = float(row.get("sleep_h", math.nan))
    if sleep < WORST_SLEEP_H:
        why.append(f"slept {sleep:.1f} h")
    for item in ("soreness", "fatigue"):
        value = float(row.get(item, math.nan))
        if value >= WORST_SCALE:
            why.append(f"{item} {value:g}/5")
    if not why and len(checkins) > WORST_MIN_CHECKINS:
        scores = readiness_score(checkins).astype(float)
        past = scores.iloc[:-1].dropna()
        cut = float(past.quantile(WORST_PERCENTILE / 100.0)) if len(past) else math.nan
        score = float(scores.iloc[-1])
        if len(past) >= WORST_MIN_CHECKINS and score <= cut:
            why.append(f"check-in {score:.0f}/100, in your worst {WORST_PERCENTILE:.0f}%")
    if why:
        detail = (
            f"worst-range check-in ({', '.join(why)}): only rest, mobility or easy work "
            f"up to {SHORT_EASY_MIN:.0f} min today"
        )
        _add(out, today, DayLimit("worst_checkin", detail, "easy", None, SHORT_EASY_MIN))
        tomorrow = today + dt.timedelta(days=1)
        detail = "the day after a worst-range check-in: no hard session"
        _add(out, tomorrow, DayLimit("worst_checkin", detail, "moderate"))


def read_red_flags(*, wellness: pd.DataFrame, injuries: pd.DataFrame, today: dt.date) -> RedFlags:
    """The athlete's red flags on ``today`` (check-ins up to today, injuries) and their limits."""
    checkins = _checkins(wellness, today)
    out: dict[dt.date, tuple[DayLimit, ...]] = {}
    pain, pain_run = _flag_run(checkins, "pain")
    ill, ill_run = _flag_run(checkins, "illness")
    if pain:
        _flag_limits(out, today=today, name="pain", run=pain_run)
    elif pain_run:
        _pain_return(out, today=today, run=pain_run)
    if ill:
        _flag_limits(out, today=today, name="illness", run=ill_run)
    elif ill_run:
        _illness_return(out, today=today, run=ill_run)
    stops = _injury_limits(out, today=today, injuries=injuries)
    _worst_checkin(out, today=today, checkins=checkins)
    return RedFlags(pain=pain, illness=ill, stops_running=stops, limits=out)
