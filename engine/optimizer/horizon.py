"""The receding-horizon model: one session per day as booleans x[d, j].

Solved in ``engine.optimizer.solvers``.

The rules of ``engine.optimizer.constraints`` become linear rows over the planned loads: spacing of
hard days and strength, the rolling weekly structure, the ramp cap and the EWMA acute:chronic band
(the chronic floor is a disjunction with one boolean per day). Rows that only apply to training days
relax on exempt options with a big-M. Load rows are tightened by ``MARGIN_AU`` so that a rounded
solver answer passes the exact float checks.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import cast

import numpy as np

from engine.optimizer.catalogue import STRUCTURE_CATEGORIES, Candidate, category_of, is_recovery
from engine.optimizer.load_state import History, ewma_lambdas, ramp_cap, weekly_target
from engine.optimizer.rules import ObjectiveWeights, Rules
from engine.optimizer.solvers import Program, Solver, solve

MARGIN_AU = 0.05  # load rows are tightened by this so rounded answers pass the float checks
BIG_M_PAD_AU = 1.0


@dataclass(frozen=True)
class DayOptions:
    """The sessions allowed on one day after the static checks, with their value (points)."""

    candidates: tuple[Candidate, ...]
    locked: bool
    value: np.ndarray


@dataclass
class _Model:
    days: Sequence[DayOptions]
    offsets: np.ndarray
    masks: list[dict[str, np.ndarray]]
    loads: list[np.ndarray]
    repeat_types: tuple[str, ...] = ()
    rows: list[np.ndarray] = field(default_factory=list)
    lo: list[float] = field(default_factory=list)
    hi: list[float] = field(default_factory=list)

    @property
    def n_x(self) -> int:
        return int(self.offsets[-1])

    @property
    def n_vars(self) -> int:
        """x, one floor boolean per later day, one repeat count per type, the over-target."""
        return self.n_x + len(self.days) - 1 + len(self.repeat_types) + 1

    @property
    def n_bool(self) -> int:
        return self.n_x + len(self.days) - 1

    def vec(self, day: int, coefs: np.ndarray) -> np.ndarray:
        row = np.zeros(self.n_vars)
        row[self.offsets[day] : self.offsets[day + 1]] = coefs
        return row

    def add(self, row: np.ndarray, *, lo: float = -math.inf, hi: float = math.inf) -> None:
        self.rows.append(row)
        self.lo.append(lo)
        self.hi.append(hi)

    def top(self, row: np.ndarray, day: int) -> float:
        """Largest value ``row`` can take over the x blocks of days 0..day."""
        blocks = (row[self.offsets[k] : self.offsets[k + 1]] for k in range(day + 1))
        return sum(max(0.0, float(b.max())) for b in blocks)


def _category(c: Candidate) -> str:
    return category_of(type_id=c.type, kind=c.kind, intensity=c.intensity)


def _masks(day: DayOptions) -> dict[str, np.ndarray]:
    def mask(values: list[bool]) -> np.ndarray:
        return np.array(values, dtype=float)

    cs = day.candidates
    out = {
        "hard": mask([c.intensity == "hard" for c in cs]),
        "hard_run": mask([c.kind == "run" and c.intensity == "hard" for c in cs]),
        "strength": mask([c.kind == "strength" for c in cs]),
        "recovery": mask([is_recovery(c.kind) for c in cs]),
        "easy": mask([c.intensity not in ("moderate", "hard") for c in cs]),
    }
    categories = [_category(c) for c in cs]
    out |= {g: mask([k == g for k in categories]) for g in STRUCTURE_CATEGORIES}
    return out


def _spacing_rows(m: _Model) -> None:
    pairs = (("hard", "hard"), ("strength", "hard_run"), ("hard_run", "strength"))
    for d in range(len(m.days) - 1):
        if m.days[d].locked and m.days[d + 1].locked:
            continue
        for first, second in pairs:
            m.add(m.vec(d, m.masks[d][first]) + m.vec(d + 1, m.masks[d + 1][second]), hi=1.0)


def _structure_rows(m: _Model, history: History, rules: Rules) -> None:
    for category, target in rules.weekly_structure.items():
        for d in range(len(m.days)):
            row, fixed = np.zeros(m.n_vars), history.past_count(category, d)
            for k in range(max(0, d - 6), d + 1):
                if m.days[k].locked:
                    fixed += int(m.masks[k][category].sum())
                else:
                    row += m.vec(k, m.masks[k][category])
            if row.any():
                m.add(row, hi=float(max(target, fixed) - fixed))


def _big_m(m: _Model, *, day: int, row: np.ndarray, rhs: float) -> np.ndarray:
    """Per-option big-M for day ``day``: how far ``row`` can exceed ``rhs`` with that option."""
    others = m.top(row, day - 1) if day > 0 else 0.0
    block = row[m.offsets[day] : m.offsets[day + 1]]
    return np.maximum(0.0, others + block - rhs) + BIG_M_PAD_AU


def _relaxed(m: _Model, *, day: int, row: np.ndarray, rhs: float, exempt: str) -> None:
    """Add ``row <= rhs``, relaxed (big-M) when day ``day`` picks an ``exempt`` option."""
    big = _big_m(m, day=day, row=row, rhs=rhs) * m.masks[day][exempt]
    m.add(row - m.vec(day, big), hi=rhs)


def _acwr_upper(
    m: _Model,
    *,
    day: int,
    acute: np.ndarray,
    chronic: np.ndarray,
    a0: float,
    c0: float,
    rules: Rules,
) -> None:
    """acute <= hi * max(chronic, floor), relaxed on recovery options.

    When the chronic EWMA may end on either side of the floor, a boolean z (1 = floor branch)
    picks the branch.
    """
    hi, floor = rules.acwr_band[1], rules.chronic_floor_au
    if c0 >= floor:  # the chronic EWMA cannot fall under the floor within the horizon
        _relaxed(
            m, day=day, row=acute - hi * chronic, rhs=hi * c0 - a0 - MARGIN_AU, exempt="recovery"
        )
        return
    if c0 + m.top(chronic, day) <= floor:
        _relaxed(m, day=day, row=acute, rhs=hi * floor - a0 - MARGIN_AU, exempt="recovery")
        return
    z = np.zeros(m.n_vars)
    z[m.n_x + day - 1] = 1.0
    rec = m.masks[day]["recovery"]
    row, rhs = acute - hi * chronic, hi * c0 - a0 - MARGIN_AU
    big = max(0.0, m.top(row, day) - rhs) + BIG_M_PAD_AU
    m.add(row - big * z - m.vec(day, _big_m(m, day=day, row=row, rhs=rhs) * rec), hi=rhs)
    rhs = hi * floor - a0 - MARGIN_AU
    big = max(0.0, m.top(acute, day) - rhs) + BIG_M_PAD_AU
    row = acute + big * z - m.vec(day, _big_m(m, day=day, row=acute, rhs=rhs) * rec)
    m.add(row, hi=rhs + big)


def _ramp_cuts(m: _Model, history: History, rules: Rules) -> None:
    """Valid rows ``load of days 0..d <= U_d`` implied by the ramp rule, without big-M.

    A training day keeps the window under its cap; a recovery day adds at most its largest
    recovery load to the previous bound. These rows change no answer but tighten the LP
    relaxation a lot (a steady athlete's plan went from ~700 ms to ~60 ms).
    """
    bound = float(m.loads[0].max())  # every day-0 option already passed the exact check
    for d in range(1, len(m.days)):
        recovery = m.masks[d]["recovery"] > 0
        if m.days[d].locked:
            bound += float(m.loads[d][0])
        else:
            bound += float(m.loads[d][recovery].max()) if recovery.any() else 0.0
            if not recovery.all():
                cap = ramp_cap(history, rules, d) - history.past_sum(d - 6, 0)
                bound = max(bound, cap)
        m.add(_rows_sum(m.vec(k, m.loads[k]) for k in range(d + 1)), hi=bound + BIG_M_PAD_AU)


def _rows_sum(rows: Iterable[np.ndarray]) -> np.ndarray:
    """The sum of constraint rows (plain ``sum``, so the arithmetic is exactly as written)."""
    return cast(np.ndarray, sum(rows))


def _load_rows(m: _Model, history: History, rules: Rules) -> None:
    lam_a, lam_c = ewma_lambdas(rules)
    lo, floor = rules.acwr_band[0], rules.chronic_floor_au
    for d in range(1, len(m.days)):
        if m.days[d].locked:
            continue
        week = _rows_sum(m.vec(k, m.loads[k]) for k in range(d + 1))
        rhs = ramp_cap(history, rules, d) - history.past_sum(d - 6, 0) - MARGIN_AU
        _relaxed(m, day=d, row=week, rhs=rhs, exempt="recovery")
        acute = _rows_sum(
            m.vec(k, lam_a * (1 - lam_a) ** (d - k) * m.loads[k]) for k in range(d + 1)
        )
        chronic = _rows_sum(
            m.vec(k, lam_c * (1 - lam_c) ** (d - k) * m.loads[k]) for k in range(d + 1)
        )
        a0 = (1 - lam_a) ** (d + 1) * history.acute
        c0 = (1 - lam_c) ** (d + 1) * history.chronic
        _acwr_upper(m, day=d, acute=acute, chronic=chronic, a0=a0, c0=c0, rules=rules)
        if history.lower_waived:
            continue
        # acute >= lo * max(chronic, floor), i.e. >= lo * chronic and >= lo * floor.
        row, rhs = lo * chronic - acute, a0 - lo * c0 - MARGIN_AU
        _relaxed(m, day=d, row=row, rhs=rhs, exempt="easy")
        if c0 < floor:
            _relaxed(m, day=d, row=-acute, rhs=a0 - lo * floor - MARGIN_AU, exempt="easy")


def horizon_target(history: History, rules: Rules, n_days: int) -> float:
    """The weekly target pro rata for a horizon of ``n_days`` days (AU): a shorter choice
    horizon must not spend the whole week's target in its first days."""
    return weekly_target(history, rules) * min(n_days, 7) / 7.0


def stimulus(candidate: Candidate, weights: ObjectiveWeights) -> float:
    """Training stimulus (points): intensity-weighted load plus climbing and descending credit
    for runs and the muscular credit of strength work."""
    strength = weights.strength_per_au * candidate.load_au if candidate.kind == "strength" else 0.0
    return (
        weights.intensity.get(candidate.intensity, 1.0) * candidate.load_au
        + weights.climb_per_m * candidate.elevation_gain_m
        + weights.descent_per_m * candidate.elevation_loss_m
        + strength
    )


def today_penalty(readiness: float, injury_risk: float, weights: ObjectiveWeights) -> float:
    """Risk and below-comfortable readiness penalties (points); missing predictions cost 0."""
    risk = weights.risk * injury_risk if math.isfinite(injury_risk) else 0.0
    gap = weights.readiness_comfortable - readiness if math.isfinite(readiness) else 0.0
    return risk + weights.readiness * max(0.0, gap)


def _repeat_rows(m: _Model) -> None:
    """repeat_t >= (sessions of type t) - 1 for the structured types (variety in the week)."""
    for i, type_id in enumerate(m.repeat_types):
        row = _rows_sum(
            m.vec(d, np.array([c.type == type_id for c in day.candidates], dtype=float))
            for d, day in enumerate(m.days)
        )
        row[m.n_bool + i] = -1.0
        m.add(row, hi=1.0)


def _build(days: Sequence[DayOptions], history: History, rules: Rules) -> tuple[_Model, np.ndarray]:
    offsets = np.concatenate([[0], np.cumsum([len(d.candidates) for d in days])]).astype(int)
    loads = [np.array([c.load_au for c in d.candidates]) for d in days]
    repeat_types = tuple(
        sorted(
            {c.type for d in days for c in d.candidates if _category(c) in rules.weekly_structure}
        )
    )
    m = _Model(days, offsets, [_masks(d) for d in days], loads, repeat_types=repeat_types)
    for d, day in enumerate(days):
        m.add(m.vec(d, np.ones(len(day.candidates))), lo=1.0, hi=1.0)
    _spacing_rows(m)
    _structure_rows(m, history, rules)
    _load_rows(m, history, rules)
    _ramp_cuts(m, history, rules)
    _repeat_rows(m)
    total = _rows_sum(m.vec(d, loads[d]) for d in range(len(days)))
    total[-1] = -1.0
    m.add(total, hi=horizon_target(history, rules, len(days)))
    w_over = rules.weights.over_target
    bonus = 1.0 + sum(
        2 * np.abs(d.value).max() + w_over * ld.max() for d, ld in zip(days, loads, strict=True)
    )
    objective = np.zeros(m.n_vars)
    for d, day in enumerate(days):
        structured = sum(m.masks[d][g] for g, n in rules.weekly_structure.items() if n > 0)
        objective += m.vec(d, day.value + bonus * structured)
    objective[m.n_bool : m.n_bool + len(repeat_types)] = -rules.weights.repeat
    objective[-1] = -w_over
    return m, objective


def solve_horizon(
    *, days: Sequence[DayOptions], history: History, rules: Rules, solver: Solver = "cpsat"
) -> list[int] | None:
    """Pick one option per day maximizing the objective under the hard rules.

    Returns:
        The chosen option index for each day, or None when neither solver found a solution
        (``solver`` is tried first, then the other one).
    """
    m, objective = _build(days, history, rules)
    upper = np.ones(m.n_vars)
    upper[m.n_bool :] = len(days)
    upper[-1] = max(1.0, sum(float(ld.max()) for ld in m.loads))
    program = Program(
        np.vstack(m.rows),
        np.array(m.lo),
        np.array(m.hi),
        objective,
        upper,
        m.n_bool,
        max_active=len(days) + 2,
    )  # one x per day, a floor boolean, over
    x = solve(program, solver)
    if x is None:
        return None
    return [int(np.argmax(x[m.offsets[d] : m.offsets[d + 1]])) for d in range(len(days))]


def plan_objective(
    *, days: Sequence[DayOptions], picks: Sequence[int], history: History, rules: Rules
) -> float:
    """Objective of a plan (points), without the structure bonus."""
    value = sum(float(day.value[j]) for day, j in zip(days, picks, strict=True))
    load = sum(day.candidates[j].load_au for day, j in zip(days, picks, strict=True))
    over = max(0.0, load - horizon_target(history, rules, len(days)))
    chosen = [day.candidates[j] for day, j in zip(days, picks, strict=True)]
    structured = [c.type for c in chosen if _category(c) in rules.weekly_structure]
    repeats = len(structured) - len(set(structured))
    return value - rules.weights.over_target * over - rules.weights.repeat * repeats
