"""Fit the no-scheme world to the official daily and weekly series.

Method (moment matching, documented in docs/methods.md):

* crossable days: a two-state Markov chain by month; a day "crosses" when anyone arrived.
  ``p_cross_after_calm[m]`` is the share of days in month ``m`` with arrivals among those following a
  day without; ``p_cross_after_cross[m]`` the same after a day with arrivals (window: three years).
* seasonal profile: mean daily arrivals by calendar month over the mean of all days (three years).
* inflow level (``level="fitted"``, the default): drawn from the posterior of the Bayesian model of
  weekly arrivals fitted to the complete weeks up to ``until`` (cached; see
  :mod:`smallboats.analysis.estimate.world`): each run takes a draw's level at the last week and the
  step scale of its random walk, with no bound but the posterior's. The month-to-month moves and any
  trend are the walk's, so the passing level and the trend are zero.
* inflow level (``level="uniform"``, the older moment fit, kept to compare against): mean daily
  arrivals over the last 52 weeks of the window, with a uniform range of ``exp(+/-s)`` where ``s`` is
  the standard deviation of the log change of rolling 12-month totals a year apart (clipped to
  0.1-0.3): the record's own year-to-year swings. The trend is an assumption.
* people per boat: people over boats in the last 52 weeks; growth up to the yearly rate of the last
  three years.
* prevention share: prevented over (prevented + arrived) in the weekly SB_02 series; the range is the
  inter-quartile range of 13-week rolling shares in the last 52 weeks with data.
* attrition: a share of those prevented give up or are detained (``p_prevented_give_up``, an
  assumption with a range, see params.py). The inflow level is the arrivals' level divided by the
  share of people reaching the coast who in the end arrive, ``1 - p a / (1 - p (1 - a))`` at the
  middle of the prevention (``p``) and attrition (``a``) ranges, so that the fit still reproduces
  the record while more prevention in a what-if lowers arrivals.
* level drift (``uniform``): the log inflow level walks at random, with the yearly standard
  deviation of the level's range above (the record's own year-to-year swings).
* passing level (``uniform``): months run above or below their season for weeks at a time. ``level_noise_sd``
  is the robust spread (1.4826 times the median absolute deviation) of log monthly totals about
  the season times the year's centred running mean, over the window, capped at
  :data:`MAX_LEVEL_NOISE`; its correlation time stays an assumption (params.py).
* day-to-day variability: given the above, the coefficient of variation of a gamma shock on each calm day's launch
  share (``launch_shock_cv``) is chosen on a grid by simulating the 52 weeks before ``until`` and
  matching three figures of the record there: the weekly coefficient of variation, the share of
  weeks under 100 people and the share of days without arrivals (least squares; all three are
  shares or ratios near one, so they weigh alike). The range is the grid step either side. Under
  the fitted level the 52 weeks are simulated from their own mean level, with the fitted walk.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from pathlib import Path

import numpy as np
import pandas as pd

from smallboats.errors import StoreError, UsageError
from smallboats.vocab import LEVEL_PRIORS

SHOCK_GRID = tuple(np.round(np.arange(0.0, 4.01, 0.25), 2))  # launch_shock_cv values tried
SHOCK_RUNS = 100  # runs per value tried: the three figures' medians move by about 0.01 between seeds
QUIET_WEEK = 100  # people: a week under this counts as quiet
MAX_LEVEL_NOISE = 0.6  # cap on level_noise_sd: a quiet winter month's log ratio can be wild


# long: one fit in the order its docstring explains; each step is a few lines and reads best in sequence
def fit_baseline(
    daily: pd.DataFrame,
    weekly: pd.DataFrame | None,
    until: dt.date,
    years: int = 3,
    release: str = "",
    *,
    variability: bool = True,
    ppb_until: dt.date | None = None,
    level: str = "fitted",
    releases: list[str] | None = None,
    on_fit=None,
) -> dict:
    """Return a ``crossings`` section for a :class:`Scenario`, fitted to data up to ``until``.

    Args:
        daily: columns ``date, people, boats``.
        weekly: observations of ``sb_week_people`` and ``sb_week_prevented_people`` (or None).
        until: the last day of data used.
        years: length of the window for the day pattern and seasonality.
        release: the data release, recorded with the fit.
        variability: also fit the day-to-day launch shock by simulation (a second or so).
        ppb_until: fit the people-per-boat trend to data up to this day instead (the newest, when a
            scenario is built: boats are the smugglers' choice, not the scheme's), read at ``until``.
        level: ``"fitted"`` (the Bayesian model's posterior) or ``"uniform"`` (see the module's docstring).
        releases: every release behind ``daily`` (the cached level fit's key; default ``[release]``).
        on_fit: told in a sentence when the level model is about to be fitted (not cached).
    """
    if level not in LEVEL_PRIORS:
        raise UsageError(f"--level-prior must be one of {', '.join(LEVEL_PRIORS)}, not {level!r}")
    d = daily[daily.date <= pd.Timestamp(until)]
    start = pd.Timestamp(until) - pd.DateOffset(years=years) + pd.Timedelta(days=1)
    if d.empty or d.date.min() > start:
        raise StoreError(f"calibration needs {years} years of daily data before {until}")
    w = d[d.date >= start].copy()
    w["cross"] = w.people > 0
    w["prev"] = w.cross.shift(1)
    w = w.iloc[1:]
    w["m"] = w.date.dt.month - 1
    after_calm = w[~w.prev.astype(bool)].groupby("m").cross.mean().reindex(range(12)).fillna(0.2)
    after_cross = w[w.prev.astype(bool)].groupby("m").cross.mean().reindex(range(12)).fillna(0.5)
    by_month = w.groupby("m").people.mean().reindex(range(12))
    seasonal = (by_month / w.people.mean()).fillna(1.0)
    last = d[d.date > pd.Timestamp(until) - pd.Timedelta(days=364)]
    inflow = float(last.people.mean())
    spread = level_spread(d, until, years)
    noise = level_noise(w, seasonal.to_numpy())
    ppb = float(last.people.sum() / max(last.boats.sum(), 1))
    yearly = w.groupby(w.date.dt.year).agg(people=("people", "sum"), boats=("boats", "sum"))
    yearly = yearly[yearly.boats > 0]
    ppb_years = (yearly.people / yearly.boats).to_numpy()
    growth = (
        float(np.exp(np.polyfit(np.arange(len(ppb_years)), np.log(ppb_years), 1)[0]) - 1)
        if len(ppb_years) >= 2
        else 0.05
    )
    prevent = _prevention(weekly, until)
    kept = arrival_share(prevent)
    inflow_coast = inflow / kept
    out = {
        "inflow_per_day": {
            "low": round(float(inflow_coast * np.exp(-spread)), 2),
            "high": round(float(inflow_coast * np.exp(spread)), 2),
        },
        "seasonal": [round(float(x), 4) for x in seasonal],
        "p_cross_after_calm": [round(float(x), 4) for x in after_calm],
        "p_cross_after_cross": [round(float(x), 4) for x in after_cross],
        "people_per_boat": {"low": round(ppb * 0.97, 2), "high": round(ppb * 1.03, 2)},
        "ppb_growth_per_year": {"low": 0.0, "high": round(max(growth, 0.0), 4)},
        "p_prevent": prevent,
        "level_drift_per_year": {"low": round(spread, 4), "high": round(spread, 4)},
        "level_noise_sd": {"low": round(noise, 4), "high": round(noise, 4)},
        "fit": {
            "until": until.isoformat(),
            "window_start": start.date().isoformat(),
            "years": years,
            "release": release,
            "zero_day_share": round(float(1 - w.cross.mean()), 4),
            "mean_daily_arrivals_last_year": round(inflow, 2),
            "people_per_boat_last_year": round(ppb, 2),
            "share_of_coast_arrivals_arriving": round(kept, 4),
            "level": level,
        },
    }
    ppb_end = min(ppb_until or until, daily.date.max().date())
    out.update(fit_people_per_boat(daily, ppb_end, years, at=until))
    out["fit"]["people_per_boat_trend_until"] = ppb_end.isoformat()
    _name_sources(out, release, start.date(), until)
    window_level = None
    if level == "fitted":
        from smallboats.analysis.estimate import world

        f, weeks = world.level_fit(daily, until, releases or [release], on_fit=on_fit)
        out |= world.level_world(f, weeks, kept, release)
        out["fit"]["level_fit"] = world.fit_summary(f, weeks)
        window_level = round(inflow_coast, 2)
    if variability:
        out = fit_launch_shock(out, daily, until, window_level=window_level)
    return out


# The 90% interval of a normal estimate: the fitted ranges of people per boat span it.
Z90 = 1.6449


def fit_people_per_boat(daily: pd.DataFrame, until: dt.date, years: int = 3, at: dt.date | None = None) -> dict:
    """People per boat at ``at`` (default ``until``) and its yearly growth: a log-linear trend of the monthly figures.

    Each whole month of the ``years`` before ``until`` gives log(people / boats), weighted by its
    boats (a month of few boats says little); the trend's value at ``at`` and its slope, each with
    its 90% interval, become the ranges drawn in every run. The trend's value, not the last year's
    mean, is the level: the mean lags a rising trend by half a year.
    """
    d = daily[(daily.date <= pd.Timestamp(until)) & (daily.date > pd.Timestamp(until) - pd.DateOffset(years=years))]
    m = d.groupby(d.date.dt.to_period("M")).agg(people=("people", "sum"), boats=("boats", "sum"), days=("date", "size"))
    m = m[(m.boats > 0) & (m.days >= 28)]
    if len(m) < 6:
        return {}
    mid = m.index.to_timestamp() + pd.Timedelta(days=14)
    t = np.asarray((mid - pd.Timestamp(until)).days / 365.25)
    y = np.log(m.people / m.boats).to_numpy()
    w = m.boats.to_numpy(dtype=float)
    X = np.column_stack([np.ones_like(t), t])
    XtW = X.T * w
    beta = np.linalg.solve(XtW @ X, XtW @ y)
    resid = y - X @ beta
    cov = np.linalg.inv(XtW @ X) * float(np.sum(w * resid**2) / max(len(y) - 2, 1))
    x0 = np.array([1.0, ((at or until) - until).days / 365.25])
    level, se_level = float(x0 @ beta), float(np.sqrt(x0 @ cov @ x0))
    slope, se_slope = float(beta[1]), float(np.sqrt(cov[1, 1]))
    window = f"the Home Office time series SB_01, {len(m)} whole months to {until}"
    return {
        "people_per_boat": {
            "low": round(float(np.exp(level - Z90 * se_level)), 2),
            "high": round(float(np.exp(level + Z90 * se_level)), 2),
            "source": f"Fitted: the boat-weighted log-linear trend of monthly people per boat, read at {at or until}, "
            f"its 90% interval ({window})",
        },
        "ppb_growth_per_year": {
            "low": round(float(np.expm1(slope - Z90 * se_slope)), 4),
            "high": round(float(np.expm1(slope + Z90 * se_slope)), 4),
            "source": f"Fitted: the yearly growth of that trend, its 90% interval ({window})",
        },
    }


MOMENT_SOURCES = {  # what each moment-fitted range is, for its source line (the method is the module's docstring)
    "inflow_per_day": "the last 52 weeks' mean arrivals a day over the share arriving, within exp(+/-s), s the "
    "record's year-to-year swing of 12-month totals (clipped to 0.1-0.3)",
    "p_prevent": "the inter-quartile range of 13-week shares prevented/(prevented+arrived) in the last 52 weeks "
    "(HO SB_02, French estimates)",
    "level_drift_per_year": "the record's year-to-year swing of 12-month totals (clipped to 0.1-0.3)",
    "level_noise_sd": "the robust spread of monthly totals about the season and the year's running mean",
}


def _name_sources(out: dict, release: str, start: dt.date, until: dt.date) -> None:
    """Give every moment-fitted range a source naming its method, data release and window."""
    where = (
        f"moment fit (smallboats.analysis.calibrate) to the Home Office time series SB_01 "
        f"({release or 'the data given'}), {start} to {until}"
    )
    for key, what in MOMENT_SOURCES.items():
        if isinstance(out.get(key), dict) and "source" not in out[key]:
            out[key] = out[key] | {"source": f"Fitted: {what}; {where}"}


def arrival_share(prevent: dict) -> float:
    """The share of people reaching the coast who in the end arrive, given prevention and attrition.

    Each attempt arrives with chance ``1 - p``; a prevented person gives up with chance ``a`` and
    otherwise tries again, so a share ``p a / (1 - p (1 - a))`` gives up in the end (``p`` and
    ``a`` at the middle of their ranges; ``a`` is the scenario default, params.py).
    """
    from smallboats.model.params import Crossings

    p = (prevent["low"] + prevent["high"]) / 2
    a_range = Crossings().p_prevented_give_up
    a = (a_range.low + a_range.high) / 2
    return 1.0 - p * a / (1.0 - p * (1.0 - a))


def variability_figures(x: np.ndarray) -> np.ndarray:
    """Weekly coefficient of variation, share of weeks under :data:`QUIET_WEEK` and share of days without arrivals.

    ``x`` holds whole weeks of daily arrivals (days x runs); each figure is the median over runs.
    """
    w = x[: len(x) // 7 * 7].reshape(-1, 7, x.shape[1]).sum(axis=1)
    cv = w.std(axis=0) / np.maximum(w.mean(axis=0), 1e-9)
    return np.array([np.median(cv), np.median((w < QUIET_WEEK).mean(axis=0)), np.median((x == 0).mean(axis=0))])


def fit_launch_shock(
    crossings: dict, daily: pd.DataFrame, until: dt.date, seed: int = 7, window_level: float | None = None
) -> dict:
    """Choose ``launch_shock_cv`` so that the 52 simulated weeks before ``until`` vary as the record's did.

    Returns ``crossings`` with the fitted range and, in ``fit``, the record's figures and the
    model's at the chosen value (see the module's docstring for the method). ``window_level``, when
    given, is the inflow level the 52 weeks are simulated at (their own mean, not the level at their end).
    """
    from smallboats.model import Scenario, simulate

    start = until - dt.timedelta(days=7 * 52 - 1)
    d = daily[(daily.date >= pd.Timestamp(start)) & (daily.date <= pd.Timestamp(until))]
    record = variability_figures(d.people.to_numpy(dtype=float)[:, None])
    tried = {}
    for cv in SHOCK_GRID:
        c = {**crossings, "launch_shock_cv": {"low": cv, "high": cv}}
        if window_level is not None:
            c["inflow_per_day"] = {"low": window_level, "high": window_level}
        sc = Scenario.from_dict(
            {"start": start.isoformat(), "years": 7 * 52 / 365.25, "crossings": c, "scheme": {"enabled": False}},
            file="calibration",
        )
        r = simulate(sc, runs=SHOCK_RUNS, seed=seed, counterfactual=False)
        tried[cv] = variability_figures(r.records["new_arrivals"].astype(float))
    best = min(SHOCK_GRID, key=lambda cv: float(np.sum((tried[cv] - record) ** 2)))
    step = SHOCK_GRID[1] - SHOCK_GRID[0]
    names = ("weekly_cv", "share_quiet_weeks", "zero_day_share_last_52_weeks")
    fit = dict(crossings["fit"])
    fit |= {f"{n}_record": round(float(v), 4) for n, v in zip(names, record, strict=True)}
    fit |= {f"{n}_model": round(float(v), 4) for n, v in zip(names, tried[best], strict=True)}
    source = (
        "Fitted: simulated 52 weeks to match the record's weekly coefficient of variation, quiet weeks and "
        f"zero days, {start} to {until} (HO SB_01, {crossings['fit'].get('release') or 'the data given'})"
    )
    shock = {"low": round(float(max(best - step, 0.0)), 2), "high": round(float(best + step), 2), "source": source}
    return {**crossings, "launch_shock_cv": shock, "fit": fit}


def level_noise(window: pd.DataFrame, seasonal: np.ndarray) -> float:
    """The robust spread of log monthly totals about the season times the year's running mean.

    ``window``: the fit window's days (``date, people``); ``seasonal``: its monthly profile.
    """
    from smallboats.model.inputs import seasonal_profile

    s = window.set_index("date").people
    annual = s.rolling(365, min_periods=180, center=True).mean()
    expected = annual * seasonal_profile(seasonal)[s.index.month - 1]
    monthly = pd.DataFrame({"obs": s, "exp": expected}).dropna().resample("MS").sum()
    monthly = monthly[monthly.exp > 0]
    if len(monthly) < 12:
        return 0.0
    r = np.log((monthly.obs + 1) / (monthly.exp + 1))
    return float(min(1.4826 * np.median(np.abs(r - np.median(r))), MAX_LEVEL_NOISE))


def level_spread(daily: pd.DataFrame, until: dt.date, years: int) -> float:
    """How much a year's level may differ from the last.

    The standard deviation of the log change of rolling 12-month totals a year apart, over the
    window, clipped to 0.1-0.3.
    """
    s = daily.set_index("date").people
    s = s[s.index <= pd.Timestamp(until)]
    roll = s.rolling(365).sum().dropna()
    roll = roll[roll.index > pd.Timestamp(until) - pd.DateOffset(years=years)]
    if len(roll) < 400:
        return 0.2
    change = np.log(roll / roll.shift(365)).dropna()
    return float(np.clip(change.std(), 0.1, 0.3)) if len(change) else 0.2


# Without 13 weeks of French preventions before the fit's end, the prevention share is this range
NO_PREVENTIONS = {
    "low": 0.30,
    "high": 0.45,
    "source": "Assumption: fewer than 13 weeks of French preventions (HO SB_02) before the fit's end; 30-45% "
    "spans the shares of the first year published",
}


def _prevention(weekly: pd.DataFrame | None, until: dt.date) -> dict:
    if weekly is None or weekly.empty:
        return dict(NO_PREVENTIONS)
    w = weekly[weekly.period_end <= until].pivot_table(index="period_end", columns="series", values="value")
    if "sb_week_prevented_people" not in w:
        return dict(NO_PREVENTIONS)
    w = w.dropna(subset=["sb_week_prevented_people"]).tail(52)
    if len(w) < 13:
        return dict(NO_PREVENTIONS)
    roll_p = w.sb_week_prevented_people.rolling(13).sum()
    roll_a = w.sb_week_people.rolling(13).sum()
    share = (roll_p / (roll_p + roll_a)).dropna()
    lo, hi = np.quantile(share, [0.25, 0.75])
    return {"low": round(float(lo), 4), "high": round(float(max(hi, lo)), 4)}


def fit_from_store(
    store,
    until: dt.date | None = None,
    as_of: str | None = None,
    years: int = 3,
    *,
    variability: bool = True,
    ppb_until: dt.date | None = None,
    level: str = "fitted",
    on_fit=None,
) -> dict:
    """Fit from the store (daily and weekly series), up to ``until`` (default: the newest day).

    ``variability=False`` skips the simulated fit of the launch shock; ``ppb_until``, ``level`` and
    ``on_fit`` are as in :func:`fit_baseline`. The level fit's cache key holds the same releases as
    ``estimate-effect``'s, so the two share one fit when they end on the same day.
    """
    daily = store.daily(as_of=as_of)
    weekly = store.observations(["sb_week_people", "sb_week_prevented_people"], as_of=as_of)
    release = sorted(store.observations("sb_people", as_of=as_of).release_id.unique())[-1]
    first, last = daily.date.min().date(), daily.date.max().date()
    until = until or last
    if until > last or until < first:
        raise StoreError(f"--until {until} is outside the daily data ({first} to {last})")
    releases = None
    if level == "fitted":
        from smallboats.analysis.estimate import from_store

        releases = from_store(store, as_of=as_of).releases
    return fit_baseline(
        daily,
        weekly,
        until,
        years,
        release,
        variability=variability,
        level=level,
        releases=releases,
        on_fit=on_fit,
        ppb_until=ppb_until,
    )


def fits_dir(store) -> Path:
    """Where named fits are kept: ``fits/`` beside the store."""
    return Path(store.path).parent / "fits"


def save_fit(store, fit: dict, name: str) -> Path:
    """Store a fit under a name a scenario can use (``baseline = "NAME"``)."""
    if not re.fullmatch(r"[A-Za-z0-9_.-]+", name):
        raise UsageError(f"a fit's name may hold letters, digits, '.', '-' and '_' only, not {name!r}")
    d = fits_dir(store)
    d.mkdir(parents=True, exist_ok=True)
    path = d / f"{name}.json"
    path.write_text(json.dumps(fit, indent=1))
    return path


def load_fit(store, name: str) -> dict:
    """A named fit; a clear error lists the names held."""
    path = fits_dir(store) / f"{name}.json"
    if not re.fullmatch(r"[A-Za-z0-9_.-]+", name) or not path.is_file():
        held = sorted(p.stem for p in fits_dir(store).glob("*.json")) if fits_dir(store).is_dir() else []
        raise StoreError(f"no fit named {name!r}; fits held: {', '.join(held) or 'none (run smallboats calibrate)'}")
    return json.loads(path.read_text())


def calibrate_selections(
    scenario,
    published_cumulative: tuple[float, ...],
    month_ends: tuple,
    paths: dict[int, list[float]],
    *,
    runs: int = 250,
    seed: int = 7,
    low: float = 1.0,
    high: float = 8.0,
    steps: int = 8,
) -> tuple[int, float]:
    """The lead and multiplier of the published selection path that make the model track the published returns.

    Under the casework priors some selected cases fail, win a challenge or lapse, and the rest take
    weeks to be returned, so delivering the published returns month by month takes more selections,
    made earlier. For each candidate path (one per lead in days), the multiplier on it
    (``scheme.rel_quota``) is bisected until the median cumulative returns to the last month end
    match the published total; the lead kept is the one whose median month-end path is closest to
    the published one (least squares). Returns ``(lead_days, multiplier)``; the multiplier is
    ``high`` if even that falls short.
    """
    from smallboats.model import simulate
    from smallboats.model.params import PathQuota

    sc = scenario.model_copy(deep=True)
    until = month_ends[-1]
    days = (until - sc.start).days + 1
    sc.years = max(days, 7) / 365.25
    ends = np.array([(d - sc.start).days for d in month_ends])

    def month_end_path(k: float) -> np.ndarray:
        sc.scheme.rel_quota = type(sc.scheme.rel_quota)(low=k, high=k)
        r = simulate(sc, runs=runs, seed=seed, counterfactual=False)
        cum = np.cumsum(r.records["new_returned"][:days], axis=0)
        return np.median(cum[ends], axis=1)

    best = None
    for lead, path in paths.items():
        sc.scheme.quota = PathQuota(kind="path", per_week=path)
        lo, hi = low, high
        if month_end_path(hi)[-1] < published_cumulative[-1]:
            k = hi
        else:
            for _ in range(steps):
                mid = (lo + hi) / 2
                lo, hi = (mid, hi) if month_end_path(mid)[-1] < published_cumulative[-1] else (lo, mid)
            k = round((lo + hi) / 2, 3)
        error = float(np.sum((month_end_path(k) - np.asarray(published_cumulative)) ** 2))
        if best is None or error < best[0]:
            best = (error, lead, k)
    return best[1], best[2]
