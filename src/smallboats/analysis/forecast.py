"""Forecasts of weekly arrivals, a rolling-origin backtest against baselines, and the pilot's evaluation.

Weeks are seven-day blocks counted from the day after the forecast origin, so a forecast from
31 December covers 1-7 January, 8-14 January and so on; history is cut into blocks ending on the
origin. The model forecast is the no-scheme world fitted to the data up to the origin (the
scheme's effect is estimated in :mod:`smallboats.analysis.estimate`).

The backtest (:func:`backtest`) scores every lead week at every month-end (or year-end) origin
from the end of 2022, each origin seeing only its past, against baselines given the same chance:
AutoETS and AutoARIMA fitted on raw weekly counts and sampled from their own intervals,
climatology, and a seasonal naive and a 4-week mean carrying their own measured errors. All are
sample forecasts scored by :mod:`smallboats.analysis.scoring`.
"""

from __future__ import annotations

import datetime as dt
import warnings

import numpy as np
import pandas as pd

from smallboats.analysis.calibrate import fit_baseline
from smallboats.analysis.scoring import score_samples
from smallboats.errors import StoreError, UsageError
from smallboats.model import Scenario, simulate
from smallboats.model.results import QUANTILES
from smallboats.vocab import DETERRENCE_FORMS

QUANTS = QUANTILES  # the same bands as the simulator's results
FIRST_ORIGIN = dt.date(2022, 12, 31)
ORIGIN_KINDS = ("monthly", "yearly")
ORIGINS = (dt.date(2022, 12, 31), dt.date(2023, 12, 31), dt.date(2024, 12, 31), dt.date(2025, 12, 31))
HORIZONS = (*range(1, 14), 26)  # weeks ahead: every week of a quarter, and half a year
QSUMMARY = tuple((k, QUANTILES[k]) for k in ("p025", "p05", "median", "p95", "p975"))
METHODS = ("model", "AutoETS", "AutoARIMA", "climatology", "seasonal-naive", "mean-4-weeks")
HISTORY_YEARS = 3  # weeks of history the baselines see: three years, as the model's calibration window
SF_LEVELS = (50, 80, 95)  # statsforecast's own prediction intervals
SF_SAMPLES = 2000  # samples drawn from each statsforecast forecast
FULL_WEEKS = 4  # an origin enters the backtest once the data cover these weeks after it (the 1-4 week target)


def blocks_after(daily: pd.DataFrame, origin: dt.date, weeks: int, col: str = "people") -> pd.Series:
    """Totals of the ``weeks`` seven-day blocks after ``origin`` (index: each block's first day)."""
    s = daily.set_index("date")[col]
    out = {}
    for k in range(weeks):
        a = pd.Timestamp(origin) + pd.Timedelta(days=1 + 7 * k)
        out[a.date()] = float(s.loc[a : a + pd.Timedelta(days=6)].sum())
    return pd.Series(out)


def blocks_before(daily: pd.DataFrame, origin: dt.date, weeks: int, col: str = "people") -> pd.Series:
    """Totals of the ``weeks`` seven-day blocks ending on ``origin``, oldest first."""
    return blocks_after(daily, origin - dt.timedelta(days=7 * weeks), weeks, col)


def check_origin(daily: pd.DataFrame, origin: dt.date, weeks_after: int = 0, name: str = "--from") -> None:
    """Raise a clear error when the data do not cover what a forecast or backtest needs."""
    first, last = daily.date.min().date(), daily.date.max().date()
    if origin < first + dt.timedelta(days=3 * 365) or origin > last:
        raise UsageError(f"{name} {origin} is outside the data that can be used: three years after {first} to {last}")
    if weeks_after and origin + dt.timedelta(days=7 * weeks_after) > last:
        raise UsageError(f"{name} {origin}: the data end on {last}, before the {weeks_after} weeks to score")


def forecast_origin(daily: pd.DataFrame, value: str | dt.date | None = None, name: str = "--from") -> dt.date:
    """The origin of a forecast: the newest day for None or ``"latest"``, else the date given.

    A date that is not one, or that lies outside the data that can be used, is a
    :class:`UsageError` naming the option.
    """
    if value is None or value == "latest":
        origin = daily.date.max().date()
    elif isinstance(value, dt.date):
        origin = value
    else:
        try:
            origin = dt.date.fromisoformat(value)
        except ValueError:
            raise UsageError(f"{name} must be 'latest' or a date as YYYY-MM-DD, not {value!r}") from None
    check_origin(daily, origin, name=name)
    return origin


