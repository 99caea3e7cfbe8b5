"""Scenario sweeps: many variants of a scenario, each run in chunks, as one Parquet dataset.

A variant sets some parameters (dotted paths such as ``scheme.quota.per_week`` or
``deterrence.elasticity``; a number given for a range fixes it). Each variant's runs are split into
chunks of whole blocks, and each chunk is a task whose result is written as its own Parquet part,
atomically. A sweep that stops part way resumes from the parts already written; the dataset has a
row per (variant, run, year of the horizon).

A grid's size is the product of its value lists' lengths; it is computed, and refused past
:data:`MAX_VARIANTS`, before a single variant is made. Chunk sizes are chosen from the measured cost
of a pilot chunk (see :func:`choose_chunk_runs`); the numbers do not depend on them, since every
run's random streams depend only on the seed and the run's number.
"""

from __future__ import annotations

import itertools
import json
import math
import os
import statistics
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from smallboats import __version__
from smallboats.errors import DataError, UsageError
from smallboats.files import read_toml
from smallboats.model import Scenario, kernel, simulate
from smallboats.model.params import is_prior_table
from smallboats.model.rng import BLOCK, n_blocks

# Assumption: a sweep of more variants than this is almost surely a grid typed by mistake (six keys
# of twenty values is 64 million); each variant holds a scenario of a few kilobytes in the plan, so
# this many is about a gigabyte. A caller who means it passes ``max_variants``.
MAX_VARIANTS = 100_000


def grid_size(grid: dict) -> int:
    """The number of variants a grid makes: the product of its value lists' lengths (nothing expanded)."""
    return math.prod(len(v) for v in grid.values())


def read_spec(path: Path, max_variants: int = MAX_VARIANTS) -> list[dict]:
    """Variants from a grid (TOML, table ``[grid]`` of lists) or a sample file (CSV or Parquet).

    A grid is sized before it is expanded: past ``max_variants`` variants it is refused.
    """
    path = Path(path)
    if not path.is_file():
        raise DataError(str(path), "path", "no such file")
    if path.suffix.lower() == ".toml":
        grid = read_toml(path).get("grid")
        if not isinstance(grid, dict) or not grid:
            raise DataError(str(path), "grid", "needs a [grid] table of parameter = [values]")
        for k, v in grid.items():
            if not isinstance(v, list) or not v:
                raise DataError(str(path), f"grid.{k}", "must be a non-empty list of values")
        count = grid_size(grid)
        if count > max_variants:
            sizes = " x ".join(str(len(v)) for v in grid.values())
            raise UsageError(
                f"{path}: the grid makes {count:,} variants ({sizes}), more than the limit of {max_variants:,}; "
                "use fewer values, a sample file, or raise the limit (max_variants)"
            )
        keys = list(grid)
        return [dict(zip(keys, combo, strict=True)) for combo in itertools.product(*grid.values())]
    if path.suffix.lower() == ".parquet":
        _check_parquet_rows(path, max_variants)
    try:
        df = pd.read_parquet(path) if path.suffix.lower() == ".parquet" else pd.read_csv(path)
    except Exception as e:  # the readers raise many types for a damaged file
        raise DataError(str(path), "whole file", f"cannot be read as a sample table: {e}") from None
    if df.empty:
        raise DataError(str(path), "whole file", "no rows")
    if len(df) > max_variants:
        raise UsageError(f"{path}: {len(df):,} variants, more than the limit of {max_variants:,} (max_variants)")
    return [{k: (v.item() if hasattr(v, "item") else v) for k, v in row.items()} for row in df.to_dict("records")]


def _check_parquet_rows(path: Path, max_variants: int) -> None:
    """Refuse a Parquet sample past the limit from its footer, before reading its rows."""
    import pyarrow.parquet as pq

    try:
        rows = pq.ParquetFile(path).metadata.num_rows
    except Exception as e:  # pyarrow raises several types for a damaged file
        raise DataError(str(path), "whole file", f"cannot be read as a sample table: {e}") from None
    if rows > max_variants:
        raise UsageError(f"{path}: {rows:,} variants, more than the limit of {max_variants:,} (max_variants)")


