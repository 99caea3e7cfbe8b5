"""One question, one answer: the same what-if through every face, and mechanisms true to the record."""

from __future__ import annotations

import datetime as dt
import json

import numpy as np
import pandas as pd
import pytest
from fastapi.testclient import TestClient

from smallboats.analysis.scenarios import build_scenario
from smallboats.data.bundle import open_default_store
from smallboats.model import simulate
from smallboats.model.docs import source_problem, source_problems
from smallboats.model.params import Scenario, detention_places_for

RUNS, SEED, FORM, QUOTA = 250, 11, "elasticity", 1000


# --- one translation -----------------------------------------------------------------------------


def _simulate_cli(cli, tmp_path) -> tuple[float, float, float]:
    scenario = tmp_path / "q1000.toml"
    scenario.write_text(
        f'name = "q1000"\n[scheme.quota]\nkind = "fixed"\nper_week = {QUOTA}\n[deterrence]\nform = "{FORM}"\n'
    )
    r = cli("simulate", scenario, "--runs", RUNS, "--seed", SEED, "--years", 1, "--format", "json")
    assert r.code == 0, r.err
    out = json.loads(r.out)
    year = {y["variable"]: y for y in out["years"] if y["year"] == 1}
    return year["returned"]["median"], -year["arrivals"]["effect_relative"]["median"], out["detention_places"]


def _sweep_cli(cli, tmp_path) -> tuple[float, float, float]:
    grid = tmp_path / "grid.toml"
    grid.write_text(f'[grid]\n"scheme.quota.per_week" = [{QUOTA}]\n"deterrence.form" = ["{FORM}"]\n')
    out = tmp_path / "sweep"
    r = cli("sweep", grid, "--out", out, "--runs", RUNS, "--seed", SEED, "--years", 1, "--dask", "none")
    assert r.code == 0, r.err
    df = pd.read_parquet(out)
    df = df[df.year == 1]
    cut = 1 - df.arrivals / df.cf_arrivals.clip(lower=1)
    return float(df.returned.median()), float(cut.median()), float(df.detention_places.iloc[0])


def _threshold_cli(cli) -> tuple[float, float, float]:
    r = cli(
        "threshold", "--quota", QUOTA, "--years", 1, "--year", 1, "--runs", RUNS, "--seed", SEED, "--format", "json"
    )
    assert r.code == 0, r.err
    row = next(x for x in json.loads(r.out) if x["assumption"] == FORM and x["year"] == "1")
    return row["returned_median"], row["cut_median"], row["detention_places"]


def _api(store_path) -> tuple[float, float, float]:
    from smallboats.web.app import create_app

    body = {
        "scenario": "pilot-50",
        "runs": RUNS,
        "seed": SEED,
        "years": 1,
        "what_if": {"quota_per_week": QUOTA, "deterrence": FORM},
    }
    with TestClient(create_app(store_path), raise_server_exceptions=False) as c:
        r = c.post("/api/v1/simulate", json=body)
    assert r.status_code == 200, r.text
    out = r.json()
    year = {y["variable"]: y for y in out["years"] if y["year"] == 1}
    return (
        year["returned"]["median"],
        -year["arrivals"]["effect_relative"]["median"],
        out["what_if"]["detention_places"],
    )


def test_the_same_what_if_gives_the_same_answer_through_every_face(cli, home, tmp_path):
    faces = {
        "simulate": _simulate_cli(cli, tmp_path),
        "sweep": _sweep_cli(cli, tmp_path),
        "threshold": _threshold_cli(cli),
        "api": _api(home / "smallboats.duckdb"),
    }
    returned = {k: v[0] for k, v in faces.items()}
    cut = {k: v[1] for k, v in faces.items()}
    places = {k: v[2] for k, v in faces.items()}
    assert set(places.values()) == {detention_places_for(QUOTA)}, places
    assert max(returned.values()) - min(returned.values()) <= 0.5, returned  # the summary rounds to 0.1
    assert max(cut.values()) - min(cut.values()) <= 1e-4, cut  # the summary rounds to 4 places
    assert returned["api"] > 4 * 52 * 50  # several times the pilot's yearly returns: the places do not bind


def test_places_follow_the_quota_unless_a_scenario_gives_them():
    sc = Scenario()
    assert sc.scheme.detention_places is None
    assert sc.scheme.places() == detention_places_for(sc.scheme.quota.per_week)
    sc.scheme.quota.per_week = 2000
    assert sc.scheme.places() == detention_places_for(2000) > detention_places_for(50)
    sc.scheme.detention_places = 300
    assert sc.scheme.places() == 300


# --- honest sources -----------------------------------------------------------------------------


def test_every_parameter_names_a_publication_or_says_assumption():
    assert source_problems() == []


