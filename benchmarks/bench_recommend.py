"""Time today's recommendation and the week plan, in process and over HTTP.

Run: ``python benchmarks/bench_recommend.py [--athletes 60] [--days 365] [--duration 15]
[--data-dir DIR]``. The data dir gets a simulated cohort and trained champions the first time
(reused after). Prints:

1. today's recommendation with the history already loaded: cold (features built from the logs,
   as on a cache miss) and warm (this morning's state cached, as the API keeps it between
   requests while the logs do not change): predictions for every candidate + the optimizer
   + the prescription; p50/p95 in ms;
2. a week plan (7 days, day 0 = the recommendation) from the cached morning, p50/p95 in ms;
3. over HTTP: one uvicorn worker on 127.0.0.1, 16 connections (wrk, else an httpx load
   generator), ``GET /health`` then ``GET /athletes/{id}/recommendation`` over all athletes,
   requests per second and the ratio (target >= 10%).

LightGBM predicts on one thread (``set_single_thread``).
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import re
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

from engine.coach import coach
from engine.services.recommendation import read_history, rules_from_settings
from engine.services.serving import load_champions
from engine.settings import Settings
from engine.store import database, logbook

SECRET = "bench-only-signing-secret-0123456789abcdef"


def _recommend(history, models, *, today, rules):  # noqa: ANN001, ANN202
    """The cold path: this morning's state from the logs, then today's answer."""
    morning = coach.prepare_morning(history, today=today)
    return coach.recommend_today(morning, models, rules=rules, locks={})


def prepare(data_dir: Path, *, athletes: int, days: int, end: dt.date) -> Settings:
    """A data dir with a simulated cohort and champions (built once)."""
    from engine.services.simulation import save_cohort
    from engine.services.training import train_and_register
    from pipelines.simulator.cohort import simulate_cohort

    settings = Settings(data_dir=data_dir)
    engine = database.make_engine(settings.database_url)
    database.migrate_database(engine)
    factory = database.make_session_factory(engine)
    with database.open_session(factory) as session:
        empty = logbook.count_rows(session)["athlete"] == 0
    if empty:
        print(f"simulating {athletes} athletes x {days} days and training (first run only)...")
        cohort = simulate_cohort(
            n_athletes=athletes, n_days=days, seed=7, start=end - dt.timedelta(days=days)
        )
        with database.open_session(factory) as session:
            save_cohort(session, cohort, seed=7)
        with database.open_session(factory) as session:
            train_and_register(session, settings, today=end)
    engine.dispose()
    return settings


def _ms(samples: list[float]) -> str:
    p50, p95 = np.percentile(samples, [50, 95])
    return f"p50 {p50:6.1f} ms  p95 {p95:6.1f} ms  (n={len(samples)})"


def bench_in_process(settings: Settings, *, today: dt.date, repeats: int) -> dict[str, float]:
    """Cold and warm recommendation and the week plan, per athlete (ms)."""
    models = load_champions(settings)
    assert models.available, models.degraded_reason
    rules = rules_from_settings(settings)
    factory = database.make_session_factory(database.make_engine(settings.database_url))
    with database.open_session(factory) as session:
        ids = [int(a) for a in logbook.read_athletes_frame(session)["athlete_id"]]
        histories = [read_history(session, athlete_id=a, today=today) for a in ids]
    _recommend(histories[0], models, today=today, rules=rules)  # warm-up (imports)
    cold, warm, plan = [], [], []
    for history in histories:
        start = time.perf_counter()
        _recommend(history, models, today=today, rules=rules)
        cold.append(1000 * (time.perf_counter() - start))
        morning = coach.prepare_morning(history, today=today)
        for _ in range(repeats):
            start = time.perf_counter()
            coach.recommend_today(morning, models, rules=rules, locks={})
            warm.append(1000 * (time.perf_counter() - start))
        start = time.perf_counter()
        coach.plan_days(morning, models, rules=rules, locks={})
        plan.append(1000 * (time.perf_counter() - start))
    print("1. today's recommendation, history loaded")
    print(f"   cold (features from the logs):   {_ms(cold)}")
    print(f"   warm (morning state cached):     {_ms(warm)}   target p50 <= 10 ms")
    print(f"2. week plan (7 days, warm):        {_ms(plan)}   target p50 <= 50 ms")
    return {
        "cold_p50": statistics.median(cold),
        "warm_p50": statistics.median(warm),
        "plan_p50": statistics.median(plan),
    }


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _token(settings: Settings) -> str:
    from engine.store import accounts, credentials, jobs

    factory = database.make_session_factory(database.make_engine(settings.database_url))
    with database.open_session(factory) as session:
        user = accounts.read_user_by_name(session, username="bench-admin")
        if user is None:
            user = accounts.create_user(
                session, username="bench-admin", password="bench-password-123", role="admin"
            )
        user_id = user.id
    return credentials.create_access_token(
        user_id=user_id, secret=SECRET, ttl_min=60, now=jobs.utcnow()
    )


def _wrk(url: str, *, seconds: int, headers: dict[str, str], script: str | None) -> float:
    args = ["wrk", "-t2", "-c16", f"-d{seconds}s", "--latency"]
    for key, value in headers.items():
        args += ["-H", f"{key}: {value}"]
    if script:
        args += ["-s", script]
    out = subprocess.run([*args, url], capture_output=True, text=True, check=True).stdout
    errors = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    if errors:
        print(f"   warning: {errors.group(1)} non-2xx answers")
    return float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))


def _httpx(base: str, paths: list[str], *, seconds: int, headers: dict[str, str]) -> float:
    import asyncio

    import httpx

    async def run() -> int:
        done = 0
        deadline = time.monotonic() + seconds

        async def worker(k: int, client: httpx.AsyncClient) -> None:
            nonlocal done
            i = k
            while time.monotonic() < deadline:
                await client.get(paths[i % len(paths)], headers=headers)
                done, i = done + 1, i + 16

        async with httpx.AsyncClient(base_url=base, timeout=30) as client:
            await asyncio.gather(*(worker(k, client) for k in range(16)))
        return done

    return asyncio.run(run()) / seconds


def bench_http(settings: Settings, *, today: dt.date, n_athletes: int, seconds: int) -> None:
    """``/health`` vs ``/athletes/{id}/recommendation`` on one uvicorn worker (requests/s)."""
    port = _free_port()
    env = {
        **os.environ,
        "CAIRN_DATA_DIR": str(settings.data_dir),
        "CAIRN_SECRET_KEY": SECRET,
        "CAIRN_LOG_LEVEL": "WARNING",
    }
    server = subprocess.Popen(
        [sys.executable, "-m", "uvicorn", "api.main:create_app", "--factory", "--host",
         "127.0.0.1", "--port", str(port), "--workers", "1", "--log-level", "warning",
         "--no-access-log"],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )  # fmt: skip
    base = f"http://127.0.0.1:{port}"
    try:
        import httpx

        for _ in range(120):
            try:
                if httpx.get(f"{base}/health", timeout=1).status_code == 200:
                    break
            except httpx.HTTPError:
                time.sleep(0.5)
        headers = {"Authorization": f"Bearer {_token(settings)}"}
        paths = [
            f"/athletes/{a}/recommendation?date={today.isoformat()}"
            for a in range(1, n_athletes + 1)
        ]
        for path in paths:  # each athlete's first request builds its morning state
            httpx.get(base + path, headers=headers, timeout=30).raise_for_status()
        if shutil.which("wrk"):
            tool = "wrk"
            health = _wrk(f"{base}/health", seconds=seconds, headers={}, script=None)
            with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as f:
                f.write(
                    "i = 0\nrequest = function()\n  i = i + 1\n"
                    f"  local id = (i % {n_athletes}) + 1\n"
                    '  return wrk.format("GET", "/athletes/" .. id .. '
                    f'"/recommendation?date={today.isoformat()}")\nend\n'
                )
            rec = _wrk(base + paths[0], seconds=seconds, headers=headers, script=f.name)
        else:
            tool = "httpx"
            health = _httpx(base, ["/health"], seconds=seconds, headers={})
            rec = _httpx(base, paths, seconds=seconds, headers=headers)
    finally:
        server.terminate()
        server.wait(timeout=30)
    print(f"3. HTTP, one uvicorn worker, 16 connections, {seconds} s each ({tool})")
    print(f"   GET /health:                     {health:8.1f} req/s")
    print(f"   GET /athletes/{{id}}/recommendation: {rec:6.1f} req/s over {n_athletes} athletes")
    print(f"   ratio {rec / health:.1%}   target >= 10%")


def main() -> None:
    """Parse the options, prepare the data, run the three benchmarks."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--athletes", type=int, default=60)
    parser.add_argument("--days", type=int, default=365)
    parser.add_argument("--duration", type=int, default=15, help="seconds per HTTP run")
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--data-dir", type=Path, default=None)
    parser.add_argument("--skip-http", action="store_true")
    args = parser.parse_args()
    data_dir = args.data_dir or Path(tempfile.gettempdir()) / "cairn-bench-recommend" / "data"
    end = dt.date(2025, 9, 1)
    settings = prepare(data_dir, athletes=args.athletes, days=args.days, end=end)
    today = end - dt.timedelta(days=1)  # the last simulated day
    bench_in_process(settings, today=today, repeats=args.repeats)
    if not args.skip_http:
        bench_http(settings, today=today, n_athletes=args.athletes, seconds=args.duration)


if __name__ == "__main__":
    main()
