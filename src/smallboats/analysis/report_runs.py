"""The report's slow results (the outlook, the backtest, the estimated pilot) and the charts drawn from them.

Each result is a :class:`Job`: its cache key (kind, data releases, options) is known without running it,
its :meth:`Job.prepare` reads the store and returns a computation that reads none, and :meth:`Job.run`
reuses the result cached on disk (:mod:`smallboats.analysis.results_cache`) or computes and stores it.
The report runs jobs in turn; the web server runs them in the background and serves the same cached
results, so a chart or a finding is computed once per data release, whichever face asks first.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import pandas as pd

from smallboats import __version__
from smallboats.analysis.official import CHARTS, OfficialFigures
from smallboats.analysis.results_cache import cached, result_key, stored
from smallboats.formats import pct, thousands
from smallboats.viz import charts
from smallboats.viz.fan import fan_chart
from smallboats.viz.style import ChartSpec

BACKTEST_RUNS, BACKTEST_SEED = 300, 7  # the report's backtest and simulated pilot (see docs/methods.md)


@dataclass(frozen=True)
class Job:
    """One slow result: its key, and how to make it.

    Attributes:
        kind: what is computed (``outlook``, ``backtest``, ``estimated-pilot``, ``simulated-pilot``).
        releases: the data releases it reads (part of the cache key).
        options: every option that changes it (part of the cache key).
        prepare: reads the store and returns the computation, which reads no store (so a server can
            close the store, which an import may then write, while the computation runs).
    """

    kind: str
    releases: tuple[str, ...]
    options: dict
    prepare: Callable[[], Callable[[], object]]

    @property
    def name(self) -> str:
        """The cache entry's name."""
        return result_key(self.kind, list(self.releases), self.options)

    def stored(self):
        """The cached result, or None."""
        return stored(self.kind, list(self.releases), self.options)

    def run(self, on_reuse: Callable[[str], None] | None = None, compute: Callable[[], object] | None = None):
        """The cached result, or ``compute`` (default: prepared now) run and cached."""
        return cached(self.kind, list(self.releases), self.options, compute or (lambda: self.prepare()()), on_reuse)


def outlook_job(fig: OfficialFigures) -> Job:
    """What the scheme could do: the scenarios against their no-scheme worlds, and the quota curve."""
    from smallboats.analysis.outlook import outlook_scenarios, run_outlook

    def prepare():
        scenarios = outlook_scenarios(fig.store, as_of=fig.as_of)
        return lambda: run_outlook(scenarios)

    return Job("outlook", tuple(fig.daily.release_ids), {"as_of": fig.as_of}, prepare)


def _backtest(daily: pd.DataFrame, weekly: pd.DataFrame, runs: int, seed: int) -> dict:
    """The monthly-origin backtest and its summaries (AutoARIMA left out: most of the time, and beaten)."""
    from smallboats.analysis import scoring
    from smallboats.analysis.forecast import backtest, backtest_summary

    table = backtest(daily, weekly, runs=runs, seed=seed, arima=False)
    return {
        "summary": backtest_summary(table, bands=True),
        "diffs": pd.concat([scoring.crps_difference(table, (1, 2, 3, 4)), scoring.crps_difference(table, (13,))]),
        "targets": scoring.coverage_targets(table),
        "pit": scoring.pit_histogram(table),
        "coverage": scoring.coverage_by_season(table),
        "origins": sorted(table.origin.unique()),
    }


def backtest_job(fig: OfficialFigures, runs: int = BACKTEST_RUNS, seed: int = BACKTEST_SEED) -> Job:
    """The backtest over monthly origins, scored against the baselines."""

    def prepare():
        weekly = fig.store.observations(["sb_week_people", "sb_week_prevented_people"], as_of=fig.as_of)
        daily = fig.daily.frame
        return lambda: _backtest(daily, weekly, runs, seed)

    opts = {"runs": runs, "seed": seed, "as_of": fig.as_of}
    return Job("backtest", tuple(fig.daily.release_ids), opts, prepare)


def simulated_pilot_job(fig: OfficialFigures, runs: int = BACKTEST_RUNS, seed: int = BACKTEST_SEED) -> Job:
    """The pilot in the simulator, under each deterrence assumption (the store is read as it runs)."""
    from smallboats.analysis.forecast import simulated_pilot

    opts = {"runs": runs, "seed": seed, "as_of": fig.as_of}
    return Job(
        "simulated-pilot",
        tuple(fig.daily.release_ids),
        opts,
        lambda: lambda: simulated_pilot(fig.store, runs=runs, seed=seed),
    )


def estimated_pilot_job(fig: OfficialFigures) -> Job:
    """The effect estimated from the record (both methods) and the elasticity.

    The key holds every release the estimate reads (daily arrivals and the agreement's returns), so a
    new monthly table of returns alone also makes a new estimate.
    """
    from smallboats.analysis.estimate import evaluate_pilot, from_store

    returned = fig.store.observations("agreement_returned", as_of=fig.as_of)
    releases = tuple(sorted(set(fig.daily.release_ids) | set(returned.release_id)))

    def prepare():
        inputs = from_store(fig.store, as_of=fig.as_of)
        return lambda: evaluate_pilot(inputs)

    return Job("estimated-pilot", releases, {"as_of": fig.as_of}, prepare)


