"""What one draw costs, for each draw the day loop makes, at the sizes pilot-50 gives it (kernel.py is not touched).

``profile_mechanisms.py`` says which mechanism the loop's time goes to; this says what the draws
inside them cost, so that a mechanism's time can be read as its draws times their cost, and a
faster engine can be looked for where the draws are. Each draw is made with the kernel's own
compiled sampler, at the size it has in the loop: the median, over the run-days on which the draw
is made, of the figure it splits (a 200-run, one-year pilot-50 simulation of the bundled data),
and the median prior of its share. The count varies by up to seven from one draw to the next, as
it does from day to day, so that the compiler cannot work out a sampler's set-up once for all draws.

Each cost is the fastest of ``--repeats`` timings of ``--draws`` draws, in nanoseconds of the
thread's CPU time (``time.thread_time``), so that other work on a shared machine counts as little
as it can. The ``sampler`` column says how the kernel draws at the middle of those counts: a binomial
by one uniform a trial (``kernel.BINOMIAL_COUNTED`` trials or fewer), by inversion (a mean below
``kernel.BINOMIAL_BTRD_MEAN``) or by BTRD, as ``kernel.binomial_log`` chooses; a Poisson by
multiplied uniforms or PTRS.

Run: python benchmarks/profile_samplers.py [--draws 2000000] [--repeats 3]
"""

from __future__ import annotations

import argparse
import json
import tempfile
import time
from pathlib import Path

import numpy as np
from numba import njit

from smallboats.analysis.scenarios import build_scenario
from smallboats.data.bundle import open_default_store
from smallboats.model import kernel, simulate

UNIFORM, BINOMIAL, POISSON, NORMAL, GAMMA, EXPONENTIAL = range(6)
SPREAD = 7  # counts vary by up to this much between consecutive draws


@njit(nogil=True, error_model="numpy")
def draw_many(kind, g, draws, size, share):
    """``draws`` draws of one kind from stream 0 of ``g`` (``size``: a count or a mean; ``share``: p)."""
    total = 0.0
    for i in range(draws):
        wobble = i % (SPREAD + 1)
        if kind == UNIFORM:
            total += kernel.uniform(g, 0)
        elif kind == BINOMIAL:
            total += kernel.binomial(g, 0, int(size) + wobble, share)
        elif kind == POISSON:
            total += kernel.poisson(g, 0, size + wobble)
        elif kind == NORMAL:
            total += kernel.normal(g, 0)
        elif kind == GAMMA:
            total += kernel.gamma(g, 0, size)
        else:
            total += kernel.exponential(g, 0)
    return total


def _median_where_drawn(x: np.ndarray) -> float:
    drawn = x[x > 0]
    return float(np.median(drawn)) if drawn.size else 0.0


