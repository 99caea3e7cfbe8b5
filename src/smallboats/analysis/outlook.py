"""What the scheme could do: the report's scenarios run against their no-scheme worlds, as numbers.

Each scenario is run with its paired counterfactual (common random numbers); the effects, bands and
the quota curve are returned as frames for the faces to word and draw.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import pandas as pd

from smallboats.analysis.scenarios import build_scenario
from smallboats.analysis.threshold import DEFAULT_GRID, DEFAULT_YEARS, headline_year, quota_curve, smallest_quota
from smallboats.model import simulate

OUTLOOK_SCENARIOS = ("no-scheme", "pilot-50", "ramp-up", "deterrence-strong")
CUT_TARGETS = (0.10, 0.25, 0.50)
CUT_PROBABILITY = 0.8


@dataclass
class Outlook:
    """The scenarios' weekly bands, yearly effects and returns, and the quota curve."""

    runs: int
    seed: int
    years: float
    data_release: str
    bands: dict[str, pd.DataFrame]  # weekly arrivals, median and bands, by scenario
    effects: dict[str, pd.DataFrame]  # yearly difference from the no-scheme world, by scenario
    returned: dict[str, pd.DataFrame]  # yearly returns, median and bands, by scenario
    curve: pd.DataFrame  # the cut in arrivals at each weekly quota, per deterrence form and scheme year
    needed: list[dict]  # the smallest quota for each target cut, per deterrence form (at ``curve_year``)
    grid: tuple[float, ...]
    quotas: dict[str, str] = field(default_factory=dict)  # each scenario's quota in words

    @property
    def curve_year(self) -> str:
        """The scheme year the curve is read at: the steady state (every year after the first)."""
        return headline_year(self.curve)

    @property
    def best_cut(self) -> float:
        """The largest median cut, in :attr:`curve_year`, at any quota of the grid under any deterrence form."""
        return float(self.curve[self.curve.year == self.curve_year].cut_median.max())


def outlook(
    store,
    *,
    as_of: str | None = None,
    runs: int = 500,
    seed: int = 7,
    years: float = 2.0,
    curve_runs: int = 250,
    grid: tuple[float, ...] = DEFAULT_GRID,
) -> Outlook:
    """Run the report's scenarios and the quota curve on the store's fitted baseline."""
    return run_outlook(outlook_scenarios(store, as_of=as_of, years=years), runs, seed, years, curve_runs, grid)


def outlook_scenarios(store, *, as_of: str | None = None, years: float = 2.0) -> list[tuple[str, object, dict]]:
    """The report's scenarios with their fitted baselines: the only part of the outlook that reads the store."""
    return [(name, *build_scenario(name, store, years=years, as_of=as_of)) for name in OUTLOOK_SCENARIOS]


def run_outlook(
    scenarios: list[tuple[str, object, dict]],
    runs: int = 500,
    seed: int = 7,
    years: float = 2.0,
    curve_runs: int = 250,
    grid: tuple[float, ...] = DEFAULT_GRID,
) -> Outlook:
    """Simulate built scenarios (from :func:`outlook_scenarios`) and the quota curve; reads no store."""
    bands, effects, returned, quotas = {}, {}, {}, {}
    base, release = None, ""
    for name, sc, meta in scenarios:
        base = sc if name == "pilot-50" else base
        release = meta["data_release"]
        quotas[name] = quota_words(sc)
        r = simulate(sc, runs=runs, seed=seed, meta=meta, records=False)
        bands[name] = r.band("arrivals", "week")
        effects[name] = r.effect("arrivals", "year")
        returned[name] = r.band("returned", "year")
    curve = quota_curve(base, grid=grid, runs=curve_runs, seed=seed, years=DEFAULT_YEARS)
    needed = [r | {"target": target} for target in CUT_TARGETS for r in smallest_quota(curve, target, CUT_PROBABILITY)]
    return Outlook(runs, seed, years, release, bands, effects, returned, curve, needed, tuple(grid), quotas)


def quota_words(sc) -> str:
    """A scenario's quota in words, from its parameters (``50 a week``; ``50 rising to 250 a week over 52 weeks``)."""
    if not sc.scheme.enabled:
        return "no scheme"
    q = sc.scheme.quota
    if q.kind == "fixed":
        return f"{q.per_week:,.0f} a week"
    if q.kind == "ramp":
        return f"{q.start_per_week:,.0f} rising to {q.end_per_week:,.0f} a week over {q.ramp_weeks} weeks"
    return f"a {q.kind} quota"
