"""Every official file the importers claim to read, checked against PROVENANCE.md's figures."""

from __future__ import annotations

import datetime as dt

import pandas as pd
import pytest

from smallboats.data.importers import read_file
from smallboats.data.store import ReleaseStore
from smallboats.errors import DataError

NEW_ODS = "home_office_small_boats_thenational/data_small_boats_time_series.ods"
OLD_ODS = "home_office_small_boats_rvaughan/12_December_2025_Small_boats_-_time_series.ods"


def _one(shared, rel):
    (release,) = read_file(shared / rel)
    return release


def _sum(obs, series, year):
    o = obs[obs.series == series]
    return o[[d.year == year for d in o.period_end]].value.sum()


def test_new_workbook_daily_and_weekly(shared_data):
    r = _one(shared_data, NEW_ODS)
    obs = r.observations
    people = obs[obs.series == "sb_people"]
    assert len(people) == 3154
    assert people.period_end.min() == dt.date(2018, 1, 1)
    assert people.period_end.max() == dt.date(2026, 8, 20)
    assert r.source.release_date == dt.date(2026, 8, 21)
    assert r.source.publisher == "Home Office"
    assert "Open Government Licence v3.0" == r.source.licence
    # PROVENANCE: time-series annual totals; 2022 is 45,755 in the daily series.
    assert _sum(obs, "sb_people", 2022) == 45755
    assert _sum(obs, "sb_people", 2020) == 8462
    assert _sum(obs, "sb_boats", 2022) == 1110
    assert _sum(obs, "sb_people", 2025) == 41472
    # French preventions: 22,476 people in 2025 (weeks ending in 2025); 243 in w/e 21 Sep 2025.
    assert _sum(obs, "sb_week_prevented_people", 2025) == 22476
    week = obs[obs.period_end == dt.date(2025, 9, 21)].set_index("series").value
    assert week["sb_week_prevented_people"] == 243
    assert week["sb_week_people"] == 1157 and week["sb_week_boats"] == 14
    # prevention figures start with the week ending 5 May 2024: earlier weeks are missing, not zero
    prev = obs[obs.series == "sb_week_prevented_people"]
    assert prev.period_end.min() == dt.date(2024, 5, 5)
    # uncontrolled landings were not recorded at first: missing, never zero
    unc = obs[obs.series == "sb_boats_uncontrolled"]
    assert unc.period_end.min() > dt.date(2018, 1, 1)


def test_old_workbook_and_no_revision_in_overlap(shared_data, tmp_path):
    old = _one(shared_data, OLD_ODS)
    assert old.observations[old.observations.series == "sb_people"].period_end.max() == dt.date(2025, 12, 11)
    assert old.source.release_date == dt.date(2025, 12, 12)
    st = ReleaseStore.create(tmp_path / "s.duckdb")
    st.load([old], OLD_ODS)
    st.load(read_file(shared_data / NEW_ODS), NEW_ODS)
    rev = st.revisions()
    # PROVENANCE: no daily value in the overlap was revised between the two vintages
    assert rev[rev.series == "sb_people"].empty
    st.close()


def test_daily_csv_layouts_match_the_workbook(shared_data):
    ods = _one(shared_data, NEW_ODS).observations
    derived = _one(shared_data, "derived/small_boats_daily_2018-01-01_to_2026-08-20.csv").observations
    rv = _one(shared_data, "home_office_small_boats_rvaughan/daily_small_boats.csv").observations
    key = ["series", "period_end"]
    a = ods[ods.series.isin(["sb_people", "sb_boats"])].set_index(key).value
    b = derived[derived.series.isin(["sb_people", "sb_boats"])].set_index(key).value
    c = rv.set_index(key).value
    pd.testing.assert_series_equal(a.sort_index(), b.sort_index(), check_names=False)
    both = c.index.intersection(a.index)
    assert len(both) == len(a)  # rvaughan's copy covers every workbook day (and one more)
    assert (c.loc[both] == a.loc[both]).all()


