"""The receding-horizon model: one session per day as booleans x[d, j], solved by HiGHS or CP-SAT.

The rules of ``engine.constraints`` become linear rows over the planned loads: spacing of hard
days and strength, the rolling weekly structure, the ramp cap and the EWMA acute:chronic band
(the chronic floor is a disjunction with one boolean per day). Rows that only apply to training
days relax on exempt options with a big-M. Load rows are tightened by ``MARGIN_AU`` so that a
rounded solver answer passes the exact float checks.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Literal

import numpy as np
from ortools.sat.python import cp_model
from scipy.optimize import Bounds, LinearConstraint, milp
from scipy.sparse import csr_array

from engine.catalogue import STRUCTURE_CATEGORIES, Candidate, category_of, is_recovery
from engine.constraints import History, ewma_lambdas, ramp_cap
from engine.planning import Rules

Solver = Literal["highs", "cpsat"]
MARGIN_AU = 0.05
BIG_M_PAD_AU = 1.0
TIME_LIMIT_S = 1.0  # wall-clock safety limit for either solver
# CP-SAT work limit in deterministic seconds: machine-independent, so the same input always gets
# the same answer (choose_session == plan_week day 0). 0.05 keeps p95 near 50 ms; over 200
# random contexts it left 2 plans a few points short of the proven optimum, none changing today.
CPSAT_WORK_LIMIT = 0.05
_CPSAT_SCALE = 1000.0
_OBJ_SCALE = 100.0


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
    rows: list[np.ndarray] = field(default_factory=list)
    lo: list[float] = field(default_factory=list)
    hi: list[float] = field(default_factory=list)

    @property
    def n_x(self) -> int:
        return int(self.offsets[-1])

    @property
    def n_vars(self) -> int:
        return self.n_x + len(self.days)  # x, one floor boolean per later day, over-target

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
    categories = [category_of(type_id=c.type, kind=c.kind, intensity=c.intensity) for c in cs]
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
        m.add(sum(m.vec(k, m.loads[k]) for k in range(d + 1)), hi=bound + BIG_M_PAD_AU)


def _load_rows(m: _Model, history: History, rules: Rules) -> None:
    lam_a, lam_c = ewma_lambdas(rules)
    lo, floor = rules.acwr_band[0], rules.chronic_floor_au
    for d in range(1, len(m.days)):
        if m.days[d].locked:
            continue
        week = sum(m.vec(k, m.loads[k]) for k in range(d + 1))
        rhs = ramp_cap(history, rules, d) - history.past_sum(d - 6, 0) - MARGIN_AU
        _relaxed(m, day=d, row=week, rhs=rhs, exempt="recovery")
        acute = sum(m.vec(k, lam_a * (1 - lam_a) ** (d - k) * m.loads[k]) for k in range(d + 1))
        chronic = sum(m.vec(k, lam_c * (1 - lam_c) ** (d - k) * m.loads[k]) for k in range(d + 1))
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


def weekly_target(history: History, rules: Rules) -> float:
    """Progressive-overload target for the planned 7 days (AU): (1 + overload) x reference week."""
    reference = max(history.last7, rules.ramp_floor_au, history.weekly_avg)
    return (1.0 + rules.weights.overload) * reference


def _build(days: Sequence[DayOptions], history: History, rules: Rules) -> tuple[_Model, np.ndarray]:
    offsets = np.concatenate([[0], np.cumsum([len(d.candidates) for d in days])]).astype(int)
    loads = [np.array([c.load_au for c in d.candidates]) for d in days]
    m = _Model(days, offsets, [_masks(d) for d in days], loads)
    for d, day in enumerate(days):
        m.add(m.vec(d, np.ones(len(day.candidates))), lo=1.0, hi=1.0)
    _spacing_rows(m)
    _structure_rows(m, history, rules)
    _load_rows(m, history, rules)
    _ramp_cuts(m, history, rules)
    total = sum(m.vec(d, loads[d]) for d in range(len(days)))
    total[-1] = -1.0
    m.add(total, hi=weekly_target(history, rules))
    w_over = rules.weights.over_target
    bonus = 1.0 + sum(
        2 * np.abs(d.value).max() + w_over * ld.max() for d, ld in zip(days, loads, strict=True)
    )
    objective = np.zeros(m.n_vars)
    for d, day in enumerate(days):
        structured = sum(m.masks[d][g] for g, n in rules.weekly_structure.items() if n > 0)
        objective += m.vec(d, day.value + bonus * structured)
    objective[-1] = -w_over
    return m, objective


def _solve_highs(m: _Model, objective: np.ndarray, upper: np.ndarray) -> np.ndarray | None:
    integrality = np.ones(m.n_vars)
    integrality[-1] = 0
    result = milp(
        -objective,
        integrality=integrality,
        bounds=Bounds(0.0, upper),
        constraints=LinearConstraint(csr_array(np.vstack(m.rows)), m.lo, m.hi),
        options={"time_limit": TIME_LIMIT_S},
    )
    return None if result.x is None else result.x


def _solve_cpsat(m: _Model, objective: np.ndarray, upper: np.ndarray) -> np.ndarray | None:
    model = cp_model.CpModel()
    xs = [model.new_bool_var(f"b{i}") for i in range(m.n_vars - 1)]
    xs.append(model.new_int_var(0, math.ceil(upper[-1]), "over"))
    slack = 0.5 * (len(m.days) + 2)  # rounding error bound: one active term per day, z, over
    for row, lo, hi in zip(m.rows, m.lo, m.hi, strict=True):
        nz = np.flatnonzero(row)
        exact = bool(np.all(row[nz] == np.round(row[nz])))
        scale, pad = (1.0, 0.0) if exact else (_CPSAT_SCALE, slack)
        expr = cp_model.LinearExpr.weighted_sum(
            [xs[i] for i in nz], [int(v) for v in np.rint(row[nz] * scale)]
        )
        if hi < math.inf:
            model.add(expr <= math.floor(hi * scale - pad + 1e-9))
        if lo > -math.inf:
            model.add(expr >= math.ceil(lo * scale + pad - 1e-9))
    coefs = [int(v) for v in np.rint(objective * _OBJ_SCALE)]
    model.maximize(cp_model.LinearExpr.weighted_sum(xs, coefs))
    solver = cp_model.CpSolver()
    solver.parameters.num_workers = 1
    solver.parameters.max_deterministic_time = CPSAT_WORK_LIMIT
    solver.parameters.max_time_in_seconds = TIME_LIMIT_S
    status = solver.solve(model)
    if status not in (cp_model.OPTIMAL, cp_model.FEASIBLE):
        return None
    return np.array([solver.value(x) for x in xs], dtype=float)


def solve_horizon(
    *, days: Sequence[DayOptions], history: History, rules: Rules, solver: Solver = "cpsat"
) -> list[int] | None:
    """Pick one option per day maximizing the objective under the hard rules.

    Returns:
        The chosen option index for each day, or None when the solver found no solution.
    """
    m, objective = _build(days, history, rules)
    upper = np.ones(m.n_vars)
    upper[-1] = max(1.0, sum(float(ld.max()) for ld in m.loads))
    backends = {"cpsat": _solve_cpsat, "highs": _solve_highs}
    for name in (solver, *(n for n in backends if n != solver)):  # the other one as a backup
        x = backends[name](m, objective, upper)
        if x is not None:
            return [int(np.argmax(x[m.offsets[d] : m.offsets[d + 1]])) for d in range(len(days))]
    return None


def plan_objective(
    *, days: Sequence[DayOptions], picks: Sequence[int], history: History, rules: Rules
) -> float:
    """Objective of a plan (points), without the structure bonus."""
    value = sum(float(day.value[j]) for day, j in zip(days, picks, strict=True))
    load = sum(day.candidates[j].load_au for day, j in zip(days, picks, strict=True))
    over = max(0.0, load - weekly_target(history, rules))
    return value - rules.weights.over_target * over
