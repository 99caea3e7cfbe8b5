"""The questions, checked against figures computed independently from the official CSV."""

from __future__ import annotations

import datetime as dt
import math

import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from smallboats.data import queries as q
from smallboats.errors import StoreError


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


def _frames_answer(store, day, as_of=None):
    from smallboats.serialize import records

    d = q.daily_series(store, as_of)
    return records(q.so_far(d.frame, day)), d.release, d.attribution


def _sql_answer(store, day, as_of=None):
    from smallboats.data import quick

    found = quick.so_far(store, day, as_of)
    return None if found is None else (found.rows, found.release, found.attribution)


def _plain(answer):
    rows, release, line = answer
    return [{k: (v.isoformat() if isinstance(v, dt.date) else v) for k, v in r.items()} for r in rows], release, line


@pytest.mark.parametrize("as_of", [None, "ho-small-boats-timeseries@2025-12-12"])
def test_so_far_in_sql_is_the_frames_answer(store, as_of):
    """The command line's SQL path gives what the frame gives, to the digit, the sign of a zero and the source line."""
    days = ["2018-01-01", "2019-03-01", "2020-02-29", "2023-02-28", "2024-02-29", "2025-07-09", "2025-12-11"]
    for day in [dt.date.fromisoformat(d) for d in days] + [None]:
        expected = _frames_answer(store, day or q.daily_series(store, as_of).newest, as_of)
        got = _sql_answer(store, day, as_of)
        assert got is not None, day
        assert _plain(got) == _plain(expected), day
        for r, e in zip(got[0], expected[0], strict=True):
            assert math.copysign(1, r["pct_change"] or 1) == math.copysign(1, e["pct_change"] or 1)


def _tidy_store(tmp_path, releases):
    """A store of tidy CSV releases: ``{release_date: {day: (people, boats)}}``."""
    from smallboats.data.importers import read_file
    from smallboats.data.store import ReleaseStore

    s = ReleaseStore.create(tmp_path / "s.duckdb")
    head = "series,period_start,period_end,value,publisher,title,release_date,url,dataset\n"
    for n, (released, values) in enumerate(releases.items()):
        lines = [head] + [
            f"{sid},{day},{day},{v},Home Office,Test series,{released},https://example.org,test-daily\n"
            for day, pair in values.items()
            for sid, v in zip(("sb_people", "sb_boats"), pair, strict=True)
        ]
        f = tmp_path / f"r{n}.csv"
        f.write_text("".join(lines))
        s.load(read_file(f), str(f))
    return s


def _days(start, end, people):
    d, out = dt.date.fromisoformat(start), {}
    while d <= dt.date.fromisoformat(end):
        out[d.isoformat()] = people(d)
        d += dt.timedelta(days=1)
    return out


def test_so_far_in_sql_keeps_the_newest_release_of_each_day(tmp_path):
    """Two vintages: the newer revises some days and extends the series; years with no arrivals to date."""
    old = _days("2023-02-20", "2024-03-05", lambda d: (0, 0) if d.year == 2023 and d.month < 6 else (d.day, 1))
    new = _days("2024-02-25", "2025-03-10", lambda d: (d.day * 2 % 7 + 1, d.day % 2))
    s = _tidy_store(tmp_path, {"2024-03-06": old, "2025-03-11": new})
    for day in ("2024-02-29", "2025-02-28", "2025-03-01", "2023-04-01", "2024-03-05", "2025-03-10"):
        on = dt.date.fromisoformat(day)
        assert _plain(_sql_answer(s, on)) == _plain(_frames_answer(s, on)), day
    on = dt.date(2024, 2, 29)
    assert _plain(_sql_answer(s, on, "test-daily@2024-03-06")) == _plain(_frames_answer(s, on, "test-daily@2024-03-06"))
    assert _sql_answer(s, dt.date(2023, 2, 19)) is None and _sql_answer(s, dt.date(2025, 3, 11)) is None
    s.close()


def test_so_far_in_sql_leaves_a_series_with_a_gap_to_the_frame(tmp_path):
    days = _days("2025-01-01", "2025-01-10", lambda d: (5, 1))
    del days["2025-01-05"]
    s = _tidy_store(tmp_path, {"2025-01-11": days})
    assert _sql_answer(s, dt.date(2025, 1, 8)) is None
    with pytest.raises(StoreError, match="missing days"):
        q.daily_series(s)
    s.close()
