"""Learning curve and label policy: how Cairn's readiness error falls with own history.

Run: ``python benchmarks/bench_learning.py [--source sim|pmdata|both] [--athletes 40]``.

Learning curve: a pooled readiness model is fitted on *other* athletes (simulator: a second
cohort with another seed; PMData: the other folds of 4 athlete groups); each test athlete is
then scored on the 7 days after they have 7, 14, 28, 56 and 112 days of own history (days since
their first check-in), on their own self-reports (0-10). Printed per history length: the pooled
model, the pooled model plus the athlete's shrunk offset (``models.personal``: partial pooling,
from residuals on their own earlier days only) and the athlete's rounded 7-day EWMA.

Label policy (``--labels``): the held-out MAE (self-reports only) with training labels from
self-reports only vs. self-reports plus composites mapped onto the athlete's scale (flagged),
on the simulator, on the simulator with 20% of reports removed, and on PMData.
"""

from __future__ import annotations

import argparse
import datetime as dt
from pathlib import Path

import numpy as np
import pandas as pd

from engine.evaluation.pmdata import default_pmdata_path, read_pmdata_frames
from engine.services.training import prepare_frame
from models.evaluate import split_by_time
from models.families import fit_family, predict_family
from models.personal import shrunk_offset
from models.selection import READINESS, fit_target, target_rows
from pipelines.features import FEATURE_COLUMNS, build_daily_features
from pipelines.simulator.cohort import simulate_cohort

HISTORY_DAYS = (7, 14, 28, 56, 112)
WINDOW = 7
END = dt.date(2026, 1, 1)


def sim_table(*, n_athletes: int, seed: int, days: int = 300, drop_reports: float = 0.0):  # noqa: ANN201
    cohort = simulate_cohort(
        n_athletes=n_athletes, n_days=days, seed=seed, start=END - dt.timedelta(days=days)
    )
    wellness = cohort.wellness.copy()
    if drop_reports:
        rng = np.random.default_rng(seed)
        wellness.loc[rng.random(len(wellness)) < drop_reports, "readiness"] = np.nan
    table = build_daily_features(
        cohort.sessions, wellness, cohort.injuries, athletes=cohort.athletes, sets=cohort.sets
    )
    return prepare_frame(table)


def pmdata_table():  # noqa: ANN201
    frames = read_pmdata_frames(default_pmdata_path(Path.cwd()), today=dt.date.today())
    table = build_daily_features(
        frames["sessions"], frames["wellness"], frames["injuries"], athletes=frames["athletes"]
    )
    return prepare_frame(table)


def _history_index(frame: pd.DataFrame) -> np.ndarray:
    first = frame.loc[frame["readiness"].notna()].groupby("athlete_id")["date"].min()
    start = frame["athlete_id"].map(first)
    return (frame["date"] - start).dt.days.to_numpy()


def curve(train: pd.DataFrame, test: pd.DataFrame, *, family: str) -> dict[int, dict[str, float]]:
    """MAE (0-10) at each history length for pooled, pooled + offset and the rounded EWMA."""
    rows = train[target_rows(READINESS, train)]
    model = fit_family(READINESS, family, rows, columns=FEATURE_COLUMNS)
    ewma = fit_family(READINESS, "ewma_rounded", rows, columns=FEATURE_COLUMNS)
    test = test.assign(day=_history_index(test))
    labelled = test[test["label_scored"] == 1].copy()
    labelled["pooled"] = predict_family(READINESS, model, labelled)
    labelled["ewma"] = predict_family(READINESS, ewma, labelled)
    out: dict[int, dict[str, float]] = {}
    for k in HISTORY_DAYS:
        errors = {"pooled": [], "personal": [], "ewma_rounded": []}
        for _, own in labelled.groupby("athlete_id"):
            past = own[own["day"] < k - 1]
            scored = own[(own["day"] >= k) & (own["day"] < k + WINDOW)]
            if scored.empty:
                continue
            y = scored["readiness_label"].to_numpy()
            offset = shrunk_offset(past["readiness_label"].to_numpy() - past["pooled"].to_numpy())
            errors["pooled"] += list(np.abs(y - scored["pooled"]))
            errors["personal"] += list(np.abs(y - np.clip(scored["pooled"] + offset, 0, 100)))
            errors["ewma_rounded"] += list(np.abs(y - scored["ewma"]))
        out[k] = {name: float(np.mean(e)) / 10 for name, e in errors.items() if e}
        out[k]["n"] = len(errors["pooled"])
    return out


