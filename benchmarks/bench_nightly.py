"""The nightly batch's scaling curve: local (pandas) vs Spark local[2], same pure functions.

Run: ``python benchmarks/bench_nightly.py --athletes 1000 [--days 365] [--engines local,spark]
[--models-dir DATA_DIR]``. A simulated cohort (cached as Parquet under
``$TMPDIR/cairn-bench-nightly/<athletes>x<days>/``) is the input; each engine runs in a child
process that reads the logs, builds every athlete's daily features up to the last day and
scores every athlete's morning (32 candidates, both champions), then writes the encoded
feature rows and the scores as Parquet: ``engine.services.nightly_spark.athlete_outputs`` per
chunk of 1,000 athletes (local) or per bucket of about 200 athletes in
``groupBy(bucket).applyInPandas`` (Spark, ``nightly_spark.group_frame``). The database read
and upsert are left out (``cairn nightly --json`` reports them). Prints wall time, the cost
per athlete-day and the peak resident memory of the engine's whole process tree (sampled
every 0.2 s).

The champions come from ``--models-dir`` (a data dir with trained models, e.g. the one of
``benchmarks/bench_cold.py``); without it the rule-based fallback scores.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import pickle
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import pandas as pd

ROOT = Path(tempfile.gettempdir()) / "cairn-bench-nightly"
LOCAL_CHUNK = 1_000


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


def _run_measured(args: list[str]) -> tuple[float, float]:
    """Run a child process; (wall seconds, peak tree RSS in GB)."""
    began = time.perf_counter()
    child = subprocess.Popen(args)
    peak = 0
    done = threading.Event()

    def sample() -> None:
        nonlocal peak
        while not done.is_set():
            peak = max(peak, _tree_rss_kb(child.pid))
            time.sleep(0.2)

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    code = child.wait()
    done.set()
    sampler.join()
    if code:
        raise SystemExit(f"engine run failed ({code}): {' '.join(args)}")
    return time.perf_counter() - began, peak / 1024**2


def prepare(athletes: int, days: int, models_dir: Path | None) -> Path:
    """Simulate the cohort once (Parquet), and pickle the champions next to it."""
    from engine.services.nightly_spark import _long_frame
    from pipelines.simulator.cohort import simulate_cohort

    folder = ROOT / f"{athletes}x{days}"
    logs = folder / "logs.parquet"
    if not logs.exists():
        folder.mkdir(parents=True, exist_ok=True)
        began = time.perf_counter()
        end = dt.date(2025, 9, 1)
        cohort = simulate_cohort(
            n_athletes=athletes, n_days=days, seed=5, start=end - dt.timedelta(days=days)
        )
        profiles = cohort.athletes.copy()
        long = _long_frame(
            {
                "s": cohort.sessions,
                "w": cohort.wellness,
                "i": cohort.injuries,
                "x": cohort.sets,
                "p": profiles[[c for c in profiles.columns if not c.startswith("avail_")]],
            }
        )
        long.to_parquet(logs, index=False, coerce_timestamps="us")
        (folder / "day.txt").write_text((end - dt.timedelta(days=1)).isoformat())
        print(f"simulated {athletes} x {days} in {time.perf_counter() - began:.0f} s")
    models_file = folder / "models.pkl"
    from engine.coach.scoring import ModelSet

    models = ModelSet(None, None, {}, degraded_reason="no models dir")
    if models_dir is not None:
        from engine.services.serving import load_champions
        from engine.settings import Settings

        models = load_champions(Settings(data_dir=models_dir))
    with open(models_file, "wb") as f:
        pickle.dump(models, f)
    return folder


def worker(engine: str, folder: Path, master: str) -> None:
    """One engine's batch over the cohort in ``folder`` (runs in a child process)."""
    from engine.services import nightly_spark

    day = dt.date.fromisoformat((folder / "day.txt").read_text())
    out = folder / f"out-{engine}.parquet"
    models_path = str(folder / "models.pkl")
    if engine == "local":  # chunk by chunk: logs read and results written per chunk
        models = nightly_spark._models(models_path)
        source = folder / "logs.parquet"
        ids = sorted(pd.read_parquet(source, columns=["athlete_id"])["athlete_id"].unique())
        if out.is_file():
            out.unlink()
        shutil.rmtree(out, ignore_errors=True)
        out.mkdir()
        for k, lo in enumerate(range(0, len(ids), LOCAL_CHUNK)):
            chunk = ids[lo : lo + LOCAL_CHUNK]
            logs = pd.read_parquet(
                source,
                filters=[("athlete_id", ">=", int(chunk[0])), ("athlete_id", "<=", int(chunk[-1]))],
            )
            result = nightly_spark.athlete_outputs(logs, day=day, models=models)
            result.to_parquet(out / f"part-{k:05d}.parquet", index=False)
        return
    spark = nightly_spark.spark_session(master)

    def per_athlete(group: pd.DataFrame) -> pd.DataFrame:
        return nightly_spark.athlete_outputs(
            group, day=day, models=nightly_spark._models(models_path)
        )

    frame = spark.read.parquet(str(folder / "logs.parquet"))
    n_athletes = frame.select("athlete_id").distinct().count()
    grouped = nightly_spark.group_frame(frame, n_athletes)
    result = grouped.applyInPandas(per_athlete, schema=nightly_spark._schema())
    result.write.mode("overwrite").parquet(str(out))
    spark.stop()


def main() -> None:
    """Parse the options, prepare the cohort, time each engine."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--athletes", type=int, default=1000)
    parser.add_argument("--days", type=int, default=365)
    parser.add_argument("--engines", default="local,spark")
    parser.add_argument("--master", default="local[2]")
    parser.add_argument("--models-dir", type=Path, default=None)
    parser.add_argument("--worker", default=None, help=argparse.SUPPRESS)
    parser.add_argument("--folder", type=Path, default=None, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.worker:
        worker(args.worker, args.folder, args.master)
        return
    folder = prepare(args.athletes, args.days, args.models_dir)
    athlete_days = args.athletes * args.days
    print(f"load average at start: {os.getloadavg()[0]:.2f} on {os.cpu_count()} cores")
    for engine in args.engines.split(","):
        wall, peak = _run_measured(
            [sys.executable, __file__, "--worker", engine, "--folder", str(folder),
             "--master", args.master]
        )  # fmt: skip
        rows = pd.read_parquet(folder / f"out-{engine}.parquet", columns=["athlete_id"])
        print(
            f"{engine:5s} {args.athletes:>7,} athletes x {args.days} days: wall {wall:7.1f} s, "
            f"{1e6 * wall / athlete_days:6.1f} us per athlete-day, peak RSS {peak:5.2f} GB, "
            f"{len(rows):,} output rows"
        )
    print(f"load average at end: {os.getloadavg()[0]:.2f}")


if __name__ == "__main__":
    main()
