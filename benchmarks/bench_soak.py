"""Soak test: one uvicorn worker on loopback under steady mixed traffic, then a verdict.

Usage: ``python benchmarks/bench_soak.py [--seconds 600] [--rate 8] [--athletes 40]``.
Builds a fresh data dir (simulated cohort, both models trained and registered), starts
``uvicorn api.main:create_app`` (one worker) on a free loopback port, and sends a fixed
schedule of requests: 70% recommendations, 25% logging (sessions, wellness, injuries, each
with an ``Idempotency-Key``), 5% Cairn CSV imports. It stops by itself after ``--seconds``
and prints throughput, p50/p99 latency per kind, the error count (must be 0) and the
server's resident memory after warm-up and at the end (must stay within 10%). Exits 1 when
either check fails.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import queue
import random
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from pathlib import Path

import httpx

from engine.settings import Settings
from engine.store import accounts, credentials, database, jobs

REPO = Path(__file__).resolve().parents[1]
END = dt.date(2025, 9, 1)
MIX = (("recommendation", 0.70), ("logging", 0.25), ("import", 0.05))
SECRET = "soak-benchmark-secret-0123456789abcdefghij"


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    """Parse command-line arguments."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=600.0, help="traffic duration")
    parser.add_argument("--rate", type=float, default=8.0, help="requests per second")
    parser.add_argument("--athletes", type=int, default=40, help="simulated athletes")
    parser.add_argument("--days", type=int, default=240, help="days of history each")
    parser.add_argument("--clients", type=int, default=8, help="concurrent client threads")
    parser.add_argument(
        "--warmup", type=float, default=20.0, help="min seconds before the RSS baseline (or 10%%)"
    )
    parser.add_argument("--seed", type=int, default=11, help="simulation and traffic seed")
    parser.add_argument("--keep", action="store_true", help="keep the data dir")
    return parser.parse_args(argv)


def build_data_dir(root: Path, *, athletes: int, days: int, seed: int) -> dict[str, str]:
    """Simulate, train and register; create an admin. Returns the admin's auth header."""
    from engine.services.simulation import save_cohort
    from engine.services.training import train_and_register
    from pipelines.simulator.cohort import simulate_cohort

    settings = Settings(data_dir=root)
    engine = database.make_engine(settings.database_url)
    database.migrate_database(engine)
    factory = database.make_session_factory(engine)
    cohort = simulate_cohort(
        n_athletes=athletes, n_days=days, seed=seed, start=END - dt.timedelta(days=days)
    )
    with database.open_session(factory) as session:
        save_cohort(session, cohort, seed=seed)
    with database.open_session(factory) as session:
        train_and_register(session, settings, today=END)
    with database.open_session(factory) as session:
        admin = accounts.create_user(session, username="soak", password="soak-pass-1", role="admin")
        token = credentials.create_access_token(
            user_id=admin.id, secret=SECRET, ttl_min=24 * 60, now=jobs.utcnow()
        )
    engine.dispose()
    return {"Authorization": f"Bearer {token}"}


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def start_server(root: Path) -> tuple[subprocess.Popen, str]:
    """uvicorn with one worker on a free loopback port; waits until /health answers."""
    port = _free_port()
    env = {**os.environ, "CAIRN_DATA_DIR": str(root), "CAIRN_SECRET_KEY": SECRET}
    env["CAIRN_LOG_LEVEL"] = "WARNING"
    command = [sys.executable, "-m", "uvicorn", "api.main:create_app", "--factory", "--port"]
    command += [str(port), "--host", "127.0.0.1", "--workers", "1", "--log-level", "warning"]
    log = (root / "server.log").open("ab")
    process = subprocess.Popen(command, cwd=REPO, env=env, stdout=log, stderr=log)
    url = f"http://127.0.0.1:{port}"
    for _ in range(600):
        if process.poll() is not None:
            raise SystemExit(f"server exited early, see {root / 'server.log'}")
        try:
            if httpx.get(f"{url}/health", timeout=1.0).status_code == 200:
                return process, url
        except httpx.TransportError:
            pass
        time.sleep(0.1)
    process.kill()
    raise SystemExit("server did not start within 60 s")


