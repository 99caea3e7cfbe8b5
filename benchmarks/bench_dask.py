"""Benchmark: sweep throughput on 1 and 2 Dask workers, on a LocalCluster and on separate processes.

The separate-process cluster is what a user with a real cluster runs: ``dask scheduler`` and
``dask worker --nthreads 1`` started as their own processes on 127.0.0.1. Scaling efficiency is
(runs/s on 2 workers) / (2 x runs/s on 1 worker) on the same sweep (pilot-50, one year, 8 variants of
2,000 runs), chunk sizes chosen by the sweep from its pilot. Workers are warmed first (the compiled
kernel loaded), as on a long-lived cluster; the pilot itself is timed with the sweep. Also reported:
each worker's peak resident memory, the Parquet bytes per output row, and a 10,000-run Sobol analysis
on 2 local workers. Prints a Markdown table and one JSON line.

Run: python benchmarks/bench_dask.py [--doc docs/scaling.md]
"""

from __future__ import annotations

import argparse
import contextlib
import json
import math
import os
import resource
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from dask.distributed import Client, get_task_stream

import smallboats
from smallboats.analysis.distributed import executor
from smallboats.analysis.scenarios import build_scenario
from smallboats.analysis.sensitivity import problem, sobol
from smallboats.analysis.sweeps import (
    MAX_CHUNK_RECORD_BYTES,
    PILOT_RUNS,
    TARGET_TASK_SECONDS,
    TASKS_PER_WORKER,
    choose_chunk_runs,
    plan,
    read_sweep,
    run_sweep,
)
from smallboats.data.bundle import open_default_store
from smallboats.model.rng import BLOCK

VARIANTS = [{"scheme.quota.per_week": q} for q in (50, 100, 250, 500, 1000, 1500, 2000, 4000)]
RUNS = 2_000


def _warm(scenario: dict) -> int:
    """Load the compiled kernel on a worker (a tiny simulation)."""
    from smallboats.model import Scenario, simulate

    simulate(Scenario.model_validate(scenario), runs=1, seed=0)
    return os.getpid()


def _peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


@contextlib.contextmanager
def processes_cluster(folder: Path):
    """A scheduler on 127.0.0.1 and a function that starts one more single-threaded worker."""
    src = str(Path(smallboats.__file__).resolve().parents[1])  # the checkout benchmarked, for the workers
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([src, os.environ.get("PYTHONPATH", "")])}
    procs = []
    file = folder / "scheduler.json"

    def start(*args):
        procs.append(
            subprocess.Popen(
                [sys.executable, "-m", *args],
                env=env,
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
                start_new_session=True,
            )
        )

    try:
        start(
            "distributed.cli.dask_scheduler",
            *("--host", "127.0.0.1", "--port", "0", "--scheduler-file", str(file), "--no-dashboard"),
        )
        deadline = time.time() + 60
        while not file.exists() and time.time() < deadline:
            time.sleep(0.1)
        address = json.loads(file.read_text())["address"]

        def add_worker():
            start("distributed.cli.dask_worker", address, "--nthreads", "1", "--host", "127.0.0.1", "--no-dashboard")

        yield address, add_worker
    finally:
        for p in procs:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(p.pid, signal.SIGTERM)
        for p in procs:
            try:
                p.wait(10)
            except subprocess.TimeoutExpired:
                os.killpg(p.pid, signal.SIGKILL)


def timed_sweep(sc, ex, out: Path) -> dict:
    """One sweep on a warmed executor: seconds, runs/s, the chunking chosen, workers' peak memory."""
    ex.client.run(_warm, sc.model_dump(mode="json"))
    t = time.perf_counter()
    with get_task_stream(ex.client) as stream:
        summary = run_sweep(sc, VARIANTS, runs=RUNS, seed=7, out=out, ex=ex)
    secs = time.perf_counter() - t
    busy = sum(x["stop"] - x["start"] for task in stream.data for x in task["startstops"] if x["action"] == "compute")
    rss = ex.client.run(_peak_rss_mb)
    rows = len(read_sweep(out))
    size = sum(p.stat().st_size for p in out.glob("part-*.parquet"))
    return {
        "seconds": round(secs, 2),
        "runs_per_second": round(len(VARIANTS) * RUNS / secs, 1),
        "chunk_runs": summary["chunk_runs"],
        "chunks": summary["chunks"],
        "seconds_per_block": summary["seconds_per_block"],
        "worker_peak_rss_mb": round(max(rss.values())),
        "parquet_bytes_per_row": round(size / rows, 1),
        "worker_busy_share": round(busy / (secs * ex.slots), 2),
    }


