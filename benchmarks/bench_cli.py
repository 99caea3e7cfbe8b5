"""How long people wait at the command line: end-to-end commands in fresh processes (medians).

The baseline is `python -c pass` timed in the same run, so the ratio says what smallboats adds to
starting Python on this machine, however loaded it is. `simulate` is timed once with an empty
cache (it fits the baseline) and then as a user runs it again (the fit kept on disk); the compiled
kernel's load from Numba's cache, part of every `simulate`, is measured on its own in a fresh process,
set up as the command sets it up (without ``scipy.linalg``, see ``cli.simulate.numba_without_scipy``).
The package's bytecode is written first, as an installed package has it (pip compiles on install;
an editable checkout run with PYTHONDONTWRITEBYTECODE would otherwise compile every module each time).

Run: python benchmarks/bench_cli.py   (prints a Markdown table, then one line of JSON)
"""

from __future__ import annotations

import json
import os
import statistics
import subprocess
import sys
import tempfile
import time


def timed(args: list[str], env: dict, n: int) -> float:
    """Median wall time of ``n`` fresh processes."""
    times = []
    for _ in range(n):
        t = time.perf_counter()
        subprocess.run([sys.executable, *args], env=env, check=True, capture_output=True)
        times.append(time.perf_counter() - t)
    return round(statistics.median(times), 3)


KERNEL_LOAD = """
import json, time
t0 = time.perf_counter()
from smallboats.cli.simulate import numba_without_scipy
numba_without_scipy()  # as the simulate command starts
from smallboats.model import Scenario, simulate
sc = Scenario(years=1 / 52)
t1 = time.perf_counter()
simulate(sc, runs=1, seed=0, records=False)
t2 = time.perf_counter()
simulate(sc, runs=1, seed=0, records=False)
t3 = time.perf_counter()
print(json.dumps({"import": t1 - t0, "load": (t2 - t1) - (t3 - t2)}))
"""


def kernel_load(env: dict, n: int) -> dict:
    """Median seconds to import the model and to load the compiled kernel from Numba's cache (first call)."""
    runs = []
    for _ in range(n):
        p = subprocess.run([sys.executable, "-c", KERNEL_LOAD], env=env, check=True, capture_output=True, text=True)
        runs.append(json.loads(p.stdout))
    return {k: round(statistics.median(r[k] for r in runs), 3) for k in ("import", "load")}


def main() -> dict:
    import smallboats

    package = os.path.dirname(smallboats.__file__)
    subprocess.run([sys.executable, "-m", "compileall", "-q", package], check=True, capture_output=True)
    with tempfile.TemporaryDirectory() as home:
        env = os.environ | {"SMALLBOATS_HOME": home, "SMALLBOATS_CACHE": os.path.join(home, "cache")}
        subprocess.run([sys.executable, "-m", "smallboats", "data", "status"], env=env, check=True, capture_output=True)
        simulate = ["-m", "smallboats", "simulate", "pilot-50", "--runs", "1000"]
        load = round(os.getloadavg()[0], 1)
        first = timed(simulate, env, 1)  # the cache is empty: the baseline is fitted
        kernel = kernel_load(env, 3)
        return {
            "python_s": timed(["-c", "pass"], env, 5),
            "help_s": timed(["-m", "smallboats", "--help"], env, 5),
            "so_far_s": timed(["-m", "smallboats", "query", "so-far", "--date", "2025-07-09"], env, 5),
            "simulate_first_s": first,
            "simulate_s": timed(simulate, env, 3),
            "model_import_s": kernel["import"],
            "kernel_load_s": kernel["load"],
            "load_average_1min": load,
        }


def table(b: dict) -> str:
    rows = [
        ("`smallboats --help`", f"{b['help_s']} s"),
        ("`smallboats query so-far --date 2025-07-09`", f"{b['so_far_s']} s"),
        ("`smallboats simulate pilot-50 --runs 1000` (paired, 3 years)", f"{b['simulate_s']} s"),
        ("of which: loading the compiled kernel from Numba's cache", f"{b['kernel_load_s']} s"),
        ("of which: importing the model (NumPy, Numba)", f"{b['model_import_s']} s"),
        ("the same, first run with an empty cache (the baseline fitted)", f"{b['simulate_first_s']} s"),
        ("baseline: `python -c pass`", f"{b['python_s']} s"),
        ("load average at the start (2 cores)", f"{b['load_average_1min']}"),
    ]
    return "\n".join(
        ["| command, fresh process (median) | time |", "| --- | --- |"] + [f"| {k} | {v} |" for k, v in rows]
    )


if __name__ == "__main__":
    result = main()
    print(table(result))
    print(json.dumps(result))
