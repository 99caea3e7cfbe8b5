"""Where the compiled day loop spends its time, mechanism by mechanism (kernel.py is not touched).

The loop of ``kernel.run_block`` is rebuilt here, calling the kernel's own compiled mechanisms in
``STEP_ORDER``, with a switch per mechanism. With every switch on it must write exactly the records
``run_block`` writes (checked below), so it is the same loop. Two estimates of each mechanism's cost:

* **added**: the loop with the mechanisms up to this one, less the loop with those before it (the
  mechanism measured with everything upstream of it running);
* **removed**: the whole loop less the loop without this one (which also counts the work the
  mechanism causes downstream: without launches, no arrivals to screen).

Outside the loop: seeding the streams, drawing priors, building inputs, and turning records into
results, measured as ``simulate`` less its two loops. Each figure is the fastest of ``--repeats``,
in CPU seconds of the thread (``time.thread_time``), so that other work on a shared machine, which
delays the loop but does not make it do more, counts as little as it can.

Run: python benchmarks/profile_mechanisms.py [--runs 1000] [--years 3] [--repeats 3]
"""

from __future__ import annotations

import argparse
import json
import os
import tempfile
import time
from pathlib import Path

import numpy as np
from numba import njit

from smallboats.analysis.scenarios import build_scenario
from smallboats.data.bundle import open_default_store
from smallboats.model import kernel, simulate
from smallboats.model.inputs import draw_priors, make_inputs
from smallboats.model.kernel import STEP_ORDER
from smallboats.model.rng import BLOCK, streams

k = kernel
perception, weather, inflow, coast, launch = k.perception, k.weather, k.inflow, k.coast, k.launch
prevention, boats, screening, selection, casework = k.prevention, k.boats, k.screening, k.selection, k.casework
recross, admissions, record, uniform, prepare = k.recross, k.admissions, k.record, k.uniform, k.prepare
G_WEATHER, C_STATIONARY, S_CROSSABLE = k.G_WEATHER, k.C_STATIONARY_CROSSABLE, k.S_CROSSABLE
C_SCHEME_ON, SCHEME_T = k.C_SCHEME_ON, k._SCHEME_T


@njit(nogil=True, error_model="numpy")
def run_block_switched(lo, hi, C, daily, P, S, G, D, p, hist, rings, rec_i, rec_f, on):
    """``kernel.run_block`` with a switch per mechanism (``on[i]`` for ``STEP_ORDER[i]``).

    As there, the scheme's mechanisms are skipped when the scheme is off, their figures zero.
    """
    scheme = C[C_SCHEME_ON] > 0
    for r in range(lo, hi):
        s = S[r]
        g = G[r]
        for j in range(P.shape[0]):
            p[j] = P[j, r]
        prepare(p)
        hist[:] = 0.0
        rings[:, :] = 0
        for j in SCHEME_T:
            D[j] = 0.0
        s[S_CROSSABLE] = 1.0 if uniform(g, G_WEATHER) < C[C_STATIONARY] else 0.0
        for t in range(daily.shape[1]):
            if on[0]:
                perception(t, C, p, s, hist, D)
            if on[1]:
                weather(t, daily, s, g)
            if on[2]:
                inflow(t, daily, p, s, D, g)
            if on[3]:
                coast(p, s, D, g)
            if on[4]:
                launch(p, s, D, g)
            if on[5]:
                prevention(p, s, D, g)
            if on[6]:
                boats(C, p, s, D, g)
            if on[7] and scheme:
                screening(t, C, daily, p, D, g)
            if on[8] and scheme:
                selection(t, C, daily, p, s, D, g)
            if on[9] and scheme:
                casework(t, C, p, s, D, rings, g)
            if on[10] and scheme:
                recross(p, s, D, g)
            if on[11] and scheme:
                admissions(t, C, daily, p, s, D, rings, g)
            if on[12]:
                record(t, r, s, D, rec_i, rec_f)


class Arm:
    """One arm's inputs, prepared as ``engine.run_arm`` prepares them, and a loop runner over them."""

    def __init__(self, scenario, runs: int, seed: int):
        self.states = streams(seed, 0, runs)
        self.inp = make_inputs(scenario, draw_priors(scenario, self.states))
        self.runs, self.days = runs, scenario.days

    def run(self, on: np.ndarray | None) -> tuple[float, np.ndarray]:
        """Seconds for every block (``on`` None: the kernel's own loop), and the integer records."""
        G, S = self.states.copy(), self.inp.state.copy()  # noqa: N806 - the kernel's names
        rec_i = np.empty((len(k.INT_RECORDS), self.runs, self.days), dtype=np.int32)
        rec_f = np.empty((len(k.FLOAT_RECORDS), self.runs, self.days), dtype=np.float32)
        rec_i.fill(0)  # as the engine does: memory mapped in one sweep, not by the loop's first writes
        rec_f.fill(0)
        t0 = time.thread_time()
        for lo in range(0, self.runs, BLOCK):
            hi = min(lo + BLOCK, self.runs)
            scratch = (np.zeros(k.N_TODAY), np.zeros(k.N_RUN), np.zeros(k.RING))  # as engine.run_arm
            rings = np.zeros((k.N_RINGS, k.RING), dtype=np.int64)
            args = (lo, hi, self.inp.config, self.inp.daily, self.inp.params, S, G, *scratch, rings, rec_i, rec_f)
            if on is None:
                k.run_block(*args, 0, np.zeros(1, dtype=np.int64))  # records from row 0; never stopped
            else:
                run_block_switched(*args, on)
        return time.thread_time() - t0, rec_i


