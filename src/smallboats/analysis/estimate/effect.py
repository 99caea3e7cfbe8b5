"""The no-scheme world and the scheme's effect: fit before the agreement, forecast the weeks since.

Two independent methods in one run: the Bayesian model (:mod:`.bayes`) and the interrupted time
series (:mod:`.its`). Each gives the counterfactual week by week and in total, the observed total's
percentile among its draws, and the effect (observed minus counterfactual) with its intervals.
"""

from __future__ import annotations

import datetime as dt
import threading
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from smallboats.analysis.estimate import bayes, cache, daily, its, record, summary
from smallboats.analysis.estimate.inputs import Inputs, with_weather
from smallboats.errors import UsageError
from smallboats.model.params import Scheme

AGREEMENT = Scheme.model_fields["in_force"].default
METHODS = {"bayes": "Bayesian model (NumPyro)", "its": "Interrupted time series (statsmodels)"}
FREQUENCIES = ("week", "day")
LONGEST = 20_000  # the most warm-up or draws a chain is given (FitOptions.check; a fit run longer stops there)


@dataclass
class FitOptions:
    """How to fit: sampler settings, the seed and whether to use the cache."""

    warmup: int = 500
    samples: int = 500
    chains: int = 2
    seed: int = 7
    its_draws: int = 1000
    use_cache: bool = True
    frequency: str = "week"  # or "day": the daily model with a latent share of closed days (:mod:`.daily`)
    extend: bool = True  # a fit whose chains disagree, or whose effective sample is small, is run again longer

    def check(self) -> None:
        """Raise a usage error for settings out of range."""
        if self.frequency not in FREQUENCIES:
            raise UsageError(f"--frequency must be one of {', '.join(FREQUENCIES)}, not {self.frequency!r}")
        for name, lo, hi in (("warmup", 50, LONGEST), ("samples", 50, LONGEST), ("chains", 1, 8)):
            v = getattr(self, name)
            if not lo <= v <= hi:
                raise UsageError(f"--{name} must be between {lo:,} and {hi:,}, not {v}")
        if not 100 <= self.its_draws <= 100_000:
            raise UsageError(f"--its-draws must be between 100 and 100,000, not {self.its_draws}")

    def key(self) -> dict:
        """The settings a fit depends on (the cache key's options)."""
        out = {"warmup": self.warmup, "samples": self.samples, "chains": self.chains, "seed": self.seed}
        out |= {"frequency": self.frequency} if self.frequency != "week" else {}
        return out | ({"extend": False} if not self.extend else {})


@dataclass
class EffectResult:
    """The counterfactual and the effect, from both methods.

    Attributes:
        weekly: one row per week and method: observed, counterfactual quantiles, percentile, effect.
        totals: by method: observed, counterfactual quantiles, percentile, effect and relative effect.
        diagnostics: the Bayesian fit's R-hat, effective sample size, divergences and settings.
        warnings: every diagnostic failure, loudly (empty when all pass).
        statement: sentences built from the numbers.
        fit: the Bayesian fit (``fit.posterior_draws()`` for a simulator).
    """

    until: dt.date
    start: dt.date
    end: dt.date
    weekly: pd.DataFrame
    totals: dict
    diagnostics: dict
    its: dict
    warnings: list[str]
    statement: list[str]
    covariates: list[str]
    releases: list[str]
    options: dict
    fit: bayes.Fit = field(repr=False)
    notes: list[str] = field(default_factory=list)

    def posterior_draws(self) -> dict[str, np.ndarray]:
        """Draws a simulator can use (see :meth:`~.bayes.Fit.posterior_draws`)."""
        return self.fit.posterior_draws()

    def to_dict(self) -> dict:
        """Plain data for JSON: every number, the priors, diagnostics and sentences."""
        return {
            "until": self.until.isoformat(),
            "fit_start": self.start.isoformat(),
            "end": self.end.isoformat(),
            "methods": METHODS,
            "totals": _plain(self.totals),
            "weekly": _frame_records(self.weekly),
            "diagnostics": self.diagnostics,
            "its_fit": self.its,
            "warnings": self.warnings,
            "statement": " ".join(self.statement),
            "notes": self.notes,
            "covariates": self.covariates,
            "priors": bayes.PRIORS,
            "data_releases": self.releases,
            "options": self.options,
        }


def _plain(obj):
    if isinstance(obj, dict):
        return {k: _plain(v) for k, v in obj.items()}
    if isinstance(obj, (np.floating, np.integer)):
        return obj.item()
    return obj


def _frame_records(df: pd.DataFrame) -> list[dict]:
    out = df.copy()
    out["week_ending"] = [d.isoformat() for d in out.week_ending]
    return [_plain(r) for r in out.to_dict("records")]


