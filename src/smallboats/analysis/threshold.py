"""How big would the scheme have to be? The smallest weekly quota that cuts arrivals by a target.

For each deterrence assumption the scenario is run at every quota of a grid (paired with its
no-scheme counterfactual, common random numbers), and the cut in arrivals is computed run by run,
``1 - arrivals / counterfactual arrivals``, for each year of the scheme and for its steady state
(every year after the first together). The first year mixes the start-up, when few have been
returned and nobody can yet be deterred, with what follows; later years show what a quota does once
it runs. A quota "reaches" the target when at least ``probability`` of runs cut arrivals by
``target`` or more in the year asked for.

Each row names what holds returns below the quota: the pool of eligible arrivals, the detention
places, or the cases lost in casework (failed, won on challenge, or past the three-month limit).
Detention places follow the model's one rule when the scenario gives none
(:func:`smallboats.model.params.detention_places_for`), so the curve, a sweep, a scenario file and
the dashboard give the same answer for the same quota; the value used is a column.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import pandas as pd

from smallboats.errors import UsageError
from smallboats.model import Scenario, simulate
from smallboats.vocab import DETERRENCE_FORMS as FORMS
from smallboats.vocab import QUANTILES, STEADY, year_label  # noqa: F401 - year_label is read from here too

DEFAULT_GRID = (50, 100, 250, 500, 1000, 2000, 4000)
DEFAULT_YEARS = 3.0
# Assumption: a quota is "delivered" when returns reach nine tenths of it; past that, what remains
# is noise, not a constraint.
DELIVERED = 0.9
CONSTRAINTS = {
    "pool": "too few eligible arrivals in quiet weeks",
    "places": "detention places",
    "casework": "casework losses",
    "none": "none (the quota is delivered)",
}


def scheme_years(days: int) -> list[int | str]:
    """The years a curve reports for a horizon: each whole or part year, and the steady state after the first."""
    n = int((days - 1) / 365.25) + 1
    return [*range(1, n + 1), *([STEADY] if n >= 2 else [])]


def _rows_by_year(r) -> dict:
    """Per-run totals by scheme year of what the rows need (scenario arm, and the no-scheme arrivals)."""
    names = ("arrivals", "returned", "selected", "new_eligible", "quota_week", "n_detained")
    get = {v: r.per_run(v, "year") for v in names}
    get["cf"] = r.per_run("arrivals", "year", arm="counterfactual")
    keys = (np.arange(r.days) / 365.25).astype(int)
    days = np.bincount(keys)
    get["offered"] = get["quota_week"] * (days / 7.0)[:, None]  # the quota's people over each year
    return get


def _pick(get: dict, year) -> dict:
    """The totals of one scheme year, or of every year after the first (the steady state)."""
    sl = slice(1, None) if year == STEADY else slice(year - 1, year)
    out = {k: v[sl].sum(axis=0) for k, v in get.items() if k not in ("quota_week", "n_detained")}
    out["n_detained"] = get["n_detained"][sl].mean(axis=0)  # a stock: the mean over the years
    return out


# Assumption: the places bind when, on average over the year, at least this share of them is filled
# (a mean so close to the cap means the cap is met on most days).
PLACES_FULL = 0.8


def binding_constraint(t: dict, places: float) -> tuple[str, dict]:
    """What holds returns below the quota, from medians of a year's totals; and the shares of the shortfall.

    The shortfall (quota offered less returns) is split into the quota no one was selected for,
    because the places were full (``places``: on average at least :data:`PLACES_FULL` of them held)
    or else because too few eligible people arrived in the weeks the quota was open (``pool``), and
    the selected who were not returned (``casework``). The largest part is named; ``none`` when
    returns reach :data:`DELIVERED` of the quota.
    """
    offered, selected = float(np.median(t["offered"])), float(np.median(t["selected"]))
    returned, held = float(np.median(t["returned"])), float(np.median(t["n_detained"]))
    unselected = max(offered - selected, 0.0)
    full = places > 0 and held >= PLACES_FULL * places
    parts = {
        "pool": 0.0 if full else unselected,
        "places": unselected if full else 0.0,
        "casework": max(selected - returned, 0.0),
    }
    shares = {k: (v / offered if offered > 0 else 0.0) for k, v in parts.items()}
    if offered <= 0 or returned >= DELIVERED * offered:
        return "none", shares
    return max(parts, key=parts.get), shares


def curve_point(task: tuple) -> list[dict]:
    """One quota under one deterrence form: a row per scheme year (a top-level function for workers)."""
    base, form, q, runs, seed, years = task
    sc = Scenario.model_validate(base)
    sc.years = years
    sc.deterrence.form = form
    sc.scheme.quota = _fixed(q)
    sc.name = f"{form} at {q:g}/week"
    r = simulate(sc, runs=runs, seed=seed, records=False)
    get = _rows_by_year(r)
    quantiles = tuple((k, QUANTILES[k]) for k in ("p05", "p25", "median", "p75", "p95"))
    rows = []
    for year in scheme_years(r.days):
        t = _pick(get, year)
        cut = 1.0 - t["arrivals"] / np.maximum(t["cf"], 1.0)
        binding, shares = binding_constraint(t, sc.scheme.places())
        rows.append(
            {
                "assumption": form,
                "weekly_quota": q,
                "year": str(year),
                **{f"cut_{k}": float(np.quantile(cut, v)) for k, v in quantiles},
                "returns_share": float(np.median(t["returned"] / np.maximum(t["arrivals"], 1))),
                "returned_median": float(np.median(t["returned"])),
                "quota_offered": float(np.median(t["offered"])),
                "detention_places": sc.scheme.places(),
                "binding": binding,
                **{f"short_{k}": round(v, 4) for k, v in shares.items()},
                "cuts": cut,
            }
        )
    return rows


def quota_curve(
    base: Scenario,
    *,
    forms=FORMS,
    grid=DEFAULT_GRID,
    runs: int = 250,
    seed: int = 7,
    years: float = DEFAULT_YEARS,
    on_step: Callable[[str], None] | None = None,
    ex=None,
    dask: str | None = None,
    workers: int = 2,
) -> pd.DataFrame:
    """The cut in arrivals at each quota, per deterrence assumption and scheme year (median and bands).

    Each point of the curve is a task for ``ex``, or else for the executor ``dask`` and ``workers``
    name (as for sweeps: ``None`` in this process, ``"local"``, or a scheduler's address). The
    numbers do not depend on which runs them.

    Returns:
        Rows ``assumption, weekly_quota, year`` (``"1"``, ``"2"``... and ``"steady"``), the cut's median
        and bands, ``returns_share``, ``returned_median``, ``quota_offered``, ``detention_places``,
        ``binding`` (a key of :data:`CONSTRAINTS`) and the shortfall's shares (``short_*``), plus
        ``cuts``: the per-run cuts (for probability queries).
    """
    from smallboats.analysis.distributed import executor

    tasks = [(base.model_dump(mode="json"), form, float(q), runs, seed, years) for form in forms for q in grid]
    on_done = (lambda i: on_step(f"{tasks[i][1]} at {tasks[i][2]:g}/week")) if on_step else None
    if ex is not None:
        return _frame(ex.map(curve_point, tasks, on_done=on_done))
    with executor(dask, workers) as own:
        return _frame(own.map(curve_point, tasks, on_done=on_done))


def _frame(points) -> pd.DataFrame:
    return pd.DataFrame([row for rows in points for row in rows])


def headline_year(curve: pd.DataFrame) -> str:
    """The year a curve is read at by default: the steady state when the horizon has one, else the first."""
    return STEADY if (curve.year == STEADY).any() else "1"


def _fixed(q: float):
    from smallboats.model.params import FixedQuota

    return FixedQuota(kind="fixed", per_week=q)


def smallest_quota(curve: pd.DataFrame, target: float, probability: float, year: str | None = None) -> list[dict]:
    """Per assumption, the smallest quota with P(cut >= target) >= probability in ``year`` (None if none does).

    ``year`` is a scheme year (``"1"``, ``"2"``...) or ``"steady"``; by default the steady state
    when the curve has one.
    """
    year = year or headline_year(curve)
    if year not in set(curve.year):
        raise UsageError(f"year must be one of {', '.join(dict.fromkeys(curve.year))}, not {year!r}")
    out = []
    for form, g in curve[curve.year == year].groupby("assumption", sort=False):
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
                "binding": None if hit is None else hit.binding,
                "detention_places": None if hit is None else hit.detention_places,
                "year": year,
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