def fastest(timers: dict, repeats: int) -> dict:
    """The fastest of ``repeats`` runs of every timer, taken in turn (so that a busy moment of a
    shared machine slows every timer alike rather than one)."""
    best = dict.fromkeys(timers, float("inf"))
    for _ in range(repeats):
        for key, timer in timers.items():
            best[key] = min(best[key], timer())
    return best


def profile(runs: int, years: float, repeats: int, seed: int = 7) -> dict:
    tmp = Path(tempfile.mkdtemp())
    with open_default_store(tmp / "s.duckdb") as st:
        sc, _ = build_scenario("pilot-50", st, years=years)
    arms = [Arm(sc, runs, seed), Arm(sc.no_scheme(), runs, seed)]
    n = len(STEP_ORDER)
    every = np.ones(n, dtype=np.bool_)
    for arm in arms:  # the rebuilt loop is the kernel's loop: the same records, number for number
        assert np.array_equal(arm.run(None)[1], arm.run(every)[1]), "the rebuilt loop differs from run_block"
    simulate(sc, runs=runs, seed=seed)
    switches = {"kernel": None, "all": every}
    switches |= {("upto", i): np.arange(n) <= i for i in range(n - 1)}
    switches |= {("without", i): np.arange(n) != i for i in range(n)}
    timers = {"simulate": lambda: _timed(lambda: simulate(sc, runs=runs, seed=seed))}
    for a, arm in enumerate(arms):
        timers |= {(a, key): (lambda arm=arm, on=on: arm.run(on)[0]) for key, on in switches.items()}
    t = fastest(timers, repeats)
    out = {"runs": runs, "years": years, "days": sc.days, "simulate_seconds": t["simulate"], "arms": []}
    for a, name in enumerate(("scheme", "no scheme")):
        prefix = [0.0] + [t[(a, ("upto", i))] for i in range(n - 1)] + [t[(a, "all")]]
        out["arms"].append(
            {
                "arm": name,
                "kernel_seconds": t[(a, "kernel")],
                "rebuilt_seconds": t[(a, "all")],
                "added": {m: prefix[i + 1] - prefix[i] for i, m in enumerate(STEP_ORDER)},
                "removed": {m: t[(a, "all")] - t[(a, ("without", i))] for i, m in enumerate(STEP_ORDER)},
            }
        )
    out["outside_loop_seconds"] = t["simulate"] - sum(x["kernel_seconds"] for x in out["arms"])
    out["outside_loop_per_arm"] = outside_the_loop(sc, runs, seed, repeats)
    return out


def outside_the_loop(scenario, runs: int, seed: int, repeats: int) -> dict:
    """CPU seconds of each step ``engine.run_arm`` takes around the loop, for one arm."""
    stages = {
        "seed the streams": lambda: streams(seed, 0, runs),
        "draw the priors": lambda: draw_priors(scenario, streams(seed, 0, runs)),
        "build the inputs": lambda: make_inputs(scenario, draw_priors(scenario, streams(seed, 0, runs))),
        "map the records": lambda: np.empty((len(k.RECORDED), runs, scenario.days), dtype=np.int32).fill(0),
    }
    best = {name: min(_timed(fn) for _ in range(repeats)) for name, fn in stages.items()}
    # each stage above includes the ones before it; report each on its own
    return {
        "seed the streams": best["seed the streams"],
        "draw the priors": best["draw the priors"] - best["seed the streams"],
        "build the inputs": best["build the inputs"] - best["draw the priors"],
        "map the records": best["map the records"],
    }


def _timed(fn) -> float:
    t = time.thread_time()
    fn()
    return time.thread_time() - t


def table(r: dict) -> str:
    """The Markdown table: milliseconds and share of the loop, both arms summed."""
    loop = sum(a["rebuilt_seconds"] for a in r["arms"])
    lines = [
        f"{r['runs']:,} runs x {r['days']:,} days, paired arms; simulate {r['simulate_seconds'] * 1e3:.0f} ms, "
        f"of which the two loops {sum(a['kernel_seconds'] for a in r['arms']) * 1e3:.0f} ms "
        f"and the rest {r['outside_loop_seconds'] * 1e3:.0f} ms",
        "",
        "| mechanism | added (ms) | share | removed (ms) | share | ns a run-day |",
        "|---|---|---|---|---|---|",
    ]
    run_days = r["runs"] * r["days"] * len(r["arms"])
    for m in STEP_ORDER:
        added = sum(a["added"][m] for a in r["arms"])
        removed = sum(a["removed"][m] for a in r["arms"])
        lines.append(
            f"| {m} | {added * 1e3:.1f} | {added / loop:.0%} | {removed * 1e3:.1f} | {removed / loop:.0%} "
            f"| {added / run_days * 1e9:.1f} |"
        )
    lines.append(f"| whole loop | {loop * 1e3:.1f} | 100% | | | {loop / run_days * 1e9:.1f} |")
    lines += ["", "| outside the loop, one arm | ms | share of simulate (both arms) |", "|---|---|---|"]
    for name, secs in r["outside_loop_per_arm"].items():
        lines.append(f"| {name} | {secs * 1e3:.1f} | {2 * secs / r['simulate_seconds']:.0%} |")
    return "\n".join(lines)


if __name__ == "__main__":
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--runs", type=int, default=1000)
    ap.add_argument("--years", type=float, default=3)
    ap.add_argument("--repeats", type=int, default=3)
    a = ap.parse_args()
    res = profile(a.runs, a.years, a.repeats)
    res["load_average_1min"] = os.getloadavg()[0]
    print(table(res))
    print(json.dumps(res))