def _chunk_on_worker(task) -> dict:
    """Run one chunk (after a warm-up block) and report its seconds and the worker's peak memory."""
    import dataclasses

    from smallboats.analysis.sweeps import run_chunk

    before = _peak_rss_mb()
    run_chunk(dataclasses.replace(task, runs=BLOCK))
    t = time.perf_counter()
    rows = len(run_chunk(task))
    return {"seconds": time.perf_counter() - t, "rows": rows, "rss_before_mb": before, "peak_rss_mb": _peak_rss_mb()}


def largest_chunk(years: float) -> dict:
    """The largest chunk a sweep of this horizon makes (the memory bound), on a fresh worker."""
    tmp = Path(tempfile.mkdtemp())
    with open_default_store(tmp / "s.duckdb") as st:
        sc, _ = build_scenario("pilot-50", st, years=years)
    runs = choose_chunk_runs(10**6, 1000, 1, sc.days, seconds_per_block=1e-9)
    task = plan(sc, VARIANTS[:1], runs, 7, tmp, runs)[0]
    with executor("local", 1) as ex:
        r = ex.client.submit(_chunk_on_worker, task, pure=False).result()
    return {
        "years": years,
        "chunk_runs": runs,
        "seconds": round(r["seconds"], 2),
        "run_years_per_second": round(runs * years / r["seconds"], 1),
        "worker_rss_before_mb": round(r["rss_before_mb"]),
        "worker_peak_rss_mb": round(r["peak_rss_mb"]),
    }


def scaling(label: str, one: dict, two: dict) -> dict:
    eff = two["runs_per_second"] / (2 * one["runs_per_second"])
    return {f"{label}_w1": one, f"{label}_w2": two, f"{label}_efficiency": round(eff, 2)}


def main() -> dict:
    tmp = Path(tempfile.mkdtemp())
    with open_default_store(tmp / "s.duckdb") as st:
        sc, _ = build_scenario("pilot-50", st, years=1)
    out = {"load_average_1min": os.getloadavg()[0], "cores": os.cpu_count()}
    runs = {}
    for w in (1, 2):
        with executor("local", w) as ex:
            runs[w] = timed_sweep(sc, ex, tmp / f"local-w{w}")
    out.update(scaling("local", runs[1], runs[2]))
    with processes_cluster(tmp) as (address, add_worker):
        for w in (1, 2):
            add_worker()
            with Client(address) as client:
                client.wait_for_workers(w, timeout=60)
            with executor(address) as ex:
                runs[w] = timed_sweep(sc, ex, tmp / f"processes-w{w}")
    out.update(scaling("processes", runs[1], runs[2]))
    for w in (1, 2):  # the keys scripts/update_readme.py reads (LocalCluster)
        out[f"workers_{w}_seconds"] = out[f"local_w{w}"]["seconds"]
        out[f"workers_{w}_runs_per_second"] = out[f"local_w{w}"]["runs_per_second"]
    out["scaling_efficiency"] = out["local_efficiency"]
    d = problem(sc)["num_vars"]
    n = math.ceil(10_000 / (d + 2))
    with executor("local", 2) as ex:
        ex.client.run(_warm, sc.model_dump(mode="json"))
        t = time.perf_counter()
        _, info = sobol(sc, n, 7, ex)
        out["sobol_seconds_2_workers"] = round(time.perf_counter() - t, 2)
    out["sobol_rows"] = info["rows"]
    out["sobol_factors"] = d
    out["sobol_chunk_runs"] = info["chunk_runs"]
    out["largest_chunk"] = largest_chunk(3)
    out["load_average_1min_after"] = os.getloadavg()[0]
    return out