def simulation_source(out, fig: OfficialFigures) -> str:
    """The source line of a chart of the outlook: the runs, and the data (with licence) the baseline was fitted to."""
    return (
        f"smallboats {__version__} simulation: {out.runs} runs a scenario, seed {out.seed}; baseline fitted to "
        f"{out.data_release}. {fig.daily.attribution}"
    )


def backtest_source(fig: OfficialFigures, runs: int = BACKTEST_RUNS, seed: int = BACKTEST_SEED) -> str:
    """The source line of the backtest's charts."""
    return f"smallboats {__version__} backtest, {runs} runs an origin, seed {seed}; {fig.daily.attribution}"


def outlook_fan(out, fig: OfficialFigures) -> ChartSpec:
    """Weekly arrivals under each of the report's scenarios: median and 50/80/95% bands."""
    pilot_eff = float(out.effects["pilot-50"].loc[0, "median"])
    word = "fewer" if pilot_eff < 0 else "more"
    return fan_chart(
        out.bands,
        "arrivals",
        "week",
        source=simulation_source(out, fig),
        title=f"At {fig.quota_per_week:.0f} returns a week the median run has {thousands(abs(pilot_eff))} {word} "
        "arrivals in the first year than without the scheme",
        subtitle="Weekly arrivals under each scenario: median and 50/80/95% bands",
    )


def quota_curve(out, fig: OfficialFigures) -> ChartSpec:
    """The cut in arrivals against the weekly quota, per deterrence assumption, in the steady state's years."""
    return charts.quota_curve_chart(out.curve, simulation_source(out, fig), pct(out.best_cut * 100), out.curve_year)


def model_vs_published(sim: dict, fig: OfficialFigures) -> ChartSpec:
    """The 'actual' scenario's monthly returns and admissions beside the published ones."""
    source = (
        f"smallboats {__version__} simulation of the 'actual' scenario: {sim['runs']} runs, seed {sim['seed']}; "
        f"baseline fitted to {sim['data_release']}; published figures: Home Office, transfers and returns under "
        f"the UK-France agreement (monthly table). {fig.daily.attribution}"
    )
    return charts.model_vs_published(pd.DataFrame(sim["monthly_returns_and_admissions"]), source)


def counterfactual_fan(est: dict, fig: OfficialFigures | None = None) -> ChartSpec:
    """The no-scheme world estimated from the record (Bayesian model), week by week, with what was observed."""
    w = pd.DataFrame(est["effect"]["weekly"])
    w = w[w.method == "bayes"]
    bands = w.rename(columns={c: c.removeprefix("cf_") for c in w.columns if c.startswith("cf_")}).assign(
        period_start=pd.to_datetime(w.week_ending)
    )
    observed = pd.DataFrame({"period_start": bands.period_start, "people": w.observed.to_numpy()})
    rel = est["effect"]["totals"]["bayes"]["relative_effect"]
    title = (
        f"Observed arrivals against the estimated no-scheme world: an effect of {rel['median'] * 100:+.0f}% "
        f"(90% interval {rel['p05'] * 100:+.0f}% to {rel['p95'] * 100:+.0f}%)"
    )
    source = (
        f"smallboats {__version__}: Bayesian model fitted to the weeks before {est['effect']['until']}; "
        f"data releases {', '.join(est['effect']['data_releases'])}"
    ) + (f". {fig.daily.attribution}" if fig is not None else "")
    return fan_chart(
        {"estimated no-scheme world": bands},
        "arrivals",
        "week",
        source=source,
        title=title,
        subtitle="Weekly arrivals: the counterfactual's median and 50/80/95% bands, and the observed weeks (black)",
        observed=observed,
        name="estimated_counterfactual",
    )


def forecast_pit(bt: dict, fig: OfficialFigures) -> ChartSpec:
    """The PIT histograms of the backtest."""
    from smallboats.viz.forecast_charts import pit_chart

    return pit_chart(bt["pit"], backtest_source(fig))


def forecast_coverage(bt: dict, fig: OfficialFigures) -> ChartSpec:
    """Band coverage of the backtest by origin season."""
    from smallboats.viz.forecast_charts import coverage_chart

    return coverage_chart(bt["coverage"], backtest_source(fig))


# The report's charts drawn from slow results: name -> (the job that makes the result, the chart builder).
SLOW_CHARTS: dict[str, tuple[Callable[[OfficialFigures], Job], Callable]] = {
    "fan_arrivals_week": (outlook_job, outlook_fan),
    "quota_curve": (outlook_job, quota_curve),
    "estimated_counterfactual": (estimated_pilot_job, counterfactual_fan),
    "forecast_pit": (backtest_job, forecast_pit),
    "forecast_coverage": (backtest_job, forecast_coverage),
    "model_vs_published": (simulated_pilot_job, model_vs_published),
}
# Every chart the report draws, by name: the official figures' (quick) and the slow results'.
REPORT_CHARTS = CHARTS + tuple(SLOW_CHARTS)
