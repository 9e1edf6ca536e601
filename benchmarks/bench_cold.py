"""Cold recommendations: computed with features from the store, served prepared, over HTTP,
and ``cairn recommend``.

Run: ``python benchmarks/bench_cold.py [--athletes 60] [--days 365] [--samples 200]
[--duration 15] [--data-dir DIR] [--skip-http] [--skip-cli]``. The data dir gets a simulated
cohort and trained champions the first time (reused after; training reads the feature store,
which builds every athlete's rows); ``feature_store.refresh_dirty`` then makes sure no athlete
is marked dirty, as after ``cairn nightly``. Prints:

1. in process, cold (no morning cache), a random athlete x a random day of the last 90, each
   pair once: (a) the answer computed (``use_prepared=False``) with features from the store,
   and with features rebuilt from the logs (the path before the store); then the nightly
   batch's answers are prepared for each of the last 90 days (``nightly.prepare_answers``, as
   ``cairn nightly --answers`` every night; the first run only) and (b) the same pairs
   served by ``recommend_for`` (p50/p95 ms, target p50 <= 10 ms);
2. over HTTP, one uvicorn worker, 16 connections (httpx load generator): ``GET /health`` then
   ``GET /athletes/{id}/recommendation?date=D`` over distinct random (athlete, day) pairs (each
   a miss of the server's in-process cache, served from the prepared answers), requests per
   second and the ratio (target >= 0.10), same run;
3. ``cairn recommend --athlete 1 --date D`` wall time (a fresh process, as a user runs it), for
   a prepared day and for a day computed (its prepared answer deleted first).
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import random
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

from engine.coach import coach
from engine.services import feature_store, nightly
from engine.services.recommendation import (
    answer_for,
    read_history,
    recommend_for,
    rules_from_settings,
)
from engine.services.serving import load_champions
from engine.settings import Settings
from engine.store import database, feature_days, prepared_answers

sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench_recommend import _free_port, _httpx, _token, prepare  # noqa: E402

END = dt.date(2025, 9, 1)
LAST = END - dt.timedelta(days=1)


def _ms(samples: list[float]) -> str:
    p50, p95 = np.percentile(samples, [50, 95])
    return f"p50 {p50:6.1f} ms  p95 {p95:6.1f} ms  (n={len(samples)})"


def pairs(n_athletes: int, n: int, *, seed: int = 0) -> list[tuple[int, dt.date]]:
    """Distinct random (athlete, day of the last 90) pairs."""
    every = [(a, LAST - dt.timedelta(days=d)) for a in range(1, n_athletes + 1) for d in range(90)]
    return random.Random(seed).sample(every, min(n, len(every)))


def refresh_store(settings: Settings) -> None:
    """Refresh every dirty athlete's stored rows (what ``cairn nightly`` does first)."""
    factory = database.make_session_factory(database.make_engine(settings.database_url))
    began = time.perf_counter()
    cleared = feature_store.refresh_dirty(factory)
    print(f"store refreshed ({cleared} dirty athletes) in {time.perf_counter() - began:.1f} s")


def prepare_answers(settings: Settings, *, days: int = 90) -> None:
    """The nightly batch's prepared answers of each of the last ``days`` (answers already
    prepared from the same inputs are kept, the others computed: e.g. all after a code change,
    whose hash is part of every answer's key)."""
    models = load_champions(settings)
    factory = database.make_session_factory(database.make_engine(settings.database_url))
    with database.open_session(factory) as session:
        ids = sorted(feature_days.read_log_spans(session))
    began, written = time.perf_counter(), 0
    for back in range(days):
        day = LAST - dt.timedelta(days=back)
        done, failed = nightly.prepare_answers(
            factory, ids=ids, day=day, models=models, settings=settings
        )
        assert not failed, failed
        written += done
    took = time.perf_counter() - began
    print(f"   {written} answers ready ({len(ids)} athletes x {days} days) after {took:.0f} s: "
          f"{1000 * took / max(written, 1):.1f} ms per answer (cairn nightly --answers; "
          "answers already prepared are only read)")  # fmt: skip