def model_samples(
    daily: pd.DataFrame,
    weekly_obs: pd.DataFrame | None,
    origin: dt.date,
    weeks: int,
    *,
    runs: int = 500,
    seed: int = 7,
    col: str = "people",
    level: str = "fitted",
    on_fit=None,
) -> pd.DataFrame:
    """Simulated weekly totals after ``origin``: rows are blocks, columns runs.

    ``attrs["fit_warnings"]`` holds the level fit's diagnostic warnings (empty when they pass).

    ``level`` and ``on_fit`` are as in :func:`~smallboats.analysis.calibrate.fit_baseline`: by default
    the level and its walk are drawn from the Bayesian model fitted to the data up to ``origin`` (cached).
    """
    fit = fit_baseline(daily, weekly_obs, origin, level=level, on_fit=on_fit)
    sc = Scenario.from_dict(
        {
            "name": f"forecast from {origin}",
            "start": (origin + dt.timedelta(days=1)).isoformat(),
            "years": weeks * 7 / 365.25 + 1e-9,
            "crossings": fit,
            "scheme": {"enabled": False},
        },
        file="forecast",
    )
    r = simulate(sc, runs=runs, seed=seed, counterfactual=False)
    var = "new_arrivals" if col == "people" else "new_boats"
    x = r.records[var][: weeks * 7].astype(float).reshape(weeks, 7, runs).sum(axis=1)
    idx = [origin + dt.timedelta(days=1 + 7 * k) for k in range(weeks)]
    out = pd.DataFrame(x, index=idx)
    out.attrs["fit_warnings"] = list(fit["fit"].get("level_fit", {}).get("warnings", []))
    return out


def summarise(samples: pd.DataFrame) -> pd.DataFrame:
    """Median and bands of samples (rows blocks, columns runs)."""
    q = np.quantile(samples.to_numpy(), list(QUANTS.values()), axis=1).T
    out = pd.DataFrame(q, index=samples.index, columns=list(QUANTS)).round(1)
    out.index.name = "week_start"
    return out.reset_index()


def crps_samples(samples: np.ndarray, y: float) -> float:
    """CRPS of an ensemble for one observation: E|X - y| - E|X - X'| / 2 (sorted-sample formula)."""
    x = np.sort(np.asarray(samples, dtype=float))
    n = len(x)
    term1 = np.abs(x - y).mean()
    term2 = (2 * np.arange(1, n + 1) - n - 1).dot(x) / (n * n)
    return float(term1 - term2)


def backtest_origins(daily: pd.DataFrame, origins="monthly", weeks: int = 4) -> list[dt.date]:
    """The origins of a backtest: ``"monthly"``, ``"yearly"`` or a list of dates.

    Monthly: every month-end from :data:`FIRST_ORIGIN` whose first ``weeks`` weeks the data cover;
    yearly: every 31 December from it, likewise. Longer horizons are scored where the data reach.
    """
    last = daily.date.max().date()
    if isinstance(origins, str):
        if origins not in ORIGIN_KINDS:
            raise UsageError(f"--origins must be one of {', '.join(ORIGIN_KINDS)}, not {origins!r}")
        ends = pd.date_range(FIRST_ORIGIN, last, freq="ME" if origins == "monthly" else "YE")
        chosen = [d.date() for d in ends if d.date() + dt.timedelta(days=7 * weeks) <= last]
    else:
        chosen = sorted(origins)
    if not chosen:
        raise UsageError(f"no backtest origin from {FIRST_ORIGIN} leaves {weeks} weeks of data before {last}")
    for origin in chosen:
        check_origin(daily, origin, weeks, name="origin")
    return chosen


