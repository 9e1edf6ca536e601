"""The nightly batch's scaling curve: ``run_nightly`` end to end, local (pandas) vs Spark.

Run: ``python benchmarks/bench_nightly.py --athletes 1000 [--days 365] [--engines local,spark]
[--master local[2]] [--models-dir DATA_DIR] [--incremental]``.

A simulated cohort is saved once into a SQLite template database (cached under
``$TMPDIR/cairn-bench-nightly/<athletes>x<days>/``; the triggers mark every athlete dirty, as
after a bulk import). Each engine runs in a child process on its own copy of the template:
``engine.services.nightly.run_nightly`` for the morning after the last log, i.e. everything
``cairn nightly`` does: read the logs, build and store every athlete's daily feature rows
(SQLite writes included), continue them to the day, score 32 candidates per athlete with both
champions and write the scores. Prints wall time, the cost per athlete-day, the peak resident
memory of the engine's whole process tree (JVM and Python workers included; sampled every
0.2 s) and the run's own step timings. ``--incremental`` then runs the local engine again
after 1% of the athletes logged a check-in (the usual night: few athletes dirty).

The champions come from ``--models-dir`` (a data dir with trained models, e.g. the one of
``benchmarks/bench_cold.py``); without it the rule-based fallback scores.

``--distinct N`` (for 100,000 athletes: saving them one by one through the store would take
hours here) simulates and saves N distinct athletes (``SAVE_CHUNK`` at a time, each chunk its
own seed), then fills the cohort up to ``--athletes`` with copies made inside SQLite (``INSERT
... SELECT`` with shifted ids; the triggers mark every copy dirty as for any insert). A copy
is a separate athlete to both engines: nothing is shared or cached across athletes, so the
cost per athlete is that of a distinct one. ``--move-template`` runs one engine on the template
itself instead of a copy (100,000 athletes: the template is 15.5 GB, a run adds ~31 GB).
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import replace
from pathlib import Path

import pandas as pd

from pipelines.simulator.cohort import SimulatedCohort

ROOT = Path(tempfile.gettempdir()) / "cairn-bench-nightly"
END = dt.date(2025, 9, 1)  # the cohort's logs end the day before
SAVE_CHUNK = 1_000  # athletes saved per transaction


def _tree_rss_kb(pid: int) -> int:
    """Resident memory (kB) of ``pid`` and all its descendants."""
    children: dict[int, list[int]] = {}
    rss: dict[int, int] = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/status") as f:
                fields = dict(line.split(":", 1) for line in f if ":" in line)
        except OSError:
            continue
        p = int(entry)
        children.setdefault(int(fields["PPid"].strip()), []).append(p)
        rss[p] = int(fields.get("VmRSS", "0 kB").split()[0])
    total, todo = 0, [pid]
    while todo:
        p = todo.pop()
        total += rss.get(p, 0)
        todo.extend(children.get(p, []))
    return total


def _run_measured(args: list[str]) -> tuple[float, float, str]:
    """Run a child process; (wall seconds, peak tree RSS in GB, its stdout)."""
    began = time.perf_counter()
    child = subprocess.Popen(args, stdout=subprocess.PIPE, text=True)
    peak = 0
    done = threading.Event()

    def sample() -> None:
        nonlocal peak
        while not done.is_set():
            peak = max(peak, _tree_rss_kb(child.pid))
            time.sleep(0.2)

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    out, _ = child.communicate()
    done.set()
    sampler.join()
    if child.returncode:
        raise SystemExit(f"engine run failed ({child.returncode}): {' '.join(args)}")
    return time.perf_counter() - began, peak / 1024**2, out


def _athletes_of(cohort: SimulatedCohort, ids: set[int]) -> SimulatedCohort:
    """The part of ``cohort`` about athletes ``ids``."""
    frames = {
        name: frame[frame["athlete_id"].isin(ids)]
        for name in ("athletes", "sessions", "sets", "wellness", "injuries", "hidden", "params")
        if isinstance(frame := getattr(cohort, name), pd.DataFrame) and "athlete_id" in frame
    }
    return replace(cohort, **frames)


def prepare(athletes: int, days: int, *, distinct: int | None = None) -> Path:
    """The template database with the simulated cohort (built once)."""
    from engine.services.simulation import save_cohort
    from engine.store import database
    from pipelines.simulator.cohort import simulate_cohort

    distinct = athletes if distinct is None else min(distinct, athletes)
    folder = ROOT / f"{athletes}x{days}"
    template = folder / "template.sqlite"
    if template.exists():
        return template
    folder.mkdir(parents=True, exist_ok=True)
    began = time.perf_counter()
    building = folder / "building.sqlite"
    building.unlink(missing_ok=True)
    engine = database.make_engine(f"sqlite:///{building}")
    database.migrate_database(engine)
    factory = database.make_session_factory(engine)
    simulated = 0.0
    if distinct == athletes:
        cohort = simulate_cohort(
            n_athletes=athletes, n_days=days, seed=5, start=END - dt.timedelta(days=days)
        )
        simulated = time.perf_counter() - began
        ids = sorted(cohort.athletes["athlete_id"])
        for lo in range(0, len(ids), SAVE_CHUNK):  # save_cohort binds one variable per set
            part = set(ids[lo : lo + SAVE_CHUNK])
            with database.open_session(factory) as session:
                save_cohort(session, _athletes_of(cohort, part), seed=5)
    else:
        for lo in range(0, distinct, SAVE_CHUNK):
            mark = time.perf_counter()
            n = min(SAVE_CHUNK, distinct - lo)
            part = simulate_cohort(
                n_athletes=n, n_days=days, seed=5 + lo, start=END - dt.timedelta(days=days)
            )
            simulated += time.perf_counter() - mark
            with database.open_session(factory) as session:
                save_cohort(session, part, seed=5 + lo)
    engine.dispose()
    saved = time.perf_counter() - began - simulated
    print(f"simulated {distinct:,} x {days} in {simulated:.0f} s, saved (triggers marking every "
          f"athlete) in {saved:.0f} s")  # fmt: skip
    if distinct < athletes:
        mark = time.perf_counter()
        _replicate(building, distinct=distinct, athletes=athletes)
        print(f"copied up to {athletes:,} athletes inside SQLite in "
              f"{time.perf_counter() - mark:.0f} s")  # fmt: skip
    building.rename(template)
    return template


# table -> columns copied (id and the athlete / session reference are shifted per copy)
_COPIED = {
    "athlete": "name, birth_year, sex, experience_years, max_hr, resting_hr, availability_min, "
    "goal, created_at, timezone",
    "training_session": "date, start_time, kind, type, duration_min, distance_km, "
    "elevation_gain_m, elevation_loss_m, avg_hr, rpe, source, external_id",
    "wellness_checkin": "date, sleep_h, sleep_quality, soreness, fatigue, mood, stress, "
    "resting_hr, hrv_rmssd, readiness, pain, illness, source",
    "injury": "start_date, end_date, body_part, severity, source, external_id",
}


def _replicate(db: Path, *, distinct: int, athletes: int) -> None:
    """Copies of athletes 1..``distinct`` (and all their logs) until there are ``athletes``."""
    import sqlite3

    con = sqlite3.connect(db)
    top = {
        t: con.execute(f"SELECT max(id) FROM {t}").fetchone()[0] or 0  # noqa: S608 - our tables
        for t in ("athlete", "training_session", "wellness_checkin", "injury", "strength_set")
    }
    if top["athlete"] != distinct:
        raise SystemExit(f"expected athletes 1..{distinct}, found max id {top['athlete']}")
    for copy in range(1, -(-athletes // distinct)):
        n = min(distinct, athletes - copy * distinct)
        shift = {t: copy * top[t] for t in top}
        a = shift["athlete"]
        with con:
            con.execute(
                f"INSERT INTO athlete (id, {_COPIED['athlete']}, external_ref) "  # noqa: S608
                f"SELECT id + {a}, {_COPIED['athlete']}, external_ref || ':copy{copy}' "
                f"FROM athlete WHERE id <= {n}"
            )
            for table in ("training_session", "wellness_checkin", "injury"):
                cols = _COPIED[table]
                con.execute(
                    f"INSERT INTO {table} (id, athlete_id, {cols}) "  # noqa: S608
                    f"SELECT id + {shift[table]}, athlete_id + {a}, {cols} FROM {table} "
                    f"WHERE athlete_id <= {n}"
                )
            con.execute(
                "INSERT INTO strength_set (id, session_id, exercise, set_number, reps, load_kg, "
                f"rpe) SELECT s.id + {shift['strength_set']}, "  # noqa: S608
                f"s.session_id + {shift['training_session']}, s.exercise, s.set_number, "
                "s.reps, s.load_kg, s.rpe FROM strength_set s JOIN training_session t "
                f"ON t.id = s.session_id WHERE t.athlete_id <= {n}"
            )
        print(f"  copy {copy}: {n:,} athletes", flush=True)
    con.close()


def worker(engine: str, db: Path, master: str, models_dir: Path | None) -> None:
    """One ``run_nightly`` (runs in a child process); prints its report as JSON."""
    from engine.coach.scoring import ModelSet
    from engine.services.nightly import run_nightly
    from engine.store import database

    models = ModelSet(None, None, {}, degraded_reason="no models dir")
    if models_dir is not None:
        from engine.services.serving import load_champions
        from engine.settings import Settings

        models = load_champions(Settings(data_dir=models_dir))
    factory = database.make_session_factory(database.make_engine(f"sqlite:///{db}"))
    report = run_nightly(factory, day=END, models=models, engine=engine, master=master)
    print(json.dumps(report.to_dict() | {"models": models.available}))


def _mark_some(db: Path, share: float) -> int:
    """A check-in on the last day for ``share`` of the athletes (they become dirty)."""
    from engine.store import database, logbook

    factory = database.make_session_factory(database.make_engine(f"sqlite:///{db}"))
    with database.open_session(factory) as session:
        ids = sorted(int(a) for a in logbook.read_athletes_frame(session)["athlete_id"])
    chosen = ids[:: max(1, round(1 / share))]
    with database.open_session(factory) as session:
        for a in chosen:
            values = {"date": END - dt.timedelta(days=1), "sleep_h": 5.0, "soreness": 4}
            logbook.save_wellness(session, athlete_id=a, values=values)
    return len(chosen)


def _measure(label: str, args: list[str], *, athlete_days: int) -> None:
    wall, peak, out = _run_measured(args)
    report = json.loads(out.strip().splitlines()[-1])
    steps = ", ".join(f"{k} {v:.1f}" for k, v in report["seconds"].items())
    print(
        f"{label:17s} wall {wall:7.1f} s, {1e6 * wall / athlete_days:6.1f} us per athlete-day, "
        f"peak RSS {peak:5.2f} GB; {report['scores_written']:,} mornings scored "
        f"(models: {report['models']}); steps (s): {steps}"
    )


def main() -> None:
    """Parse the options, prepare the cohort, time each engine."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--athletes", type=int, default=1000)
    parser.add_argument("--days", type=int, default=365)
    parser.add_argument("--engines", default="local,spark")
    parser.add_argument("--master", default="local[2]")
    parser.add_argument("--models-dir", type=Path, default=None)
    parser.add_argument("--incremental", action="store_true")
    parser.add_argument("--distinct", type=int, default=None,
                        help="simulate this many distinct athletes, copy the rest")  # fmt: skip
    parser.add_argument("--move-template", action="store_true",
                        help="run the (single) engine on the template itself: no copy, for a "
                        "disk that cannot hold two (the template is used up)")  # fmt: skip
    parser.add_argument("--worker", default=None, help=argparse.SUPPRESS)
    parser.add_argument("--db", type=Path, default=None, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.worker:
        worker(args.worker, args.db, args.master, args.models_dir)
        return
    template = prepare(args.athletes, args.days, distinct=args.distinct)
    athlete_days = args.athletes * args.days
    print(f"load average at start: {os.getloadavg()[0]:.2f} on {os.cpu_count()} cores")
    engines = args.engines.split(",")
    if args.move_template and (len(engines) > 1 or args.incremental):
        raise SystemExit("--move-template runs one engine once")
    for engine in engines:
        db = template.with_name(f"run-{engine}.sqlite")
        if args.move_template:
            template.rename(db)
        else:
            shutil.copy(template, db)
        command = [sys.executable, __file__, "--worker", engine, "--db", str(db)]
        command += ["--master", args.master]
        if args.models_dir is not None:
            command += ["--models-dir", str(args.models_dir)]
        label = engine if engine == "local" else f"spark {args.master}"
        _measure(f"{label} (cold)", command, athlete_days=athlete_days)
        if args.incremental and engine == "local":
            n = _mark_some(db, 0.01)
            _measure(f"local ({n} dirty)", command, athlete_days=athlete_days)
    print(f"load average at end: {os.getloadavg()[0]:.2f}")


if __name__ == "__main__":
    main()
