"""Benchmark: importing the full Home Office workbook, and the so-far query.

Prints JSON. Times are medians of repeated runs; each is also given as a ratio to a baseline run
in the same process (reading the workbook's cells with pandas alone; summing the daily frame with
a plain pandas mask), so figures from a noisy machine can be compared.

Run: python benchmarks/bench_data.py [path/to/data_small_boats_time_series.ods]
"""

from __future__ import annotations

import datetime as dt
import json
import statistics
import sys
import tempfile
import time
from pathlib import Path

import pandas as pd

from smallboats.data import queries
from smallboats.data.importers import read_file
from smallboats.data.store import ReleaseStore

DEFAULT = (
    Path(__file__).resolve().parents[2]
    / "shared/data/home_office_small_boats_thenational/data_small_boats_time_series.ods"
)


def median_seconds(fn, repeat: int) -> float:
    times = []
    for _ in range(repeat):
        t = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t)
    return statistics.median(times)


def main() -> dict:
    ods = Path(sys.argv[1]) if len(sys.argv) > 1 else DEFAULT
    tmp = Path(tempfile.mkdtemp())
    n = iter(range(1000))

    def import_once():
        with ReleaseStore.create(tmp / f"b{next(n)}.duckdb") as s:
            s.load(read_file(ods), str(ods))

    import_s = median_seconds(import_once, 5)
    read_s = median_seconds(lambda: pd.read_excel(ods, sheet_name=None, header=None, engine="calamine"), 5)
    with ReleaseStore.create(tmp / "q.duckdb") as s:
        s.load(read_file(ods), str(ods))
        daily = s.daily()
        on = dt.date(2025, 7, 9)
        so_far_s = median_seconds(lambda: queries.so_far(daily, on), 50)
        store_so_far_s = median_seconds(lambda: queries.so_far(s.daily(), on), 20)

    def baseline_sum():
        for y in range(2018, 2026):
            m = (daily.date >= pd.Timestamp(y, 1, 1)) & (daily.date <= pd.Timestamp(y, 7, 9))
            daily.loc[m, ["people", "boats"]].sum()

    base_s = median_seconds(baseline_sum, 50)
    return {
        "workbook": ods.name,
        "import_full_workbook_s": round(import_s, 3),
        "baseline_read_cells_only_s": round(read_s, 3),
        "import_vs_read_ratio": round(import_s / read_s, 2),
        "so_far_query_ms": round(so_far_s * 1000, 2),
        "so_far_from_store_ms": round(store_so_far_s * 1000, 2),
        "baseline_pandas_sum_ms": round(base_s * 1000, 2),
        "so_far_vs_baseline_ratio": round(so_far_s / base_s, 2),
    }


if __name__ == "__main__":
    print(json.dumps(main()))
