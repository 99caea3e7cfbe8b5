"""The engine: the loop over blocks of runs, each simulated day by day by the compiled kernel.

Each day every mechanism in :data:`STEP_ORDER` steps once, in that order, for each run (see
:mod:`smallboats.model.kernel`). Every run has its own random streams, so its numbers do not depend
on the other runs. The engine reads no file and no store.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor, as_completed

import numpy as np

from smallboats.model import kernel
from smallboats.model.inputs import draw_priors, make_inputs
from smallboats.model.kernel import STEP_ORDER
from smallboats.model.params import Scenario
from smallboats.model.results import Results
from smallboats.model.rng import BLOCK, n_blocks, streams

__all__ = ["STEP_ORDER", "run_arm", "simulate"]


def run_arm(
    scenario: Scenario,
    runs: int,
    seed: int,
    first_block: int = 0,
    on_block: Callable[[int, int], None] | None = None,
    fixed_priors: dict[str, np.ndarray] | None = None,
    threads: int = 1,
) -> tuple[dict, dict]:
    """Simulate one arm: ``runs`` runs numbered from ``first_block * BLOCK``. Returns (records, priors).

    The runs are stepped in blocks of :data:`BLOCK`, on ``threads`` threads (the compiled loop
    releases the GIL; every run has its own streams, so the numbers do not depend on the threads);
    ``on_block(done, blocks)`` is called after each block.
    """
    states = streams(seed, first_block, runs)
    priors = draw_priors(scenario, states)
    for key, values in (fixed_priors or {}).items():
        if key not in priors:
            raise KeyError(f"unknown prior {key!r}; valid: {', '.join(sorted(priors))}")
        v = np.asarray(values, dtype=priors[key].dtype)
        if v.shape != (runs,):
            raise ValueError(f"fixed prior {key} needs {runs} values, got {v.shape}")
        priors[key] = v.copy()
    inp = make_inputs(scenario, priors)
    days = scenario.days
    # records are written (variable, run, day) and handed out as (day, run) views
    rec_i = np.empty((len(kernel.INT_RECORDS), runs, days), dtype=np.int32)
    rec_f = np.empty((len(kernel.FLOAT_RECORDS), runs, days), dtype=np.float32)
    # the loop writes every element; filling first maps fresh memory in one sweep, which measured
    # several times faster than letting the loop's scattered first writes fault it in
    rec_i.fill(0)
    rec_f.fill(0)
    blocks = n_blocks(runs)

    def block(b: int) -> None:
        scratch = (  # working space for the run in hand (a few kilobytes, so made afresh per block)
            np.zeros(kernel.N_TODAY),
            np.zeros(len(kernel.PARAMS)),
            np.zeros(kernel.RING),
            np.zeros((kernel.N_RINGS, kernel.RING), dtype=np.int64),
        )
        lo, hi = b * BLOCK, min((b + 1) * BLOCK, runs)
        kernel.run_block(lo, hi, inp.config, inp.daily, inp.params, inp.state, states, *scratch, rec_i, rec_f)

    threads = max(1, min(threads, blocks))
    if threads == 1:
        for b in range(blocks):
            block(b)
            if on_block:
                on_block(b + 1, blocks)
    else:
        with ThreadPoolExecutor(threads) as pool:
            for done, finished in enumerate(as_completed([pool.submit(block, b) for b in range(blocks)]), start=1):
                finished.result()
                if on_block:
                    on_block(done, blocks)
    records = {name: rec_i[j].T for j, name in enumerate(kernel.INT_RECORDS)}
    records |= {name: rec_f[j].T for j, name in enumerate(kernel.FLOAT_RECORDS)}
    return records, priors


def simulate(
    scenario: Scenario,
    runs: int = 1000,
    seed: int = 7,
    *,
    first_block: int = 0,
    counterfactual: bool = True,
    on_progress: Callable[[float], None] | None = None,
    meta: dict | None = None,
    fixed_priors: dict[str, np.ndarray] | None = None,
    threads: int | None = 1,
) -> Results:
    """Run a scenario and, when it has a scheme, its paired no-scheme counterfactual.

    Args:
        scenario: the validated scenario.
        runs: Monte Carlo runs.
        seed: the seed; the same seed gives the same numbers however runs are split into chunks.
        first_block: runs are numbered from ``first_block * BLOCK`` (chunks of a larger ensemble).
        counterfactual: also run the no-scheme arm (needed for effects).
        on_progress: called with the share done, 0 to 1.
        meta: extra provenance kept with the results (data release, fit).
        fixed_priors: values to use instead of drawing some priors, one a run (sensitivity analyses);
            both arms use them.
        threads: threads to run on (None: every core); the numbers are the same however many.

    Returns:
        The results of both arms.
    """
    if runs < 1:
        raise ValueError("runs must be at least 1")
    arms = [scenario]
    if counterfactual and scenario.scheme.enabled:
        arms.append(scenario.no_scheme())
    out = []
    for i, arm in enumerate(arms):

        def tick(done: int, blocks: int, i=i) -> None:
            if on_progress:
                on_progress((i + done / blocks) / len(arms))

        out.append(run_arm(arm, runs, seed, first_block, tick, fixed_priors, threads or os.cpu_count() or 1))
    records, priors = out[0]
    cf = out[1][0] if len(out) > 1 else records
    return Results(
        scenario=scenario,
        seed=seed,
        runs=runs,
        first_block=first_block,
        records=records,
        counterfactual=cf,
        priors=priors,
        meta=meta or {},
    )
