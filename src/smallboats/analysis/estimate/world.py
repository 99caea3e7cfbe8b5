"""The simulator's world drawn from the fits: the no-scheme level's walk and the fitted deterrence.

Two fits of :mod:`.bayes` feed the simulator, each read from the cache when it holds them (a fit takes
about a minute on two cores; ``on_fit`` is told before one starts, so a face can say so):

* **The level** (:func:`level_world`). The model is fitted to the complete weeks before the
  simulation's first day (the same fit ``estimate-effect`` makes when its ``--until`` is that day), and
  every posterior draw gives one run's world:

  - ``inflow_per_day``: the draw's level at the last week fitted, times its seasonal factor averaged
    over a year (so, like the simulator's profile, it is a yearly mean), over seven days, over the
    share of people reaching the coast who in the end arrive (:func:`~smallboats.analysis.calibrate.arrival_share`);
  - ``level_drift_per_year``: the draw's step scale ``sigma`` (per knot of :data:`~.bayes.KNOT_WEEKS`
    weeks) as a yearly standard deviation, ``sigma * sqrt(365.25 / (7 * KNOT_WEEKS))``. The simulator
    steps daily with normal steps of that scale; the fit's Student-t tails are not carried (the
    posterior's degrees of freedom are reported with the fit);
  - ``level_noise_sd`` and ``trend_per_year``: zero. The fitted model has neither: its walk carries
    the month-to-month moves and any trend, and counting them again would double them.

* **Deterrence** (:func:`deterrence_world`): ``deterrence.form = "fitted"`` is the constant-elasticity
  response with the dose fit's posterior elasticity, and the risk measured as that fit measured it
  (:func:`dose_timing`). Draws above zero (returns raising crossings) act as zero: the simulator's
  response can only lower the inflow. Their share is reported.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Callable

import numpy as np
import pandas as pd

from smallboats.analysis.estimate import bayes, record
from smallboats.analysis.estimate.effect import FitOptions, fit_cached
from smallboats.analysis.estimate.inputs import Inputs
from smallboats.model.params import Range

DAYS_PER_KNOT = 7 * bayes.KNOT_WEEKS
MODEL = (
    "the Bayesian model of weekly arrivals (NumPyro, smallboats.analysis.estimate, "
    f"model version {bayes.MODEL_VERSION})"
)


def _announce(on_fit: Callable[[str], None] | None, what: str) -> Callable[[], None] | None:
    if on_fit is None:
        return None
    return lambda: on_fit(f"Fitting {what} (about a minute; the fit is cached, so this happens once per data release)")


def level_fit(
    daily: pd.DataFrame,
    until: dt.date,
    releases: list[str],
    *,
    options: FitOptions | None = None,
    on_fit: Callable[[str], None] | None = None,
) -> tuple[bayes.Fit, pd.DatetimeIndex]:
    """The level model fitted to the complete weeks from 2020 ending on or before ``until`` (cached).

    Returns the fit and the weeks it saw. Raises a usage error when they are fewer than two years.
    """
    weeks = record.weekly(daily[daily.date <= pd.Timestamp(until)])
    we = weeks.index
    pre = weeks[(we - pd.Timedelta(days=6) >= pd.Timestamp(record.DEFAULT_START)) & (we <= pd.Timestamp(until))]
    record.check_pre_period(pre, "the simulator's level fit (data before the start)")
    inputs = Inputs(weeks=pre, returned=pd.DataFrame(), releases=sorted(releases))
    F = record.fourier(pre.index)
    X = np.zeros((len(pre), 0))
    before = _announce(on_fit, f"{MODEL} to the {len(pre)} weeks ending {pre.index[-1]:%Y-%m-%d}")
    f = fit_cached("effect", inputs, pre.people.to_numpy(float), F, X, options or FitOptions(), before=before)
    return f, pre.index


def yearly_season(fit: bayes.Fit, last_week: pd.Timestamp) -> np.ndarray:
    """Each draw's seasonal factor ``exp(F beta)`` averaged over the 52 weeks after ``last_week``."""
    year = pd.date_range(last_week + pd.Timedelta(days=7), periods=52, freq="7D")
    return np.exp(fit.draws["beta_season"].astype(float) @ record.fourier(year).T).mean(axis=1)


def level_at_end(fit: bayes.Fit) -> np.ndarray:
    """Each draw's log-level at the last week fitted (the knots interpolated as the model does)."""
    w = bayes.knots(int(fit.draws["n_weeks"]))[-1]
    return fit.draws["knot"] @ w


