"""Two backends for the same mixed-integer program: OR-Tools CP-SAT (default) and HiGHS.

The program: maximize ``objective @ v`` subject to ``lo <= A v <= hi`` and ``0 <= v <= upper``,
where ``v[:n_bool]`` are booleans and the rest are integers (CP-SAT) or continuous (HiGHS; they
are sums of booleans or a slack, integral at the optimum anyway). See docs/optimizer.md for the
timings that made CP-SAT the default.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Literal

import numpy as np
from ortools.sat.python import cp_model

Solver = Literal["cpsat", "highs"]
TIME_LIMIT_S = 1.0  # wall-clock safety limit for either solver
# CP-SAT work limit in deterministic seconds: machine-independent, so the same input always gets
# the same answer (choose_session == plan_week day 0). With the parameters below 198 of 200
# benchmark contexts were proven optimal within it; the other two stopped <= 1.5% short.
CPSAT_WORK_LIMIT = 0.1
CPSAT_SCALE = 1000.0  # real coefficients -> integers (1/1000 AU)
OBJECTIVE_SCALE = 100.0  # objective points -> integers (1/100 point)
_CP_INF = 2**62  # an unbounded side of a linear constraint in the CP-SAT proto


@dataclass(frozen=True)
class Program:
    """A maximization MIP in dense form.

    Attributes:
        a: Constraint matrix (rows x variables).
        lo: Row lower bounds (-inf when none).
        hi: Row upper bounds (+inf when none).
        objective: Objective coefficients (points).
        upper: Variable upper bounds (lower bounds are 0).
        n_bool: The first ``n_bool`` variables are booleans.
        max_active: Most variables with a non-integer coefficient that can be non-zero together
            in one row; bounds the CP-SAT rounding error (0.5 unit each).
    """

    a: np.ndarray
    lo: np.ndarray
    hi: np.ndarray
    objective: np.ndarray
    upper: np.ndarray
    n_bool: int
    max_active: int


def solve_highs(p: Program) -> np.ndarray | None:
    """Solve with HiGHS (``scipy.optimize.milp``); None when no solution was found in time."""
    from scipy.optimize import Bounds, LinearConstraint, milp  # 0.3 s: only for this backend
    from scipy.sparse import csr_array

    integrality = np.zeros(len(p.objective))
    integrality[: p.n_bool] = 1
    result = milp(
        -p.objective,
        integrality=integrality,
        bounds=Bounds(0.0, p.upper),
        constraints=LinearConstraint(csr_array(p.a), p.lo, p.hi),
        options={"time_limit": TIME_LIMIT_S},
    )
    return None if result.x is None else np.asarray(result.x)


class _CpModel(cp_model.CpModel):
    """A CP-SAT model without the camelCase aliases OR-Tools adds to every new model."""

    def _add_pre_pep8_methods(self) -> None:
        return None


def _add_row(model: cp_model.CpModel, row: np.ndarray, lo: float, hi: float, pad: float) -> None:
    """Add ``lo <= row @ v <= hi`` scaled to integers, rounded so the float row still holds.

    Written straight into the model proto (variables are indexed as in the program).
    """
    nz = np.flatnonzero(row)
    values = row[nz]
    exact = bool(np.all(values == np.round(values)))
    scale, pad = (1.0, 0.0) if exact else (CPSAT_SCALE, pad)
    upper = math.floor(hi * scale - pad + 1e-9) if hi < math.inf else _CP_INF
    lower = math.ceil(lo * scale + pad - 1e-9) if lo > -math.inf else -_CP_INF
    ct = model.proto.constraints.add()
    ct.linear.vars.extend(nz.tolist())
    ct.linear.coeffs.extend(np.rint(values * scale).astype(np.int64).tolist())
    ct.linear.domain.extend([lower, upper])


def solve_cpsat(p: Program) -> np.ndarray | None:
    """Solve with CP-SAT (one worker, deterministic); None when no solution was found."""
    model = _CpModel()
    xs = [model.new_bool_var(f"b{i}") for i in range(p.n_bool)]
    xs += [model.new_int_var(0, math.ceil(u), f"i{i}") for i, u in enumerate(p.upper[p.n_bool :])]
    for row, lo, hi in zip(p.a, p.lo, p.hi, strict=True):
        _add_row(model, row, lo, hi, pad=0.5 * p.max_active)
    coefs = [int(v) for v in np.rint(p.objective * OBJECTIVE_SCALE)]
    model.maximize(cp_model.LinearExpr.weighted_sum(xs, coefs))
    solver = cp_model.CpSolver()
    solver.parameters.num_workers = 1
    # Tuned on benchmarks/bench_optimizer.py (steady athletes, exact solves): presolve, probing,
    # symmetry detection and cuts cost more than they save on this small model (p50 44 -> 28 ms,
    # p95 153 -> 63 ms); the full LP relaxation (level 2) guides the search better.
    solver.parameters.cp_model_presolve = False
    solver.parameters.cp_model_probing_level = 0
    solver.parameters.symmetry_level = 0
    solver.parameters.cut_level = 0
    solver.parameters.linearization_level = 2
    solver.parameters.max_deterministic_time = CPSAT_WORK_LIMIT
    solver.parameters.max_time_in_seconds = TIME_LIMIT_S
    if solver.solve(model) not in (cp_model.OPTIMAL, cp_model.FEASIBLE):
        return None
    return np.array([solver.value(x) for x in xs], dtype=float)


BACKENDS: Mapping[str, Callable[[Program], np.ndarray | None]] = {
    "cpsat": solve_cpsat,
    "highs": solve_highs,
}


def solve(p: Program, solver: Solver) -> np.ndarray | None:
    """Solve with ``solver``, then with the other backend if the first found nothing."""
    for name in (solver, *(n for n in BACKENDS if n != solver)):
        x = BACKENDS[name](p)
        if x is not None:
            return x
    return None
