"""The questions, checked against figures computed independently from the official CSV."""

from __future__ import annotations

import datetime as dt

import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from smallboats.data import queries as q


@pytest.fixture(scope="module")
def official_daily(shared_data):
    """The recommended daily series, read with plain pandas (not the project's importers)."""
    return pd.read_csv(shared_data / "derived/small_boats_daily_2018-01-01_to_2026-08-20.csv", parse_dates=["date"])


def test_so_far_matches_an_independent_count(store, official_daily):
    out = q.so_far(store.daily(), dt.date(2025, 7, 9)).set_index("year")
    for year in range(2018, 2026):
        part = official_daily[(official_daily.date >= f"{year}-01-01") & (official_daily.date <= f"{year}-07-09")]
        assert out.loc[year, "people"] == part.migrants_arrived.sum()
        assert out.loc[year, "boats"] == part.boats_arrived.sum()
    assert out.loc[2025, "pct_change"] == 0
    expected = round((out.loc[2025, "people"] / out.loc[2024, "people"] - 1) * 100, 1)
    assert out.loc[2024, "pct_change"] == expected


def test_so_far_on_29_february_counts_to_28_february_in_other_years(store):
    out = q.so_far(store.daily(), dt.date(2024, 2, 29)).set_index("year")
    assert out.loc[2023, "to_date"] == dt.date(2023, 2, 28)
    assert out.loc[2024, "to_date"] == dt.date(2024, 2, 29)


def test_window_weekly_average(store, official_daily):
    w = q.window(store.daily(), dt.date(2025, 3, 1), dt.date(2025, 7, 10), by="month")
    part = official_daily[(official_daily.date >= "2025-03-01") & (official_daily.date <= "2025-07-10")]
    assert w["days"] == 132 and w["people"] == part.migrants_arrived.sum()
    assert w["people_per_week"] == round(part.migrants_arrived.sum() / 132 * 7, 1)
    assert w["periods"].people.sum() == w["people"]
    assert w["periods"].days.tolist() == [31, 30, 31, 30, 10]


def test_per_boat_records(store):
    pb = q.per_boat_by_month(store.daily()).set_index("month")
    assert pb.loc["2025-06", "people_per_boat"] == pytest.approx(5170 / 80, abs=0.01)
    assert bool(pb.loc["2025-06", "is_record"])
    before = pb.loc[:"2025-05", "people_per_boat"].max()
    assert pb.loc["2025-06", "people_per_boat"] > before
    # a record is never lower than any earlier month
    assert (pb.record_to_date.diff().dropna() >= 0).all()


def test_annual_record_year(store):
    y = q.annual(store.daily()).set_index("year")
    assert y.loc[2022, "people"] == 45755 and bool(y.loc[2022, "is_record"])
    assert not y.loc[2026, "complete"]


def test_share_puts_both_figures_on_a_yearly_basis():
    s = q.share(50, "week", 41472, "year")
    assert s["value_per_year"] == 2600
    assert s["percent"] == pytest.approx(2600 / 41472 * 100, abs=1e-3)
    with pytest.raises(Exception, match="per day, week or year"):
        q.share(50, "fortnight", 1, "year")


@settings(max_examples=40, deadline=None)
@given(st.lists(st.tuples(st.integers(0, 2000), st.integers(0, 40)), min_size=30, max_size=400), st.integers(0, 10_000))
def test_so_far_and_window_agree_with_sums(days, pick):
    rows = [(p, min(b, p)) for p, b in days]
    start = dt.date(2023, 12, 1)
    daily = pd.DataFrame(
        {"date": pd.date_range(start, periods=len(rows)), "people": [r[0] for r in rows], "boats": [r[1] for r in rows]}
    )
    on = start + dt.timedelta(days=pick % len(rows))
    sf = q.so_far(daily, on).set_index("year")
    jan1 = pd.Timestamp(on.year, 1, 1)
    mask = (daily.date >= jan1) & (daily.date <= pd.Timestamp(on))
    assert sf.loc[on.year, "people"] == daily[mask].people.sum()
    w = q.window(daily, start, on)
    assert w["people"] == daily[daily.date <= pd.Timestamp(on)].people.sum()
    assert w["days"] == (on - start).days + 1