def read_rss_mb(pid: int) -> float:
    """Resident memory of a process (Linux /proc), MB."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


@dataclass
class Results:
    """Latencies (seconds) and statuses per request kind."""

    latency: dict[str, list[float]] = field(default_factory=lambda: defaultdict(list))
    statuses: Counter = field(default_factory=Counter)
    errors: list[str] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def add(self, kind: str, seconds: float, status: int, detail: str = "") -> None:
        with self.lock:
            self.latency[kind].append(seconds)
            self.statuses[(kind, status)] += 1
            if status >= 400 or status == 0:
                self.errors.append(f"{kind} {status} {detail[:200]}")


def _logging_request(i: int, athlete: int, rng: random.Random) -> tuple[str, dict, dict]:
    day = END - dt.timedelta(days=rng.randrange(1, 200))
    key = {"Idempotency-Key": f"soak-{i}"}
    pick = rng.random()
    if pick < 0.6:
        body = {"date": day.isoformat(), "kind": "run", "type": "easy_trail"}
        body |= {"duration_min": 30 + (i % 997) / 100, "rpe": 4, "distance_km": 7.5}
        return f"/athletes/{athlete}/sessions", body, key
    if pick < 0.85:
        body = {"date": day.isoformat(), "sleep_h": 7.2, "soreness": 2, "readiness": 7}
        return f"/athletes/{athlete}/wellness", body, key
    body = {
        "start_date": day.isoformat(),
        "end_date": (day + dt.timedelta(days=3)).isoformat(),
        "body_part": f"calf-{i}",
        "severity": "minor",
    }
    return f"/athletes/{athlete}/injuries", body, key


def _import_csv(i: int) -> bytes:
    day = dt.date(1995, 1, 1) + dt.timedelta(days=i)
    rows = [f"{day.isoformat()},run,easy_trail,{20 + n},5" for n in range(20)]
    return ("date,kind,type,duration_min,rpe\n" + "\n".join(rows) + "\n").encode()


def send_one(client: httpx.Client, i: int, kind: str, rng: random.Random, n_athletes: int):  # noqa: ANN201
    """Send request ``i`` of ``kind``; returns the response."""
    athlete = rng.randrange(1, n_athletes + 1)
    if kind == "recommendation":
        params = {"date": END.isoformat()}
        return client.get(f"/athletes/{athlete}/recommendation", params=params)
    if kind == "logging":
        path, body, headers = _logging_request(i, athlete, rng)
        return client.post(path, json=body, headers=headers)
    files = [("files", (f"soak-{i}.csv", _import_csv(i)))]
    return client.post(f"/athletes/{athlete}/imports", files=files)


def run_traffic(url: str, headers: dict, args: argparse.Namespace, results: Results) -> int:
    """Send ``rate * seconds`` requests on a fixed schedule; returns how many were sent."""
    rng = random.Random(args.seed)
    total = int(args.rate * args.seconds)
    kinds = rng.choices([k for k, _ in MIX], weights=[w for _, w in MIX], k=total)
    work: queue.Queue = queue.Queue(maxsize=args.clients * 4)

    def worker(seed: int) -> None:
        local = random.Random(seed)
        with httpx.Client(base_url=url, headers=headers, timeout=30.0) as client:
            while (item := work.get()) is not None:
                i, kind = item
                began = time.perf_counter()
                try:
                    response = send_one(client, i, kind, local, args.athletes)
                    status, detail = response.status_code, response.text
                except httpx.HTTPError as err:
                    status, detail = 0, repr(err)
                results.add(kind, time.perf_counter() - began, status, detail)

    threads = [threading.Thread(target=worker, args=(args.seed + n,)) for n in range(args.clients)]
    for thread in threads:
        thread.start()
    start = time.perf_counter()
    for i, kind in enumerate(kinds):
        delay = start + i / args.rate - time.perf_counter()
        if delay > 0:
            time.sleep(delay)
        work.put((i, kind))
    for _ in threads:
        work.put(None)
    for thread in threads:
        thread.join()
    return total


def _percentile(values: list[float], q: float) -> float:
    if len(values) < 2:
        return values[0] if values else float("nan")
    return statistics.quantiles(values, n=100, method="inclusive")[q - 1]


def report(results: Results, *, wall: float, sent: int, rss: dict[str, float]) -> bool:
    """Print the figures; True when there were no errors and memory stayed flat."""
    everything = [v for values in results.latency.values() for v in values]
    print(f"requests: {sent} in {wall:.1f} s -> {sent / wall:.2f} req/s")
    print(f"latency all: p50 {1000 * _percentile(everything, 50):.1f} ms, "
          f"p99 {1000 * _percentile(everything, 99):.1f} ms")  # fmt: skip
    for kind, values in sorted(results.latency.items()):
        print(
            f"  {kind:<15} n={len(values):>5}  p50 {1000 * _percentile(values, 50):7.1f} ms  "
            f"p99 {1000 * _percentile(values, 99):7.1f} ms"
        )
    print(f"statuses: {dict(sorted((f'{k} {s}', n) for (k, s), n in results.statuses.items()))}")
    print(f"errors: {len(results.errors)}")
    for line in results.errors[:10]:
        print(f"  {line}")
    growth = (rss["end"] - rss["warm"]) / rss["warm"]
    print(
        f"server RSS: start {rss['start']:.0f} MB, after warm-up {rss['warm']:.0f} MB, "
        f"end {rss['end']:.0f} MB ({100 * growth:+.1f}% since warm-up), "
        f"max {rss['max']:.0f} MB"
    )
    return not results.errors and abs(growth) <= 0.10


def _sample_rss(
    pid: int, stop: threading.Event, rss: dict[str, float], warmup: float, trace: list
) -> None:
    began = time.monotonic()
    while not stop.wait(1.0):
        value = read_rss_mb(pid)
        trace.append((time.monotonic() - began, value))
        rss["max"] = max(rss.get("max", 0.0), value)
        if "warm" not in rss and time.monotonic() - began >= warmup:
            rss["warm"] = value


def _print_trace(trace: list[tuple[float, float]]) -> None:
    """Ten evenly spaced RSS samples, to tell a plateau from a leak."""
    if trace:
        step = max(1, len(trace) // 10)
        points = trace[::step] + ([trace[-1]] if (len(trace) - 1) % step else [])
        print("RSS over time: " + ", ".join(f"{t:.0f}s {v:.0f}MB" for t, v in points))


def main(argv: list[str] | None = None) -> None:
    """Build, serve, load, report."""
    args = parse_args(argv)
    root = Path(tempfile.mkdtemp(prefix="cairn-soak-")) / "data"
    root.mkdir()
    print(f"building {args.athletes} athletes x {args.days} days + models in {root} ...")
    headers = build_data_dir(root, athletes=args.athletes, days=args.days, seed=args.seed)
    process, url = start_server(root)
    rss: dict[str, float] = {"start": read_rss_mb(process.pid)}
    stop, trace = threading.Event(), []
    warmup = max(args.warmup, 0.1 * args.seconds)
    sampler = threading.Thread(
        target=_sample_rss, args=(process.pid, stop, rss, warmup, trace), daemon=True
    )
    sampler.start()
    print(f"server pid {process.pid} at {url}; {args.rate} req/s for {args.seconds:.0f} s ...")
    results = Results()
    began = time.perf_counter()
    try:
        sent = run_traffic(url, headers, args, results)
        wall = time.perf_counter() - began
        rss["end"] = read_rss_mb(process.pid)
        rss.setdefault("warm", rss["start"])
    finally:
        stop.set()
        process.send_signal(signal.SIGTERM)
        process.wait(30)
        if not args.keep:
            shutil.rmtree(root.parent, ignore_errors=True)
    ok = report(results, wall=wall, sent=sent, rss=rss)
    _print_trace(trace)
    print(f"server exit code after SIGTERM: {process.returncode}")
    print("PASS" if ok else "FAIL")
    raise SystemExit(0 if ok else 1)


if __name__ == "__main__":
    main()
