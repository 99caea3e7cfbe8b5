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
    # One statement: the series' shape, and the sums by year of the days up to the same day of the
    # year. A day counts when its month and day come no later than the day's, which is the rule of
    # same_day too (29 February counts to 28 February in a year without one).
    found = store.rows(
        f"""
        WITH cur AS MATERIALIZED ({current}),
        shape AS (
            SELECT count(*) FILTER (WHERE period_start <> period_end OR value <> trunc(value) OR value < 0) AS odd,
                   count(*) FILTER (WHERE series = 'sb_people') AS n_people,
                   count(*) FILTER (WHERE series = 'sb_boats') AS n_boats,
                   min(period_end) AS first, max(period_end) AS last,
                   list(DISTINCT release_id) FILTER (WHERE series = 'sb_people') AS releases,
                   coalesce(?::DATE, max(period_end)) AS upto
            FROM cur
        ),
        years AS (
            SELECT year(period_end) AS year,
                   coalesce(sum(value) FILTER (WHERE series = 'sb_people'), 0)::BIGINT AS people,
                   coalesce(sum(value) FILTER (WHERE series = 'sb_boats'), 0)::BIGINT AS boats
            FROM cur, shape
            WHERE period_end <= upto
              AND month(period_end) * 100 + day(period_end) <= month(upto) * 100 + day(upto)
            GROUP BY 1
        )
        SELECT odd, n_people, n_boats, first, last, releases, upto, year, people, boats
        FROM shape LEFT JOIN years ON true ORDER BY year
        """,
        [*params, on],
    )
    odd, n_people, n_boats, first, last, people_releases, day = found[0][:7]
    if first is None or odd or not n_people == n_boats == (last - first).days + 1:
        return None
    if not first <= day <= last:
        return None
    sums = {r[7]: r[8:] for r in found if r[7] is not None}
    ends = {y: same_day(y, day) for y in range(first.year, day.year + 1)}
    now = sums.get(day.year, (0, 0))[0]
    rows = []
    for year, end in ends.items():
        people, boats = sums.get(year, (0, 0))
        rows.append(
            {
                "year": year,
                "to_date": end,
                "people": people,
                "boats": boats,
                "pct_change": _round1((now / people - 1) * 100) if people > 0 else None,
                "difference": now - people,
            }
        )
    ids = sorted(people_releases)
    return SoFar(day, rows, ",".join(ids), attribution([store.source(r) for r in ids]))
