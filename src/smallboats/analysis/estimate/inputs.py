"""What the estimates read from the store (or a weather file), checked before any fit starts."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from smallboats.analysis.estimate import record
from smallboats.data.importers.weather import SERIES as WEATHER_SERIES
from smallboats.errors import StoreError, UsageError


@dataclass
class Inputs:
    """Weekly arrivals with the covariates asked for, the monthly returns, and the releases behind them.

    Attributes:
        weeks: indexed by week-ending date: ``people`` and one column per covariate (``prevented``,
            ``wave_height_m``, ``wind_speed_ms``).
        returned: monthly ``agreement_returned`` observations (may be empty).
        releases: the release ids of every figure used.
        covariates: the covariate columns of ``weeks``, in order.
        weather: the daily weather (``attrs["file"]`` names its file), standardised per span by :func:`with_weather`.
        days: daily arrivals indexed by date (``people``), for the model by day.
    """

    weeks: pd.DataFrame
    returned: pd.DataFrame
    releases: list[str]
    covariates: list[str] = field(default_factory=list)
    weather: pd.DataFrame | None = None
    days: pd.DataFrame | None = None

    def design(self, index: pd.DatetimeIndex) -> tuple[np.ndarray, np.ndarray]:
        """Fourier terms and covariates for the weeks in ``index``."""
        X = (
            self.weeks.loc[index, self.covariates].to_numpy(dtype=float)
            if self.covariates
            else np.zeros((len(index), 0))
        )
        return record.fourier(index), X


def check_covariates(covariates) -> list[str]:
    """The covariates named, or a usage error listing the valid names."""
    out = []
    for c in covariates:
        if c not in record.COVARIATES:
            raise UsageError(f"--covariates: unknown covariate {c!r}; valid: {', '.join(record.COVARIATES)}")
        if c not in out:
            out.append(c)
    return out


def from_store(store, *, as_of: str | None = None, covariates=(), weather: pd.DataFrame | None = None) -> Inputs:
    """Read arrivals, returns and any covariates; weather from the frame given or from the store.

    Args:
        store: an open :class:`~smallboats.data.store.Store`.
        as_of: read the store as it stood at this release.
        covariates: any of ``prevented`` and ``weather``.
        weather: daily ``date, wave_height_m, wind_speed_ms`` (from a file); default: the store's series.

    Raises:
        StoreError: a series the store does not hold.
    """
    covariates = check_covariates(covariates)
    daily = store.daily(as_of=as_of)
    weeks = record.weekly(daily)
    releases = set(store.observations("sb_people", as_of=as_of).release_id)
    returned = store.observations("agreement_returned", as_of=as_of)
    releases |= set(returned.release_id)
    cols = []
    if "prevented" in covariates:
        prev = store.observations("sb_week_prevented_people", as_of=as_of)
        if prev.empty:
            raise StoreError("the store holds no sb_week_prevented_people (French preventions); drop the covariate")
        weeks["prevented"] = record.prevented(prev, weeks.index)
        releases |= set(prev.release_id)
        cols.append("prevented")
    if "weather" in covariates:
        if weather is None:
            weather, rel = weather_from_store(store, as_of=as_of)
            releases |= rel
        cols += list(WEATHER_SERIES)
    days = daily.set_index(pd.to_datetime(daily.date))[["people"]]
    return Inputs(
        weeks=weeks, returned=returned, releases=sorted(releases), covariates=cols, weather=weather, days=days
    )


def weather_from_store(store, *, as_of: str | None = None) -> tuple[pd.DataFrame, set[str]]:
    """The store's daily weather series as ``date, wave_height_m, wind_speed_ms``."""
    obs = store.observations(list(WEATHER_SERIES.values()), as_of=as_of)
    if obs.empty:
        raise StoreError(
            "the store holds no weather series (weather_wave_height_m, weather_wind_speed_ms); import a weather "
            "CSV (columns date, wave_height_m, wind_speed_ms) with 'smallboats data import', or give --weather FILE"
        )
    wide = obs.pivot_table(index="period_end", columns="series", values="value", aggfunc="first")
    wide = wide.rename(columns={v: k for k, v in WEATHER_SERIES.items()}).reset_index(names="date")
    return wide, set(obs.release_id)


def with_weather(inputs: Inputs, index: pd.DatetimeIndex) -> Inputs:
    """Fill the weather columns for the weeks in ``index`` (every day needed), standardised over them."""
    if inputs.weather is None:
        return inputs
    src = inputs.weather.attrs.get("file") or "the store's weather series"
    weeks = inputs.weeks.loc[index].copy()
    weeks[list(WEATHER_SERIES)] = record.weather_weekly(inputs.weather, index, src)
    return Inputs(weeks, inputs.returned, inputs.releases, inputs.covariates, inputs.weather, inputs.days)
