"""Deterrence estimated from the dose: the whole record with the lagged return rate on the log-level.

The elasticity ``e`` enters as ``e * log(1 + rate / base_rate)`` (:mod:`.record`), the simulator's
constant-elasticity response, so its posterior can be drawn by ``--deterrence fitted`` directly. Its prior
(:data:`~.bayes.PRIORS`) is reported beside the posterior. A random-walk level can absorb a slow change in
arrivals as readily as a dose that grows slowly, so the data may not separate the two: the result says
so when the posterior's 90% interval holds zero.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
from scipy import stats

from smallboats.analysis.estimate import bayes, its, record, summary
from smallboats.analysis.estimate.effect import FitOptions, fit_cached
from smallboats.analysis.estimate.inputs import Inputs, with_weather
from smallboats.errors import StoreError, UsageError


@dataclass
class DeterrenceResult:
    """The elasticity's prior and posterior, with the fit's diagnostics.

    Attributes:
        prior: ``mean, p05, median, p95, p_below_zero`` of the prior.
        posterior: the same of the posterior.
        its: the cross-check's maximum-likelihood estimate (no prior; a 90% confidence interval).
        weeks: week by week: arrivals, returns, the lagged rate and the dose term.
        statement: a sentence built from the numbers, saying when the data cannot tell.
    """

    start: dt.date
    end: dt.date
    prior: dict
    posterior: dict
    diagnostics: dict
    warnings: list[str]
    statement: str
    weeks: pd.DataFrame
    lag_weeks: int
    base_rate: float
    releases: list[str]
    fit: bayes.Fit = field(repr=False)
    its: dict = field(default_factory=dict)

    def posterior_draws(self) -> dict[str, np.ndarray]:
        """Draws a simulator can use (see :meth:`~.bayes.Fit.posterior_draws`)."""
        return self.fit.posterior_draws()

    def to_dict(self) -> dict:
        """Plain data for JSON."""
        return {
            "fit_start": self.start.isoformat(),
            "end": self.end.isoformat(),
            "elasticity": {"prior": self.prior, "posterior": self.posterior, "its": self.its},
            "diagnostics": self.diagnostics,
            "warnings": self.warnings,
            "statement": self.statement,
            "lag_weeks": self.lag_weeks,
            "base_rate": self.base_rate,
            "max_return_rate": float(self.weeks.rate.max()),
            "prior_source": bayes.PRIORS["elasticity"]["source"],
            "data_releases": self.releases,
        }


def prior_summary() -> dict:
    """The elasticity prior's mean, 90% interval and P(< 0), from its distribution."""
    p = bayes.PRIORS["elasticity"]
    d = stats.norm(p["mean"], p["sd"])
    return {
        "mean": p["mean"],
        "p05": round(float(d.ppf(0.05)), 4),
        "median": round(float(d.median()), 4),
        "p95": round(float(d.ppf(0.95)), 4),
        "p_below_zero": round(float(d.cdf(0.0)), 4),
    }


def posterior_summary(draws: np.ndarray) -> dict:
    """The same numbers from posterior draws."""
    q = summary.quantiles(draws)
    return {
        "mean": round(float(draws.mean()), 4),
        "p05": round(q["p05"], 4),
        "median": round(q["median"], 4),
        "p95": round(q["p95"], 4),
        "p_below_zero": round(float((draws < 0).mean()), 4),
    }


def _announcer(on_fit: Callable[[str], None] | None, weeks: pd.DatetimeIndex) -> Callable[[], None] | None:
    """What to call just before the dose fit runs (nothing when nobody asked to be told)."""
    if on_fit is None:
        return None
    return lambda: on_fit(
        f"Fitting the dose model of deterrence to the {len(weeks)} weeks ending {weeks[-1]:%Y-%m-%d} "
        "(about a minute; the fit is cached, so this happens once per data release)"
    )


def estimate_deterrence(
    inputs: Inputs,
    *,
    start: dt.date = record.DEFAULT_START,
    lag_weeks: int = record.LAG_WEEKS,
    base_rate: float = record.BASE_RATE,
    options: FitOptions | None = None,
    on_step: Callable[[str], None] | None = None,
    on_fit: Callable[[str], None] | None = None,
) -> DeterrenceResult:
    """Fit the whole record, to the last week whose lagged return rate is published, with the dose term.

    ``on_fit`` is told, in a sentence, when a fit is about to run (the cache did not hold it).

    Raises:
        StoreError: the store holds no returns under the agreement.
        UsageError: a lag or base rate out of range.
    """
    opts = options or FitOptions()
    opts.check()
    if not 0 <= lag_weeks <= 26:
        raise UsageError(f"--lag-weeks must be between 0 and 26, not {lag_weeks}")
    if not 0 < base_rate <= 1:
        raise UsageError(f"--base-rate must be above 0 and at most 1, not {base_rate}")
    if inputs.returned.empty:
        raise StoreError("the store holds no agreement_returned (returns under the UK-France agreement)")
    weeks = inputs.weeks[inputs.weeks.index - pd.Timedelta(days=6) >= pd.Timestamp(start)]
    dose = record.return_dose(inputs.returned, weeks.people, lag_weeks=lag_weeks, base_rate=base_rate)
    known = dose.rate.notna()
    weeks, dose = weeks[known], dose[known]
    record.check_pre_period(weeks, "--start")
    inputs = with_weather(inputs, weeks.index)
    F, X = inputs.design(weeks.index)
    y = weeks.people.to_numpy(float)
    extra = {"lag_weeks": lag_weeks, "base_rate": base_rate}
    before = _announcer(on_fit, weeks.index)
    f = fit_cached("dose", inputs, y, F, X, opts, dose=dose.dose.to_numpy(float), extra=extra, before=before)
    on_step and on_step("dose")
    cross = its.elasticity(y, dose.dose.to_numpy(float))
    prior, post = prior_summary(), posterior_summary(f.draws["elasticity"])
    sentence = " ".join(
        [summary.elasticity_sentence(prior, post, post["p_below_zero"]), summary.its_elasticity_sentence(cross, post)]
    )
    return DeterrenceResult(
        start=weeks.index[0].date() - dt.timedelta(days=6),
        end=weeks.index[-1].date(),
        prior=prior,
        posterior=post,
        diagnostics=f.diagnostics | {"weeks_fitted": len(weeks)},
        warnings=f.warnings,
        statement=" ".join([sentence, *f.warnings]),
        weeks=pd.concat([weeks[["people"]], dose], axis=1),
        lag_weeks=lag_weeks,
        base_rate=base_rate,
        releases=inputs.releases,
        fit=f,
        its=cross,
    )