def pmdata_curve(table: pd.DataFrame, *, family: str, n_folds: int = 4) -> dict:
    ids = np.sort(table["athlete_id"].unique())
    parts: dict[int, list[dict[str, float]]] = {k: [] for k in HISTORY_DAYS}
    for fold in range(n_folds):
        held = ids[fold::n_folds]
        result = curve(
            table[~table["athlete_id"].isin(held)],
            table[table["athlete_id"].isin(held)],
            family=family,
        )
        for k, row in result.items():
            parts[k].append(row)
    merged = {}
    for k, rows in parts.items():
        n = sum(r["n"] for r in rows)
        if n:
            keys = [key for key in rows[0] if key != "n"]
            merged[k] = {key: sum(r[key] * r["n"] for r in rows if key in r) / n for key in keys}
            merged[k]["n"] = n
    return merged


def label_effect(frame: pd.DataFrame) -> dict[str, float]:
    """Held-out MAE (0-10, self-reports only) of the chosen family, training labels both ways."""
    result = {}
    for policy in ("drop", "scaled"):
        labelled = prepare_frame(
            frame.drop(columns=["readiness_label", "label_imputed", "label_scored"]), imputed=policy
        )[0]
        split = split_by_time(
            labelled, labelled=target_rows(READINESS, labelled), athlete_fraction=0.2
        )
        # params={}: the default LightGBM size for both policies (no small-table switch, which
        # would otherwise depend on how many labels a policy keeps)
        fit = fit_target(
            READINESS, labelled, split, columns=FEATURE_COLUMNS, family="lightgbm", params={}
        )
        result[policy] = fit.value / 10
        result[f"{policy}_n_train"] = fit.n_train
    return result


def _print_curve(title: str, rows: dict) -> None:
    print(title)
    for k, row in rows.items():
        cells = "  ".join(f"{name} {v:.3f}" for name, v in row.items() if name != "n")
        print(f"  after {k:>3} days: {cells}  (n={row['n']})")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--source", choices=("sim", "pmdata", "both", "none"), default="both")
    parser.add_argument("--athletes", type=int, default=40)
    parser.add_argument("--family", default="lightgbm")
    parser.add_argument("--labels", action="store_true", help="Also measure the label policy.")
    args = parser.parse_args()
    if args.source in ("sim", "both"):
        train, _ = sim_table(n_athletes=args.athletes, seed=1)
        test, _ = sim_table(n_athletes=max(10, args.athletes // 2), seed=2)
        _print_curve(f"Simulator ({args.family}), MAE 0-10", curve(train, test, family=args.family))
    if args.source in ("pmdata", "both"):
        table, _ = pmdata_table()
        _print_curve(
            f"PMData ({args.family}), 4 athlete folds, MAE 0-10",
            pmdata_curve(table, family=args.family),
        )
    if args.labels:
        print("Label policy, held-out MAE 0-10 (LightGBM; self-reports only in the metric):")
        print("  simulator:", label_effect(sim_table(n_athletes=args.athletes, seed=1)[0]))
        dropped = sim_table(n_athletes=args.athletes, seed=1, drop_reports=0.2)[0]
        print("  simulator, 20% reports missing:", label_effect(dropped))
        print("  pmdata:", label_effect(pmdata_table()[0]))


if __name__ == "__main__":
    main()