def draw_sizes(runs: int = 200, seed: int = 7) -> list[tuple[str, int, float, float]]:
    """Every draw of the day loop: (where, kind, size, share), sized as pilot-50's loop sizes it."""
    with tempfile.TemporaryDirectory() as tmp, open_default_store(Path(tmp) / "s.duckdb") as st:
        sc, _ = build_scenario("pilot-50", st, years=1)
    res = simulate(sc, runs=runs, seed=seed, counterfactual=False)
    rec, pri = res.records, res.priors
    med = {k: float(np.median(v)) for k, v in pri.items()}
    n = {k: _median_where_drawn(np.asarray(v, dtype=float)) for k, v in rec.items()}
    selected_share = float(
        np.median((rec["new_selected"] / np.maximum(rec["new_eligible"], 1))[rec["new_eligible"] > 0])
    )
    cv = med["crossings.launch_shock_cv"]
    return [
        ("weather: crossable or calm", UNIFORM, 0.0, 0.0),
        ("inflow: the level's daily step", NORMAL, 0.0, 0.0),
        ("inflow: potential arrivals (Poisson)", POISSON, n["new_potential"], 0.0),
        ("coast: those who leave", BINOMIAL, n["n_coast"], med["crossings.p_leave_coast"]),
        ("launch: the day's shock (gamma)", GAMMA, 1.0 / (cv * cv) if cv > 0 else 1.0, 0.0),
        ("launch: who sets off", BINOMIAL, n["n_coast"], med["crossings.p_launch"]),
        ("prevention: stopped", BINOMIAL, n["new_launches"], med["crossings.p_prevent"]),
        ("prevention: give up", BINOMIAL, n["new_prevented"], med["crossings.p_prevented_give_up"]),
        ("boats: people per boat's noise", NORMAL, 0.0, 0.0),
        ("screening: eligible", BINOMIAL, n["new_arrivals"], 1.0 - med["scheme.p_exempt"]),
        ("selection: chosen at random", BINOMIAL, n["new_eligible"], selected_share),
        ("casework: failed", BINOMIAL, n["new_selected"], med["scheme.p_admin_fail"]),
        ("casework: a challenge's delay", EXPONENTIAL, 0.0, 0.0),
        ("recross: cross again", BINOMIAL, n["new_returned"], med["scheme.p_recross"]),
        ("admissions: applications (Poisson)", POISSON, med["scheme.admissions_per_week"] / 7.0, 0.0),
        ("admissions: pass the checks", BINOMIAL, n["new_applied"], med["scheme.p_admission_pass"]),
    ]


def how(kind: int, size: float, share: float) -> str:
    """Which algorithm the kernel's sampler takes at this size (the thresholds of kernel.binomial_log and poisson)."""
    if kind == BINOMIAL:
        q = min(share, 1.0 - share)
        if size <= kernel.BINOMIAL_COUNTED:
            return "one uniform a trial"
        return "BTRD" if size * q >= kernel.BINOMIAL_BTRD_MEAN else "inversion"
    if kind == POISSON:
        return "PTRS" if size >= kernel.POISSON_SMALL_MEAN else "multiplied uniforms"
    return {UNIFORM: "xoshiro256**", NORMAL: "Box-Muller", GAMMA: "Marsaglia-Tsang", EXPONENTIAL: "-log(1-U)"}[kind]


def cost_ns(kind: int, size: float, share: float, draws: int, repeats: int) -> float:
    """The fastest of ``repeats`` timings, in CPU nanoseconds a draw."""
    g = np.zeros((1, len(kernel.STREAMS), 4), dtype=np.uint64)
    kernel.seed_streams(g, np.uint64(2026), 0)
    draw_many(kind, g[0], 1000, size, share)  # compiled outside the timing
    best = float("inf")
    for _ in range(repeats):
        t = time.thread_time()
        draw_many(kind, g[0], draws, size, share)
        best = min(best, time.thread_time() - t)
    return best / draws * 1e9


def main() -> dict:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--draws", type=int, default=2_000_000)
    ap.add_argument("--repeats", type=int, default=3)
    args = ap.parse_args()
    rows = []
    for where, kind, size, share in draw_sizes():
        ns = cost_ns(kind, size, share, args.draws, args.repeats)
        rows.append(
            {
                "draw": where,
                "size": round(size, 1),
                "share": round(share, 4),
                "how": how(kind, size + SPREAD / 2 if kind in (BINOMIAL, POISSON) else size, share),
                "ns": round(ns, 1),
            }
        )
    print("| draw | size | share | sampler | ns a draw |")
    print("|---|---:|---:|---|---:|")
    for r in rows:
        size = f"{r['size']:g}" if r["size"] else ""
        share = f"{r['share']:g}" if r["share"] else ""
        print(f"| {r['draw']} | {size} | {share} | {r['how']} | {r['ns']:.1f} |")
    total = sum(r["ns"] for r in rows)
    print(f"| one of each, as the loop makes them on a day with launches |  |  |  | {total:.0f} |")
    out = {"draws": rows, "one_of_each_ns": round(total, 1)}
    print(json.dumps(out))
    return out


if __name__ == "__main__":
    main()
