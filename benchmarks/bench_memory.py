"""Benchmark: peak resident memory of `smallboats simulate` in summary mode, as a user runs it.

Runs ``smallboats simulate pilot-50 --years 3 --format json`` (no ``--out``, so no daily records are
kept) in a fresh process for each of ``--runs`` ensemble sizes, with a throw-away SMALLBOATS_HOME
seeded by a first small run (which also loads the compiled kernel), and reads each child's peak
resident set size from ``resource.getrusage(RUSAGE_CHILDREN)``: the kernel's own count, as
``/usr/bin/time -v`` reports it, taken after each child so that only that child is the maximum.
The slope between the two largest sizes is the memory each further run costs (both arms).
The goal (issue 16) is 100,000 runs x 3 years under 1 GB (1,024 MiB).

Prints one JSON line: {"rows": [{"runs", "peak_rss_mib", "seconds"}, ...], "bytes_per_run", ...}.

Run: python benchmarks/bench_memory.py [--runs 1000 10000 100000]
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time

GOAL_MIB = 1024


def _peak_of_child(cmd: list[str], env: dict) -> tuple[float, float]:
    """Run one command in a fresh process: (its peak RSS in MiB, its seconds)."""
    t = time.perf_counter()
    # one child at a time, from a process that has started no other: RUSAGE_CHILDREN's maximum is its own
    helper = [
        sys.executable,
        "-c",
        "import resource, subprocess, sys; subprocess.run(sys.argv[1:], check=True, stdout=subprocess.DEVNULL); "
        "print(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)",
        *cmd,
    ]
    out = subprocess.run(helper, env=env, check=True, capture_output=True, text=True).stdout
    return int(out.split()[-1]) / 1024, time.perf_counter() - t  # Linux reports kilobytes


def main() -> dict:
    ap = argparse.ArgumentParser()
    ap.add_argument("--runs", type=int, nargs="+", default=[1000, 10_000, 100_000])
    ap.add_argument("--years", type=float, default=3)
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as home:
        env = dict(os.environ, SMALLBOATS_HOME=home)
        base = [sys.executable, "-m", "smallboats", "simulate", "pilot-50", "--years", str(args.years)]
        subprocess.run([*base, "--runs", "10"], env=env, check=True, capture_output=True)  # seed the store
        rows = []
        for runs in sorted(args.runs):
            peak, seconds = _peak_of_child([*base, "--runs", str(runs), "--format", "json"], env)
            rows.append({"runs": runs, "peak_rss_mib": round(peak), "seconds": round(seconds, 1)})
    out = {"years": args.years, "rows": rows, "goal_mib": GOAL_MIB, "cores": os.cpu_count()}
    if len(rows) > 1:
        a, b = rows[-2], rows[-1]
        out["bytes_per_run"] = round((b["peak_rss_mib"] - a["peak_rss_mib"]) * 2**20 / (b["runs"] - a["runs"]))
    out["largest_under_goal"] = rows[-1]["peak_rss_mib"] < GOAL_MIB
    return out


if __name__ == "__main__":
    print(json.dumps(main()))