def split(weeks: pd.DataFrame, until: dt.date, start: dt.date, end: dt.date | None):
    """The pre-period (complete weeks from ``start`` ending before ``until``) and the weeks since.

    Raises:
        StoreError: a date outside the data.
        UsageError: a pre-period shorter than two years, or ``end`` before ``until``.
    """
    first, last = weeks.index.min().date(), weeks.index.max().date()
    if not first - dt.timedelta(days=6) <= start < until:
        raise UsageError(f"--start {start} must fall within the weekly data (from {first}) and before --until {until}")
    if not first < until <= last:
        raise UsageError(f"--until {until} is outside the weekly data (complete weeks ending {first} to {last})")
    end = end or last
    if end < until or end > last:
        raise UsageError(f"--end {end} must fall between --until {until} and the last complete week ({last})")
    we = weeks.index
    pre = weeks[(we - pd.Timedelta(days=6) >= pd.Timestamp(start)) & (we < pd.Timestamp(until))]
    post = weeks[(we >= pd.Timestamp(until)) & (we <= pd.Timestamp(end))]
    record.check_pre_period(pre)
    if post.empty:
        raise UsageError(f"no complete week ends between --until {until} and --end {end}")
    return pre, post


def fit_cached(
    kind: str,
    inputs: Inputs,
    y,
    F,
    X,
    opts: FitOptions,
    dose=None,
    extra: dict | None = None,
    before: Callable[[], None] | None = None,
):
    """Fit the Bayesian model (by week, or by day for ``opts.frequency == "day"``), or reuse the cached fit.

    The cache key holds the data, the model version and the options, so another frequency is another fit.
    ``before`` is called just before a fit is run (not when the cache holds it), so a face can say so.
    With ``opts.extend`` a fit that fails R-hat or effective sample size is run once more,
    :data:`EXTEND_FACTOR` times longer (see :func:`longer_would_help`); the first run's figures are
    kept in the diagnostics as ``first_attempt_*``.
    """
    name = cache.key(kind, inputs.releases, opts.key() | (extra or {}), [y, F, X, dose])
    with FIT_LOCK:  # one fit at a time in the process; a second asker of the same fit then finds it cached
        return _fit_or_load(name, inputs, y, F, X, opts, dose, before)


# NumPyro keeps one global stack of effect handlers, so two fits in two threads corrupt each other
# ("all sites must have unique names"): every fit in the process takes this lock.
FIT_LOCK = threading.RLock()


# A fit whose chains disagree (R-hat) or whose effective sample is small is run once more with this
# many times the warm-up and the draws, the usual remedy for both (Vehtari et al. 2021);
# divergences are not helped by longer chains and do not count. Neither run is hidden: the first's
# figures are kept in the diagnostics (FIRST_ATTEMPT), and a second run that still fails warns.
EXTEND_FACTOR = 2
FIRST_ATTEMPT = ("max_rhat", "min_ess", "warmup", "samples", "seconds")


def longer_would_help(fit: bayes.Fit) -> bool:
    """Whether the fit failed a diagnostic that longer chains address, and was not yet run longer."""
    d = fit.diagnostics
    failed = d["max_rhat"] > bayes.RHAT_MAX or d["min_ess"] < bayes.ESS_MIN
    return failed and "first_attempt_max_rhat" not in d and min(d["warmup"], d["samples"]) < LONGEST


def _sample(y, F, X, opts: FitOptions, dose, warmup: int, samples: int) -> bayes.Fit:
    settings = {"warmup": warmup, "samples": samples, "chains": opts.chains, "seed": opts.seed}
    if opts.frequency == "day":
        return daily.fit(y, F, X, **settings)
    return bayes.fit(y, F, X, elasticity_x=dose, **settings)


def _fit_or_load(name: str, inputs: Inputs, y, F, X, opts: FitOptions, dose, before):
    if opts.use_cache:
        hit = cache.load(name)
        # a failing fit kept before fits were run longer is fitted again, not trusted
        if hit is not None and not (opts.extend and longer_would_help(hit)):
            hit.diagnostics = hit.diagnostics | {"cached": True}
            return hit
    before and before()
    f = _sample(y, F, X, opts, dose, opts.warmup, opts.samples)
    if opts.extend and longer_would_help(f):
        first = f.diagnostics
        longer = [min(n * EXTEND_FACTOR, LONGEST) for n in (opts.warmup, opts.samples)]
        f = _sample(y, F, X, opts, dose, *longer)
        f.diagnostics = f.diagnostics | {f"first_attempt_{k}": first[k] for k in FIRST_ATTEMPT}
    f.covariates = list(inputs.covariates)
    if opts.use_cache:
        cache.save(name, f)
    f.diagnostics = f.diagnostics | {"cached": False}
    return f


