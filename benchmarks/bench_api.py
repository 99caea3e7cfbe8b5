"""Load test of the what-if API: 10 concurrent clients on loopback, bounded in count and time.

Starts `smallboats serve` on a free loopback port with a copy of the bundled store, sends
``--requests`` POST /api/v1/simulate requests (200 runs, one year) from ``--clients`` threads, and
prints one JSON line with the median and p99 latency, the refusals (503, with ``Retry-After``) and
how quickly they came, and the latency of ``/api/v1/health`` polled every 0.1 s from a separate
process meanwhile (and, as a baseline, for a few seconds before, while the server is idle). Only
127.0.0.1 is contacted; the test stops after the requests or ``--max-seconds``, whichever comes first.

``--mix page`` (the default) sends what the dashboard sends: seed 7 and every slider at random on
its own grid (quota, ramp, challenge, prevention, deterrence), each what-if distinct. The servers
are warmed with another seed, so the fit and the kernel are loaded but no answer or no-scheme
world of the measured requests is kept. ``--mix seeds`` sends five quotas under a new seed each
time, so nothing can be reused. Afterwards one what-if of the load is asked ``REPEATS`` times in a
row, each on a new connection (as a share link opened in another browser), so that the asks reach
either server process, whichever answered it; the finished answers are shared by the processes, and
the median and the slowest of all the asks are reported.

Run: python benchmarks/bench_api.py [--clients 10] [--requests 100] [--mix page|seeds] [--budget 30] [--honour-retry-after]
"""

from __future__ import annotations

import argparse
import json
import os
import random
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
REPEATS = 6
QUOTAS = [50, 100, 200, 300, 500]


def page_what_ifs(n: int, seed: int = 1) -> list[dict]:
    """``n`` distinct what-ifs as the dashboard's controls can set them (a fixed draw, so runs compare)."""
    rng, out, seen = random.Random(seed), [], set()
    while len(out) < n:
        w = {
            "quota_per_week": rng.randrange(0, 1001, 10),
            "p_challenge": rng.randrange(0, 21) / 20,
            "p_prevent": rng.randrange(0, 19) / 20,
            "deterrence": rng.choice(["mixture", "none", "linear", "elasticity", "threshold"]),
        }
        ramp = rng.randrange(0, 1001, 10)
        if ramp:
            w["ramp_to_per_week"] = ramp
        key = json.dumps(w, sort_keys=True)
        if key not in seen:
            seen.add(key)
            out.append(w)
    return out


def bodies(mix: str, n: int) -> list[dict]:
    """The measured requests."""
    from smallboats.web.routes.pages import PAGE_RUN  # what the dashboard asks for

    if mix == "page":
        return [PAGE_RUN | {"what_if": w} for w in page_what_ifs(n)]
    return [PAGE_RUN | {"seed": i, "what_if": {"quota_per_week": QUOTAS[i % len(QUOTAS)]}} for i in range(n)]


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
    ap.add_argument("--mix", choices=["page", "seeds"], default="page", help="what the clients ask (see above)")
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
        warm(base, args.workers)
        asked = bodies(args.mix, args.requests)
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
                    body = asked[i]
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
        single, repeated = [], []
        with httpx.Client(timeout=60) as c:
            for body in bodies(args.mix, args.requests + 5)[args.requests :]:  # distinct, not asked before
                t = time.perf_counter()
                c.post(base + "/api/v1/simulate", json=body)
                single.append(time.perf_counter() - t)
        with httpx.Client(timeout=60, limits=httpx.Limits(max_keepalive_connections=0)) as c:
            for _ in range(REPEATS):
                t = time.perf_counter()
                c.post(base + "/api/v1/simulate", json=asked[0])
                repeated.append(time.perf_counter() - t)
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
        "mix": args.mix,
        "median_s": round(statistics.median(lat), 3),
        "p99_s": round(_p99(lat), 3),
        "median_ms": round(statistics.median(lat) * 1000, 1),
        "p99_ms": round(_p99(lat) * 1000, 1),
        "throughput_per_s": round(len(lat) / wall, 2),
        "single_client_median_s": round(statistics.median(single), 3),
        "single_client_median_ms": round(statistics.median(single) * 1000, 1),
        "repeated_median_ms": round(statistics.median(repeated) * 1000, 1),
        "repeated_slowest_ms": round(max(repeated) * 1000, 1),
        "load_average_1min": round(os.getloadavg()[0], 2),
    }


def warm(base: str, workers: int, rounds: int = 10, warm_s: float = 2.0) -> None:
    """Wait until every server process has fitted the baseline and loaded the kernel, as a running server has.

    Rounds of concurrent requests, so that each process gets some, until a whole round answers
    within ``warm_s`` (a process still fitting takes far longer); another seed than the measured
    requests', so nothing they ask is kept.
    """

    def ask(i: int, took: list[float]) -> None:
        body = {"runs": 200, "years": 1, "seed": 99, "what_if": {"quota_per_week": QUOTAS[i % len(QUOTAS)]}}
        t = time.perf_counter()
        httpx.post(base + "/api/v1/simulate", json=body, timeout=120)
        took.append(time.perf_counter() - t)

    for _ in range(rounds):
        took: list[float] = []
        threads = [threading.Thread(target=ask, args=(i, took)) for i in range(3 * workers)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        if max(took) < warm_s:
            return


if __name__ == "__main__":
    print(json.dumps(main()))
