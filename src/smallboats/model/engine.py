"""The engine: the loop over blocks of runs, each simulated day by day by the compiled kernel.

Each day every mechanism in :data:`STEP_ORDER` steps once, in that order, for each run (see
:mod:`smallboats.model.kernel`). Every run has its own random streams, so its numbers do not depend
on the other runs. The engine reads no file and no store.

**Memory.** With ``records=True`` every run's daily figures are kept (some 90 bytes a run a day
and arm); with ``records=False`` each block's records are reduced to the per-run totals
of :data:`smallboats.model.results.SUMMARY_KEEPS` as soon as the block is done, so memory no longer
grows with runs x days x variables (a few kilobytes a run; the weekly arrivals are what lengthen
with the horizon). Each block's generators, parameters and state are made when it starts and
dropped when it ends, so only the priors are kept for every run. :func:`max_runs` is the cap:
the runs whose estimated memory (:func:`bytes_per_run`) fits in :data:`MEMORY_SHARE` of the
machine's physical memory; :func:`simulate` refuses more with a :class:`UsageError` naming it.

**Interrupts.** The runs are simulated in blocks of :data:`~smallboats.model.rng.BLOCK`. A
KeyboardInterrupt (Ctrl-C) reaches the main thread between blocks, or while it waits for worker
threads; the engine then sets a stop flag that the compiled loop reads before every run, so the
workers finish within one run, and the interrupt propagates with no results returned.

**Two arms at once.** With more than one thread and more than one free core, a paired
simulation runs its no-scheme arm on a thread of its own beside the scheme arm (the arms are
independent given the seed, so the numbers are the same); the two share the stop flag.
"""

from __future__ import annotations

import hashlib
import os
import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor, as_completed
from dataclasses import dataclass

import numpy as np

from smallboats.errors import UsageError
from smallboats.model import kernel
from smallboats.model.inputs import draw_priors, run_inputs, scenario_inputs
from smallboats.model.kernel import STEP_ORDER
from smallboats.model.params import Range, Scenario
from smallboats.model.results import Reduced, Results
from smallboats.model.rng import BLOCK, n_blocks, streams

__all__ = [
    "MEMORY_SHARE",
    "STEP_ORDER",
    "Arm",
    "bytes_per_run",
    "max_runs",
    "no_scheme_arm",
    "no_scheme_key",
    "run_arm",
    "simulate",
]

# Assumption: a simulation may plan on half the machine's memory, leaving the rest to the operating
# system, the web server or a second command, and to the estimate's own error.
MEMORY_SHARE = 0.5
# Writing daily records (``Results.save``) makes a tidy frame: the run and date (8 bytes each) and
# every variable (4 bytes each) for every run and day, which pandas, Arrow and the Parquet writer
# each copy once more. Measured: a save of 1,500 paired runs x 3 years peaked at about 600 kB a run
# above the loaded kernel; this estimate gives about 670 kB.
TIDY_COPIES = 4


def machine_memory() -> int:
    """The machine's physical memory in bytes (8 GiB when the system does not say)."""
    try:
        return os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES")
    except (AttributeError, ValueError, OSError):  # pragma: no cover - not a POSIX system
        return 8 * 2**30


def bytes_per_run(scenario: Scenario, *, records: bool, arms: int = 2) -> int:
    """Estimated memory one run takes: what is kept of it, its priors, and its working arrays.

    Kept: the daily records of every arm (and the tidy frame ``save`` writes), or the per-run totals
    of a summary-only simulation, and its priors. Its generators, parameters and state live only
    while its block runs, so they are a few megabytes whatever the runs, not a cost per run.
    """
    days = scenario.days
    ranges = sum(
        isinstance(getattr(part, name), Range)
        for part in (scenario.crossings, scenario.scheme, scenario.deterrence)
        for name in type(part).model_fields
    )
    priors = (ranges + 1) * 8
    if records:
        kept = arms * days * len(kernel.RECORDED) * 4 + TIDY_COPIES * days * (16 + 4 * (len(kernel.RECORDED) + 1))
    else:
        kept = arms * Reduced.bytes_per_run(scenario.start, days)
    return kept + priors


