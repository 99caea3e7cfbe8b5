"""Global sensitivity of the yearly effect on arrivals: Sobol indices with SALib.

Every uncertain prior of the scenario (a range with low < high, or a posterior, sampled by its
quantile), the deterrence form (under ``mixture``) and a multiplier on the quota path are the
factors. Saltelli's sampling gives the rows;
each row is one model run with those values (other randomness, such as the weather, stays random,
so it shows as variance no factor explains). The output is the first-year cut in arrivals against
the paired no-scheme run: ``1 - arrivals / counterfactual``.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from smallboats.analysis.sweeps import PILOT_RUNS, check_chunk_runs, choose_chunk_runs, seconds_per_block
from smallboats.model import Scenario, simulate
from smallboats.model.rng import BLOCK, n_blocks


def problem(scenario: Scenario, quota_scale: tuple[float, float] = (0.5, 5.0)) -> dict:
    """The SALib problem: factor names (prior keys) and bounds."""
    names, bounds = [], []
    for part in ("crossings", "scheme", "deterrence"):
        obj = getattr(scenario, part)
        for name in type(obj).model_fields:
            v = getattr(obj, name)
            if hasattr(v, "low") and v.high > v.low and name != "rel_quota":
                names.append(f"{part}.{name}")
                # a posterior is sampled by its quantile (mapped back in eval_chunk), not uniformly over its span
                bounds.append([0.0, 1.0 - 1e-9] if v.draws is not None else [v.low, v.high])
    if scenario.scheme.enabled:
        names.append("scheme.rel_quota")
        bounds.append(list(quota_scale))
    if scenario.deterrence.form == "mixture":
        names.append("deterrence.form_index")
        bounds.append([0.0, 4.0 - 1e-9])
    return {"num_vars": len(names), "names": names, "bounds": bounds}


@dataclass(frozen=True)
class SobolChunk:
    """Rows ``first_block*250 ..`` of the sample, for one worker."""

    scenario: dict
    seed: int
    first_block: int
    names: tuple
    values: np.ndarray
    years: float


def _value(sc: Scenario, name: str, x: np.ndarray) -> np.ndarray:
    """A factor's values: a posterior prior's quantiles become its draws; anything else is as sampled."""
    part, _, field = name.partition(".")
    prior = getattr(getattr(sc, part), field, None)
    return prior.at(x) if getattr(prior, "draws", None) is not None else x


def eval_chunk(task: SobolChunk) -> np.ndarray:
    """The first-year cut in arrivals for each row of a chunk (a top-level function for workers)."""
    sc = Scenario.model_validate(task.scenario)
    fixed = {n: _value(sc, n, task.values[:, j]) for j, n in enumerate(task.names)}
    if "deterrence.form_index" in fixed:
        fixed["deterrence.form_index"] = np.floor(fixed["deterrence.form_index"]).astype(int)
    runs = task.values.shape[0]
    r = simulate(sc, runs=runs, seed=task.seed, first_block=task.first_block, fixed_priors=fixed)
    return r.cut("arrivals", "total", days=min(365, r.days))[0]  # the first year's cut (or the horizon's), run by run


def _choose_chunk_runs(pilot: SobolChunk, rows: int, scenario: Scenario, ex) -> int:
    """Rows per task from a pilot timed on the workers, as a sweep chooses its chunks."""
    if choose_chunk_runs(rows, 1, ex.slots, scenario.days) == BLOCK:
        return BLOCK
    seconds = seconds_per_block(ex, eval_chunk, pilot, pilot.values.shape[0])
    return choose_chunk_runs(rows, 1, ex.slots, scenario.days, seconds)


def sobol(
    scenario: Scenario,
    n: int,
    seed: int,
    ex,
    *,
    quota_scale=(0.5, 5.0),
    on_done=None,
    chunk_runs: int | None = None,
) -> tuple[pd.DataFrame, dict]:
    """Sobol first-order and total indices with 95% confidence intervals, ranked by total index.

    Args:
        scenario: the scenario (its horizon should be at least a year).
        n: Saltelli base sample size (a power of two); rows = n * (factors + 2).
        seed: seeds the sample and the model.
        ex: an executor from :mod:`smallboats.analysis.distributed`.
        quota_scale: the range of the multiplier on the quota path.
        on_done: progress callback.
        chunk_runs: rows per task, a multiple of the block (``None``: chosen from a pilot, as for sweeps);
            the indices do not depend on it.
    """
    from SALib.analyze import sobol as analyze
    from SALib.sample import sobol as sample

    prob = problem(scenario, quota_scale)
    X = sample.sample(prob, n, calc_second_order=False, seed=seed)  # noqa: N806 - SALib's name
    rows = X.shape[0]
    sc = scenario.model_dump(mode="json")
    names = tuple(prob["names"])
    if chunk_runs is None:
        chunk_runs = _choose_chunk_runs(
            SobolChunk(sc, seed, 0, names, X[:PILOT_RUNS], scenario.years), rows, scenario, ex
        )
    check_chunk_runs(chunk_runs)
    step = chunk_runs // BLOCK
    tasks = [
        SobolChunk(sc, seed, b, names, X[b * BLOCK : (b + step) * BLOCK], scenario.years)
        for b in range(0, n_blocks(rows), step)
    ]
    Y = np.concatenate(ex.map(eval_chunk, tasks, on_done=on_done))  # noqa: N806
    S = analyze.analyze(prob, Y, calc_second_order=False, seed=seed)  # noqa: N806
    table = (
        pd.DataFrame(
            {"parameter": prob["names"], "S1": S["S1"], "S1_conf": S["S1_conf"], "ST": S["ST"], "ST_conf": S["ST_conf"]}
        )
        .sort_values("ST", ascending=False)
        .reset_index(drop=True)
    )
    info = {
        "rows": rows,
        "n": n,
        "factors": prob["num_vars"],
        "output_mean": float(Y.mean()),
        "output_sd": float(Y.std()),
        "seed": seed,
        "chunk_runs": chunk_runs,
        "chunks": len(tasks),
    }
    return table, info
