"""Benchmark: a full fit of the estimates on the bundled data (goal: at most 60 s on a 2-core machine).

Times, in one process with an empty cache: the effect (both methods, first call, JAX compiling),
the same fit again with another seed (compiled), the same call from the cache, and the dose fit; then a
new fit in a new process, which reads the compiled sampler from JAX's persistent cache. The
load average is printed beside them, since the machine may be shared. Prints a Markdown table, then
JSON on the last line (for scripts/update_readme.py).

Run: python benchmarks/bench_estimate.py
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from smallboats.analysis.estimate import FitOptions, estimate_deterrence, estimate_effect, from_store
from smallboats.data.bundle import open_default_store


def timed(fn):
    t = time.perf_counter()
    out = fn()
    return out, round(time.perf_counter() - t, 1)


def main() -> dict:
    tmp = Path(tempfile.mkdtemp())
    os.environ["SMALLBOATS_CACHE"] = str(tmp / "cache")
    with open_default_store(tmp / "bench.duckdb") as st:
        inputs = from_store(st)
    load_before = round(os.getloadavg()[0], 1)
    first, first_s = timed(lambda: estimate_effect(inputs, options=FitOptions(seed=7)))
    _, again_s = timed(lambda: estimate_effect(inputs, options=FitOptions(seed=8)))
    _, cached_s = timed(lambda: estimate_effect(inputs, options=FitOptions(seed=7)))
    dose, dose_s = timed(lambda: estimate_deterrence(inputs, options=FitOptions(seed=7)))
    code = (
        "from smallboats.analysis.estimate import FitOptions, estimate_effect, from_store\n"
        "from smallboats.data.bundle import open_default_store\n"
        f"st = open_default_store({str(tmp / 'bench.duckdb')!r}, read_only=True)\n"
        "estimate_effect(from_store(st), options=FitOptions(seed=9))\n"
    )
    _, new_process_s = timed(lambda: subprocess.run([sys.executable, "-c", code], check=True, env=os.environ))
    d = first.diagnostics
    return {
        "weeks_fitted": d["weeks_fitted"],
        "weeks_forecast": d["weeks_forecast"],
        "chains": d["chains"],
        "warmup": d["warmup"],
        "samples": d["samples"],
        "effect_first_s": first_s,
        "effect_sampling_s": d["seconds"],
        "effect_compiled_s": again_s,
        "effect_cached_s": cached_s,
        "dose_s": dose_s,
        "new_process_s": new_process_s,
        "dose_weeks": dose.diagnostics["weeks_fitted"],
        "max_rhat": d["max_rhat"],
        "min_ess": d["min_ess"],
        "divergences": d["divergences"],
        "load_average_1min": load_before,
        "cores": os.cpu_count(),
    }


def table(b: dict) -> str:
    rows = [
        (
            f"effect, both methods, {b['weeks_fitted']} weeks fitted, first call (JAX compiles)",
            f"{b['effect_first_s']} s",
        ),
        ("of which NUTS sampling", f"{b['effect_sampling_s']} s"),
        ("the same fit, another seed (compiled)", f"{b['effect_compiled_s']} s"),
        ("the same call again, from the cache", f"{b['effect_cached_s']} s"),
        ("a new fit in a new process (compiled sampler read from the cache)", f"{b['new_process_s']} s"),
        (f"dose fit (elasticity), {b['dose_weeks']} weeks", f"{b['dose_s']} s"),
        ("max R-hat, min ESS, divergences (first fit)", f"{b['max_rhat']}, {b['min_ess']}, {b['divergences']}"),
        ("settings", f"{b['chains']} chains × ({b['warmup']} warm-up + {b['samples']} draws)"),
        (f"load average at the start ({b['cores']} cores)", f"{b['load_average_1min']}"),
    ]
    return "\n".join(["| measure | value |", "| --- | --- |"] + [f"| {k} | {v} |" for k, v in rows])


if __name__ == "__main__":
    result = main()
    print(table(result))
    print(json.dumps(result))