def apply_values(base: Scenario, values: dict, file: str = "sweep") -> Scenario:
    """A copy of ``base`` with parameters set by dotted path (validated like a scenario file)."""
    data = base.model_dump(mode="json")
    for path, value in values.items():
        parts = path.split(".")
        node = data
        for p in parts[:-1]:
            if not isinstance(node, dict) or p not in node:
                raise DataError(file, path, f"no parameter {path!r} in the scenario")
            node = node[p]
        if not isinstance(node, dict) or parts[-1] not in node:
            raise DataError(file, path, f"no parameter {path!r} in the scenario")
        old = node[parts[-1]]
        node[parts[-1]] = {"low": value, "high": value} if is_prior_table(old) else value
    data["name"] = f"{base.name} [{', '.join(f'{k}={v}' for k, v in values.items())}]"
    return Scenario.from_dict(data, file=file)


@dataclass(frozen=True)
class ChunkTask:
    """One chunk of one variant: what a worker needs, and where its part goes."""

    variant: int
    values: dict
    scenario: dict
    seed: int
    first_block: int
    runs: int
    part: str


def run_chunk(task: ChunkTask) -> pd.DataFrame:
    """Simulate one chunk; one row per run and year of the horizon (a top-level function for workers)."""
    sc = Scenario.model_validate(task.scenario)
    r = simulate(sc, runs=task.runs, seed=task.seed, first_block=task.first_block)
    frames = []
    totals = {v: r.totals(v, "year") for v in ("arrivals", "returned", "admitted")}
    cf = r.totals("arrivals", "year", arm="counterfactual")
    for y, start in enumerate(totals["arrivals"].index):
        frame = pd.DataFrame(
            {
                "variant": task.variant,
                "run": task.first_block * BLOCK + np.arange(task.runs),
                "seed": task.seed,
                "year": y + 1,
                "period_start": str(start),
                "arrivals": totals["arrivals"].iloc[y].to_numpy(),
                "cf_arrivals": cf.iloc[y].to_numpy(),
                "returned": totals["returned"].iloc[y].to_numpy(),
                "admitted": totals["admitted"].iloc[y].to_numpy(),
                "detention_places": sc.scheme.places(),  # the value used, the default rule's when unset
            }
        )
        frame["effect"] = frame.arrivals - frame.cf_arrivals
        for k, v in task.values.items():
            frame[k] = v
        frames.append(frame)
    return pd.concat(frames, ignore_index=True)


def write_chunk(task: ChunkTask) -> str:
    """Run a chunk and write its part atomically (temporary file, then rename); return the part's path."""
    df = run_chunk(task)
    tmp = f"{task.part}.tmp-{os.getpid()}"
    df.to_parquet(tmp, index=False)
    os.replace(tmp, task.part)
    return task.part


# Assumption: Dask adds about a millisecond of overhead per task ("Dask Best Practices", Dask
# documentation, docs.dask.org), and the last wave of a sweep leaves workers idle for up to a task's
# length; tasks of a second or two make the first negligible and keep the second small.
TARGET_TASK_SECONDS = 1.5
# At least this many tasks per worker where the work allows, so that uneven tasks even out.
TASKS_PER_WORKER = 4
# Daily records a task holds before it reduces them to yearly rows: both arms, 4 bytes a figure.
RECORD_BYTES_PER_RUN_DAY = 2 * 4 * (len(kernel.INT_RECORDS) + len(kernel.FLOAT_RECORDS))
# Assumption: 256 MiB of records a task keeps a worker under 1 GB (measured: about 430 MB with the
# kernel, pandas and pyarrow loaded; see docs/scaling.md).
MAX_CHUNK_RECORD_BYTES = 256 * 2**20
# Assumption: a pilot of this many runs, timed twice on each worker, costs under a block of work
# there, yet runs long enough that the per-task overhead does not dominate its time.
PILOT_RUNS = 100


