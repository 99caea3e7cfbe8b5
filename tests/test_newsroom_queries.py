"""Answers a journalist checks first: shares over a window, partial months, records, 'latest'."""

from __future__ import annotations

import pandas as pd
import pytest


def test_share_of_arrivals_over_the_same_window(home, cli):
    r = cli(
        "query",
        "share",
        "1087",
        "--per",
        "window",
        "--against",
        "sb_people",
        "--start",
        "2025-08-06",
        "--end",
        "2026-06-30",
        "--format",
        "json",
    )
    assert r.code == 0, r.err
    out = r.json()
    daily = pd.read_csv(
        pd.io.common.StringIO(
            cli("query", "window", "--start", "2025-08-06", "--end", "2026-06-30", "--format", "csv").out
        )
    )
    assert out["ratio"] == pytest.approx(1087 / float(daily.people.iloc[0]), rel=1e-9)
    assert out["window_days"] == 329


def test_share_of_a_series_total_honours_start(home, cli):
    r = cli(
        "query",
        "share",
        "1087",
        "--per",
        "window",
        "--against",
        "agreement_admitted",
        "--start",
        "2025-08-06",
        "--end",
        "2026-06-30",
        "--format",
        "json",
    )
    assert r.code == 0, r.err
    series = cli("query", "series", "agreement_admitted", "--format", "json").json()
    total = sum(o["value"] for o in series)
    assert r.json()["ratio"] == pytest.approx(1087 / total, rel=1e-9)


def test_share_refuses_a_window_that_cuts_a_month(home, cli):
    r = cli(
        "query",
        "share",
        "10",
        "--per",
        "window",
        "--against",
        "agreement_returned",
        "--start",
        "2025-08-10",
        "--end",
        "2026-06-30",
    )
    assert r.code == 2 and "cuts through" in r.err


def test_per_window_needs_the_window(home, cli):
    r = cli("query", "share", "10", "--per", "window", "--against", "ons_immigration")
    assert r.code == 2 and "--start and --end" in r.err


def test_a_partial_month_is_flagged_and_never_a_record(home, cli):
    rows = cli("query", "per-boat", "--format", "json").json()
    last = rows[-1]
    assert last["partial"] is True and last["is_record"] is False
    assert last["days"] < 31
    assert all(not r["partial"] for r in rows[:-1])
    csv = cli("query", "per-boat", "--format", "csv").out.splitlines()[0]
    assert "partial" in csv and "through" in csv


def test_records_list_the_busiest_periods(home, cli):
    rows = cli("query", "records", "--format", "json").json()
    by = {r["measure"]: r for r in rows if not r["partial"]}
    annual = cli("query", "annual", "--format", "json").json()
    best_year = max((a for a in annual if a["complete"]), key=lambda a: a["people"])
    assert by["people in a year"]["value"] == best_year["people"]
    day = cli("query", "day", "--date", by["people in a day"]["start"], "--format", "json").json()
    assert day["people"] == by["people in a day"]["value"]
    assert all(r["value"] > by[r["measure"]]["value"] for r in rows if r["partial"])


def test_latest_is_the_newest_day(home, cli):
    newest = cli("data", "status", "--format", "json").json()["newest_date"]
    a = cli("query", "day", "--format", "json").json()
    b = cli("query", "day", "--date", newest, "--format", "json").json()
    assert a == b
    assert cli("query", "so-far", "--date", "yesterday").code == 2
