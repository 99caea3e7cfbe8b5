"""Run the benchmarks and generated figures, and write them into README.md between markers.

Each block in README.md between ``<!-- gen:NAME -->`` and ``<!-- /gen:NAME -->`` is replaced by
what the generator NAME produces. Nothing in those blocks is typed by hand.

Run: python scripts/update_readme.py [NAME ...]   (default: every generator)
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
README = ROOT / "README.md"


def _run_json(*args: str) -> dict | list:
    out = subprocess.run([sys.executable, *args], cwd=ROOT, check=True, capture_output=True, text=True)
    return json.loads(out.stdout.strip().splitlines()[-1] if args[0].endswith(".py") else out.stdout)


def _table(rows: list[tuple]) -> str:
    lines = ["| measure | value |", "| --- | --- |"]
    lines += [f"| {k} | {v} |" for k, v in rows]
    return "\n".join(lines)


def gen_bench_data() -> str:
    b = _run_json("benchmarks/bench_data.py")
    return _table(
        [
            ("import the full workbook (read, validate, store; median of 5)", f"{b['import_full_workbook_s']} s"),
            ("baseline: read the workbook's cells only (same process)", f"{b['baseline_read_cells_only_s']} s"),
            ("import ÷ baseline", f"{b['import_vs_read_ratio']}×"),
            ("so-far query on the daily frame (median of 50)", f"{b['so_far_query_ms']} ms"),
            ("so-far query including reading the store", f"{b['so_far_from_store_ms']} ms"),
            ("so-far ÷ plain pandas sums (same process)", f"{b['so_far_vs_baseline_ratio']}×"),
        ]
    )


def gen_bench_simulate() -> str:
    b = _run_json("benchmarks/bench_simulate.py")
    return _table(
        [
            (f"{b['runs']:,} runs x {b['days']:,} days, scenario arm, one core (median of 5)", f"{b['seconds']} s"),
            ("run-days per second, one core", f"{b['run_days_per_second']:,}"),
            ("peak memory of the run (tracemalloc)", f"{b['peak_mib']} MiB"),
            ("with its paired no-scheme counterfactual, one core", f"{b['paired_seconds']} s"),
            ("baseline: a no-scheme arm in the same process", f"{b['no_scheme_seconds']} s"),
            ("scenario arm ÷ no-scheme arm", f"{b['vs_no_scheme']}×"),
            (f"{b['big_runs']:,} runs, one core (median of 3)", f"{b['big_seconds']} s"),
            (
                f"{b['big_runs']:,} runs, one core, first such call (fresh memory)",
                f"{b['big_first_seconds']} s",
            ),
            (f"{b['big_runs']:,} runs, every core ({b['cores']}), median of 3", f"{b['big_all_cores_seconds']} s"),
            (
                f"{b['summary_runs']:,} paired runs x 3 years without daily records: peak memory (RSS)",
                f"{b['summary_peak_rss_mib']} MiB ({b['summary_seconds']} s)",
            ),
        ]
    )


def gen_bench_memory() -> str:
    b = _run_json("benchmarks/bench_memory.py")
    rows = [
        (
            f"`smallboats simulate pilot-50 --runs {r['runs']:,} --years {b['years']:g}` (summary): peak memory (RSS)",
            f"{r['peak_rss_mib']:,} MiB ({r['seconds']} s)",
        )
        for r in b["rows"]
    ]
    if "bytes_per_run" in b:
        rows.append(("each further run (both arms), from the two largest", f"{b['bytes_per_run'] / 1024:,.1f} kB"))
    return _table(rows)


def gen_bench_dask() -> str:
    b = _run_json("benchmarks/bench_dask.py", "--doc", "docs/scaling.md")  # the page and the table: one run
    return _table(
        [
            ("1 worker: runs per second", f"{b['workers_1_runs_per_second']:,} ({b['workers_1_seconds']} s)"),
            ("2 workers: runs per second", f"{b['workers_2_runs_per_second']:,} ({b['workers_2_seconds']} s)"),
            ("scaling efficiency, LocalCluster (2 workers ÷ twice 1 worker)", f"{b['scaling_efficiency']}"),
            ("scaling efficiency, scheduler and workers as separate processes", f"{b['processes_efficiency']}"),
            (
                f"Sobol analysis, {b['sobol_rows']:,} runs, {b['sobol_factors']} factors, 2 workers",
                f"{b['sobol_seconds_2_workers']} s",
            ),
        ]
    )


def gen_bench_api() -> str:
    b = _run_json("benchmarks/bench_api.py")
    t = _run_json("benchmarks/bench_api.py", "--clients", "20")
    n = _run_json("benchmarks/bench_api.py", "--mix", "seeds")
    # overload runs for its time limit: refused at once, 60 clients ask far more than the requests given
    over = ("--clients", "60", "--requests", "5000", "--budget", "10", "--max-seconds", "40")
    o = _run_json("benchmarks/bench_api.py", *over)
    p = _run_json("benchmarks/bench_api.py", *over, "--honour-retry-after")

    def health(x: dict) -> str:
        return (
            f"{x['health_p99_ms']} ms (median {x['health_median_ms']} ms, {x['health_checks']} checks; idle server: "
            f"p99 {x['idle_health_p99_ms']} ms)"
        )

    def overload(x: dict, who: str) -> list[tuple]:
        return [
            (
                f"overload: {x['clients']} {who}, budget {x['budget_s']:g} s: median, p99, slowest",
                f"{x['median_s']} s, {x['p99_s']} s, {x['max_s']} s ({x['refused_503']} of {x['requests']} refused "
                f"with 503, {x['refused_with_retry_after']} of them with Retry-After; p99 of a refusal "
                f"{x['refused_p99_s']} s)",
            ),
            (f"overload ({who}): health check p99", health(x)),
            (f"overload ({who}): requests answered later than the budget plus 1 s", f"{x['past_budget_plus_1s']}"),
        ]

    return _table(
        [
            (f"median latency, {b['clients']} concurrent clients, distinct what-ifs", f"{b['median_ms']} ms"),
            ("p99 latency", f"{b['p99_ms']} ms"),
            ("throughput", f"{b['throughput_per_s']} requests/s ({b['requests']} requests, {b['errors']} errors)"),
            ("baseline: one client alone, median", f"{b['single_client_median_ms']} ms"),
            ("a repeated what-if (a share link opened again), median", f"{b['repeated_median_ms']} ms"),
            (
                f"{t['clients']} concurrent clients: median, p99",
                f"{t['median_ms']} ms, {t['p99_ms']} ms ({t['errors']} of {t['requests']} failed)",
            ),
            (
                f"{n['clients']} clients, a new seed every request (no no-scheme world reused): median, p99",
                f"{n['median_ms']} ms, {n['p99_ms']} ms",
            ),
            ("server processes", f"{b['server_workers']}"),
            ("load average (1 min) at the end of the first run", f"{b['load_average_1min']}"),
            ("health check p99 while loaded", health(b)),
            *overload(o, "clients that retry at once"),
            *overload(p, "clients that wait as Retry-After says"),
        ]
    )


def gen_backtest() -> str:
    out = _run_json("-m", "smallboats", "backtest", "--format", "json")
    lines = [
        f"Origins: every month-end from {out['origins'][0]} to {out['origins'][-1]} ({len(out['origins'])} in all).",
        "",
        "| weeks ahead | method | MAE | CRPS | log score | bias | 50% held | 80% held | 95% held | 99% held |",
        "| ---: | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |",
    ]
    for r in out["summary"]:
        cov = [f"{r[f'coverage_{k}']:.0%}" for k in (50, 80, 95, 99)]
        lines.append(
            f"| {r['horizon_weeks']} | {r['method']} | {r['mae']:,.0f} | {r['crps']:,.0f} | {r['logs']:.2f} | "
            f"{r['error']:+,.0f} | " + " | ".join(cov) + " |"
        )
    lines += [
        "",
        "CRPS of each baseline minus the model's, with a 95% bootstrap interval over origins (negative: the "
        "baseline is better):",
        "",
        "| weeks ahead | method | difference | 95% interval | share of resamples where it is better |",
        "| ---: | --- | ---: | --- | ---: |",
    ]
    for r in out["crps_difference"]:
        lines.append(
            f"| {r['horizons']} | {r['method']} | {r['difference']:+,.1f} | {r['low']:+,.1f} to {r['high']:+,.1f} | "
            f"{r['p_better']:.0%} |"
        )
    better = [r for r in out["crps_difference"] if r["high"] < 0]
    model = {r["horizon_weeks"]: r for r in out["summary"] if r["method"] == "model"}
    words = (
        "Read plainly: "
        + (
            "; ".join(
                f"{r['method']} beats the model {r['horizons']} weeks ahead, by {-r['difference']:,.0f} CRPS"
                f" (95% interval {-r['high']:,.0f} to {-r['low']:,.0f})"
                for r in better
            )
            if better
            else "no baseline beats the model on CRPS beyond the bootstrap's interval"
        )
        + f". A month ahead the model's 80% band held {model['1-4']['coverage_80']:.0%} of weeks and its 95% band "
        f"{model['1-4']['coverage_95']:.0%}."
    )
    lines += ["", words]
    return "\n".join(lines)


def _module_table(script: str) -> str:
    """A benchmark that prints its own Markdown table, then a line of JSON."""
    out = subprocess.run([sys.executable, script], cwd=ROOT, check=True, capture_output=True, text=True).stdout
    return "\n".join(line for line in out.splitlines() if line.startswith("|"))


def gen_bench_estimate() -> str:
    return _module_table("benchmarks/bench_estimate.py")


def gen_bench_cli() -> str:
    return _module_table("benchmarks/bench_cli.py")


def gen_profile_samplers() -> str:
    return _module_table("benchmarks/profile_samplers.py")


def gen_bench_report() -> str:
    return _module_table("benchmarks/bench_report.py")


def gen_estimate() -> str:
    res = _run_json("-m", "smallboats", "evaluate-pilot", "--format", "json")
    rows = res["summary"]
    keys = [k for k in rows[0] if k != "method"]
    lines = ["| figure | " + " | ".join(r["method"] for r in rows) + " |", "| --- |" + " ---: |" * len(rows)]
    for k in keys:
        cells = []
        for r in rows:
            v = r.get(k)
            cells.append(
                "–"
                if v is None
                else (f"{v:,.3g}" if isinstance(v, float) and abs(v) < 100 else f"{v:,.0f}")
                if isinstance(v, (int, float))
                else str(v)
            )
        lines.append(f"| {k.replace('_', ' ')} | " + " | ".join(cells) + " |")
    lines += ["", res["statement"]]
    return "\n".join(lines)


def gen_so_far() -> str:
    rows = _run_json("-m", "smallboats", "query", "so-far", "--date", "2025-07-09", "--format", "json")
    lines = ["| year | people | boats | 2025 against that year |", "| --- | ---: | ---: | ---: |"]
    for r in rows:
        pct = "–" if r["pct_change"] is None else f"{r['pct_change']:+,.1f}%"
        if r is rows[-1]:
            pct = "(this year)"
        lines.append(f"| {r['year']} | {r['people']:,} | {r['boats']:,} | {pct} |")
    return "\n".join(lines)


QUOTAS = ("50", "250", "1000", "4000")


HELD_BACK = {
    "pool": "weeks with too few eligible arrivals",
    "places": "detention places",
    "casework": "casework losses",
}


def _held_back(row: dict) -> str:
    """The parts of the shortfall from the quota, largest first, as shares of the quota."""
    parts = sorted(((row[f"short_{k}"], k) for k in HELD_BACK), reverse=True)
    named = [f"{HELD_BACK[k]} {v * 100:.0f}%" for v, k in parts if v >= 0.05]
    return ", ".join(named) if named else "nothing: the quota is delivered"


def gen_quota() -> str:
    """What a weekly quota does, by scheme year: the same numbers as `smallboats threshold --quota Q`."""
    lines = [
        "| weekly quota | scheme year | returned (median) | cut, no deterrence | cut, elasticity | cut, threshold "
        "| what holds returns back (share of the quota) | detention places |",
        "| ---: | --- | ---: | ---: | ---: | ---: | --- | ---: |",
    ]
    for q in QUOTAS:
        rows = _run_json("-m", "smallboats", "threshold", "--quota", q, "--runs", "250", "--format", "json")
        by = {(r["assumption"], r["year"]): r for r in rows}
        for year in dict.fromkeys(r["year"] for r in rows):
            none = by[("none", year)]
            cuts = " | ".join(f"{by[(f, year)]['cut_median'] * 100:.1f}%" for f in ("none", "elasticity", "threshold"))
            when = "2 onwards (steady)" if year == "steady" else year
            lines.append(
                f"| {int(float(q)):,} | {when} | {none['returned_median']:,.0f} | {cuts} | "
                f"{_held_back(none)} | {none['detention_places']:,.0f} |"
            )
    return "\n".join(lines)


def gen_claims() -> str:
    out = subprocess.run(
        [sys.executable, "-m", "smallboats", "claims", "check", "--format", "markdown"],
        cwd=ROOT,
        check=True,
        capture_output=True,
        text=True,
    )
    return out.stdout.rstrip("\n")


GENERATORS = {
    "bench-data": gen_bench_data,
    "bench-simulate": gen_bench_simulate,
    "bench-memory": gen_bench_memory,
    "bench-dask": gen_bench_dask,
    "bench-api": gen_bench_api,
    "backtest": gen_backtest,
    "estimate": gen_estimate,
    "bench-estimate": gen_bench_estimate,
    "bench-cli": gen_bench_cli,
    "bench-report": gen_bench_report,
    "profile-samplers": gen_profile_samplers,
    "so-far": gen_so_far,
    "claims": gen_claims,
    "quota": gen_quota,
}
DETERMINISTIC = ["so-far", "claims", "quota"]


def main(names: list[str]) -> None:
    text = README.read_text()
    for name in names or list(GENERATORS):
        block = GENERATORS[name]()
        pattern = re.compile(rf"(<!-- gen:{name} -->\n)(?:.*?\n)?(<!-- /gen:{name} -->)", re.S)
        if not pattern.search(text):
            raise SystemExit(f"README.md has no block <!-- gen:{name} -->")
        text = pattern.sub(lambda m, b=block: m.group(1) + b + "\n" + m.group(2), text)
    README.write_text(text)


if __name__ == "__main__":
    main(sys.argv[1:])
