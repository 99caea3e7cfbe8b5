"""How long people wait at the command line: end-to-end commands in fresh processes (medians).

The baseline is `python -c pass` timed in the same run, so the ratio says what smallboats adds to
starting Python on this machine, however loaded it is.

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


def main() -> dict:
    with tempfile.TemporaryDirectory() as home:
        env = os.environ | {"SMALLBOATS_HOME": home, "SMALLBOATS_CACHE": os.path.join(home, "cache")}
        subprocess.run([sys.executable, "-m", "smallboats", "data", "status"], env=env, check=True, capture_output=True)
        return {
            "python_s": timed(["-c", "pass"], env, 5),
            "help_s": timed(["-m", "smallboats", "--help"], env, 5),
            "so_far_s": timed(["-m", "smallboats", "query", "so-far", "--date", "2025-07-09"], env, 5),
            "simulate_s": timed(["-m", "smallboats", "simulate", "pilot-50", "--runs", "1000"], env, 3),
            "load_average_1min": round(os.getloadavg()[0], 1),
        }


def table(b: dict) -> str:
    rows = [
        ("`smallboats --help`", f"{b['help_s']} s"),
        ("`smallboats query so-far --date 2025-07-09`", f"{b['so_far_s']} s"),
        ("`smallboats simulate pilot-50 --runs 1000` (paired, 3 years)", f"{b['simulate_s']} s"),
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