def table(r: dict) -> str:
    lines = [
        "| cluster | workers | seconds | runs/s | pilot s a block | chunk runs | chunks | workers busy "
        "| worker peak RSS (MB) | efficiency |",
        "|---|---|---|---|---|---|---|---|---|---|",
    ]
    for label, name in (("local", "LocalCluster"), ("processes", "separate processes")):
        for w in (1, 2):
            x = r[f"{label}_w{w}"]
            eff = r[f"{label}_efficiency"] if w == 2 else ""
            lines.append(
                f"| {name} | {w} | {x['seconds']} | {x['runs_per_second']} | {x['seconds_per_block']} "
                f"| {x['chunk_runs']} | {x['chunks']} | {x.get('worker_busy_share', '')} "
                f"| {x['worker_peak_rss_mb']} | {eff} |"
            )
    return "\n".join(lines)


PLAN_RUNS, PLAN_VARIANTS, PLAN_YEARS = 1_000_000, 100, 3  # the sweep planned on paper (an example)
PLAN_WORKERS = (16, 64, 256)  # e.g. 2, 8 or 32 machines of 8 cores, one single-threaded worker a core


def _task_bytes(years: float) -> int:
    """Bytes of one pickled sweep task (its variant's scenario and where its part goes)."""
    import pickle

    tmp = Path(tempfile.mkdtemp())
    with open_default_store(tmp / "s.duckdb") as st:
        sc, _ = build_scenario("pilot-50", st, years=years)
    return len(pickle.dumps(plan(sc, VARIANTS[:1], BLOCK, 7, tmp, BLOCK)[0]))


def million_plan(r: dict) -> list[dict]:
    """The 1,000,000-run sweep, from the measured figures and the sweep's own chunk rule."""
    big = r["largest_chunk"]
    rate = big["run_years_per_second"]  # one worker, paired arms
    days = round(PLAN_YEARS * 365.25)
    runs = PLAN_RUNS // PLAN_VARIANTS
    per_block = BLOCK * PLAN_YEARS / rate
    bytes_per_row = min(r[f"{c}_w{w}"]["parquet_bytes_per_row"] for c in ("local", "processes") for w in (1, 2))
    rows = PLAN_RUNS * PLAN_YEARS
    task_bytes = _task_bytes(PLAN_YEARS)
    out = []
    for w in PLAN_WORKERS:
        chunk = choose_chunk_runs(runs, PLAN_VARIANTS, w, days, per_block)
        tasks = PLAN_VARIANTS * math.ceil(runs / chunk)
        ideal = PLAN_RUNS * PLAN_YEARS / (w * rate)
        out.append(
            {
                "workers": w,
                "chunk_runs": chunk,
                "tasks": tasks,
                "tasks_per_worker": round(tasks / w, 1),
                "task_seconds": round(chunk / BLOCK * per_block, 1),
                "minutes_ideal": round(ideal / 60, 1),
                "minutes_at_measured_efficiency": round(ideal / r["processes_efficiency"] / 60, 1),
                "worker_memory_mb": big["worker_peak_rss_mb"],
                "output_mb": round(rows * bytes_per_row / 1e6),
                "task_bytes": task_bytes,
                "scheduler_task_mb": round(tasks * task_bytes / 1e6, 1),
            }
        )
    return out