def _normal_samples(mean: np.ndarray, lo95: np.ndarray, hi95: np.ndarray, u: np.ndarray) -> np.ndarray:
    """Samples of the normal law behind statsforecast's intervals (its ETS and ARIMA bands are normal).

    The scale is read off the 95% band and the samples come from the same uniforms for every
    method, so their 50/80/95% bands are statsforecast's own. A count cannot be negative: samples
    below zero are set to zero, which can only lower (improve) their CRPS and log score.
    """
    from scipy.stats import norm

    sd = np.maximum((hi95 - lo95) / (2 * norm.ppf(0.975)), 1e-6)
    return np.maximum(mean[:, None] + sd[:, None] * norm.ppf(u), 0.0)


def _statsforecast(history: pd.Series, h: int, u: np.ndarray, arima: bool = True) -> dict[str, np.ndarray]:
    """AutoETS and AutoARIMA on raw weekly totals, sampled from their own prediction intervals."""
    from statsforecast import StatsForecast
    from statsforecast.models import AutoARIMA, AutoETS

    df = pd.DataFrame({"unique_id": "arrivals", "ds": pd.RangeIndex(len(history)), "y": history.to_numpy()})
    # AutoARIMA approximates the likelihood while it searches, as auto.arima does for long seasonal series
    models = [AutoETS(season_length=52)] + ([AutoARIMA(season_length=52, approximation=True)] if arima else [])
    sf = StatsForecast(models=models, freq=1)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # optimiser convergence notes on some candidate models
        f = sf.forecast(df=df, h=h, level=list(SF_LEVELS))
    return {
        m: _normal_samples(f[m].to_numpy(), f[f"{m}-lo-95"].to_numpy(), f[f"{m}-hi-95"].to_numpy(), u)
        for m in ("AutoETS", "AutoARIMA")[: 2 if arima else 1]
    }


def _sqrt_errors(history: np.ndarray, lead: int, window: int, point) -> np.ndarray:
    """Errors of a point rule over the last ``window`` weeks, on the square-root scale.

    ``sqrt(y[t]) - sqrt(point(history to t - lead))``: the square root steadies a count's variance
    (a log would turn a winter week of a few people into ratios of a hundredfold).
    """
    n = len(history)
    ts = range(max(n - window, 4 + lead), n)
    return np.array([np.sqrt(history[t]) - np.sqrt(point(history[: t - lead + 1])) for t in ts])


def _from_sqrt(point, errors: np.ndarray) -> np.ndarray:
    return np.maximum(np.sqrt(point) + errors, 0.0) ** 2


def empirical_baselines(daily: pd.DataFrame, origin: dt.date, h: int) -> dict[str, np.ndarray]:
    """Seasonal naive, the 4-week mean and climatology as sample forecasts (weeks x members).

    Seasonal naive (the same week a year before) and the 4-week mean carry their own error
    distribution, measured over the two years before the origin on the square-root scale, lead by
    lead for the 4-week mean; climatology is the same weeks, give or take two, of the last three
    years (15 members).
    """
    history = blocks_before(daily, origin, 52 * HISTORY_YEARS).to_numpy()
    last_year = blocks_after(daily, origin - dt.timedelta(days=364), h).to_numpy()
    naive_err = _sqrt_errors(history, 52, 104, lambda x: x[-1])
    mean4 = history[-4:].mean()
    out = {
        "seasonal-naive": _from_sqrt(last_year[:, None], naive_err[None, :]),
        "mean-4-weeks": np.stack(
            [_from_sqrt(mean4, _sqrt_errors(history, k, 104, lambda x: x[-4:].mean())) for k in range(1, h + 1)]
        ),
    }
    clim = [
        blocks_after(daily, origin - dt.timedelta(days=364 * y + 7 * shift), h).to_numpy()
        for y in (1, 2, 3)
        for shift in (-2, -1, 0, 1, 2)
    ]
    out["climatology"] = np.stack(clim, axis=1)
    return out


def _origin_rows(origin: dt.date, samples: dict, actual: np.ndarray, horizons, rng) -> list[dict]:
    """One row per method and scored lead (leads past the data are left out)."""
    rows = []
    leads = [k for k in horizons if k <= len(actual)]
    for method, x in samples.items():
        sc = score_samples(x[[k - 1 for k in leads]], actual[[k - 1 for k in leads]], rng)
        for i, k in enumerate(leads):
            week = origin + dt.timedelta(days=1 + 7 * (k - 1))
            rows.append(
                {
                    "origin": origin.isoformat(),
                    "horizon_weeks": k,
                    "week_start": week.isoformat(),
                    "method": method,
                    "actual": float(actual[k - 1]),
                    **{name: round(float(v[i]), 4) for name, v in sc.items()},
                }
            )
    return rows