def check_chunk_runs(chunk_runs: int) -> None:
    """Refuse a chunk size that is not a positive number of whole blocks."""
    if isinstance(chunk_runs, bool) or not isinstance(chunk_runs, int) or chunk_runs < 1 or chunk_runs % BLOCK:
        raise UsageError(f"--chunk-runs must be a positive multiple of {BLOCK} runs, not {chunk_runs!r}")


def choose_chunk_runs(
    runs: int,
    n_variants: int,
    workers: int,
    days: int,
    seconds_per_block: float | None = None,
    target_seconds: float = TARGET_TASK_SECONDS,
) -> int:
    """Runs per chunk: tasks of about ``target_seconds``, enough of them for the workers, bounded memory.

    ``seconds_per_block`` is the measured cost of one block of runs (``None``: not measured, so only
    the parallelism and memory bounds apply). A variant's runs are then split into chunks of equal
    size (in whole blocks), so that no chunk is a short remainder.
    """
    blocks = n_blocks(runs)
    bpc = min(blocks, max(1, n_variants * blocks // (TASKS_PER_WORKER * max(workers, 1))))
    bpc = min(bpc, max(1, MAX_CHUNK_RECORD_BYTES // (BLOCK * max(days, 1) * RECORD_BYTES_PER_RUN_DAY)))
    if seconds_per_block and seconds_per_block > 0:
        bpc = min(bpc, max(1, round(target_seconds / seconds_per_block)))
    bpc = -(-blocks // -(-blocks // bpc))
    return bpc * BLOCK


def variant_scenarios(base: Scenario, variants: list[dict], file: str = "sweep") -> list[dict]:
    """Every variant's scenario as plain data (validated, so a bad variant is refused before any work)."""
    return [apply_values(base, values, file=file).model_dump(mode="json") for values in variants]


def plan(
    base: Scenario,
    variants: list[dict],
    runs: int,
    seed: int,
    out: Path,
    chunk_runs: int = BLOCK,
    file: str = "sweep",
    scenarios: list[dict] | None = None,
) -> list[ChunkTask]:
    """Every chunk of every variant (the same plan whatever executes it)."""
    check_chunk_runs(chunk_runs)
    scenarios = scenarios if scenarios is not None else variant_scenarios(base, variants, file)
    tasks = []
    blocks_per_chunk = chunk_runs // BLOCK
    for i, (values, sc) in enumerate(zip(variants, scenarios, strict=True)):
        for b in range(0, n_blocks(runs), blocks_per_chunk):
            n = min(runs - b * BLOCK, chunk_runs)
            tasks.append(ChunkTask(i, values, sc, seed, b, n, str(Path(out) / f"part-v{i:04d}-b{b:05d}.parquet")))
    return tasks


def seconds_per_block(ex, fn, task, runs: int) -> float | None:
    """The median over the workers of a pilot's time, per block of runs (None: no worker to time it on)."""
    times = ex.pilot(fn, task)
    return statistics.median(times) * BLOCK / runs if times else None


def _auto_chunk_runs(
    scenarios: list[dict], variants: list[dict], days: int, runs: int, seed: int, ex
) -> tuple[int, float]:
    """Chunk size from a pilot of the first variant, timed on the workers (which warms them too).

    Returns the runs per chunk and the measured seconds per block (0 when no pilot was needed).
    """
    if choose_chunk_runs(runs, len(variants), ex.slots, days) == BLOCK:
        return BLOCK, 0.0  # one block a chunk whatever a pilot says: no need to time one
    pilot = ChunkTask(0, variants[0], scenarios[0], seed, 0, min(runs, PILOT_RUNS), "")
    seconds = seconds_per_block(ex, run_chunk, pilot, pilot.runs)
    return choose_chunk_runs(runs, len(variants), ex.slots, days, seconds), seconds or 0.0


def _manifest(out: Path, definition: dict, chunk_runs: int | None) -> int | None:
    """Check (or start) the folder's manifest; the chunk size a resumed sweep was written with."""
    manifest = out / "_sweep.json"
    if not manifest.exists():
        return None
    old = json.loads(manifest.read_text())
    stored = old.get("definition", {})
    # manifests written before chunk sizes were chosen kept the size inside the definition
    written = old.get("chunk_runs", stored.pop("chunk_runs", None))
    if stored != json.loads(json.dumps(definition, default=str)):
        raise DataError(str(out), "_sweep.json", "the folder holds a different sweep; choose another --out")
    if chunk_runs is not None and written is not None and chunk_runs != written:
        raise UsageError(
            f"{out} holds a sweep written in chunks of {written} runs; resume it with --chunk-runs {written} "
            "or without --chunk-runs"
        )
    return written


def run_sweep(
    base: Scenario,
    variants: list[dict],
    *,
    runs: int,
    seed: int,
    out: Path,
    ex,
    chunk_runs: int | None = None,
    file: str = "sweep",
    on_done=None,
) -> dict:
    """Run (or resume) a sweep into ``out``; return a summary of what was done.

    ``chunk_runs`` of ``None`` chooses the chunk size from a pilot (see :func:`choose_chunk_runs`);
    a resumed sweep keeps the size it was started with. Memory stays bounded: each chunk is written
    as its own Parquet part when it finishes, and only the parts' paths come back.
    """
    if chunk_runs is not None:
        check_chunk_runs(chunk_runs)
    out = Path(out)
    definition = {"base": base.model_dump(mode="json"), "variants": variants, "runs": runs, "seed": seed}
    written = _manifest(out, definition, chunk_runs)
    scenarios = variant_scenarios(base, variants, file)  # a bad variant is refused before any file is made
    seconds_per_block = 0.0
    if written is not None:
        chunk_runs = written
    elif chunk_runs is None:
        chunk_runs, seconds_per_block = _auto_chunk_runs(scenarios, variants, base.days, runs, seed, ex)
    tasks = plan(base, variants, runs, seed, out, chunk_runs, file, scenarios)
    out.mkdir(parents=True, exist_ok=True)
    if written is None:
        record = {"definition": definition, "chunk_runs": chunk_runs, "package_version": __version__}
        (out / "_sweep.json").write_text(json.dumps(record, default=str, indent=1))
    for stale in out.glob("part-*.parquet.tmp-*"):  # half-written by a run that was stopped
        stale.unlink()
    todo = [t for t in tasks if not Path(t.part).exists()]
    ex.map(write_chunk, todo, on_done=on_done)
    return {
        "out": str(out),
        "variants": len(variants),
        "chunks": len(tasks),
        "chunk_runs": chunk_runs,
        "seconds_per_block": round(seconds_per_block, 4),
        "resumed_from": len(tasks) - len(todo),
        "computed": len(todo),
        "workers": ex.workers,
        "executor": ex.address,
    }


def read_sweep(out: Path) -> pd.DataFrame:
    """The sweep's dataset, sorted by variant, run and year."""
    parts = sorted(Path(out).glob("part-*.parquet"))
    if not parts:
        raise DataError(str(out), "folder", "no sweep results found")
    df = pd.concat([pd.read_parquet(p) for p in parts], ignore_index=True)
    return df.sort_values(["variant", "run", "year"]).reset_index(drop=True)


def summarise_sweep(out: Path, keys: list[str]) -> pd.DataFrame:
    """The effect on arrivals by variant and year (5%, 50%, 95%), read one variant's parts at a time.

    The same table as ``read_sweep(out).groupby(["variant", *keys, "year"]).effect.describe(...)``,
    but memory holds one variant's rows, not the whole sweep's.
    """
    parts = sorted(Path(out).glob("part-v*.parquet"))
    if not parts:
        raise DataError(str(out), "folder", "no sweep results found")
    tables = []
    for _, group in itertools.groupby(parts, key=lambda p: p.name.split("-")[1]):
        df = pd.concat([pd.read_parquet(p) for p in group], ignore_index=True)
        tables.append(
            df.groupby(["variant", *keys, "year"], dropna=False)
            .effect.describe(percentiles=[0.05, 0.5, 0.95])[["5%", "50%", "95%"]]
            .reset_index()
        )
    # names sort as text, so past 10,000 variants their order needs restoring
    return pd.concat(tables, ignore_index=True).sort_values(["variant", "year"], kind="stable").reset_index(drop=True)
