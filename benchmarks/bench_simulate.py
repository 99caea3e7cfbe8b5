"""Benchmark: 1,000 runs x 3 years of pilot-50 with every mechanism on (and 10,000 runs).

Prints one JSON line: {"runs", "days", "seconds", "run_days_per_second", "peak_mib", ...}.
``seconds`` is the median of five timings of the scenario arm alone on one thread (one core), after
a warm-up call that loads the compiled kernel; ``paired_seconds`` includes the no-scheme
counterfactual; ``vs_no_scheme`` is the ratio to a no-scheme arm timed in the same process (the cost
of the scheme's mechanisms). 10,000 runs are timed on one thread (median of three), the first such
call in the process alone (it pays for fresh memory: about 1 GB of records), and on every core.
Peak memory is measured in a separate run with tracemalloc. ``summary_peak_rss_mib`` is the peak
resident memory of a fresh process that simulates ``--summary-runs`` paired runs x 3 years without
daily records (``records=False``) on every core and makes the summary, measured with
``resource.getrusage``; ``summary_baseline_rss_mib`` is the same process's peak before it (the
interpreter, the libraries and the loaded kernel). The goal (issue 16) is 100,000 runs under 1 GB.

Run: python benchmarks/bench_simulate.py [--runs 1000] [--big 10000] [--summary-runs 100000]
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
import tracemalloc
from pathlib import Path

from smallboats.analysis.scenarios import build_scenario
from smallboats.data.store import Store
from smallboats.model import simulate


def timed(fn, repeat: int) -> float:
    out = []
    for _ in range(repeat):
        t = time.perf_counter()
        fn()
        out.append(time.perf_counter() - t)
    return statistics.median(out)


PEAK_RSS = """
import json, resource, sys, time
from smallboats.model import Scenario, simulate

sc = Scenario(years=3)
simulate(sc, runs=10, seed=1)
base = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
t = time.perf_counter()
simulate(sc, runs=int(sys.argv[1]), seed=7, threads=None, records=False).summary()
seconds = time.perf_counter() - t
peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
print(json.dumps({"base": base / 1024, "peak": peak / 1024, "seconds": seconds}))
"""


def summary_peak_rss(runs: int) -> dict:
    """Peak resident memory (MiB; Linux reports kilobytes) of a summary-only simulation in a fresh process."""
    done = subprocess.run([sys.executable, "-c", PEAK_RSS, str(runs)], capture_output=True, text=True, check=True)
    got = json.loads(done.stdout.splitlines()[-1])
    return {
        "summary_runs": runs,
        "summary_seconds": round(got["seconds"], 1),
        "summary_baseline_rss_mib": round(got["base"]),
        "summary_peak_rss_mib": round(got["peak"]),
    }


def main() -> dict:
    ap = argparse.ArgumentParser()
    ap.add_argument("--runs", type=int, default=1000)
    ap.add_argument("--big", type=int, default=10_000)
    ap.add_argument("--summary-runs", type=int, default=100_000, help="0 to skip the peak-memory run")
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp, Store(Path(tmp) / "s.duckdb") as st:
        sc, _ = build_scenario("pilot-50", st, years=3)
        base, _ = build_scenario("no-scheme", st, years=3)
    days = sc.days
    simulate(sc, runs=10, seed=1)  # load (or compile) the kernel once, outside every timing
    one = {"threads": 1}
    arm = timed(lambda: simulate(sc, runs=args.runs, seed=7, counterfactual=False, **one), 5)
    paired = timed(lambda: simulate(sc, runs=args.runs, seed=7, **one), 3)
    no_scheme = timed(lambda: simulate(base, runs=args.runs, seed=7, **one), 5)
    tracemalloc.start()
    simulate(sc, runs=args.runs, seed=7, counterfactual=False, **one)
    peak = tracemalloc.get_traced_memory()[1] / 2**20
    tracemalloc.stop()
    out = {
        "runs": args.runs,
        "days": days,
        "seconds": round(arm, 3),
        "run_days_per_second": round(args.runs * days / arm),
        "peak_mib": round(peak, 1),
        "paired_seconds": round(paired, 3),
        "no_scheme_seconds": round(no_scheme, 3),
        "vs_no_scheme": round(arm / no_scheme, 2),
        "cores": os.cpu_count(),
    }
    if args.big:

        def big(threads: int | None) -> None:
            simulate(sc, runs=args.big, seed=7, counterfactual=False, threads=threads)

        first = timed(lambda: big(1), 1)
        big_one = timed(lambda: big(1), 3)
        big_all = timed(lambda: big(None), 3)
        out.update(
            big_runs=args.big,
            big_first_seconds=round(first, 2),
            big_seconds=round(big_one, 2),
            big_run_days_per_second=round(args.big * days / big_one),
            big_all_cores_seconds=round(big_all, 2),
        )
    if args.summary_runs:
        out.update(summary_peak_rss(args.summary_runs))
    return out


if __name__ == "__main__":
    print(json.dumps(main()))