def level_world(fit: bayes.Fit, weeks: pd.DatetimeIndex, kept: float, release: str) -> dict:
    """The ``crossings`` entries drawn from the level fit (see the module's docstring)."""
    data = release or "the data given"
    where = f"{MODEL}, fitted to HO SB_01 ({data}), weeks ending {weeks[0]:%Y-%m-%d} to {weeks[-1]:%Y-%m-%d}"
    # in float64 before rounding: the draws are float32, whose decimals would show in every scenario file
    per_day = np.exp(level_at_end(fit).astype(float)) * yearly_season(fit, weeks[-1]) / 7.0 / kept
    per_year = fit.draws["sigma"].astype(float) * math.sqrt(365.25 / DAYS_PER_KNOT)
    none = "Fitted: none beyond the level's walk, which carries {} in " + MODEL
    return {
        "inflow_per_day": Range.posterior(
            np.round(per_day, 3),
            f"Fitted: the level at the last week, a yearly mean, over the share arriving ({kept:.3f}); {where}",
        ).model_dump(),
        "level_drift_per_year": Range.posterior(
            np.round(per_year, 4), f"Fitted: the level walk's step scale, per year; {where}"
        ).model_dump(),
        "level_noise_sd": {"low": 0.0, "high": 0.0, "source": none.format("the month-to-month moves")},
        "trend_per_year": {"low": 0.0, "high": 0.0, "source": none.format("any trend (it has no drift term)")},
    }


def fit_summary(fit: bayes.Fit, weeks: pd.DatetimeIndex) -> dict:
    """What the simulator's ``fit`` record says of the level fit: its window, diagnostics and posterior."""
    q = {k: np.quantile(fit.draws[k], [0.05, 0.5, 0.95]).round(4).tolist() for k in ("sigma", "nu", "phi")}
    return {
        "model": MODEL,
        "weeks": [weeks[0].date().isoformat(), weeks[-1].date().isoformat()],
        # without "cached": the record goes into the scenario, which must not change when the cache fills
        "diagnostics": {k: v for k, v in fit.diagnostics.items() if k != "cached"},
        "warnings": fit.warnings,
        "posterior_p05_median_p95": q,
    }


def dose_timing(lag_weeks: int = record.LAG_WEEKS, base_rate: float = record.BASE_RATE) -> dict:
    """The simulator's risk settings that measure risk as the dose fit did (:mod:`.record`).

    The fit's rate is returns over arrivals in the :data:`~.record.RATE_WINDOW_WEEKS` weeks ending
    ``lag_weeks`` before the week. The simulator reads a smoothed ratio ``lag_days`` before the day;
    an exponential average with smoothing factor ``a`` has a mean age of ``1 / a`` days, which equals
    the window's (``(7 * weeks + 1) / 2`` days) when its half-life is ``-ln 2 / ln(1 - a)``.
    """
    age = (7 * record.RATE_WINDOW_WEEKS + 1) / 2
    halflife = -math.log(2) / math.log(1 - 1 / age)
    why = "Fitted: measured as the dose fit measured it (analysis/estimate/record.py), so the elasticity means the same"
    return {
        "base_risk": {"low": base_rate, "high": base_rate, "source": why},
        "lag_days": {"low": 7.0 * lag_weeks, "high": 7.0 * lag_weeks, "source": why},
        "halflife_days": {"low": round(halflife, 3), "high": round(halflife, 3), "source": why},
        "announcement_drop": {
            "low": 0.0,
            "high": 0.0,
            "source": "Fitted: none apart; the dose fit has no announcement term (its level walk absorbs one)",
        },
    }


def deterrence_world(det) -> tuple[dict, dict]:
    """The ``deterrence`` entries of ``form = "fitted"`` from a :class:`~.dose.DeterrenceResult`, and a note.

    Returns the entries and what to record of the fit (release, window, diagnostics, share of draws above zero).
    """
    e = det.fit.draws["elasticity"].astype(float)
    where = (
        f"{MODEL} with the lagged return rate, fitted to HO SB_01 and the agreement's returns "
        f"({', '.join(det.releases)}), weeks ending {det.start:%Y-%m-%d} to {det.end:%Y-%m-%d}"
    )
    entries = {
        "elasticity": Range.posterior(
            np.round(np.minimum(e, 0.0), 4),
            f"Fitted: the elasticity's posterior (draws above zero act as zero); {where}",
        ).model_dump(),
        **dose_timing(det.lag_weeks, det.base_rate),
    }
    note = {
        "model": where,
        "posterior": det.posterior,
        "prior": det.prior,
        "share_above_zero": round(float((e > 0).mean()), 4),
        "diagnostics": det.diagnostics,
        "warnings": det.warnings,
    }
    return entries, note
