"""Claims a fact-checker writes: totals over a period, ranks and records, and a comparison with a named year."""

from __future__ import annotations

import pytest

CLAIMS = """
title = "Fact-checker's claims"

[[claim]]
id = "returns-to-june"
text = "1,087 people were returned to France under the agreement by the end of June 2026."
date = 2026-07-16
stated = 1087
comparison = "equals"
compute = { kind = "total", series = "agreement_returned", start = 2025-08-01, end = 2026-06-30 }

[[claim]]
id = "busiest-day"
text = "3 September 2022 was the busiest day on record."
date = 2026-08-21
stated = 1
comparison = "equals"
compute = { kind = "rank", period = "day", at = "2022-09-03" }

[[claim]]
id = "highest-june"
text = "June 2025 was not the highest June on record."
date = 2026-08-21
stated = 1
comparison = "more-than"
compute = { kind = "rank", period = "month", at = "2025-06", among = "same-month" }

[[claim]]
id = "half-again-on-2024"
text = "Arrivals in 2025 to 9 July were half as high again as in 2024 to the same date."
date = 2025-07-10
stated = 50
comparison = "more-than"
compute = { kind = "so-far", date = 2025-07-09, statistic = "increase_pct_on", against = 2024 }
"""


def test_totals_ranks_and_named_years(home, cli, tmp_path):
    f = tmp_path / "mine.toml"
    f.write_text(CLAIMS)
    r = cli("claims", "check", f, "--format", "json")
    assert r.code == 0, r.err
    got = {c["id"]: c for c in r.json()}
    series = cli("query", "series", "agreement_returned", "--format", "json").json()
    assert got["returns-to-june"]["computed"] == sum(o["value"] for o in series if o["period_end"] <= "2026-06-30")
    assert got["returns-to-june"]["verdict"] == "holds"
    records = {x["measure"]: x for x in cli("query", "records", "--format", "json").json() if not x["partial"]}
    assert records["people in a day"]["start"] == "2022-09-03" and got["busiest-day"]["verdict"] == "holds"
    so_far = {x["year"]: x for x in cli("query", "so-far", "--date", "2025-07-09", "--format", "json").json()}
    want = (so_far[2025]["people"] / so_far[2024]["people"] - 1) * 100
    assert got["half-again-on-2024"]["computed"] == pytest.approx(want, abs=1e-3)
    assert got["highest-june"]["computed"] >= 1


def test_bad_claims_are_named(home, cli, tmp_path):
    f = tmp_path / "bad.toml"
    f.write_text(CLAIMS.replace('among = "same-month"', 'among = "same-month", period_x = 1'))
    r = cli("claims", "check", f)
    assert r.code == 2 and "period_x" in r.err
    f.write_text(CLAIMS.replace('statistic = "increase_pct_on", against = 2024', 'statistic = "increase_pct_on"'))
    r = cli("claims", "check", f)
    assert r.code == 2 and "against" in r.err
    r = cli(
        "claims",
        "new",
        "--out",
        tmp_path / "n.toml",
        "--id",
        "x",
        "--text",
        "t",
        "--stated",
        "1",
        "--comparison",
        "equals",
        "--date",
        "2025-01-01",
        "--kind",
        "constant",
    )
    assert r.code == 2 and "compared with a figure computed from the data" in r.err
