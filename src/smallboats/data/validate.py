"""The rules every release must keep before it reaches the store.

Each rule names the file, the place in it (taken from the ``loc`` column the importers fill) and
what was broken, so the user can find and mend the figure. Validation raises on the first broken
rule: the store is only ever written by a release that passed every rule.
"""

from __future__ import annotations

import datetime as dt
import math

import pandas as pd

from smallboats.data import series as series_mod
from smallboats.data.release import Release
from smallboats.errors import DataError

# Pairs (people, boats): a boat carries at least one person, so boats can never exceed people.
PEOPLE_BOATS_PAIRS = [("sb_people", "sb_boats"), ("sb_week_people", "sb_week_boats")]


def check_count(file: str, where: str, raw: object, *, integer: bool = True) -> float:
    """Turn a raw cell into a count, or raise naming the cell.

    Args:
        file: the file being read.
        where: the cell or row.
        raw: the value as read (number or text; thousands separators are allowed).
        integer: whether the value must be a whole number.

    Returns:
        The value as a float (whole when ``integer``).
    """
    value = raw
    if isinstance(raw, str):
        text = raw.strip().replace(",", "")
        try:
            value = float(text)
        except ValueError:
            raise DataError(file, where, f"count {raw!r} is not a number") from None
    if isinstance(value, bool) or not isinstance(value, (int, float)) or math.isnan(value):
        raise DataError(file, where, f"count {raw!r} is not a number")
    if value < 0:
        raise DataError(file, where, f"count {raw!r} is negative; counts must be 0 or more")
    if integer and value != int(value):
        raise DataError(file, where, f"count {raw!r} is not a whole number")
    return float(value)


def validate_release(rel: Release, file: str, today: dt.date | None = None) -> None:
    """Check a release against every rule; raise :class:`DataError` on the first broken one."""
    today = today or dt.date.today()
    obs = rel.observations
    if obs.empty:
        raise DataError(file, "whole file", "no figures found")
    for row in obs.itertuples(index=False):
        loc = row.loc or "?"
        try:
            info = series_mod.get(row.series)
        except KeyError as e:
            raise DataError(file, loc, str(e.args[0])) from None
        if row.period_end < row.period_start:
            raise DataError(file, loc, f"period ends ({row.period_end}) before it starts")
        if row.period_end > today:
            raise DataError(file, loc, f"date {row.period_end} is in the future (today is {today})")
        check_count(file, loc, row.value, integer=info.is_count)
        if not info.is_count and row.value > 100:
            raise DataError(file, loc, f"percentage {row.value} is above 100")
    dup = obs.duplicated(["series", "period_start", "period_end"], keep="first")
    if dup.any():
        first = obs[dup].iloc[0]
        raise DataError(
            file,
            first["loc"],
            f"date {first['period_end']} appears twice for {first['series']}; dates must be unique",
        )
    _check_boats_not_above_people(obs, file)
    if rel.source.release_date > today:
        raise DataError(file, "release date", f"{rel.source.release_date} is in the future")


def _check_boats_not_above_people(obs: pd.DataFrame, file: str) -> None:
    for people_id, boats_id in PEOPLE_BOATS_PAIRS:
        key = ["period_start", "period_end"]
        p = obs.loc[obs.series == people_id, key + ["value"]]
        b = obs.loc[obs.series == boats_id, key + ["value", "loc"]]
        if p.empty or b.empty:
            continue
        both = b.merge(p, on=key, suffixes=("_b", "_p"))
        bad = both[both.value_b > both.value_p]
        if not bad.empty:
            r = bad.iloc[0]
            raise DataError(
                file,
                r["loc"],
                f"{int(r.value_b)} boats but only {int(r.value_p)} people on "
                f"{r.period_end}; boats cannot exceed people",
            )
