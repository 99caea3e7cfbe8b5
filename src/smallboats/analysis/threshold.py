"""How big would the scheme have to be? The smallest weekly quota that cuts arrivals by a target.

For each deterrence assumption the scenario is run at every quota of a grid (paired with its
no-scheme counterfactual, common random numbers), and the cut in first-year arrivals is computed
run by run: ``1 - arrivals / counterfactual arrivals``. A quota "reaches" the target when at least
``probability`` of runs cut arrivals by ``target`` or more. Detention places follow the same
documented rule as every what-if (:func:`smallboats.analysis.whatif.default_detention_places`), so
the curve and the dashboard give the same answer for the same quota.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import pandas as pd

from smallboats.analysis.whatif import default_detention_places
from smallboats.model import Scenario, simulate
from smallboats.vocab import DETERRENCE_FORMS as FORMS
from smallboats.vocab import QUANTILES

FIRST_YEAR_DAYS = 365
DEFAULT_GRID = (50, 100, 250, 500, 1000, 2000, 4000)


def curve_point(task: tuple) -> dict:
    """One point of the curve: a deterrence form at a weekly quota (a top-level function for workers)."""
    base, form, q, runs, seed, years = task
    sc = Scenario.model_validate(base)
    sc.years = years
    sc.deterrence.form = form
    sc.scheme.quota = _fixed(q)
    sc.scheme.detention_places = default_detention_places(q)  # the same rule as every what-if
    sc.name = f"{form} at {q:g}/week"
    r = simulate(sc, runs=runs, seed=seed)
    days = min(FIRST_YEAR_DAYS, r.days)  # the first year, or the whole horizon when shorter
    arr = r.per_run("arrivals", "total", days=days)[0]
    ret = r.per_run("returned", "total", days=days)[0]
    cut = r.cut("arrivals", "total", days=days)[0]
    quantiles = tuple((k, QUANTILES[k]) for k in ("p05", "p25", "median", "p75", "p95"))
    return {
        "assumption": form,
        "weekly_quota": q,
        **{f"cut_{k}": float(np.quantile(cut, v)) for k, v in quantiles},
        "returns_share": float(np.median(ret / np.maximum(arr, 1))),
        "cuts": cut,
    }


def quota_curve(
    base: Scenario,
    *,
    forms=FORMS,
    grid=DEFAULT_GRID,
    runs: int = 250,
    seed: int = 7,
    years: float = 1.0,
    on_step: Callable[[str], None] | None = None,
    ex=None,
    dask: str | None = None,
    workers: int = 2,
) -> pd.DataFrame:
    """The cut in first-year arrivals at each quota, per deterrence assumption (median and bands).

    Each point of the curve is a task for ``ex``, or else for the executor ``dask`` and ``workers``
    name (as for sweeps: ``None`` in this process, ``"local"``, or a scheduler's address). The
    numbers do not depend on which runs them.

    Returns:
        Rows ``assumption, weekly_quota, cut_median, cut_p05, cut_p25, cut_p75, cut_p95, returns_share``,
        plus ``cuts``: the per-run cuts (for probability queries).
    """
    from smallboats.analysis.distributed import executor

    tasks = [(base.model_dump(mode="json"), form, float(q), runs, seed, years) for form in forms for q in grid]
    on_done = (lambda i: on_step(f"{tasks[i][1]} at {tasks[i][2]:g}/week")) if on_step else None
    if ex is not None:
        return pd.DataFrame(ex.map(curve_point, tasks, on_done=on_done))
    with executor(dask, workers) as own:
        return pd.DataFrame(own.map(curve_point, tasks, on_done=on_done))


def _fixed(q: float):
    from smallboats.model.params import FixedQuota

    return FixedQuota(kind="fixed", per_week=q)


def smallest_quota(curve: pd.DataFrame, target: float, probability: float) -> list[dict]:
    """Per assumption, the smallest quota with P(cut >= target) >= probability (None if none does)."""
    out = []
    for form, g in curve.groupby("assumption", sort=False):
        g = g.sort_values("weekly_quota")
        hit = None
        for row in g.itertuples():
            if (row.cuts >= target).mean() >= probability:
                hit = row
                break
        out.append(
            {
                "assumption": form,
                "weekly_quota": None if hit is None else int(hit.weekly_quota),
                "returns_share": None if hit is None else round(hit.returns_share, 4),
                "probability_at_quota": None if hit is None else round(float((hit.cuts >= target).mean()), 3),
                "target_cut": target,
                "probability": probability,
                "searched": {
                    "min": int(g.weekly_quota.min()),
                    "max": int(g.weekly_quota.max()),
                    "grid": [int(x) for x in g.weekly_quota],
                },
            }
        )
    return out
