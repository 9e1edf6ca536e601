"""Strength progression: each exercise's level from the logged sets, and the next prescription.

Pure. The level of an exercise is read from the logged strength sets (sets per session, median
reps, top load) as they stood before the current progression window. Every two weeks (block
weeks 1 and 3; never in a deload week) one lever moves, in the seed's order: +1 rep up to the
top of the rep range, then +1 set up to 4, then +load (about 5%, at least 2.5 kg; reps and sets
back to the bottom), and a harder variation once the load passes what the exercise suits (or
at the top for bodyweight exercises). The step is taken only when readiness, sleep and soreness
allow; otherwise the level is held, or backed off (one set fewer, ~10% lighter, one more rep in
reserve) when they are poor, and in deload weeks. Descent blocks lower every eccentric-capable
lift over 4 seconds. See docs/coaching.md.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import date, timedelta
from typing import Any, Literal

import numpy as np
import pandas as pd

from engine.coach.exercises import (
    EMPHASIS_SWAPS,
    EXERCISES,
    SESSION_EXERCISES,
    ExerciseSpec,
    canonical,
)
from engine.coach.periodisation import Block

MAX_SETS = 4
LOAD_STEP = 0.05  # +5% load per load step
LOAD_ROUND_KG = 2.5
BACK_OFF_LOAD = 0.9
PROGRESSION_WEEKS = (1, 3)  # block weeks in which a step may be taken (every two weeks)
Change = Literal["start", "progress", "hold", "back_off"]


@dataclass(frozen=True)
class ExerciseLevel:
    """The logged level of one exercise (the latest session before the window).

    Attributes:
        sets: Sets in that session.
        reps: Median reps (seconds for holds) over the last two sessions.
        load_kg: Top load (None for bodyweight).
        variation: Variation index (0 = base exercise).
        last_date: Day of that session.
        sessions: Sessions logged with the exercise before the window.
    """

    sets: int
    reps: float
    load_kg: float | None
    variation: int
    last_date: date
    sessions: int


def session_table(sets: pd.DataFrame | None) -> pd.DataFrame:
    """One row per exercise and session: ``exercise``, ``date``, ``sets``, ``reps`` (median),
    ``load`` (top; NaN = bodyweight), sorted by exercise and date.

    On arrays (the cold answer builds it from every logged set): the same rows as a pandas
    ``groupby(["exercise", "date", "session_external_id"]).agg(sets=nunique(set_number),
    reps=median, load=max)`` (tests/engine/coach/test_progression_arrays.py).

    Args:
        sets: One row per set with ``date``, ``exercise``, ``set_number``, ``reps``,
            ``load_kg`` and a session key ``session_external_id``.
    """
    columns = ["exercise", "date", "session_external_id", "sets", "reps", "load"]
    if sets is None or sets.empty:
        return pd.DataFrame(columns=columns)
    dates = pd.to_datetime(sets["date"]).to_numpy("datetime64[ns]")
    keys = sets["session_external_id"]
    valid = ~np.isnat(dates) & keys.notna().to_numpy()
    exercise = sets["exercise"].astype(str).to_numpy(object)[valid]
    keys, dates = keys.to_numpy(object)[valid], dates[valid]
    number = sets["set_number"].to_numpy(float, na_value=np.nan)[valid]
    reps = sets["reps"].to_numpy(float, na_value=np.nan)[valid]
    load = sets["load_kg"].to_numpy(float, na_value=np.nan)[valid]
    if not len(exercise):
        return pd.DataFrame(columns=columns)
    e_code, e_names = pd.factorize(exercise, sort=True)
    k_code, k_names = pd.factorize(keys, sort=True)
    day = dates.astype(np.int64)
    order = np.lexsort((np.nan_to_num(number, nan=np.inf), k_code, day, e_code))
    e_code, k_code, day = e_code[order], k_code[order], day[order]
    number, reps, load = number[order], reps[order], load[order]
    new = np.ones(len(order), dtype=bool)
    new[1:] = (e_code[1:] != e_code[:-1]) | (day[1:] != day[:-1]) | (k_code[1:] != k_code[:-1])
    starts = np.flatnonzero(new)
    distinct = ~np.isnan(number)  # set numbers counted once each (sorted: repeats adjacent)
    distinct[1:] &= ~(~new[1:] & (number[1:] == number[:-1]))
    n_sets = np.add.reduceat(distinct.astype(np.int64), starts)
    group = np.cumsum(new) - 1
    sorted_reps = reps[np.lexsort((np.nan_to_num(reps, nan=np.inf), group))]  # NaN last
    counts = np.add.reduceat((~np.isnan(reps)).astype(np.int64), starts)
    low = starts + np.maximum(counts - 1, 0) // 2
    high = starts + np.maximum(counts, 1) // 2 - (counts == 0)
    medians = np.where(
        counts > 0, (sorted_reps[low] + sorted_reps[np.maximum(high, starts)]) / 2, np.nan
    )
    with np.errstate(all="ignore"):
        top = np.fmax.reduceat(load, starts)
    return pd.DataFrame(
        {
            "exercise": np.asarray(e_names, dtype=object)[e_code[starts]],
            "date": day[starts].astype("datetime64[ns]"),
            "session_external_id": np.asarray(k_names, dtype=object)[k_code[starts]],
            "sets": n_sets,
            "reps": np.asarray(medians, dtype=float),
            "load": top,
        }
    )


def exercise_levels(
    sets: pd.DataFrame | None, *, before: date, table: pd.DataFrame | None = None
) -> dict[str, ExerciseLevel]:
    """Level of each exercise from the logged sets dated before ``before``.

    Args:
        sets: Logged sets (see ``session_table``); ignored when ``table`` is given.
        before: Only sessions on earlier days count.
        table: ``session_table(sets)``, when already built.
    """
    table = session_table(sets) if table is None else table
    dates = pd.to_datetime(table["date"]).to_numpy("datetime64[ns]")
    keep = np.flatnonzero(dates < np.datetime64(pd.Timestamp(before).to_datetime64(), "ns"))
    if not len(keep):
        return {}
    exercise = table["exercise"].to_numpy(object)[keep]
    # One lift per catalogue exercise, whatever the logged names ("Deadlift (Barbell)" from
    # Strong and "deadlift" are one lift): grouped by the canonical name, in date order.
    names = {raw: canonical(str(raw)) for raw in dict.fromkeys(exercise)}
    base_code, bases = pd.factorize(np.array([names[r][0] for r in exercise], dtype=object),
                                    sort=True)  # fmt: skip
    variation = np.array([names[r][1] for r in exercise], dtype=np.int64)
    days = dates[keep]
    n_sets = table["sets"].to_numpy(float)[keep]
    reps = table["reps"].to_numpy(float)[keep]
    load = table["load"].to_numpy(float)[keep]
    order = np.lexsort((days.astype(np.int64), base_code))  # stable: ties keep table order
    code = base_code[order]
    ends = np.flatnonzero(np.r_[code[1:] != code[:-1], True])
    out: dict[str, ExerciseLevel] = {}
    first = 0
    for end in ends:
        rows = order[first : end + 1]
        last = rows[-1]
        recent = reps[rows[-2:]]
        recent = recent[~np.isnan(recent)]
        out[str(bases[code[end]])] = ExerciseLevel(
            sets=int(n_sets[last]),
            reps=float(np.median(recent)) if len(recent) else math.nan,
            load_kg=None if np.isnan(load[last]) else float(load[last]),
            variation=int(variation[last]),
            last_date=pd.Timestamp(days[last]).date(),
            sessions=len(rows),
        )
        first = int(end) + 1
    return out


@dataclass(frozen=True)
class Gate:
    """Whether today allows a progression step: ``progress``, ``hold`` or ``back_off``."""

    status: Literal["progress", "hold", "back_off"]
    reasons: tuple[str, ...] = ()


def readiness_gate(signals: Mapping[str, float], *, deload: bool) -> Gate:
    """Gate the step on readiness (0-10 self-report), sleep (h) and soreness (1-5).

    Back off in a deload week, or with readiness <= 4, sleep < 6 h or soreness >= 4; hold with
    readiness 5, sleep < 7 h, soreness above the athlete's usual + 1, or no check-in; else
    progress.
    """

    def num(key: str) -> float:
        value = signals.get(key, math.nan)
        return float(value) if value is not None else math.nan

    ready, sleep, sore = num("readiness_self"), num("sleep_h"), num("soreness")
    sore_avg = num("soreness_avg")
    if deload:
        return Gate("back_off", ("deload week: fewer sets, lighter, more in reserve",))
    if math.isnan(ready) and math.isnan(sleep):
        return Gate("hold", ("no readiness or sleep reported today",))
    poor = [
        text
        for ok, text in (
            (ready <= 4, f"readiness {ready:g}/10"),
            (sleep < 6.0, f"slept {sleep:.1f} h"),
            (sore >= 4, f"soreness {sore:g}/5"),
        )
        if ok
    ]
    if poor:
        return Gate("back_off", tuple(poor))
    borderline = [
        text
        for ok, text in (
            (ready == 5, f"readiness {ready:g}/10"),
            (sleep < 7.0, f"slept {sleep:.1f} h"),
            (sore >= sore_avg + 1.0, f"soreness {sore:g} above your usual {sore_avg:.1f}"),
        )
        if ok
    ]
    return Gate("hold", tuple(borderline)) if borderline else Gate("progress")


@dataclass(frozen=True)
class ExercisePrescription:
    """One exercise of today's strength session.

    Attributes:
        exercise: Exercise name (variation included).
        sets: Sets.
        reps: Reps per set (None for holds).
        hold_s: Seconds per hold (holds only).
        load_kg: Load (None: bodyweight, or choose by ``rir`` when no load is logged).
        rir: Reps in reserve at the end of each set (None for explosive work).
        tempo: Lowering-pause-lifting-pause seconds (``X`` = fast), or None.
        change: ``start``, ``progress``, ``hold`` or ``back_off``.
        note: What changed and why, in a few words.
    """

    exercise: str
    sets: int
    reps: int | None
    hold_s: int | None
    load_kg: float | None
    rir: int | None
    tempo: str | None
    change: Change
    note: str

    def to_dict(self) -> dict[str, Any]:
        return {
            "exercise": self.exercise,
            "sets": self.sets,
            "reps": self.reps,
            "hold_s": self.hold_s,
            "load_kg": self.load_kg,
            "rir": self.rir,
            "tempo": self.tempo,
            "change": self.change,
            "note": self.note,
        }


def _round_load(kg: float) -> float:
    return float(LOAD_ROUND_KG * math.ceil(kg / LOAD_ROUND_KG - 1e-9))


def _step(spec: ExerciseSpec, level: ExerciseLevel) -> tuple[int, int, float | None, int, str]:
    """The next rung: +1 rep, else +1 set, else +load, else a harder variation."""
    lo, hi = spec.reps
    reps, sets, load, variation = round(level.reps), level.sets, level.load_kg, level.variation
    rep_step = 5 if spec.hold else 1
    if reps + rep_step <= hi:
        return sets, reps + rep_step, load, variation, f"+{rep_step} {_unit(spec)}"
    if sets < MAX_SETS:
        return sets + 1, reps, load, variation, "+1 set"
    if load is not None and (spec.load_cap_kg is None or load < spec.load_cap_kg):
        heavier = _round_load(max(load * (1 + LOAD_STEP), load + LOAD_ROUND_KG))
        return spec.base_sets, lo, heavier, variation, f"+load {load:g} -> {heavier:g} kg"
    if variation < len(spec.variations):
        lighter = None if load is None else _round_load(0.7 * load)
        harder = spec.variations[variation]
        return spec.base_sets, lo, lighter, variation + 1, f"harder variation: {harder}"
    return sets, reps, load, variation, "at the top of its ladder: held"


def _unit(spec: ExerciseSpec) -> str:
    return "s" if spec.hold else "rep"


def _tempo(spec: ExerciseSpec, block: Block) -> str | None:
    if spec.explosive:
        return "X-0-X-0"
    if spec.hold:
        return None
    return "4-0-1-0" if block.emphasis == "descent" and spec.eccentric else "2-0-1-0"


def _name(spec: ExerciseSpec, variation: int) -> str:
    return spec.variations[variation - 1] if variation > 0 else spec.name


def prescribe_exercise(
    spec: ExerciseSpec,
    level: ExerciseLevel | None,
    *,
    gate: Gate,
    block: Block,
    due: bool,
) -> ExercisePrescription:
    """Today's dose of one exercise from its logged level, the gate and the calendar."""
    tempo = _tempo(spec, block)
    rir = None if spec.explosive else 2
    eccentric = " (4-s lowering for descents)" if tempo == "4-0-1-0" else ""
    if level is None:
        lo = spec.reps[0]
        return ExercisePrescription(
            _name(spec, 0),
            spec.base_sets,
            None if spec.hold else lo,
            lo if spec.hold else None,
            None,
            None if spec.explosive else 3,
            tempo,
            "start",
            f"first time: pick a load that leaves 3 reps in reserve{eccentric}",
        )
    if not math.isfinite(level.reps):  # holds logged without a time
        level = replace(level, reps=float(spec.reps[0]))
    sets, reps, load, variation = level.sets, round(level.reps), level.load_kg, level.variation
    change: Change = "hold"
    note = "same as last time"
    if gate.status == "back_off":
        sets, rir = max(2, sets - 1), None if spec.explosive else 3
        load = None if load is None else _round_load(BACK_OFF_LOAD * load)
        change, note = "back_off", "backed off: " + ", ".join(gate.reasons)
    elif due and gate.status == "progress":
        sets, reps, load, variation, note = _step(spec, level)
        change = "progress" if "held" not in note else "hold"
    elif due:
        note = "progression held: " + ", ".join(gate.reasons)
    return ExercisePrescription(
        _name(spec, variation),
        sets,
        None if spec.hold else reps,
        reps if spec.hold else None,
        load,
        rir,
        tempo,
        change,
        note + eccentric,
    )


