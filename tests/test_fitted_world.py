"""The simulator draws its world from the fits: the level's walk and the fitted deterrence (issue 13 item 4).

The Bayesian fits take about a minute each on two cores; each is made once per test session (the
session's own cache) and every later use reads it back, which is what these tests check.
"""

from __future__ import annotations

import datetime as dt

import numpy as np
import pytest

from smallboats.analysis.estimate import bayes, world
from smallboats.errors import DataError, UsageError
from smallboats.model import Scenario, simulate
from smallboats.model.params import Crossings, Deterrence, Range, is_prior_table
from smallboats.model.rng import BLOCK

pytestmark = pytest.mark.slow

UNTIL = dt.date(2025, 8, 5)  # the presets start on the agreement's first day


@pytest.fixture(scope="module")
def built(bundled_template):
    """pilot-50 built twice with the fitted deterrence (the fits counted), and once with the uniform level."""
    from smallboats.analysis.scenarios import build_scenario
    from smallboats.data.bundle import open_default_store

    told: list[str] = []
    with open_default_store(bundled_template, read_only=True) as st:
        over = {"deterrence": {"form": "fitted"}}
        first = build_scenario("pilot-50", st, years=1, overrides=over, on_fit=told.append)
        after_first = list(told)
        second = build_scenario("pilot-50", st, years=1, overrides=over, on_fit=told.append)
        uniform = build_scenario("pilot-50", st, years=1, level="uniform", on_fit=told.append)
        from smallboats.analysis.estimate import estimate_deterrence, from_store

        dose = estimate_deterrence(from_store(st))
    return {
        "first": first,
        "second": second,
        "uniform": uniform,
        "told": told,
        "after_first": after_first,
        "dose": dose,
    }


def test_a_fit_is_announced_when_it_runs_and_read_from_the_cache_afterwards(built):
    # the session's cache may already hold a fit another test made; then nothing is announced at all
    assert all(m.startswith("Fitting ") and "cached" in m for m in built["told"])
    assert built["told"] == built["after_first"]  # the second build and the uniform one fitted nothing
    assert built["second"][1]["deterrence_fit"]["diagnostics"]["cached"] is True
    # the same scenario from the fit made and the fit read back (its record does not say which)
    assert built["first"][0] == built["second"][0]


def test_the_level_and_its_walk_are_posterior_draws_without_a_bound(built):
    sc, meta = built["first"]
    c = sc.crossings
    for prior in (c.inflow_per_day, c.level_drift_per_year):
        assert prior.draws is not None and len(prior.draws) == 1000
        assert prior.source.startswith("Fitted: ") and f"model version {bayes.MODEL_VERSION}" in prior.source
        assert meta["data_release"] in prior.source
    assert c.level_noise_sd.high == 0 and c.trend_per_year.high == 0  # the walk carries both
    assert c.level_noise_sd.source.startswith("Fitted: ")
    level = np.log(c.inflow_per_day.draws)
    old = built["uniform"][0].crossings.inflow_per_day
    assert old.draws is None and np.log(old.high / old.low) / 2 <= 0.3 + 1e-9  # the old range's clip
    # the posterior is wider than the old range: its 95% interval reaches past both of the old bounds
    assert np.quantile(level, 0.025) < np.log(old.low) and np.quantile(level, 0.975) > np.log(old.high)
    # the yearly drift is the knot scale made yearly
    sigma = np.sort(np.asarray(c.level_drift_per_year.draws)) / np.sqrt(365.25 / 28)
    assert 0.02 < np.median(sigma) < 0.5


def test_the_fitted_deterrence_is_the_dose_fits_posterior(built):
    sc, meta = built["first"]
    d = sc.deterrence
    e = np.asarray(built["dose"].fit.draws["elasticity"], dtype=float)
    np.testing.assert_allclose(np.sort(d.elasticity.draws), np.sort(np.round(np.minimum(e, 0.0), 4)))
    assert meta["deterrence_fit"]["share_above_zero"] == pytest.approx((e > 0).mean(), abs=1e-4)
    assert d.form == "fitted" and d.base_risk.high == built["dose"].base_rate
    assert d.lag_days.low == 7 * built["dose"].lag_weeks and d.announcement_drop.high == 0
    # the smoothing's mean age (1 / a days) equals the rate window's, (7 * 4 + 1) / 2 days
    a = 1 - 0.5 ** (1 / d.halflife_days.low)
    assert 1 / a == pytest.approx(14.5, rel=1e-3)


def test_the_same_seed_gives_the_same_numbers_however_the_runs_are_split(built):
    sc = built["first"][0]
    whole = simulate(sc, runs=2 * BLOCK, seed=11)
    parts = [simulate(sc, runs=BLOCK, seed=11, first_block=b) for b in (0, 1)]
    for k in whole.records:
        np.testing.assert_array_equal(whole.records[k], np.concatenate([p.records[k] for p in parts], axis=1))
    assert len(set(whole.priors["crossings.inflow_per_day"])) > BLOCK  # runs take different draws