def max_runs(scenario: Scenario, *, records: bool, arms: int = 2) -> int:
    """The most runs whose estimated memory fits in :data:`MEMORY_SHARE` of the machine's memory."""
    return max(1, int(MEMORY_SHARE * machine_memory() // bytes_per_run(scenario, records=records, arms=arms)))


def _prior_template(scenario: Scenario, fixed: dict[str, np.ndarray] | None, runs: int) -> dict[str, np.ndarray]:
    """Space for every prior of ``runs`` runs (its names and types from a draw of no runs), fixed ones checked."""
    names = draw_priors(scenario, np.zeros((0, len(kernel.STREAMS), 4), dtype=np.uint64))
    for key, values in (fixed or {}).items():
        if key not in names:
            raise UsageError(f"unknown prior {key!r}; valid: {', '.join(sorted(names))}")
        if np.shape(values) != (runs,):
            raise UsageError(f"fixed prior {key} needs {runs} values, got shape {np.shape(values)}")
    return {key: np.empty(runs, dtype=v.dtype) for key, v in names.items()}


def _block_priors(scenario: Scenario, states: np.ndarray, fixed: dict | None, lo: int, hi: int) -> dict:
    """The priors of runs ``lo`` to ``hi`` (drawn from their own streams, whatever the block), fixed ones set."""
    priors = draw_priors(scenario, states)
    for key, values in (fixed or {}).items():
        priors[key] = np.asarray(values[lo:hi], dtype=priors[key].dtype).copy()
    return priors


def _run_blocks(
    block: Callable[[int], None], blocks: int, threads: int, on_block: Callable | None, stop: np.ndarray
) -> None:
    """Run every block, in order on one thread or on a pool; any exception (Ctrl-C too) stops them all."""
    threads = max(1, min(threads, blocks))
    pool = ThreadPoolExecutor(threads) if threads > 1 else None
    try:
        if pool is None:
            for b in range(blocks):
                block(b)
                if on_block:
                    on_block(b + 1, blocks)
            return
        futures = [pool.submit(block, b) for b in range(blocks)]
        for done, finished in enumerate(as_completed(futures), start=1):
            finished.result()
            if on_block:
                on_block(done, blocks)
    except BaseException:
        stop[0] = 1  # the compiled loop reads it before every run
        raise
    finally:
        if pool is not None:
            pool.shutdown(wait=True, cancel_futures=True)


def _named(rec_i: np.ndarray, rec_f: np.ndarray) -> dict[str, np.ndarray]:
    out = {name: rec_i[j] for j, name in enumerate(kernel.INT_RECORDS)}
    return out | {name: rec_f[j] for j, name in enumerate(kernel.FLOAT_RECORDS)}


# long: the block's inputs, its records or reduction, and the interrupt flag belong together
def run_arm(
    scenario: Scenario,
    runs: int,
    seed: int,
    first_block: int = 0,
    on_block: Callable[[int, int], None] | None = None,
    fixed_priors: dict[str, np.ndarray] | None = None,
    threads: int = 1,
    records: bool = True,
    stop: np.ndarray | None = None,
) -> tuple[dict | None, Reduced | None, dict]:
    """Simulate one arm: ``runs`` runs numbered from ``first_block * BLOCK``.

    Returns (daily records ``var -> (days, runs)`` or None, per-run totals or None, priors). The runs
    are stepped in blocks of :data:`BLOCK`, on ``threads`` threads (the compiled loop releases the
    GIL; every run has its own streams, so the numbers do not depend on the threads);
    ``on_block(done, blocks)`` is called after each block. Each block's generators, priors,
    parameters and state are made when it starts (runs are seeded by their number, so the draws are
    those of one arm made at once), and only its priors are kept. Without ``records`` each block is
    reduced to per-run totals as soon as it is done, in a buffer each thread reuses. ``stop`` is the
    interrupt flag (one element, set to stop the loop before its next run), shared when arms run
    at once.
    """
    priors = _prior_template(scenario, fixed_priors, runs)
    config, daily_series = scenario_inputs(scenario)
    days = scenario.days
    stop = np.zeros(1, dtype=np.int64) if stop is None else stop
    n_int, n_float = len(kernel.INT_RECORDS), len(kernel.FLOAT_RECORDS)
    reduced = None if records else Reduced.empty(scenario.start, days, runs)
    if records:
        # records are written (variable, run, day) and handed out as (day, run) views; the loop writes
        # every element, but filling first maps fresh memory in one sweep, which measured several
        # times faster than letting the loop's scattered first writes fault it in
        rec_i = np.empty((n_int, runs, days), dtype=np.int32)
        rec_f = np.empty((n_float, runs, days), dtype=np.float32)
        rec_i.fill(0)
        rec_f.fill(0)
    local = threading.local()  # a block's records in summary mode: one buffer a thread, reused

    def block(b: int) -> None:
        lo, hi = b * BLOCK, min((b + 1) * BLOCK, runs)
        states = streams(seed, first_block + b, hi - lo)
        drawn = _block_priors(scenario, states, fixed_priors, lo, hi)
        for key, values in drawn.items():
            priors[key][lo:hi] = values
        params, state = run_inputs(scenario, drawn)
        scratch = (  # working space for the run in hand (a few kilobytes, so made afresh per block)
            np.zeros(kernel.N_TODAY),
            np.zeros(kernel.N_RUN),
            np.zeros(kernel.RING),
            np.zeros((kernel.N_RINGS, kernel.RING), dtype=np.int64),
        )
        args = (0, hi - lo, config, daily_series, params, state, states, *scratch)
        if records:
            kernel.run_block(*args, rec_i, rec_f, -lo, stop)  # run r of the block is row lo + r
            return
        if hi - lo < BLOCK:  # the last, short block: its own buffer, so that the kernel sees whole arrays
            block_i = np.zeros((n_int, hi - lo, days), dtype=np.int32)
            block_f = np.zeros((n_float, hi - lo, days), dtype=np.float32)
        else:
            if not hasattr(local, "rec_i"):
                local.rec_i = np.zeros((n_int, BLOCK, days), dtype=np.int32)
                local.rec_f = np.zeros((n_float, BLOCK, days), dtype=np.float32)
            block_i, block_f = local.rec_i, local.rec_f
        kernel.run_block(*args, block_i, block_f, 0, stop)  # the loop writes every element of its rows
        if not stop[0]:
            reduced.add_block(scenario.start, lo, _named(block_i, block_f))

    _run_blocks(block, n_blocks(runs), threads, on_block, stop)
    daily = {name: x.T for name, x in _named(rec_i, rec_f).items()} if records else None
    return daily, reduced, priors


def no_scheme_key(
    scenario: Scenario,
    runs: int,
    seed: int,
    first_block: int = 0,
    fixed_priors: dict[str, np.ndarray] | None = None,
    records: bool = True,
) -> tuple:
    """Everything a scenario's no-scheme arm depends on, so that the arm can be simulated once and reused.

    With the scheme off the kernel reads none of the scheme's or the response's settings: nobody is
    screened or selected (the quota is zero every day), nobody applies for admission, and the
    inflow multiplier is one. Every prior is still drawn, in an order fixed by the parameter
    classes, so the draws do not move. What is left is the world without the scheme: the start,
    the horizon and the crossings (the fitted baseline and any change to prevention), with the
    seed, the runs and any fixed priors. Two what-ifs that change only the scheme or the response
    therefore share one no-scheme arm (tests/test_model.py checks it field by field).
    """
    # no_scheme() changes only the name and the scheme, both left out, so the scenario is read as it is
    world = scenario.model_dump_json(exclude={"name", "description", "scheme", "deterrence"})
    fixed = hashlib.sha256()
    for name in sorted(fixed_priors or {}):
        fixed.update(name.encode())
        fixed.update(np.ascontiguousarray(fixed_priors[name], dtype=np.float64).tobytes())
    return (world, runs, seed, first_block, fixed.hexdigest() if fixed_priors else "", records)


@dataclass(frozen=True)
class Arm:
    """A no-scheme arm simulated on its own (:func:`no_scheme_arm`), to pair with any scheme run of its key."""

    key: tuple
    daily: dict[str, np.ndarray] | None
    reduced: Reduced | None


def no_scheme_arm(
    scenario: Scenario,
    runs: int,
    seed: int,
    *,
    first_block: int = 0,
    fixed_priors: dict[str, np.ndarray] | None = None,
    threads: int = 1,
    records: bool = True,
    on_block: Callable[[int, int], None] | None = None,
) -> Arm:
    """Simulate the no-scheme counterfactual of ``scenario`` alone, exactly as :func:`simulate` pairs it.

    Each arm starts from fresh copies of the runs' streams, so the arm is the same whether it is
    simulated here or beside its scheme arm; hand it to ``simulate(..., no_scheme=arm)``. Its
    arrays are read-only, since one arm may serve many results.
    """
    daily, reduced, _ = run_arm(scenario.no_scheme(), runs, seed, first_block, on_block, fixed_priors, threads, records)
    for x in [*(daily or {}).values(), *(reduced.values.values() if reduced else ())]:
        x.flags.writeable = False  # one arm may serve many results: none of them may change it
    return Arm(no_scheme_key(scenario, runs, seed, first_block, fixed_priors, records), daily, reduced)


# long: most of it is the documented arguments and the memory cap check with its message
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
    records: bool = True,
    no_scheme: Arm | None = None,
) -> Results:
    """Run a scenario and, when it has a scheme, its paired no-scheme counterfactual.

    Args:
        scenario: the validated scenario.
        runs: Monte Carlo runs, at most :func:`max_runs` (a :class:`UsageError` names the cap).
        seed: the seed; the same seed gives the same numbers however runs are split into chunks.
        first_block: runs are numbered from ``first_block * BLOCK`` (chunks of a larger ensemble).
        counterfactual: also run the no-scheme arm (needed for effects).
        on_progress: called with the share done, 0 to 1.
        meta: extra provenance kept with the results (data release, fit).
        fixed_priors: values to use instead of drawing some priors, one a run (sensitivity analyses);
            both arms use them.
        threads: threads to run on (None: every core); the numbers are the same however many.
        records: keep every run's daily records; without them only the per-run totals of
            :data:`~smallboats.model.results.SUMMARY_KEEPS` are kept, in memory that does not grow
            with the horizon (the summary, bands, effects and sweeps need no more).
        no_scheme: the counterfactual already simulated by :func:`no_scheme_arm` for the same
            world, runs, seed, fixed priors and records (a :class:`UsageError` says when it is not);
            only the scheme arm is then simulated, and the numbers are the same.

    Returns:
        The results of both arms.
    """
    if runs < 1:
        raise UsageError(f"runs must be at least 1, not {runs}")
    if first_block < 0:
        raise UsageError(f"first_block must be 0 or more, not {first_block}")
    arms = [scenario]
    paired = counterfactual and scenario.scheme.enabled
    if paired and no_scheme is not None:
        _check_arm(no_scheme, no_scheme_key(scenario, runs, seed, first_block, fixed_priors, records))
    elif paired:
        arms.append(scenario.no_scheme())
    kept = 2 if paired else 1  # a given no-scheme arm is held in memory too
    cap = max_runs(scenario, records=records, arms=kept)
    if runs > cap:
        need = runs * bytes_per_run(scenario, records=records, arms=kept) / 2**30
        raise UsageError(
            f"{runs:,} runs of {scenario.days:,} days {'with' if records else 'without'} daily records need "
            f"about {need:,.1f} GiB; the cap on this machine is {cap:,} runs ({MEMORY_SHARE:.0%} of its "
            f"{machine_memory() / 2**30:,.1f} GiB)" + ("; without daily records far more fit" if records else "")
        )
    threads = threads or len(free_cores()) or 1
    out = _run_arms(arms, runs, seed, first_block, on_progress, fixed_priors, threads, records)
    daily, reduced, priors = out[0]
    cf_daily, cf_reduced = (out[1][0], out[1][1]) if len(out) > 1 else (daily, reduced)
    if paired and no_scheme is not None:
        cf_daily, cf_reduced = no_scheme.daily, no_scheme.reduced
    return Results(
        scenario=scenario,
        seed=seed,
        runs=runs,
        daily=daily,
        daily_counterfactual=cf_daily,
        priors=priors,
        first_block=first_block,
        meta=meta or {},
        reduced=None if records else {"scenario": reduced, "counterfactual": cf_reduced},
    )


def free_cores() -> set[int]:
    """The cores this process may run on (all of them where the system does not say)."""
    try:
        return os.sched_getaffinity(0)
    except AttributeError:  # pragma: no cover - not Linux
        return set(range(os.cpu_count() or 1))


def _run_arms(
    arms: list[Scenario],
    runs: int,
    seed: int,
    first_block: int,
    on_progress: Callable[[float], None] | None,
    fixed_priors: dict[str, np.ndarray] | None,
    threads: int,
    records: bool,
) -> list[tuple]:
    """Simulate each arm; with two arms, more than one thread and more than one free core, both at once.

    The no-scheme arm then runs on a thread of its own beside the scheme arm, each on ``threads``
    threads, so that the cores are kept busy to the end even when one arm takes twice as long as the
    other, or has a single block. The arms are independent given the seed, so their numbers are
    those of arms run one after the other. Both share one interrupt flag: a Ctrl-C, which reaches
    the main thread, stops the other arm too within one run. Progress counts the blocks of both and
    is reported from the main thread. Only the first arm's priors are returned (both draw the same).
    """
    blocks = n_blocks(runs)
    done = [0] * len(arms)
    together = len(arms) == 2 and threads > 1 and len(free_cores()) > 1

    def tick(i: int) -> Callable[[int, int], None]:
        def on_block(finished: int, _: int) -> None:
            done[i] = finished
            if on_progress and (i == 0 or not together):
                on_progress(sum(done) / (blocks * len(arms)))

        return on_block

    stop = np.zeros(1, dtype=np.int64)
    call = [(arm, runs, seed, first_block, tick(i), fixed_priors, threads, records, stop) for i, arm in enumerate(arms)]
    if not together:
        out = [run_arm(*a) for a in call]
    else:
        pool = ThreadPoolExecutor(1, thread_name_prefix="no-scheme-arm")
        try:
            other = pool.submit(run_arm, *call[1])
            out = [run_arm(*call[0]), other.result()]
        except BaseException:
            stop[0] = 1  # the other arm's loop reads it before every run
            raise
        finally:
            pool.shutdown(wait=True)
        if on_progress:
            on_progress(1.0)
    return [(daily, reduced, priors if i == 0 else None) for i, (daily, reduced, priors) in enumerate(out)]


def _check_arm(arm: Arm, key: tuple) -> None:
    """Refuse a no-scheme arm made for another world, seed, runs, fixed priors or records."""
    if arm.key != key:
        names = ("world without the scheme", "runs", "seed", "first block", "fixed priors", "daily records")
        differ = [n for n, a, b in zip(names, arm.key, key, strict=True) if a != b]
        raise UsageError(f"the no-scheme arm given was simulated for another {', '.join(differ)}; simulate it again")