@pytest.mark.parametrize(
    "kind, source",
    [
        ("study", "Modern-slavery referral rates of 50-73% (issue 4)"),
        ("study", "Information lag of 2-8 weeks"),
        ("official", "Announced pilot rate"),
        ("assumption", "a few give up each day"),
        ("fitted", "Fitted: from somewhere"),
        ("official", "Home Office figures, see ticket 12"),
    ],
)
def test_the_source_rule_refuses_what_names_no_publication(kind, source):
    assert source_problem(kind, source) is not None


def test_the_source_rule_accepts_a_named_publication():
    assert source_problem("study", "Hatton (2009), The Economic Journal") is None
    assert source_problem("official", "Home Office monthly table, 16 Jul 2026") is None


# --- the published record -----------------------------------------------------------------------


@pytest.fixture(scope="module")
def actual(bundled_template):
    with open_default_store(bundled_template, read_only=True) as st:
        sc, meta = build_scenario("actual", st, years=1)
        ret = st.observations("agreement_returned")
        adm = st.observations("agreement_admitted")
    r = simulate(sc, runs=RUNS, seed=7, counterfactual=False)
    return sc, meta, r, ret, adm


def _cumulative_at(r, sc, month_ends, what: str) -> np.ndarray:
    cum = np.cumsum(r.records[f"new_{what}"], axis=0)
    idx = [(d - sc.start).days for d in month_ends]
    return np.median(cum[idx], axis=1)


def test_actual_returns_and_admissions_match_the_published_totals(actual):
    sc, meta, r, ret, adm = actual
    end = max(ret.period_end)
    assert end == dt.date(2026, 6, 30)
    for what, obs in (("returned", ret), ("admitted", adm)):
        got = _cumulative_at(r, sc, [end], what)[0]
        assert abs(got / obs.value.sum() - 1) < 0.10, (what, got, obs.value.sum())


def test_actual_returns_track_the_published_path_from_the_first_month(actual):
    sc, meta, r, ret, _ = actual
    ret = ret[ret.value.cumsum() > 0]
    got = _cumulative_at(r, sc, list(ret.period_end), "returned")
    published = ret.value.cumsum().to_numpy()
    assert meta["selections"]["lead_days"] > 0  # selections come weeks before their returns
    assert np.all(np.abs(got - published) <= np.maximum(0.15 * published, 10)), list(zip(got, published, strict=True))


def test_admissions_may_run_ahead_of_returns(actual):
    sc, _, r, _, _ = actual
    assert sc.scheme.admission_balance.high > 0 > sc.scheme.admission_balance.low
    gap = np.cumsum(r.records["new_admitted"], axis=0) - np.cumsum(r.records["new_returned"], axis=0)
    assert gap.max() > 0  # not capped at returns
    assert gap.max() <= sc.scheme.admission_balance.high + 1  # never past the run's balance


# --- quota effects by scheme year --------------------------------------------------------------


def test_the_quota_curve_reports_each_scheme_year_and_the_binding_constraint(bundled_template):
    from smallboats.analysis.threshold import CONSTRAINTS, quota_curve, smallest_quota

    with open_default_store(bundled_template, read_only=True) as st:
        base, _ = build_scenario("pilot-50", st, years=2)
    curve = quota_curve(base, forms=("none",), grid=(50, 4000), runs=RUNS, seed=3, years=2, dask=None)
    assert list(curve.year) == ["1", "2", "steady"] * 2
    assert set(curve.binding) <= set(CONSTRAINTS)
    big = curve[curve.weekly_quota == 4000].set_index("year")
    assert big.loc["1", "binding"] != "none"  # 4,000 a week cannot be delivered from these arrivals
    assert big.loc["1", "detention_places"] == detention_places_for(4000)
    assert big.loc["1", "returned_median"] < big.loc["1", "quota_offered"]
    assert smallest_quota(curve, 0.99, 0.8)[0]["year"] == "steady"


# --- people per boat -----------------------------------------------------------------------------


def test_people_per_boat_follow_the_record(bundled_template):
    with open_default_store(bundled_template, read_only=True) as st:
        sc, _ = build_scenario("no-scheme", st, years=1)
        daily = st.daily()
    r = simulate(sc, runs=RUNS, seed=5, counterfactual=False)
    people = pd.DataFrame(r.records["new_arrivals"], index=r.dates).resample("MS").sum()
    boats = pd.DataFrame(r.records["new_boats"], index=r.dates).resample("MS").sum()
    year = slice("2025-08-01", "2026-07-31")
    obs = daily.set_index("date")[["people", "boats"]].resample("MS").sum().loc[year]
    model_year = float(np.median(people.loc[year].sum() / boats.loc[year].sum()))
    observed_year = obs.people.sum() / obs.boats.sum()
    assert abs(model_year / observed_year - 1) < 0.05, (model_year, observed_year)
    ppb = (people / boats.where(boats > 0)).loc[year]
    inside = (obs.people / obs.boats).between(ppb.quantile(0.05, axis=1), ppb.quantile(0.95, axis=1))
    assert inside.sum() >= 9, inside