def bench_in_process(settings: Settings, *, n_athletes: int, samples: int) -> float:
    """Cold recommendations computed (features from the store, from the logs), then served
    from the prepared answers (ms)."""
    models = load_champions(settings)
    assert models.available, models.degraded_reason
    rules = rules_from_settings(settings)
    factory = database.make_session_factory(database.make_engine(settings.database_url))
    cases = pairs(n_athletes, samples)
    computed, logs, served = [], [], []
    with database.open_session(factory) as session:
        recommend_for(session, athlete_id=1, today=LAST, models=models, settings=settings)
        for athlete, day in cases:
            began = time.perf_counter()
            answer_for(session, athlete_id=athlete, today=day, models=models, settings=settings,
                       use_prepared=False)  # fmt: skip
            computed.append(1000 * (time.perf_counter() - began))
        for athlete, day in cases[: max(20, samples // 5)]:
            began = time.perf_counter()
            history = read_history(session, athlete_id=athlete, today=day)
            morning = coach.prepare_morning(history, today=day)
            coach.recommend_today(morning, models, rules=rules, locks={})
            logs.append(1000 * (time.perf_counter() - began))
    print("1. cold recommendation in process (random athlete x random day of the last 90)")
    print(f"   computed, features from the store: {_ms(computed)}")
    print(f"   computed, features from the logs:  {_ms(logs)}   (the path before the store)")
    prepare_answers(settings)
    with database.open_session(factory) as session:
        for athlete, day in cases:
            began = time.perf_counter()
            recommend_for(session, athlete_id=athlete, today=day, models=models, settings=settings)
            served.append(1000 * (time.perf_counter() - began))
    print(f"   served, nightly-prepared answers:  {_ms(served)}   target p50 <= 10 ms")
    return float(np.median(served))


def bench_http(settings: Settings, *, n_athletes: int, seconds: int) -> None:
    """``/health`` vs cold ``/athletes/{id}/recommendation?date=`` on one worker (req/s)."""
    import httpx

    port = _free_port()
    env = {
        **os.environ,
        "CAIRN_DATA_DIR": str(settings.data_dir),
        "CAIRN_SECRET_KEY": "bench-only-signing-secret-0123456789abcdef",
        "CAIRN_LOG_LEVEL": "WARNING",
    }
    server = subprocess.Popen(
        [sys.executable, "-m", "uvicorn", "api.main:create_app", "--factory", "--host",
         "127.0.0.1", "--port", str(port), "--workers", "1", "--log-level", "warning",
         "--no-access-log"],
        env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    base = f"http://127.0.0.1:{port}"
    try:
        for _ in range(240):
            try:
                if httpx.get(f"{base}/health", timeout=1).status_code == 200:
                    break
            except httpx.HTTPError:
                time.sleep(0.5)
        headers = {"Authorization": f"Bearer {_token(settings)}"}
        httpx.get(
            f"{base}/athletes/1/recommendation?date={LAST}", headers=headers, timeout=60
        ).raise_for_status()
        paths = [
            f"/athletes/{a}/recommendation?date={d.isoformat()}"
            for a, d in pairs(n_athletes, n_athletes * 90, seed=1)
        ]
        health = _httpx(base, ["/health"], seconds=seconds, headers={})
        rec = _httpx(base, paths, seconds=seconds, headers=headers)
    finally:
        server.terminate()
        server.wait(timeout=30)
    print(f"2. HTTP, one uvicorn worker, 16 connections, {seconds} s each (httpx), same run")
    print(f"   GET /health:                          {health:8.1f} req/s")
    print(f"   GET /athletes/{{id}}/recommendation cold: {rec:6.1f} req/s "
          f"({len(paths)} distinct athlete-days, each a cache miss)")  # fmt: skip
    print(f"   ratio {rec / health:.3f}   target >= 0.10")


def bench_cli(settings: Settings) -> None:
    """Wall time of ``cairn recommend`` in a fresh process: a prepared day, then a computed
    one (3 runs each; the computed day's prepared answer is deleted before each run)."""
    env = {**os.environ, "CAIRN_DATA_DIR": str(settings.data_dir)}
    cairn = Path(sys.executable).with_name("cairn")
    factory = database.make_session_factory(database.make_engine(settings.database_url))
    computed_day = LAST - dt.timedelta(days=200)
    for label, day in (("prepared", LAST), ("computed", computed_day)):
        walls = []
        for _ in range(3):
            if label == "computed":
                with database.open_session(factory) as session:
                    prepared_answers.delete_before(session, day=computed_day + dt.timedelta(days=1))
            began = time.perf_counter()
            subprocess.run(
                [str(cairn), "recommend", "--athlete", "1", "--date", day.isoformat()],
                env=env, check=True, capture_output=True,
            )  # fmt: skip
            walls.append(time.perf_counter() - began)
        print(f"3. cairn recommend --athlete 1 --date {day} ({label}): wall "
              f"{', '.join(f'{w:.2f}' for w in walls)} s (median {np.median(walls):.2f} s)"
              "   target < 2 s")  # fmt: skip


def main() -> None:
    """Parse the options, prepare the data, run the benchmarks."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--athletes", type=int, default=60)
    parser.add_argument("--days", type=int, default=365)
    parser.add_argument("--samples", type=int, default=200)
    parser.add_argument("--duration", type=int, default=15, help="seconds per HTTP run")
    parser.add_argument("--data-dir", type=Path, default=None)
    parser.add_argument("--skip-http", action="store_true")
    parser.add_argument("--skip-cli", action="store_true")
    args = parser.parse_args()
    data_dir = args.data_dir or Path(tempfile.gettempdir()) / "cairn-bench-cold" / "data"
    settings = prepare(data_dir, athletes=args.athletes, days=args.days, end=END)
    refresh_store(settings)
    print(f"load average at start: {os.getloadavg()[0]:.2f} on {os.cpu_count()} cores")
    bench_in_process(settings, n_athletes=args.athletes, samples=args.samples)
    if not args.skip_http:
        bench_http(settings, n_athletes=args.athletes, seconds=args.duration)
    if not args.skip_cli:
        bench_cli(settings)
    print(f"load average at end: {os.getloadavg()[0]:.2f}")


if __name__ == "__main__":
    main()
