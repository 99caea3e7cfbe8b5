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

# Assumption: the most people or boats a single day can hold. The record day in the Home Office
# time series (SB_01, release of 21 August 2026) is 3 September 2022; tests/test_corpus_data.py
# computes it from the official file and checks that this ceiling stays between three and five times
# it: far enough above to admit a record-breaking day, far enough below to catch a misplaced digit
# or a figure pasted into the wrong column.
DAILY_CEILING = 5_000
# Assumption: no count smallboats holds (people crossing, returned or migrating in a year; visas)
# can exceed the population of the United Kingdom, under 70 million in every recent year (ONS,
# "Population estimates for the UK, England, Wales, Scotland and Northern Ireland", published each
# summer or autumn for the middle of the year before); a larger figure is a misread cell or a unit
# error. The ceiling is rounded up to 100 million so that it never needs revising.
COUNT_CEILING = 100_000_000
# Per period of each frequency, the ceiling a count of people or boats is held to.
_CEILING_DAYS = {"day": 1, "week": 7}


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
    if math.isinf(value):
        raise DataError(file, where, f"count {raw!r} is not a finite number")
    if value > COUNT_CEILING:
        raise DataError(
            file, where, f"count {raw!r} is above {COUNT_CEILING:,}, more than the UK's population; a misread cell?"
        )
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
        _check_ceiling(file, loc, row, info)
    dup = obs.duplicated(["series", "period_start", "period_end"], keep="first")
    if dup.any():
        first = obs[dup].iloc[0]
        raise DataError(
            file,
            first["loc"],
            f"date {first['period_end']} appears twice for {first['series']}; dates must be unique",
        )
    _check_order(obs, file)
    _check_boats_not_above_people(obs, file)
    if rel.source.release_date > today:
        raise DataError(file, "release date", f"{rel.source.release_date} is in the future")
    newest = obs.loc[obs.period_end.idxmax()]
    if rel.source.release_date < newest.period_end:
        raise DataError(
            file,
            "release date",
            f"{rel.source.release_date} is before the newest figure the file holds ({newest.period_end}, at "
            f"{newest['loc']}); a release cannot hold figures for days after it was published",
        )


def _check_ceiling(file: str, loc: str, row, info) -> None:
    """A daily or weekly count of people or boats above the ceiling is refused (see DAILY_CEILING)."""
    days = _CEILING_DAYS.get(info.frequency)
    if days is None or info.unit not in ("people", "boats"):
        return
    ceiling = DAILY_CEILING * days
    if row.value > ceiling:
        per = "a day" if days == 1 else f"a {info.frequency}"
        raise DataError(
            file,
            loc,
            f"{row.value:,.0f} {info.unit} on {row.period_end} is above the ceiling of {ceiling:,} {per} "
            f"(an assumption, several times the record day); check the cell",
        )


def _check_order(obs: pd.DataFrame, file: str) -> None:
    """Daily and weekly figures run one way through the file (oldest or newest first).

    A date out of that order is refused rather than sorted: two swapped dates would otherwise
    move two days' figures silently.
    """
    for sid, group in obs.groupby("series", sort=False):
        if series_mod.get(sid).frequency not in _CEILING_DAYS or len(group) < 3:
            continue
        ends = pd.Series(pd.to_datetime(group.period_end).to_numpy())
        steps = ends.diff().dropna()
        direction = 1 if steps.iloc[0] > pd.Timedelta(0) else -1
        wrong = (steps * direction <= pd.Timedelta(0)).to_numpy().nonzero()[0]
        if len(wrong):
            i = int(wrong[0]) + 1
            raise DataError(
                file,
                group["loc"].iloc[i],
                f"date {group.period_end.iloc[i]} follows {group.period_end.iloc[i - 1]} "
                f"({group['loc'].iloc[i - 1]}), but the file's {sid} dates run "
                f"{'oldest' if direction == 1 else 'newest'} first; dates must be in order (swapped rows?)",
            )


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
