"""Benchmark: 1,000 runs x 3 years of pilot-50 with every mechanism on (and 10,000 runs).

Prints one JSON line: {"runs", "days", "seconds", "run_days_per_second", "peak_mib", ...}.
``seconds`` is the median of five timings of the scenario arm alone on one thread (one core), after
a warm-up call that loads the compiled kernel; ``paired_seconds`` includes the no-scheme
counterfactual; ``vs_no_scheme`` is the ratio to a no-scheme arm timed in the same process (the cost
of the scheme's mechanisms). 10,000 runs are timed on one thread (median of three), the first such
call in the process alone (it pays for fresh memory: about 1 GB of records), and on every core.
Peak memory is measured in a separate run with tracemalloc.

Run: python benchmarks/bench_simulate.py [--runs 1000] [--big 10000]
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import tempfile
import time
import tracemalloc
from pathlib import Path

from smallboats.analysis.scenarios import build_scenario
from smallboats.data.bundle import open_default_store
from smallboats.model import simulate


def timed(fn, repeat: int) -> float:
    out = []
    for _ in range(repeat):
        t = time.perf_counter()
        fn()
        out.append(time.perf_counter() - t)
    return statistics.median(out)


def main() -> dict:
    ap = argparse.ArgumentParser()
    ap.add_argument("--runs", type=int, default=1000)
    ap.add_argument("--big", type=int, default=10_000)
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp, open_default_store(Path(tmp) / "s.duckdb") as st:
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
    return out


if __name__ == "__main__":
    print(json.dumps(main()))
