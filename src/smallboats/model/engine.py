"""The engine: the daily step order, written down once, and the loop over it.

Each day every mechanism in :data:`STEP_ORDER` steps once, in that order. The engine is vectorised
across runs; it reads no file and no store.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

import numpy as np

from smallboats.model.mechanisms import Mechanism
from smallboats.model.mechanisms.crossings import Boats, Coast, Inflow, Launch, Prevention, Weather
from smallboats.model.mechanisms.perception import Perception
from smallboats.model.mechanisms.scheme import Admissions, Casework, Recross, Screening, Selection
from smallboats.model.params import Scenario
from smallboats.model.results import Results
from smallboats.model.rng import BLOCK, Streams, n_blocks
from smallboats.model.state import FLOAT_RECORDS, RECORDED, Sim, draw_priors

STEP_ORDER = (
    "perception",
    "weather",
    "inflow",
    "coast",
    "launch",
    "prevention",
    "boats",
    "screening",
    "selection",
    "casework",
    "recross",
    "admissions",
    "record",
)


class Record(Mechanism):
    """Writes the day's flows and stocks into the record, and hands today's figures to tomorrow."""

    def init(self, sim: Sim) -> None:
        for name in RECORDED:
            sim.record[name] = np.zeros((sim.days, sim.runs), dtype=np.float32 if name in FLOAT_RECORDS else np.int32)

    def step(self, sim: Sim, t: int) -> None:
        st, today = sim.state, sim.today
        today["n_coast"] = st["n_coast"]
        today["n_detained"] = st["n_detained"]
        today["n_pending"] = st["n_detained"]
        for name in RECORDED:
            v = today.get(name)
            if v is not None:
                sim.record[name][t] = v
        st["prev_returned"] = today["new_returned"]
        st["prev_arrivals"] = today["new_arrivals"]


MECHANISMS = {
    "perception": Perception,
    "weather": Weather,
    "inflow": Inflow,
    "coast": Coast,
    "launch": Launch,
    "prevention": Prevention,
    "boats": Boats,
    "screening": Screening,
    "selection": Selection,
    "casework": Casework,
    "recross": Recross,
    "admissions": Admissions,
    "record": Record,
}


def run_arm(
    scenario: Scenario,
    runs: int,
    seed: int,
    first_block: int = 0,
    on_day: Callable[[int], None] | None = None,
    fixed_priors: dict[str, np.ndarray] | None = None,
) -> tuple[dict, dict]:
    """Simulate one arm: whole blocks of runs, trimmed to ``runs``. Returns (records, priors)."""
    blocks = n_blocks(runs)
    streams = Streams(seed, first_block, blocks)
    days = scenario.days
    dates = [scenario.start + dt.timedelta(days=i) for i in range(days)]
    priors = draw_priors(scenario, streams)
    for key, values in (fixed_priors or {}).items():
        if key not in priors:
            raise KeyError(f"unknown prior {key!r}; valid: {', '.join(sorted(priors))}")
        v = np.asarray(values, dtype=priors[key].dtype)
        if v.shape != (runs,):
            raise ValueError(f"fixed prior {key} needs {runs} values, got {v.shape}")
        priors[key][:runs] = v
    sim = Sim(scenario, streams, blocks * BLOCK, days, dates, priors, scheme_on=scenario.scheme.enabled)
    mechanisms = [MECHANISMS[name]() for name in STEP_ORDER]
    for m in mechanisms:
        m.init(sim)
    for t in range(days):
        sim.today = {}
        for m in mechanisms:
            m.step(sim, t)
        if on_day and (t % 30 == 29 or t == days - 1):
            on_day(t + 1)
    records = {k: v[:, :runs] for k, v in sim.record.items()}
    return records, {k: v[:runs] for k, v in priors.items()}


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
) -> Results:
    """Run a scenario and, when it has a scheme, its paired no-scheme counterfactual.

    Args:
        scenario: the validated scenario.
        runs: Monte Carlo runs (whole blocks of 250 are simulated and trimmed).
        seed: the seed; the same seed gives the same numbers however runs are split into chunks.
        first_block: the first block's index (for chunks of a larger ensemble).
        counterfactual: also run the no-scheme arm (needed for effects).
        on_progress: called with the share done, 0 to 1.
        meta: extra provenance kept with the results (data release, fit).
        fixed_priors: values to use instead of drawing some priors, one a run (sensitivity analyses);
            both arms use them.

    Returns:
        The results of both arms.
    """
    if runs < 1:
        raise ValueError("runs must be at least 1")
    arms = [scenario]
    if counterfactual and scenario.scheme.enabled:
        arms.append(scenario.no_scheme())
    total = scenario.days * len(arms)
    out = []
    for i, arm in enumerate(arms):

        def tick(done: int, i=i) -> None:
            if on_progress:
                on_progress((i * scenario.days + done) / total)

        out.append(run_arm(arm, runs, seed, first_block, tick, fixed_priors))
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
