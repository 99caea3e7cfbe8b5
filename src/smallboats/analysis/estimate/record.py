"""The record as the model sees it: Sunday-ending weekly counts, seasonal terms, covariates and the dose.

Method decisions, written beside the code that applies them:
    * Weeks end on Sunday (as the Home Office's SB_02 table); a week enters only when all seven of its
      days are in the daily series, so a part week at either end is left out, not scaled up.
    * The fit starts by default in the first full week of 2020. Assumption: before 2020 the route was
      being established (2018-19 together saw under a tenth of 2020's arrivals), a different regime the
      random walk would have to climb out of.
    * Preventions (French operational estimates) are published from the week ending 5 May 2024. The
      covariate is log(1 + people prevented), standardised over the weeks published; unpublished weeks
      take 0 (the average), so the coefficient is learnt from the published weeks only.
    * The dose: people returned under the agreement are published by month; each month's total is spread
      evenly over its days and summed by week. The return rate is returns over arrivals over the four
      weeks ending ``lag_weeks`` before the week (zero before the agreement), and it enters the log-level as
      ``elasticity * log(1 + rate / base_rate)``, the simulator's constant-elasticity response.
"""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd

from smallboats.errors import StoreError, UsageError

YEAR_DAYS = 365.25
HARMONICS = 2  # assumption: two annual harmonics catch the summer peak and its skew; more overfit weather
DEFAULT_START = dt.date(2020, 1, 1)
LAG_WEEKS = 4  # within the 2-8 week information lag of the simulator's deterrence.lag_days (an assumption)
BASE_RATE = 0.05  # midpoint of the simulator's deterrence.base_risk range (assumption, model/params.py)
RATE_WINDOW_WEEKS = 4  # assumption: a month of returns and arrivals, so a week with no arrivals is no division by 0
COVARIATES = ("prevented", "weather")


def weekly(daily: pd.DataFrame) -> pd.DataFrame:
    """Sunday-ending weekly totals of complete weeks: index ``week_ending``, column ``people``."""
    s = daily.set_index("date").people
    g = s.resample("W-SUN")
    out = pd.DataFrame({"people": g.sum(), "days": g.size()})
    out = out[out.days == 7].drop(columns="days")
    out.index.name = "week_ending"
    return out


def fourier(week_ending: pd.DatetimeIndex, harmonics: int = HARMONICS) -> np.ndarray:
    """Annual Fourier terms (sine and cosine pairs) at each week's middle day."""
    mid = week_ending - pd.Timedelta(days=3)
    t = (mid - pd.Timestamp("2000-01-01")).days.to_numpy() / YEAR_DAYS
    cols = []
    for k in range(1, harmonics + 1):
        cols += [np.sin(2 * np.pi * k * t), np.cos(2 * np.pi * k * t)]
    return np.column_stack(cols)


def prevented(obs: pd.DataFrame, weeks: pd.DatetimeIndex) -> np.ndarray:
    """The standardised log preventions per week; 0 for weeks not published."""
    if obs.empty:
        return np.zeros(len(weeks))
    s = pd.Series(obs.value.to_numpy(), index=pd.to_datetime(obs.period_end)).groupby(level=0).last()
    v = np.log1p(s)
    z = (v - v.mean()) / (v.std() or 1.0)
    return z.reindex(weeks).fillna(0.0).to_numpy()


def weather_weekly(weather: pd.DataFrame, weeks: pd.DatetimeIndex, source: str) -> np.ndarray:
    """Weekly means of daily wave height and wind speed, standardised; every day of every week needed.

    Raises:
        StoreError: a week of the fit or forecast has a day without weather.
    """
    w = weather.set_index(pd.to_datetime(weather.date))[["wave_height_m", "wind_speed_ms"]].sort_index()
    need = pd.date_range(weeks.min() - pd.Timedelta(days=6), weeks.max(), freq="D")
    missing = need.difference(w.index)
    if len(missing):
        raise StoreError(
            f"{source}: the weather covers {w.index.min():%Y-%m-%d} to {w.index.max():%Y-%m-%d} but the weeks "
            f"estimated need every day from {need[0]:%Y-%m-%d} to {need[-1]:%Y-%m-%d}; first missing "
            f"{missing[0]:%Y-%m-%d} ({len(missing)} days missing)"
        )
    wk = w.loc[need].resample("W-SUN").mean().reindex(weeks)
    return ((wk - wk.mean()) / wk.std().replace(0, 1.0)).to_numpy()


def return_dose(
    returned: pd.DataFrame, people: pd.Series, *, lag_weeks: int = LAG_WEEKS, base_rate: float = BASE_RATE
) -> pd.DataFrame:
    """The lagged return rate and the dose term, by week.

    Args:
        returned: monthly ``agreement_returned`` observations (``period_start, period_end, value``).
        people: weekly arrivals indexed by week-ending date.
        lag_weeks: weeks between returns and their effect on crossings.
        base_rate: the risk of removal before the scheme, against which the rate is measured.

    Returns:
        ``returned, rate, dose`` indexed like ``people``; NaN where the returns are not yet published.
    """
    days = []
    for r in returned.itertuples():
        span = pd.date_range(r.period_start, r.period_end, freq="D")
        days.append(pd.Series(r.value / len(span), index=span))
    daily = pd.concat(days) if days else pd.Series(dtype=float)
    last = daily.index.max() if len(daily) else pd.Timestamp.min
    wk = daily.resample("W-SUN").sum().reindex(people.index).fillna(0.0)
    wk[people.index > last] = np.nan  # not yet published: unknown, not zero
    ret_sum = wk.rolling(RATE_WINDOW_WEEKS, min_periods=1).sum().where(wk.notna())
    arr_sum = people.rolling(RATE_WINDOW_WEEKS, min_periods=1).sum().clip(lower=1.0)
    lagged = (ret_sum / arr_sum).shift(lag_weeks)
    rate = lagged.fillna(0.0)  # the record's first weeks, long before the agreement
    rate[lagged.isna() & (people.index > last)] = np.nan  # the lagged weeks are not yet published
    return pd.DataFrame({"returned": wk, "rate": rate, "dose": np.log1p(rate / base_rate)})


def check_pre_period(pre: pd.DataFrame, option: str = "--until") -> None:
    """A counterfactual needs at least two years before the agreement, to see two summers."""
    if len(pre) < 104:
        first = pre.index.min().date() if len(pre) else None
        raise UsageError(
            f"{option}: the pre-period has {len(pre)} complete weeks (from {first}); at least 104 weeks (two years) "
            "are needed to estimate the seasonality and the level's walk"
        )