def backtest(
    daily: pd.DataFrame,
    weekly_obs: pd.DataFrame | None,
    *,
    origins="monthly",
    horizons=HORIZONS,
    runs: int = 500,
    seed: int = 7,
    arima: bool = True,
    level: str = "fitted",
    on_step=None,
    on_fit=None,
) -> pd.DataFrame:
    """Score the model and the baselines, week by week ahead, at every origin.

    Each origin sees only the data up to that day: the model is refitted, the baselines refitted or
    re-measured. An origin enters once the data cover its first :data:`FULL_WEEKS` weeks. One row
    per origin, lead (``horizon_weeks``: the k-th week after the origin) and method, with the
    week's observation and its scores (see :func:`score_samples`); leads the data do not yet cover
    are left out. ``attrs["fit_warnings"]`` lists every origin's level fit that failed a diagnostic.

    Args:
        daily: the daily series (``date, people, boats``).
        weekly_obs: the weekly series for the prevention fit (or None).
        origins: ``"monthly"`` (default), ``"yearly"`` or a list of dates.
        horizons: leads in weeks to score.
        runs: model runs per origin.
        seed: the seed of the model and of the baselines' samples.
        arima: include AutoARIMA (about 4 s an origin on this machine).
        level: the model's level prior, ``"fitted"`` (a Bayesian fit per origin, about a minute each
            unless cached) or ``"uniform"`` (see :func:`~smallboats.analysis.calibrate.fit_baseline`).
        on_step: called with each origin when it is done.
        on_fit: told in a sentence before each Bayesian fit that the cache does not hold.
    """
    hmax = max(horizons)
    chosen = backtest_origins(daily, origins, weeks=min(FULL_WEEKS, hmax))
    last = daily.date.max().date()
    rng = np.random.default_rng(seed)
    rows, warned = [], []
    for origin in chosen:
        covered = min(hmax, (last - origin).days // 7)
        actual = blocks_after(daily, origin, covered).to_numpy()
        model = model_samples(daily, weekly_obs, origin, hmax, runs=runs, seed=seed, level=level, on_fit=on_fit)
        samples = {"model": model.to_numpy()}
        warned += [f"{origin}: {w}" for w in model.attrs["fit_warnings"]]
        u = np.random.default_rng([seed, origin.toordinal()]).uniform(size=(1, SF_SAMPLES))
        samples |= _statsforecast(blocks_before(daily, origin, 52 * HISTORY_YEARS), hmax, u, arima)
        samples |= empirical_baselines(daily, origin, hmax)
        rows += _origin_rows(origin, samples, actual, horizons, rng)
        if on_step:
            on_step(origin)
    table = pd.DataFrame(rows)
    table.attrs["fit_warnings"] = warned
    return table


SUMMARY_COLUMNS = ("mae", "crps", "logs", "error", "coverage_50", "coverage_80", "coverage_95", "coverage_99")


def backtest_summary(table: pd.DataFrame, bands: bool = False) -> pd.DataFrame:
    """Mean scores by horizon and method across origins (``error`` is the bias; coverage a share).

    With ``bands``, leads are grouped into 1-4 and 5-13 weeks ahead, longer leads kept apart
    (``horizon_weeks`` then holds the band's label). ``n`` counts the weeks scored.
    """
    t = table.copy()
    if bands:
        t["horizon_weeks"] = ["1-4" if k <= 4 else "5-13" if k <= 13 else str(k) for k in t.horizon_weeks]
    g = t.groupby(["horizon_weeks", "method"], sort=False)
    out = g[list(SUMMARY_COLUMNS)].mean().round(3)
    out["n"] = g.size()
    return out.reset_index()


def _model_months(r, days: int) -> pd.DataFrame:
    """The model's returns and admissions by month: the median month, and the cumulative median and 90% band."""
    out = {}
    for what in ("returned", "admitted"):
        m = pd.DataFrame(r.records[f"new_{what}"][:days], index=r.dates[:days]).resample("MS").sum()
        cum = m.cumsum()
        out[f"model_{what}_median"] = m.median(axis=1)
        out[f"model_{what}_cumulative_median"] = cum.median(axis=1)
        out[f"model_{what}_cumulative_p05"] = cum.quantile(0.05, axis=1)
        out[f"model_{what}_cumulative_p95"] = cum.quantile(0.95, axis=1)
    return pd.DataFrame(out)


# long: runs the actual scenario under each deterrence form and lines the model's monthly transfers up
# beside the published ones; the steps share their frames and read best in one place
def simulated_pilot(store, *, runs: int = 500, seed: int = 7, forms=DETERRENCE_FORMS, on_step=None) -> dict:
    """The ``actual`` scenario against its no-scheme counterfactual, from the agreement's start to the data's end.

    The simulator's view of the pilot, under each deterrence assumption, with its monthly returns and
    admissions beside the published ones. The estimated effect (from the record, not assumed) is
    :func:`smallboats.analysis.estimate.evaluate_pilot`.
    """
    from smallboats.analysis.scenarios import build_scenario

    daily = store.daily()
    end = daily.date.max().date()
    base, meta = build_scenario("actual", store, years=1)
    start = base.scheme.in_force
    days = (end - start).days + 1
    if days < 28:
        raise StoreError("the data cover less than four weeks of the agreement")
    window = (daily.date >= pd.Timestamp(start)) & (daily.date <= pd.Timestamp(end))
    observed = float(daily[window].people.sum())
    prev = (daily.date >= pd.Timestamp(start) - pd.Timedelta(days=365)) & (
        daily.date <= pd.Timestamp(end) - pd.Timedelta(days=365)
    )
    observed_prev = float(daily[prev].people.sum())
    change = observed - observed_prev
    results, cf_q = [], None
    monthly = {}
    for form in forms:
        sc = base.model_copy(deep=True)
        sc.years = days / 365.25
        sc.deterrence.form = form
        r = simulate(sc, runs=runs, seed=seed, meta=meta)
        arr = r.records["new_arrivals"][:days].sum(axis=0)
        cf = r.counterfactual["new_arrivals"][:days].sum(axis=0)
        eff = arr - cf

        def q(x):
            return {k: round(float(np.quantile(x, v)), 1) for k, v in QSUMMARY}

        cf_q = q(cf)
        cf_all = cf
        sq = q(arr)
        ruled_out = not (sq["p025"] <= observed <= sq["p975"])
        explained = None if change >= 0 else round(float(np.median(eff)) / change * 100, 1)
        pct_rank = round(float((arr < observed).mean() * 100), 1)
        results.append(
            {
                "assumption": form,
                "scenario_arrivals": sq,
                "effect": q(eff),
                "observed_percentile": pct_rank,
                "share_of_change_explained_pct": explained,
                "ruled_out_at_95pct": ruled_out,
            }
        )
        monthly[form] = _model_months(r, days)
        if on_step:
            on_step(form)
    pub = store.observations(["agreement_returned", "agreement_admitted"]).pivot_table(
        index="period_end", columns="series", values="value"
    )
    pub.index = pd.to_datetime(pub.index).to_period("M").to_timestamp()
    comp = (
        monthly["none"]
        .join(pub, how="left")
        .rename(columns={"agreement_returned": "published_returned", "agreement_admitted": "published_admitted"})
    )
    for what in ("returned", "admitted"):
        comp[f"published_{what}_cumulative"] = comp[f"published_{what}"].cumsum()
    comp.index = comp.index.strftime("%Y-%m")
    cf_rank = round(float((cf_all < observed).mean() * 100), 1)
    return {
        "start": start.isoformat(),
        "end": end.isoformat(),
        "observed_arrivals": observed,
        "observed_same_weeks_year_before": observed_prev,
        "change": change,
        "no_scheme_arrivals": cf_q,
        "no_scheme_percentile": cf_rank,
        "assumptions": results,
        "monthly_returns_and_admissions": comp.reset_index(names="month").to_dict("records"),
        "runs": runs,
        "seed": seed,
        "data_release": meta["data_release"],
        "selections": meta.get("selections"),
    }
