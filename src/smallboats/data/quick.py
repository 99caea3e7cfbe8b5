"""Answers read straight from the store in SQL, without pandas, for a command that should answer at once.

Each gives exactly what its counterpart in :mod:`smallboats.data.queries` gives from the daily frame
of :func:`~smallboats.data.queries.daily_series` (the newest release of each day's figure, up to
``as_of``), and ``tests/test_queries.py`` compares the two. Only a clean daily series is answered
here: one figure of people and one of boats for every day from the first to the last, each a
whole number. Anything else (a gap, a figure that is not whole, a date outside the data, an empty
store) returns None, and the caller takes the frame's path, whose checks and messages are the
only ones.
"""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass

from smallboats.provenance import attribution

DAILY = ["sb_people", "sb_boats"]


def same_day(year: int, on: dt.date) -> dt.date:
    """``on``'s calendar date in ``year``; 29 February in a year without one is 28 February."""
    try:
        return on.replace(year=year)
    except ValueError:
        return dt.date(year, 2, 28)


@dataclass(frozen=True)
class SoFar:
    """Arrivals to the same day of every year, as :func:`smallboats.data.queries.so_far` gives them.

    Attributes:
        day: the day counted to.
        rows: one a year, ``year, to_date, people, boats, pct_change, difference`` (``pct_change``
            None when that year had no arrivals).
        release: the releases behind the daily series, comma-separated.
        attribution: their source line.
    """

    day: dt.date
    rows: list[dict]
    release: str
    attribution: str


def _round1(x: float) -> float:
    """``numpy.round(x, 1)``: ties to even on the binary value, and the sign of a zero kept."""
    return math.copysign(float(round(x * 10.0)) / 10.0, x)


def so_far(store, on: dt.date | None, as_of: str | None = None) -> SoFar | None:
    """Arrivals from 1 January to ``on`` (default: the newest day) in every year of the daily series.

    Returns:
        The rows, or None when the series is not clean or ``on`` lies outside it (see the module).
    """
    current, params = store.current(DAILY, as_of=as_of)
    (shape,) = store.rows(
        f"""
        WITH cur AS ({current})
        SELECT count(*) FILTER (WHERE period_start <> period_end OR value <> trunc(value) OR value < 0),
               count(*) FILTER (WHERE series = 'sb_people'),
               count(*) FILTER (WHERE series = 'sb_boats'),
               min(period_end), max(period_end),
               list(DISTINCT release_id) FILTER (WHERE series = 'sb_people')
        FROM cur
        """,
        params,
    )
    odd, n_people, n_boats, first, last, people_releases = shape
    if first is None or odd or not n_people == n_boats == (last - first).days + 1:
        return None
    day = last if on is None else on
    if not first <= day <= last:
        return None
    years = list(range(first.year, day.year + 1))
    ends = [same_day(y, day) for y in years]
    sums = store.rows(
        f"""
        WITH cur AS ({current}), span AS (SELECT unnest(?) AS year, unnest(?) AS upto)
        SELECT span.year,
               coalesce(sum(value) FILTER (WHERE series = 'sb_people'), 0)::BIGINT,
               coalesce(sum(value) FILTER (WHERE series = 'sb_boats'), 0)::BIGINT
        FROM span LEFT JOIN cur ON cur.period_end BETWEEN make_date(span.year, 1, 1) AND span.upto
        GROUP BY span.year ORDER BY span.year
        """,
        [*params, years, ends],
    )
    now = sums[-1][1]
    rows = [
        {
            "year": year,
            "to_date": end,
            "people": people,
            "boats": boats,
            "pct_change": _round1((now / people - 1) * 100) if people > 0 else None,
            "difference": now - people,
        }
        for (year, people, boats), end in zip(sums, ends, strict=True)
    ]
    ids = sorted(people_releases)
    return SoFar(day, rows, ",".join(ids), attribution([store.source(r) for r in ids]))
