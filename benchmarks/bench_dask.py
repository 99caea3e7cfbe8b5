"""Benchmark: sweep throughput on 1 and 2 local Dask workers, and a 10,000-run Sobol analysis.

Prints one JSON line. Scaling efficiency is (runs/s on 2 workers) / (2 x runs/s on 1 worker), both
measured in the same process on the same chunks (pilot-50, one year, 8 chunks of 250 runs).

Run: python benchmarks/bench_dask.py
"""

from __future__ import annotations

import json
import math
import tempfile
import time
from pathlib import Path

from smallboats.analysis.distributed import executor
from smallboats.analysis.scenarios import build_scenario
from smallboats.analysis.sensitivity import problem, sobol
from smallboats.analysis.sweeps import run_sweep
from smallboats.data.bundle import open_default_store


def main() -> dict:
    tmp = Path(tempfile.mkdtemp())
    with open_default_store(tmp / "s.duckdb") as st:
        sc, _ = build_scenario("pilot-50", st, years=1)
    variants = [{"scheme.quota.per_week": q} for q in (50, 100, 250, 500)]
    runs = 500
    out = {}
    for w in (1, 2):
        with executor("local", w) as ex:
            t = time.perf_counter()
            run_sweep(sc, variants, runs=runs, seed=7, out=tmp / f"w{w}", ex=ex)
            secs = time.perf_counter() - t
        out[f"workers_{w}_seconds"] = round(secs, 2)
        out[f"workers_{w}_runs_per_second"] = round(len(variants) * runs / secs, 1)
    out["scaling_efficiency"] = round(out["workers_2_runs_per_second"] / (2 * out["workers_1_runs_per_second"]), 2)
    d = problem(sc)["num_vars"]
    n = math.ceil(10_000 / (d + 2))
    with executor("local", 2) as ex:
        t = time.perf_counter()
        _, info = sobol(sc, n, 7, ex)
        out["sobol_seconds_2_workers"] = round(time.perf_counter() - t, 2)
    out["sobol_rows"] = info["rows"]
    out["sobol_factors"] = d
    return out


if __name__ == "__main__":
    print(json.dumps(main()))