def progression_due(block: Block) -> bool:
    """A step may be taken this week (block weeks 1 and 3: every two weeks, never in deload)."""
    return block.week_in_block in PROGRESSION_WEEKS


def window_start(block: Block, today: date) -> date:
    """First day of the current progression window (the Monday of a progression week)."""
    monday = today - timedelta(days=today.weekday())
    return monday if progression_due(block) else today


def session_exercises(session_type: str, *, block: Block) -> list[str]:
    """Exercises of a strength session in this block (emphasis swaps applied, no repeats)."""
    swaps = EMPHASIS_SWAPS.get(block.emphasis, {})
    names = [swaps.get(n, n) for n in SESSION_EXERCISES.get(session_type, ())]
    return list(dict.fromkeys(names))


def prescribe_strength(
    session_type: str,
    *,
    levels: Mapping[str, ExerciseLevel],
    block: Block,
    signals: Mapping[str, float],
) -> list[ExercisePrescription]:
    """Today's exercises for a strength session (empty for other session types).

    Args:
        session_type: ``strength_lower``, ``strength_full`` or ``strength_explosive``.
        levels: Logged levels before the current window (``exercise_levels`` with
            ``before=window_start(block, today)``).
        block: Today's block (emphasis, deload, progression weeks).
        signals: The athlete's numbers (``readiness_self`` 0-10, ``sleep_h``, ``soreness``,
            ``soreness_avg``).
    """
    names = session_exercises(session_type, block=block)
    gate = readiness_gate(signals, deload=block.phase == "deload")
    due = progression_due(block)
    return [
        prescribe_exercise(EXERCISES[n], levels.get(n), gate=gate, block=block, due=due)
        for n in names
    ]


def level_changes(
    sets: pd.DataFrame | None,
    *,
    since: date,
    until: date,
    names: Sequence[str] = (),
    table: pd.DataFrame | None = None,
) -> list[str]:
    """Exercise-choice and load changes between two dates, for the reassessment (sentences)."""
    table = session_table(sets) if table is None else table
    if table.empty:
        return []
    before = exercise_levels(None, before=since, table=table)
    after = exercise_levels(None, before=until, table=table)
    out = []
    for name, now in sorted(after.items()):
        if names and name not in names:
            continue
        then = before.get(name)
        if then is None:
            continue
        spec = EXERCISES.get(name)
        label = _name(spec, now.variation) if spec else name
        if now.variation != then.variation and spec is not None:
            out.append(f"exercise choice: {_name(spec, then.variation)} -> {label}")
        elif now.load_kg and then.load_kg and not np.isclose(now.load_kg, then.load_kg):
            out.append(f"{label}: {then.load_kg:g} -> {now.load_kg:g} kg")
    return out[:3]