def scaling_doc(r: dict) -> str:
    """docs/scaling.md, every figure taken from this benchmark's results.

    Longer than most functions: it is the page's one template, kept whole so that it reads as the page.
    """
    big = r["largest_chunk"]
    p = million_plan(r)
    rows_total = PLAN_RUNS * PLAN_YEARS
    eff = f"{r['local_efficiency']} on a LocalCluster and {r['processes_efficiency']} on separate processes"
    plan_rows = "\n".join(
        f"| {x['workers']} | {x['chunk_runs']:,} | {x['tasks']:,} | {x['tasks_per_worker']} | {x['task_seconds']} "
        f"| {x['worker_memory_mb']} | {x['output_mb']:,} | {x['minutes_ideal']} | {x['minutes_at_measured_efficiency']} |"
        for x in p
    )
    return f"""# Scaling sweeps and sensitivity analyses

Generated by `python benchmarks/bench_dask.py --doc docs/scaling.md`; every figure below is measured
by that run or computed from its measurements (rerun it to refresh this page).

## How work is split

A sweep is a list of variants; each variant's runs are cut into chunks of whole blocks of
{BLOCK} runs, and each chunk is one Dask task that simulates its runs (scheme and no-scheme arms)
and writes its own Parquet part, atomically. The numbers do not depend on the chunking, the
number of workers or which worker runs what: every run's random streams depend only on the seed and
the run's number.

Chunk sizes are chosen by `smallboats.analysis.sweeps.choose_chunk_runs` from a pilot: {PILOT_RUNS}
runs of the first variant, timed on every worker (which also loads the compiled kernel there). A chunk
aims at {TARGET_TASK_SECONDS} s of work, with at least {TASKS_PER_WORKER} tasks per worker where
the work allows and at most {MAX_CHUNK_RECORD_BYTES // 2**20} MiB of daily records in memory; a
variant's runs are split into equal chunks. Sobol analyses chunk their rows the same way. A sweep
that is resumed keeps the chunk size it was started with (it is stored in `_sweep.json`).

## Measured on this machine

{r["cores"]} cores, shared: the 1-minute load average was {r["load_average_1min"]:.1f} when the
benchmark started and {r["load_average_1min_after"]:.1f} when it ended, so these figures include
other people's work competing for the same cores. The sweep: pilot-50, one year, {len(VARIANTS)}
variants of {RUNS:,} runs.

{table(r)}

2-worker scaling efficiency: {eff}. "Workers busy" is the share of the sweep's time the workers
spent computing tasks (from Dask's task stream): what chunking can improve. The rest of the
shortfall is each task running slower, as the pilot's seconds a block show, when two workers share
the machine's cores with other work.

One worker running the largest chunk a {big["years"]:g}-year sweep makes ({big["chunk_runs"]:,} runs,
bounded by memory): {big["seconds"]} s, {big["run_years_per_second"]} run-years a second (paired
arms), peak resident memory {big["worker_peak_rss_mb"]} MB, of which {big["worker_rss_before_mb"]} MB
before the chunk (Python, NumPy, pandas, Dask and the kernel loaded).

## A 1,000,000-run sweep on a multi-machine cluster (a plan on paper)

{PLAN_VARIANTS} variants of {PLAN_RUNS // PLAN_VARIANTS:,} runs, {PLAN_YEARS} years each, from the
figures above: per-worker throughput from the largest chunk, output from the Parquet bytes per row
measured here, chunk sizes from the sweep's own rule. "At measured efficiency" divides by the
separate-process efficiency measured above (on a busy shared machine).

| workers | chunk runs | tasks | tasks a worker | seconds a task | memory a worker, at most (MB) | output (MB) | minutes, ideal | minutes at measured efficiency |
|---|---|---|---|---|---|---|---|---|
{plan_rows}

Each task carries its variant's scenario: {p[0]["task_bytes"]:,} bytes pickled, so the scheduler holds
about {p[0]["scheduler_task_mb"]} MB of task definitions for {p[0]["tasks"]:,} tasks. Memory a worker is
the peak measured with the largest chunk above, an upper bound for the smaller chunks chosen here.
The client keeps only each part's path, and `smallboats.analysis.sweeps.summarise_sweep` reads the
summary one variant at a time, so no machine need hold the whole {rows_total:,}-row dataset.

How to run it:

1. Start a scheduler on one machine (`dask scheduler --scheduler-file /shared/sched.json`) and on
   every machine one worker a core (`dask worker --scheduler-file /shared/sched.json --nthreads 1
   --memory-limit 2GB`), with smallboats installed at the same version everywhere.
2. The output folder must be on a file system every worker can write (NFS, Lustre or similar):
   each worker writes its own parts there. A local path on the client machine does not work.
3. Run `smallboats sweep grid.toml --out /shared/sweep --dask tcp://scheduler:8786 --runs ...`.

Resuming: each part is written to a temporary file and renamed when complete, so a part is either
whole or absent. A worker that dies has its task run again by the scheduler; if the client, the
scheduler or the whole cluster stops, run the same command with the same `--out`: the manifest
(`_sweep.json`) is checked against the new definition (a different sweep is refused), half-written
temporary files are removed, and only the missing parts are computed, with the chunk size the sweep
started with.
"""


if __name__ == "__main__":
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--doc", type=Path, help="Also write the scaling page (docs/scaling.md) from the results.")
    ap.add_argument("--from-json", type=Path, help="Results saved from an earlier run (its JSON line), not a new run.")
    args = ap.parse_args()
    result = json.loads(args.from_json.read_text().strip().splitlines()[-1]) if args.from_json else main()
    print(table(result))
    print(json.dumps(result))
    if args.doc:
        args.doc.write_text(scaling_doc(result))