def test_weekly_prevented_tables(shared_data):
    d = _one(shared_data, "derived/ho_sb02_weekly_arrivals_and_french_preventions_to_2026-08-16.csv")
    assert _sum(d.observations, "sb_week_prevented_people", 2025) == 22476
    assert d.source.release_date == dt.date(2026, 8, 21)  # the Friday after the last week
    rv = _one(shared_data, "home_office_small_boats_rvaughan/weekly_small_boats.csv").observations
    # rvaughan writes 0 for weeks before prevention figures were published: read as missing
    assert rv[rv.series == "sb_week_prevented_people"].period_end.min() >= dt.date(2024, 5, 5)


def test_agreement_monthly(shared_data):
    r = _one(
        shared_data, "uk_france_returns/ho_uk_france_agreement_transfers_and_returns_monthly_2025-08_to_2026-06.csv"
    )
    obs = r.observations
    assert obs[obs.series == "agreement_returned"].value.sum() == 1087
    assert obs[obs.series == "agreement_admitted"].value.sum() == 1117
    assert obs.period_start.min() == dt.date(2025, 8, 6)
    assert r.source.release_date == dt.date(2026, 7, 16)


def test_annual_tables(shared_data):
    ier = _one(shared_data, "home_office_quarterly_stats_webtrackerxy/small_boat_arrivals_annual_IER_02a_jun2026.csv")
    o = ier.observations.set_index(["series", "period_end"]).value
    assert o[("sb_year_people", dt.date(2022, 12, 31))] == 45774
    assert o[("sb_year_people", dt.date(2020, 12, 31))] == 8466
    assert o[("sb_year_boats", dt.date(2022, 12, 31))] == 1110
    assert o[("sb_year_people", dt.date(2026, 6, 30))] == 11884
    ret = _one(shared_data, "derived/uk_returns_by_type_quarterly_2004Q1_2025Q4.csv").observations
    assert _sum(ret, "returns_enforced", 2024) == 8169  # the Dec 2025 returns dataset
    meth = _one(shared_data, "derived/irregular_arrivals_by_method_2018_2023Q3_from_Irr_D01.csv").observations
    assert _sum(meth, "irregular_small_boat", 2022) == 45774
    q3 = meth[(meth.series == "irregular_small_boat") & (meth.period_start == dt.date(2023, 1, 1))]
    assert q3.period_end.iloc[0] == dt.date(2023, 9, 30)  # 2023 is Q1-Q3 only


def test_ons_releases(shared_data):
    rels = read_file(shared_data / "ons_net_migration/ons_ltim_headline_figures_by_release.csv")
    by_date = {r.source.release_date: r for r in rels}
    may25 = by_date[dt.date(2025, 5, 22)].observations.set_index(["series", "period_end"]).value
    assert may25[("ons_net_migration", dt.date(2024, 12, 31))] == 431000
    assert may25[("ons_immigration", dt.date(2024, 12, 31))] == 948000
    assert may25[("ons_emigration", dt.date(2024, 12, 31))] == 517000
    assert may25[("ons_net_migration", dt.date(2023, 12, 31))] == 860000
    assert by_date[dt.date(2025, 5, 22)].source.publisher == "Office for National Statistics"
    # rows the compiler could not verify are left out
    assert dt.date(2026, 5, 21) not in by_date


def test_headline_figures(shared_data):
    rels = read_file(shared_data / "official_headline_figures/home_office_other_headline_figures.csv")
    obs = pd.concat([r.observations.assign(rd=r.source.release_date) for r in rels])
    v = obs.set_index("series").value
    assert v["exit_checks_visas_expired"] == 1_900_000
    assert v["exit_checks_unmatched_pct"] == 4.4
    assert obs[obs.series == "exit_checks_visas_expired"].rd.iloc[0] == dt.date(2020, 8, 27)
    assert len({r.release_id for r in rels}) == len(rels)


@pytest.mark.parametrize(
    "rel, words",
    [
        (
            "home_office_irregular_migration_brc/irregular-migration-to-the-UK-detailed-dataset-year-ending-september-2023.xlsx",
            "no sheet SB_01",
        ),
        (
            "home_office_quarterly_stats_webtrackerxy/small_boat_arrivals_by_nationality_IER_02b_jun2026.csv",
            "match no layout",
        ),
        ("home_office_small_boats_migrantcross/returns.json", "not a format"),
    ],
)
def test_files_of_other_publications_are_refused(shared_data, rel, words):
    with pytest.raises(DataError) as e:
        read_file(shared_data / rel)
    assert words in str(e.value)
    assert rel.split("/")[-1] in str(e.value)