def weekly_table(method: str, weeks: pd.DatetimeIndex, observed: np.ndarray, cf: np.ndarray) -> pd.DataFrame:
    """One row a week: observed, the counterfactual's quantiles, the percentile and the effect's interval."""
    q = summary.quantiles(cf)
    eff = summary.quantiles(observed[None, :] - cf)
    rows = {
        "method": method,
        "week_ending": [d.date() for d in weeks],
        "observed": observed,
        **{f"cf_{k}": np.round(v, 1) for k, v in q.items()},
        "observed_percentile": [round(summary.percentile(o, cf[:, i]), 1) for i, o in enumerate(observed)],
        "effect_median": np.round(eff["median"], 1),
        "effect_p05": np.round(eff["p05"], 1),
        "effect_p95": np.round(eff["p95"], 1),
    }
    return pd.DataFrame(rows)


def _bayes_counterfactual(inputs: Inputs, pre: pd.DataFrame, post: pd.DataFrame, opts: FitOptions):
    """The Bayesian fit on the pre-period and its weekly forecast of the weeks since (by week or by day)."""
    if opts.frequency == "day":
        if inputs.days is None:
            raise UsageError("--frequency day needs the daily arrivals; these inputs hold weekly counts only")
        F_pre, X_pre, days = daily.design(inputs, pre.index)
        y_days = inputs.days.people.reindex(days).to_numpy(float)
        f = fit_cached("effect", inputs, y_days, F_pre, X_pre, opts)
        F_post, X_post, _ = daily.design(inputs, post.index)
        return f, {"bayes": daily.to_weeks(daily.forecast(f, F_post, X_post, seed=opts.seed))}
    F_pre, X_pre = inputs.design(pre.index)
    F_post, X_post = inputs.design(post.index)
    f = fit_cached("effect", inputs, pre.people.to_numpy(float), F_pre, X_pre, opts)
    return f, {"bayes": bayes.forecast(f, F_post, X_post, seed=opts.seed)}


def estimate_effect(
    inputs: Inputs,
    *,
    until: dt.date = AGREEMENT,
    start: dt.date = record.DEFAULT_START,
    end: dt.date | None = None,
    options: FitOptions | None = None,
    on_step: Callable[[str], None] | None = None,
) -> EffectResult:
    """Fit both methods on the weeks before ``until`` and compare the weeks since with their forecasts.

    Args:
        inputs: weekly arrivals and covariates (:func:`~.inputs.from_store`).
        until: the first day of the period evaluated (default: the agreement's entry into force).
        start: the first day of the pre-period.
        end: the last week-ending date evaluated (default: the last complete week).
        options: sampler settings and seed.
        on_step: called with a label as each stage finishes (progress bars).

    Returns:
        The effect from both methods, with the Bayesian fit's diagnostics and warnings.
    """
    opts = options or FitOptions()
    opts.check()
    pre, post = split(inputs.weeks, until, start, end)
    inputs = with_weather(inputs, pre.index.append(post.index))
    y_pre, y_post = pre.people.to_numpy(float), post.people.to_numpy(float)
    f, draws = _bayes_counterfactual(inputs, pre, post, opts)
    on_step and on_step("bayes")
    draws["its"], its_info = its.counterfactual(y_pre, len(post), draws=opts.its_draws, seed=opts.seed)
    on_step and on_step("its")
    weekly = pd.concat([weekly_table(m, post.index, y_post, d) for m, d in draws.items()], ignore_index=True)
    totals = {m: summary.total_effect(y_post.sum(), d.sum(axis=1)) for m, d in draws.items()}
    statement = [summary.effect_sentence(METHODS[m], t) for m, t in totals.items()] + f.warnings
    notes = [its_info["note"]]
    before = (pd.Timestamp(until) - (post.index[0] - pd.Timedelta(days=6))).days
    if before > 0:
        notes.append(
            f"the first week evaluated (ending {post.index[0]:%Y-%m-%d}) includes {before} days before --until"
        )
    return EffectResult(
        until=until,
        start=pre.index[0].date() - dt.timedelta(days=6),
        end=post.index[-1].date(),
        weekly=weekly,
        totals=totals,
        diagnostics=f.diagnostics | {"weeks_fitted": len(pre), "weeks_forecast": len(post)},
        its=its_info,
        warnings=f.warnings + ([] if its_info["converged"] else ["WARNING: the time-series fit did not converge"]),
        statement=statement,
        covariates=inputs.covariates,
        releases=inputs.releases,
        options=opts.key() | {"its_draws": opts.its_draws},
        fit=f,
        notes=notes,
    )
