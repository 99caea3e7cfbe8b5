"""Forecasts of weekly arrivals, a rolling-origin backtest against baselines, and the pilot's evaluation.

Weeks are seven-day blocks counted from the day after the forecast origin, so a forecast from
31 December covers 1-7 January, 8-14 January and so on; history is cut into blocks ending on the
origin. The model forecast is the no-scheme world fitted to the data up to the origin (the
scheme's measured effect is small beside the weather; see ``evaluate_pilot``).
"""

from __future__ import annotations

import datetime as dt
import warnings

import numpy as np
import pandas as pd

from smallboats.analysis.calibrate import fit_baseline
from smallboats.errors import StoreError, UsageError
from smallboats.model import Scenario, simulate
from smallboats.model.results import QUANTILES

QUANTS = QUANTILES  # the same bands as the simulator's results
ORIGINS = (dt.date(2022, 12, 31), dt.date(2023, 12, 31), dt.date(2024, 12, 31), dt.date(2025, 12, 31))
HORIZONS = (4, 13, 26)
QSUMMARY = (("p025", 0.025), ("p05", 0.05), ("median", 0.5), ("p95", 0.95), ("p975", 0.975))
METHODS = ("model", "seasonal-naive", "mean-4-weeks", "AutoETS", "AutoARIMA")


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


def model_samples(
    daily: pd.DataFrame,
    weekly_obs: pd.DataFrame | None,
    origin: dt.date,
    weeks: int,
    *,
    runs: int = 500,
    seed: int = 7,
    col: str = "people",
) -> pd.DataFrame:
    """Simulated weekly totals after ``origin``: rows are blocks, columns runs."""
    fit = fit_baseline(daily, weekly_obs, origin)
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
    return pd.DataFrame(x, index=idx)


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


def _statsforecast(history: pd.Series, h: int, seed: int) -> dict[str, np.ndarray]:
    """AutoETS and AutoARIMA on log1p weekly totals: samples from their own intervals, back-transformed."""
    from statsforecast import StatsForecast
    from statsforecast.models import AutoARIMA, AutoETS

    df = pd.DataFrame({"unique_id": "arrivals", "ds": pd.RangeIndex(len(history)), "y": np.log1p(history.values)})
    # AutoARIMA approximates the likelihood while it searches, as auto.arima does for long seasonal series
    sf = StatsForecast(models=[AutoETS(season_length=52), AutoARIMA(season_length=52, approximation=True)], freq=1)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)  # optimiser convergence notes on some candidate models
        f = sf.forecast(df=df, h=h, level=[80])
    rng = np.random.default_rng(seed)
    out = {}
    for m in ("AutoETS", "AutoARIMA"):
        mean = f[m].to_numpy()
        sd = np.maximum((f[f"{m}-hi-80"] - f[f"{m}-lo-80"]).to_numpy() / (2 * 1.2816), 1e-6)
        z = rng.standard_normal((h, 2000))
        out[m] = np.maximum(np.expm1(mean[:, None] + sd[:, None] * z), 0.0)
    return out


def _scores(samples: np.ndarray | None, point: np.ndarray, actual: np.ndarray) -> dict:
    mae = float(np.abs(point - actual).mean())
    if samples is None:  # a point forecast: its CRPS is its absolute error; it has no intervals
        return {
            "mae": round(mae, 1),
            "crps": round(mae, 1),
            "coverage_50": None,
            "coverage_80": None,
            "coverage_95": None,
        }
    crps = float(np.mean([crps_samples(samples[i], actual[i]) for i in range(len(actual))]))
    cov = {}
    for name, (lo, hi) in {
        "coverage_50": (0.25, 0.75),
        "coverage_80": (0.10, 0.90),
        "coverage_95": (0.025, 0.975),
    }.items():
        a, b = np.quantile(samples, [lo, hi], axis=1)
        cov[name] = round(float(((actual >= a) & (actual <= b)).mean()), 3)
    return {"mae": round(mae, 1), "crps": round(crps, 1), **cov}


def backtest(
    daily: pd.DataFrame,
    weekly_obs: pd.DataFrame | None,
    *,
    origins=ORIGINS,
    horizons=HORIZONS,
    runs: int = 500,
    seed: int = 7,
    on_step=None,
) -> pd.DataFrame:
    """Score the model and the baselines at every origin and horizon on weekly totals."""
    hmax = max(horizons)
    rows = []
    for origin in origins:
        check_origin(daily, origin, hmax, name="origin")
        actual = blocks_after(daily, origin, hmax).to_numpy()
        model = model_samples(daily, weekly_obs, origin, hmax, runs=runs, seed=seed).to_numpy()
        history = blocks_before(daily, origin, 156)
        last_year = blocks_after(daily, origin - dt.timedelta(days=364), hmax).to_numpy()
        mean4 = np.full(hmax, history.iloc[-4:].mean())
        sf = _statsforecast(history, hmax, seed)
        for h in horizons:
            a = actual[:h]
            rows.append(
                {
                    "origin": origin.isoformat(),
                    "horizon_weeks": h,
                    "method": "model",
                    **_scores(model[:h], np.median(model[:h], axis=1), a),
                }
            )
            rows.append(
                {
                    "origin": origin.isoformat(),
                    "horizon_weeks": h,
                    "method": "seasonal-naive",
                    **_scores(None, last_year[:h], a),
                }
            )
            rows.append(
                {
                    "origin": origin.isoformat(),
                    "horizon_weeks": h,
                    "method": "mean-4-weeks",
                    **_scores(None, mean4[:h], a),
                }
            )
            for m in ("AutoETS", "AutoARIMA"):
                rows.append(
                    {
                        "origin": origin.isoformat(),
                        "horizon_weeks": h,
                        "method": m,
                        **_scores(sf[m][:h], np.median(sf[m][:h], axis=1), a),
                    }
                )
        if on_step:
            on_step(origin)
    return pd.DataFrame(rows)


def backtest_summary(table: pd.DataFrame) -> pd.DataFrame:
    """Mean scores by horizon and method across origins."""
    return (
        table.groupby(["horizon_weeks", "method"], sort=False)[
            ["mae", "crps", "coverage_50", "coverage_80", "coverage_95"]
        ]
        .mean()
        .round(3)
        .reset_index()
    )


def evaluate_pilot(
    store, *, runs: int = 500, seed: int = 7, forms=("none", "linear", "elasticity", "threshold"), on_step=None
) -> dict:
    """The ``actual`` scenario against its no-scheme counterfactual, from the agreement's start to the data's end."""
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
        rm = pd.DataFrame(r.records["new_returned"][:days], index=r.dates[:days]).resample("MS").sum()
        am = pd.DataFrame(r.records["new_admitted"][:days], index=r.dates[:days]).resample("MS").sum()
        monthly[form] = pd.DataFrame(
            {"model_returned_median": rm.median(axis=1), "model_admitted_median": am.median(axis=1)}
        )
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
        "selections_per_delivered_return": meta.get("selections_per_delivered_return"),
    }