def test_the_fitted_deterrence_lowers_arrivals_only_as_far_as_its_posterior_says(built):
    sc = built["first"][0]
    r = simulate(sc, runs=BLOCK, seed=3)
    e = r.priors["deterrence.elasticity"]
    put_off = (r.records["new_deterred"] + r.records["new_deflected"]).sum(axis=0)
    # runs that drew an elasticity of zero (the posterior's draws above zero among them) put nobody off,
    # there being no announcement effect apart; the strongly negative draws put people off
    assert (e == 0).any() and (put_off[e == 0] == 0).all()
    assert (put_off[e < -0.3] > 0).all()


def test_an_override_replaces_a_posterior_whole():
    post = Range.posterior([0.1, 0.3, 0.2], "Fitted: a test")
    assert is_prior_table(post.model_dump()) and is_prior_table({"low": 1, "high": 2})
    assert not is_prior_table({"form": "none"})
    sc = Scenario.from_dict(
        {"crossings": {"p_prevent": post.model_dump()}}, crossings={"p_prevent": {"low": 0.2, "high": 0.2}}
    )
    assert sc.crossings.p_prevent.draws is None and sc.crossings.p_prevent.high == 0.2
    with pytest.raises(DataError, match="least and greatest of the draws"):
        Scenario.from_dict({"crossings": {"p_prevent": post.model_dump() | {"low": 0.0}}})


def test_a_posterior_prior_takes_the_draw_its_uniform_points_to():
    post = Range.posterior([5.0, 7.0, 6.0, 8.0], "Fitted: a test")
    np.testing.assert_array_equal(post.at([0.0, 0.24, 0.25, 0.99, 1.0]), [5.0, 5.0, 7.0, 8.0, 8.0])
    assert Range.of(1.0, 3.0).at(0.5) == 2.0


def test_fitted_deterrence_without_draws_is_refused_with_a_message():
    with pytest.raises(DataError, match="deterrence.form.*posterior draws"):
        Scenario.from_dict({"deterrence": {"form": "fitted"}})


def test_an_unknown_level_prior_is_a_usage_error(bundled_template, cli):
    from smallboats.analysis.calibrate import fit_baseline
    from smallboats.data.bundle import open_default_store

    with open_default_store(bundled_template, read_only=True) as st:
        daily = st.daily()
    with pytest.raises(UsageError, match="--level-prior must be one of fitted, uniform"):
        fit_baseline(daily, None, UNTIL, level="wide")
    r = cli("simulate", "pilot-50", "--level-prior", "wide", "--runs", "10", "--store", str(bundled_template))
    assert r.code == 2 and "--level-prior" in r.err


def test_the_cli_and_the_what_if_accept_fitted_deterrence(built, bundled_template, cli):
    from smallboats.analysis.whatif import WhatIf

    assert WhatIf(deterrence="fitted").deterrence == "fitted"
    r = cli("simulate", "pilot-50", "--deterrence", "fitted", "--runs", "50", "--years", "1", "--format", "json")
    assert r.code == 0, r.err
    assert "Fitting" not in r.err  # the cache held both fits
    bad = cli("simulate", "pilot-50", "--deterrence", "strong", "--runs", "10")
    assert bad.code == 2 and "deterrence.form" in bad.err


@pytest.mark.parametrize("part", [Crossings, Deterrence])
def test_every_source_says_fitted_an_assumption_or_a_publication(part):
    """The one rule for sources (smallboats.model.docs.source_problem), on the parts this change touched."""
    from smallboats.model.docs import parameter_rows, source_problem

    for r in parameter_rows(part):
        assert source_problem(r["kind"], r["source"]) is None, f"{part.__name__}.{r['name']}: {r['source']!r}"


def test_the_level_world_converts_a_draw_as_documented():
    """One hand-made posterior draw: level, season and scale become people a day and a yearly drift."""
    import pandas as pd

    T = 8
    draws = {
        "knot": np.full((1, bayes.knots(T).shape[1]), np.log(700.0)),
        "beta_season": np.zeros((1, 4)),
        "sigma": np.array([0.1]),
        "n_weeks": np.array(T),
    }
    fit = bayes.Fit(draws=draws, diagnostics={})
    weeks = pd.date_range("2025-06-01", periods=T, freq="7D")
    out = world.level_world(fit, weeks, kept=0.5, release="r1")
    assert out["inflow_per_day"]["draws"] == [pytest.approx(700.0 / 7 / 0.5)]
    assert out["level_drift_per_year"]["draws"] == [pytest.approx(0.1 * np.sqrt(365.25 / 28), abs=1e-4)]
    assert "r1" in out["inflow_per_day"]["source"]


def test_the_apis_what_if_accepts_fitted_deterrence(built, bundled_template, tmp_path):
    import shutil

    from fastapi.testclient import TestClient

    from smallboats.web.app import create_app

    shutil.copy(bundled_template, tmp_path / "smallboats.duckdb")
    with TestClient(create_app(tmp_path / "smallboats.duckdb")) as c:
        body = {"scenario": "pilot-50", "runs": 50, "seed": 2, "years": 1, "what_if": {"deterrence": "fitted"}}
        r = c.post("/api/v1/simulate", json=body)
        assert r.status_code == 200, r.text
        assert r.json()["what_if"]["deterrence"] == "fitted"
        bad = c.post("/api/v1/simulate", json=body | {"what_if": {"deterrence": "strong"}})
        assert bad.status_code == 422 and "deterrence" in bad.text
