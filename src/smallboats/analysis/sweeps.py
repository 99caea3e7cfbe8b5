"""Scenario sweeps: many variants of a scenario, each run in chunks, as one Parquet dataset.

A variant sets some parameters (dotted paths such as ``scheme.quota.per_week`` or
``deterrence.elasticity``; a number given for a range fixes it). Each variant's runs are split into
chunks of whole blocks, and each chunk is a task whose result is written as its own Parquet part,
atomically. A sweep that stops part way resumes from the parts already written; the dataset has a
row per (variant, run, year of the horizon).
"""

from __future__ import annotations

import itertools
import json
import os
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from smallboats import __version__
from smallboats.errors import DataError
from smallboats.files import read_toml
from smallboats.model import Scenario, simulate
from smallboats.model.rng import BLOCK, n_blocks


def read_spec(path: Path) -> list[dict]:
    """Variants from a grid (TOML, table ``[grid]`` of lists) or a sample file (CSV or Parquet)."""
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
        keys = list(grid)
        return [dict(zip(keys, combo, strict=True)) for combo in itertools.product(*grid.values())]
    try:
        df = pd.read_parquet(path) if path.suffix.lower() == ".parquet" else pd.read_csv(path)
    except Exception as e:  # the readers raise many types for a damaged file
        raise DataError(str(path), "whole file", f"cannot be read as a sample table: {e}") from None
    if df.empty:
        raise DataError(str(path), "whole file", "no rows")
    return [{k: (v.item() if hasattr(v, "item") else v) for k, v in row.items()} for row in df.to_dict("records")]


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
        node[parts[-1]] = (
            {"low": value, "high": value} if isinstance(old, dict) and set(old) == {"low", "high"} else value
        )
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


def plan(
    base: Scenario, variants: list[dict], runs: int, seed: int, out: Path, chunk_runs: int = BLOCK, file: str = "sweep"
) -> list[ChunkTask]:
    """Every chunk of every variant (the same plan whatever executes it)."""
    if chunk_runs % BLOCK:
        raise DataError(file, "chunk_runs", f"must be a multiple of {BLOCK}")
    tasks = []
    blocks_per_chunk = chunk_runs // BLOCK
    for i, values in enumerate(variants):
        sc = apply_values(base, values, file=file).model_dump(mode="json")
        total = n_blocks(runs)
        for b in range(0, total, blocks_per_chunk):
            n = min(runs - b * BLOCK, chunk_runs)
            tasks.append(ChunkTask(i, values, sc, seed, b, n, str(out / f"part-v{i:04d}-b{b:05d}.parquet")))
    return tasks


def run_sweep(
    base: Scenario,
    variants: list[dict],
    *,
    runs: int,
    seed: int,
    out: Path,
    ex,
    chunk_runs: int = BLOCK,
    file: str = "sweep",
    on_done=None,
) -> dict:
    """Run (or resume) a sweep into ``out``; return a summary of what was done."""
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    definition = {
        "base": base.model_dump(mode="json"),
        "variants": variants,
        "runs": runs,
        "seed": seed,
        "chunk_runs": chunk_runs,
    }
    manifest = out / "_sweep.json"
    if manifest.exists():
        old = json.loads(manifest.read_text())
        if old.get("definition") != json.loads(json.dumps(definition, default=str)):
            raise DataError(str(out), "_sweep.json", "the folder holds a different sweep; choose another --out")
    else:
        manifest.write_text(
            json.dumps({"definition": definition, "package_version": __version__}, default=str, indent=1)
        )
    for stale in out.glob("part-*.parquet.tmp-*"):  # half-written by a run that was stopped
        stale.unlink()
    tasks = plan(base, variants, runs, seed, out, chunk_runs, file)
    todo = [t for t in tasks if not Path(t.part).exists()]
    ex.map(write_chunk, todo, on_done=on_done)
    return {
        "out": str(out),
        "variants": len(variants),
        "chunks": len(tasks),
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


def effect_table(df: pd.DataFrame, keys: list[str]) -> pd.DataFrame:
    """The effect on arrivals by variant and year: 5th, 50th and 95th percentiles over runs."""
    return (
        df.groupby(["variant", *keys, "year"], dropna=False)
        .effect.describe(percentiles=[0.05, 0.5, 0.95])[["5%", "50%", "95%"]]
        .reset_index()
    )
