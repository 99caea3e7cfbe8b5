"""The main job's time: `smallboats report` on the bundled data, first with an empty cache, then again.

The second run reuses the cached simulations, backtest and fits (data unchanged), as a user's
second report does.

Run: python benchmarks/bench_report.py   (prints a Markdown table, then one line of JSON)
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
import time


def main() -> dict:
    out = {}
    with tempfile.TemporaryDirectory() as home:
        env = os.environ | {"SMALLBOATS_HOME": home, "SMALLBOATS_CACHE": os.path.join(home, "cache")}
        out["load_average_1min"] = round(os.getloadavg()[0], 1)
        for label in ("first_s", "second_s"):
            t = time.perf_counter()
            subprocess.run(
                [sys.executable, "-m", "smallboats", "report", "--out", os.path.join(home, label)],
                env=env,
                check=True,
                capture_output=True,
            )
            out[label] = round(time.perf_counter() - t, 1)
    return out


def table(b: dict) -> str:
    rows = [
        ("first report, empty cache (simulations, backtest, fits)", f"{b['first_s']} s"),
        ("second report, unchanged data (cached work reused)", f"{b['second_s']} s"),
        ("load average at the start (2 cores)", f"{b['load_average_1min']}"),
    ]
    return "\n".join(["| measure | value |", "| --- | --- |"] + [f"| {k} | {v} |" for k, v in rows])


if __name__ == "__main__":
    result = main()
    print(table(result))
    print(json.dumps(result))
