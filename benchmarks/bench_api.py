"""Load test of the what-if API: 10 concurrent clients on loopback, bounded in count and time.

Starts `smallboats serve` on a free loopback port with a copy of the bundled store, sends
``--requests`` POST /api/v1/simulate requests (200 runs, one year, varied quotas) from ``--clients``
threads, and prints one JSON line with the median and p99 latency, the refusals (503, with
``Retry-After``) and how quickly they came, and the latency of ``/api/v1/health`` polled every
0.1 s from a separate process meanwhile (and, as a baseline, for a few seconds before, while the
server is idle). Only 127.0.0.1 is contacted; the test stops after the requests or
``--max-seconds``, whichever comes first.

Run: python benchmarks/bench_api.py [--clients 10] [--requests 100] [--budget 30] [--honour-retry-after]
"""

from __future__ import annotations

import argparse
import json
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import httpx

HEALTH_WATCH = """
import json, sys, threading, time
import httpx
done = threading.Event()
threading.Thread(target=lambda: (sys.stdin.readline(), done.set()), daemon=True).start()
out = []
with httpx.Client(timeout=30) as c:
    while not done.is_set():
        t = time.perf_counter()
        c.get(sys.argv[1])
        out.append(time.perf_counter() - t)
        done.wait(0.1)
print(json.dumps(out))
"""
IDLE_SECONDS = 4.0


def _p99(xs: list[float]) -> float | None:
    xs = sorted(xs)
    return xs[min(len(xs) - 1, int(0.99 * len(xs)))] if xs else None


def main() -> dict:
    ap = argparse.ArgumentParser()
    ap.add_argument("--clients", type=int, default=10)
    ap.add_argument("--requests", type=int, default=100)
    ap.add_argument("--max-seconds", type=float, default=300)
    ap.add_argument("--workers", type=int, default=2, help="server processes")
    ap.add_argument("--budget", type=float, default=30.0, help="the server's time budget per simulation (s)")
    ap.add_argument(
        "--honour-retry-after", action="store_true", help="clients wait as a 503's Retry-After says before the next"
    )
    args = ap.parse_args()
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    home = Path(tempfile.mkdtemp())
    env = dict(os.environ, SMALLBOATS_HOME=str(home))
    server = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "smallboats",
            "serve",
            "--port",
            str(port),
            "--workers",
            str(args.workers),
            "--budget",
            str(args.budget),
        ],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        for _ in range(300):
            try:
                httpx.get(base + "/api/v1/health", timeout=1)
                break
            except httpx.TransportError:
                time.sleep(0.2)
        quotas = [50, 100, 200, 300, 500]
        for q in quotas:  # warm the fitted-scenario cache, as a running server would be
            httpx.post(
                base + "/api/v1/simulate", json={"runs": 200, "years": 1, "what_if": {"quota_per_week": q}}, timeout=60
            )
        latencies: list[float] = []
        errors = [0]
        refused: list[float] = []  # seconds to each 503
        retry_after: list[bool] = []  # whether each 503 said when to try again
        counter = iter(range(args.requests))
        lock = threading.Lock()
        stop_at = time.monotonic() + args.max_seconds

        def client() -> None:
            with httpx.Client(timeout=120) as c:
                while time.monotonic() < stop_at:
                    with lock:
                        i = next(counter, None)
                    if i is None:
                        return
                    body = {"runs": 200, "years": 1, "seed": i, "what_if": {"quota_per_week": quotas[i % len(quotas)]}}
                    t = time.perf_counter()
                    r = c.post(base + "/api/v1/simulate", json=body)
                    dt = time.perf_counter() - t
                    with lock:
                        latencies.append(dt)
                        errors[0] += r.status_code != 200
                        if r.status_code == 503:
                            refused.append(dt)
                            retry_after.append(r.headers.get("retry-after") is not None)
                    if r.status_code == 503 and args.honour_retry_after:  # a polite client waits as told
                        time.sleep(min(float(r.headers.get("retry-after", 1)), max(0.0, stop_at - time.monotonic())))

        def watch() -> subprocess.Popen:
            # liveness must answer at once however busy the simulations are; it is timed from a process of
            # its own, so that the client threads' contention for this process's GIL is not put on the server
            return subprocess.Popen(
                [sys.executable, "-c", HEALTH_WATCH, base + "/api/v1/health"],
                stdin=subprocess.PIPE,
                stdout=subprocess.PIPE,
                text=True,
            )

        idle = watch()  # the baseline: the same checks against the idle server, on the same machine
        time.sleep(IDLE_SECONDS)
        idle_health = json.loads(idle.communicate("stop\n", timeout=60)[0])
        watcher = watch()
        started = time.perf_counter()
        threads = [threading.Thread(target=client) for _ in range(args.clients)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        wall = time.perf_counter() - started
        health = json.loads(watcher.communicate("stop\n", timeout=60)[0])
        single = []
        with httpx.Client(timeout=60) as c:
            for i in range(5):
                t = time.perf_counter()
                c.post(
                    base + "/api/v1/simulate",
                    json={"runs": 200, "years": 1, "seed": 1000 + i, "what_if": {"quota_per_week": 100}},
                )
                single.append(time.perf_counter() - t)
    finally:
        server.terminate()
        server.wait(10)
    lat = sorted(latencies)
    return {
        "health_p99_ms": round(_p99(health) * 1000, 1) if health else None,
        "health_median_ms": round(statistics.median(health) * 1000, 1) if health else None,
        "health_checks": len(health),
        "idle_health_p99_ms": round(_p99(idle_health) * 1000, 1) if idle_health else None,
        "idle_health_median_ms": round(statistics.median(idle_health) * 1000, 1) if idle_health else None,
        "refused_503": len(refused),
        "refused_p99_s": round(_p99(refused), 3) if refused else None,
        "refused_with_retry_after": sum(retry_after),
        "max_s": round(lat[-1], 3),
        "past_budget_plus_1s": sum(x > args.budget + 1 for x in lat),
        "budget_s": args.budget,
        "clients": args.clients,
        "honour_retry_after": args.honour_retry_after,
        "server_workers": args.workers,
        "requests": len(lat),
        "errors": errors[0],
        "median_s": round(statistics.median(lat), 3),
        "p99_s": round(_p99(lat), 3),
        "throughput_per_s": round(len(lat) / wall, 2),
        "single_client_median_s": round(statistics.median(single), 3),
    }


if __name__ == "__main__":
    print(json.dumps(main()))
