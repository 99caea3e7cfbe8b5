"""The questions journalists ask of the daily series, as pure functions of data frames.

Every function takes the daily frame from :meth:`ReleaseStore.daily` (columns ``date, people, boats``) or
observations from :meth:`ReleaseStore.observations` and returns plain data; none touches the store.

Method decisions:
    * "So far this year" counts 1 January to the same calendar date inclusive. For 29 February in
      a year without one, the count runs to 28 February.
    * Weekly averages are totals divided by the number of days, times seven; a window need not be
      whole weeks.
    * A month's people per boat is the month's people divided by its boats; months with no boats
      have none. The record is the highest monthly value up to and including that month.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import numpy as np
import pandas as pd

from smallboats.data.quick import same_day
from smallboats.errors import StoreError, UsageError
from smallboats.provenance import Source, attribution

PER_DAYS = {"day": 1, "week": 7, "year": 365.25}
WEEKS_PER_YEAR = 52  # a weekly figure "a year" is 52 weeks, as the scheme's 50 a week = 2,600 a year


def _date_range_check(daily: pd.DataFrame, *dates: dt.date) -> None:
    first, last = daily.date.min().date(), daily.date.max().date()
    for d in dates:
        if d < first or d > last:
            raise StoreError(f"date {d} is outside the daily data ({first} to {last})")


def so_far(daily: pd.DataFrame, on: dt.date, first_year: int | None = None) -> pd.DataFrame:
    """Arrivals from 1 January to ``on``'s calendar date in every year, against ``on``'s year.

    Returns:
        One row a year: ``year, to_date, people, boats, pct_change, difference``, where
        ``pct_change`` is how much ``on``'s year is above (+) or below (-) that year, in percent
        (null when that year had no arrivals).
    """
    _date_range_check(daily, on)
    first_year = first_year or daily.date.min().year
    s = daily.set_index("date")
    rows = []
    for year in range(first_year, on.year + 1):
        end = same_day(year, on)
        part = s.loc[pd.Timestamp(year, 1, 1) : pd.Timestamp(end)]
        rows.append({"year": year, "to_date": end, "people": int(part.people.sum()), "boats": int(part.boats.sum())})
    out = pd.DataFrame(rows)
    current = out.people.iloc[-1]
    with np.errstate(divide="ignore", invalid="ignore"):
        pct = np.where(out.people > 0, (current / out.people - 1) * 100, np.nan)
    out["pct_change"] = np.round(pct, 1)
    out["difference"] = current - out.people
    return out


def window(daily: pd.DataFrame, start: dt.date, end: dt.date, by: str | None = None) -> dict:
    """Totals and averages over ``start``..``end`` inclusive, and optionally period totals.

    Args:
        daily: the daily frame.
        start: first day.
        end: last day, inclusive.
        by: ``week`` (weeks ending Sunday), ``month`` or ``year`` to add a table of period totals.

    Returns:
        ``start, end, days, people, boats, people_per_day, people_per_week, boats_per_week,
        people_per_boat`` and, with ``by``, ``periods``: a frame of period totals (part periods at
        the ends are marked by their day counts).
    """
    if end < start:
        raise UsageError(f"the window ends ({end}) before it starts ({start})")
    _date_range_check(daily, start, end)
    part = daily[(daily.date >= pd.Timestamp(start)) & (daily.date <= pd.Timestamp(end))]
    days = len(part)
    people, boats = int(part.people.sum()), int(part.boats.sum())
    out = {
        "start": start,
        "end": end,
        "days": days,
        "people": people,
        "boats": boats,
        "people_per_day": round(people / days, 2),
        "people_per_week": round(people / days * 7, 1),
        "boats_per_week": round(boats / days * 7, 2),
        "people_per_boat": round(people / boats, 2) if boats else None,
    }
    if by:
        rule = {"week": "W-SUN", "month": "MS", "year": "YS"}.get(by)
        if rule is None:
            raise UsageError(f"--by must be week, month or year, not {by!r}")
        g = part.set_index("date").resample(rule)
        periods = g.agg({"people": "sum", "boats": "sum"})
        periods["days"] = g.size()
        periods.index.name = "week_ending" if by == "week" else "period_start"
        out["periods"] = periods.reset_index()
    return out


def per_boat_by_month(daily: pd.DataFrame) -> pd.DataFrame:
    """People per boat by month, with the record to date marked and partial months flagged.

    Method decision: a month the data do not yet cover in full (the newest, usually) is marked
    ``partial`` and can never set a record; its figure is shown, with the days it covers.

    Returns:
        ``month, people, boats, people_per_boat, record_to_date, is_record, days, partial, through``
        (``is_record``: a complete month that set a new high; ``through``: the last day counted).
    """
    d = daily.set_index("date")
    m = d.resample("MS").agg({"people": "sum", "boats": "sum"})
    m["days"] = d.people.resample("MS").count()
    m["partial"] = m.days < m.index.days_in_month
    m["through"] = d.people.resample("MS").apply(lambda x: x.index.max().date())
    m["people_per_boat"] = (m.people / m.boats.where(m.boats > 0)).round(2)
    complete = m.people_per_boat.where(~m.partial)
    m["record_to_date"] = complete.cummax().ffill()
    prev = m.record_to_date.shift(1).fillna(0)
    m["is_record"] = complete.notna() & (complete > prev)
    m.index = m.index.strftime("%Y-%m")
    m.index.name = "month"
    return m.reset_index()


def on_day(daily: pd.DataFrame, day: dt.date) -> dict:
    """People and boats on one day, with its rank among all days of the series."""
    _date_range_check(daily, day)
    row = daily[daily.date == pd.Timestamp(day)].iloc[0]
    rank = int((daily.people > row.people).sum()) + 1
    return {
        "date": day,
        "people": int(row.people),
        "boats": int(row.boats),
        "rank_among_days": rank,
        "days_in_series": len(daily),
    }


def annual(daily: pd.DataFrame) -> pd.DataFrame:
    """Calendar-year totals from the daily series, with the record year marked (partial years flagged)."""
    y = daily.set_index("date").resample("YS").agg({"people": "sum", "boats": "sum"})
    y["days"] = daily.set_index("date").resample("YS").size()
    y.index = y.index.year
    y.index.name = "year"
    y = y.reset_index()
    y["complete"] = y.days >= 365
    full = y[y.complete]
    y["is_record"] = y.year == (full.loc[full.people.idxmax(), "year"] if len(full) else -1)
    return y


def share(value: float, per: str, against: float, against_per: str) -> dict:
    """What share ``value`` a ``per`` is of ``against`` a ``against_per``, on a common basis.

    Both figures are turned into a yearly rate (a week is 1/52 of a year, a day 1/365.25) before
    they are divided, so "50 a week against 41,472 a year" is 2,600 / 41,472.

    Returns:
        ``value_per_year, against_per_year, ratio, percent``.
    """

    def per_year(x: float, unit: str) -> float:
        if unit == "year":
            return x
        if unit == "week":
            return x * WEEKS_PER_YEAR
        if unit == "day":
            return x * PER_DAYS["year"]
        raise UsageError(f"a rate must be per day, week or year, not {unit!r}")

    a, b = per_year(value, per), per_year(against, against_per)
    if b == 0:
        raise UsageError("cannot take a share of zero")
    return {"value_per_year": a, "against_per_year": b, "ratio": a / b, "percent": round(a / b * 100, 3)}


def total_over(obs: pd.DataFrame, start: dt.date, end: dt.date) -> dict:
    """The total of a series over a window: every period that lies inside ``start`` to ``end``.

    A period that the window cuts through is refused rather than counted in part (a month of
    returns cannot be split into days without an assumption).

    Returns:
        ``total, days, periods, first, last, release_ids``.
    """
    if end < start:
        raise UsageError(f"the window ends ({end}) before it starts ({start})")
    cut = obs[
        (obs.period_start < start) & (obs.period_end >= start) | (obs.period_start <= end) & (obs.period_end > end)
    ]
    if len(cut):
        r = cut.iloc[0]
        raise UsageError(
            f"the window {start} to {end} cuts through the period {r.period_start} to {r.period_end} of "
            f"{r.series}; start and end the window on the series' own period boundaries"
        )
    inside = obs[(obs.period_start >= start) & (obs.period_end <= end)]
    if inside.empty:
        raise StoreError(f"no figures of the series lie between {start} and {end}")
    return {
        "total": float(inside.value.sum()),
        "days": (end - start).days + 1,
        "periods": len(inside),
        "first": inside.period_start.min(),
        "last": inside.period_end.max(),
        "release_ids": sorted({r for rid in inside.release_id for r in str(rid).split(",")}),
    }


def period_value(obs: pd.DataFrame, end: dt.date | None = None, year: int | None = None) -> pd.Series:
    """One figure of a non-daily series: the period ending ``end``, or calendar year ``year``.

    Quarterly series are summed over the year when asked for a ``year``.

    Raises:
        StoreError: no figure for that period.
    """
    if obs.empty:
        raise StoreError("the store holds no figures for this series")
    name = obs.series.iloc[0]
    if year is not None:
        exact = obs[(obs.period_start == dt.date(year, 1, 1)) & (obs.period_end == dt.date(year, 12, 31))]
        if len(exact):
            return exact.iloc[0]
        inside = obs[(obs.period_start >= dt.date(year, 1, 1)) & (obs.period_end <= dt.date(year, 12, 31))]
        if len(inside) == 4 and {p.month for p in inside.period_end} == {3, 6, 9, 12}:
            row = inside.iloc[-1].copy()
            row["period_start"], row["value"] = dt.date(year, 1, 1), inside.value.sum()
            row["release_id"] = ",".join(sorted(set(inside.release_id)))
            return row
        raise StoreError(f"no figure of {name} for the calendar year {year}")
    hit = obs[obs.period_end == end]
    if hit.empty:
        held = ", ".join(str(d) for d in obs.period_end.tail(6))
        raise StoreError(f"no figure of {name} for the period ending {end}; latest held: {held}")
    return hit.iloc[-1]


@dataclass(frozen=True)
class DailySeries:
    """The daily people-and-boats frame with the releases it came from and its attribution.

    Every face that shows daily figures gets them from :func:`daily_series`, so the frame, the
    releases behind it and the source line are assembled in one place.

    Attributes:
        frame: columns ``date, people, boats``, one row a day, no gaps.
        used: the ``(series, release_id)`` pairs the frame was read from.
        sources: the source of each release behind the frame, by release id.
    """

    frame: pd.DataFrame
    used: frozenset[tuple[str, str]]
    sources: dict[str, Source]

    @property
    def release_ids(self) -> list[str]:
        """The releases behind the frame, sorted (oldest vintage id first)."""
        return sorted(self.sources)

    @property
    def release(self) -> str:
        """The releases as one comma-separated label (as results record it)."""
        return ",".join(self.release_ids)

    @property
    def newest_release(self) -> str:
        """The release id that sorts last: the newest vintage behind the frame."""
        return self.release_ids[-1]

    @property
    def newest(self) -> dt.date:
        """The newest day held."""
        return self.frame.date.max().date()

    @property
    def attribution(self) -> str:
        """The source line printed under tables and charts."""
        return attribution([self.sources[r] for r in self.release_ids])

    def source_records(self) -> list[dict]:
        """Each source as a JSON-ready record with its release id."""
        return [self.sources[r].to_dict() | {"release_id": r} for r in self.release_ids]


def daily_series(store, as_of: str | None = None) -> DailySeries:
    """The daily series from a store (as of a release, if given), with its releases and sources."""
    obs = store.observations(["sb_people", "sb_boats"], as_of=as_of)
    frame = store.daily_from(obs)  # read once for both
    pairs = obs[["series", "release_id"]].drop_duplicates()
    used = frozenset((r.series, r.release_id) for r in pairs.itertuples())
    people_releases = sorted(set(obs[obs.series == "sb_people"].release_id))
    return DailySeries(frame, used, {r: store.source(r) for r in people_releases})


def records_table(daily: pd.DataFrame) -> pd.DataFrame:
    """The busiest day, week, month and year on record, and the highest people per boat in a month.

    Weeks end on Sunday, as in the Home Office tables. A period the data do not cover in full (the
    newest week, month or year, usually) is listed separately, marked ``partial``, when it would
    rank above the record; it never takes the record itself.

    Returns:
        ``measure, period, start, end, value, partial`` (one row a record, plus partial contenders).
    """
    d = daily.set_index("date")
    last = d.index.max()
    rows = []
    for measure, freq, label in (
        ("day", "D", "%Y-%m-%d"),
        ("week", "W-SUN", "week ending %Y-%m-%d"),
        ("month", "MS", "%B %Y"),
        ("year", "YS", "%Y"),
    ):
        g = d.people.resample(freq)
        totals, counts = g.sum(), g.count()
        starts = totals.index if freq != "W-SUN" else totals.index - pd.Timedelta(days=6)
        ends = {"D": totals.index, "W-SUN": totals.index}.get(freq)
        if ends is None:
            ends = (totals.index + pd.tseries.frequencies.to_offset(freq)) - pd.Timedelta(days=1)
        full_days = (ends - starts).days + 1
        partial = (counts.values < full_days) | (ends > last)
        frame = pd.DataFrame({"start": starts, "end": ends, "value": totals.values, "partial": partial})
        best = frame[~frame.partial].sort_values("value", ascending=False).iloc[0]
        for _, r in pd.concat([best.to_frame().T, frame[frame.partial & (frame.value > best.value)]]).iterrows():
            rows.append(
                {
                    "measure": f"people in a {measure}",
                    "period": pd.Timestamp(r.end if freq == "W-SUN" else r.start).strftime(label),
                    "start": r.start.date(),
                    "end": min(r.end, last).date(),
                    "value": float(r.value),
                    "partial": bool(r.partial),
                }
            )
    pb = per_boat_by_month(daily)
    top = pb[~pb.partial].sort_values("people_per_boat", ascending=False).iloc[0]
    for _, r in pd.concat([top.to_frame().T, pb[pb.partial & (pb.people_per_boat > top.people_per_boat)]]).iterrows():
        start = pd.Timestamp(r.month + "-01")
        rows.append(
            {
                "measure": "people per boat in a month",
                "period": start.strftime("%B %Y"),
                "start": start.date(),
                "end": r.through,
                "value": float(r.people_per_boat),
                "partial": bool(r.partial),
            }
        )
    return pd.DataFrame(rows)


def period_totals(daily: pd.DataFrame, period: str, measure: str = "people") -> pd.DataFrame:
    """Totals by day, week (ending Sunday), month or year, with the periods the data cover only in part flagged.

    Returns:
        ``label, start, end, value, partial`` (labels: ``2022-09-03``, week ending ``2022-08-28``,
        ``2022-08``, ``2022``).
    """
    freq = {"day": "D", "week": "W-SUN", "month": "MS", "year": "YS"}
    if period not in freq:
        raise UsageError(f"a period must be day, week, month or year, not {period!r}")
    d = daily.set_index("date")[measure]
    g = d.resample(freq[period])
    totals, counts = g.sum(), g.count()
    if period == "week":
        starts, ends = totals.index - pd.Timedelta(days=6), totals.index
    elif period == "day":
        starts, ends = totals.index, totals.index
    else:
        starts = totals.index
        ends = totals.index + pd.tseries.frequencies.to_offset(freq[period]) - pd.Timedelta(days=1)
    fmt = {"day": "%Y-%m-%d", "week": "%Y-%m-%d", "month": "%Y-%m", "year": "%Y"}[period]
    labels = (ends if period == "week" else starts).strftime(fmt)
    partial = (counts.values < ((ends - starts).days + 1)) | (ends > d.index.max())
    return pd.DataFrame({"label": labels, "start": starts, "end": ends, "value": totals.values, "partial": partial})


def rank_of(daily: pd.DataFrame, period: str, at: str, measure: str = "people", among: str = "all") -> int:
    """Where one period ranks by total (1 = the highest) among complete periods (or the same calendar month)."""
    t = period_totals(daily, period, measure)
    t = t[~t.partial]
    if at not in set(t.label):
        raise StoreError(f"{period} {at!r} is not a complete {period} of the daily data")
    if among == "same-month":
        t = t[t.label.str[5:7] == at[5:7]]
    value = float(t.loc[t.label == at, "value"].iloc[0])
    return int((t.value > value).sum()) + 1
