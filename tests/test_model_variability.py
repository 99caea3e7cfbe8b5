"""A simulator as variable as the record: launch shocks, a drifting level, prevention attrition (issues 13, 14)."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from smallboats.model import Scenario, kernel, simulate
from smallboats.model.inputs import draw_priors
from smallboats.model.rng import streams


@pytest.mark.parametrize("shape", [0.25, 1.0, 4.0, 30.0])
def test_gamma_matches_its_law(shape):
    out = np.zeros(100_000)
    kernel.sample(5, streams(3, 0, 1), kernel.G_SHOCK, shape, 0.0, out)
    assert stats.kstest(out, stats.gamma(shape).cdf).pvalue > 1e-3
    assert abs(out.mean() - shape) < 5 * np.sqrt(shape / len(out))


@pytest.fixture(scope="module")
def fit(bundled_template):
    from smallboats.analysis.calibrate import fit_baseline
    from smallboats.data.bundle import open_default_store

    with open_default_store(bundled_template, read_only=True) as st:
        daily = st.daily()
        weekly = st.observations(["sb_week_people", "sb_week_prevented_people"])
    # the moment fit ("uniform"): these tests are of the mechanisms and of the moment fit's figures; the
    # fitted level is tested in test_fitted_world.py
    return fit_baseline(daily, weekly, dt.date(2026, 8, 5), level="uniform"), daily


def _scenario(fit, years=1.0, **crossings) -> Scenario:
    c = {k: v for k, v in fit.items() if k != "fit"}
    c |= {k: ({"low": v, "high": v} if isinstance(v, float | int) else v) for k, v in crossings.items()}
    return Scenario.from_dict({"start": "2025-08-06", "years": years, "crossings": c, "scheme": {"enabled": False}})


def _weekly(r) -> np.ndarray:
    x = r.records["new_arrivals"].astype(float)
    return x[: len(x) // 7 * 7].reshape(-1, 7, x.shape[1]).sum(axis=1)


def test_launch_shocks_make_weeks_vary_but_keep_the_year(fit):
    """A shock moves people between days (the coast stock keeps them), so weeks vary more and years barely."""
    calm = simulate(_scenario(fit[0], launch_shock_cv=0.0), runs=250, seed=4, counterfactual=False)
    shocked = simulate(_scenario(fit[0], launch_shock_cv=2.0), runs=250, seed=4, counterfactual=False)
    cv = [np.median(w.std(axis=0) / w.mean(axis=0)) for w in (_weekly(calm), _weekly(shocked))]
    assert cv[1] > cv[0] + 0.2, cv
    totals = [r.records["new_arrivals"].sum(axis=0).mean() for r in (calm, shocked)]
    assert abs(totals[1] / totals[0] - 1) < 0.05, totals


def test_a_drifting_level_widens_the_years_and_keeps_their_median(fit):
    fixed = simulate(_scenario(fit[0], years=2, level_drift_per_year=0.0), runs=500, seed=6, counterfactual=False)
    drift = simulate(_scenario(fit[0], years=2, level_drift_per_year=0.5), runs=500, seed=6, counterfactual=False)
    year2 = [r.records["new_arrivals"][365:730].sum(axis=0) for r in (fixed, drift)]
    assert np.log(year2[1]).std() > np.log(year2[0]).std() + 0.15
    # zero-mean steps of the log level, as the fitted model's walk, keep its median (tolerance: 6%, the
    # median's sampling error at this spread is about 3%); the mean grows with the spread
    assert abs(np.median(year2[1]) / np.median(year2[0]) - 1) < 0.06
    assert year2[1].mean() > year2[0].mean()


def test_more_prevention_lowers_a_years_arrivals_when_some_give_up(fit):
    """With no attrition everyone stopped tries again; with it, prevention cuts the year's arrivals."""

    def year(p_prevent, give_up):
        sc = _scenario(fit[0], p_prevent=p_prevent, p_prevented_give_up=give_up)
        return simulate(sc, runs=250, seed=8, counterfactual=False).records["new_arrivals"].sum(axis=0).mean()

    without = year(0.35, 0.0) / year(0.10, 0.0) - 1
    with_attrition = year(0.35, 0.2) / year(0.10, 0.2) - 1
    assert abs(without) < 0.03, without
    # expected: 1 - (1 - 0.35 a / (1 - 0.35 (1 - a))) / (1 - 0.10 a / (1 - 0.10 (1 - a))) at a = 0.2
    expected = (1 - 0.07 / 0.72) / (1 - 0.02 / 0.92) - 1
    assert with_attrition == pytest.approx(expected, abs=0.02), (with_attrition, expected)


def test_those_who_give_up_leave_the_coast_and_every_person_is_counted(fit):
    r = simulate(_scenario(fit[0], p_prevented_give_up=0.3), runs=250, seed=2, counterfactual=False)
    x = {k: v.astype(np.int64) for k, v in r.records.items() if k.startswith(("new_", "n_"))}
    assert (x["new_gave_up"] <= x["new_prevented"]).all() and x["new_gave_up"].sum() > 0
    assert (x["new_gave_up"][:-1] <= x["new_left_coast"][1:]).all()
    coast = x["n_coast"]
    expect = (
        coast[:-1]
        - x["new_left_coast"][1:]
        + x["new_inflow"][1:]
        + x["new_prevented"][:-1]
        + x["new_recrossed"][:-1]
        - x["new_launches"][1:]
    )
    assert (coast[1:] == expect).all() and (coast >= 0).all()


def test_new_priors_do_not_move_the_draws_of_the_old_ones(fit):
    a = draw_priors(_scenario(fit[0]), streams(5, 0, 250))
    b = draw_priors(
        _scenario(fit[0], launch_shock_cv={"low": 0.0, "high": 3.0}, p_prevented_give_up={"low": 0.0, "high": 0.5}),
        streams(5, 0, 250),
    )
    for key in a:
        if key not in ("crossings.launch_shock_cv", "crossings.p_prevented_give_up"):
            np.testing.assert_array_equal(a[key], b[key], err_msg=key)
    assert b["crossings.launch_shock_cv"].std() > 0.5


def test_calibration_matches_the_records_variability(fit):
    """The fitted shock brings the model's weekly CV, quiet weeks and zero days to the record's (stated tolerance)."""
    f = fit[0]["fit"]
    for name, tol in (("weekly_cv", 0.15), ("share_quiet_weeks", 0.08), ("zero_day_share_last_52_weeks", 0.05)):
        assert abs(f[f"{name}_model"] - f[f"{name}_record"]) < tol, (name, f)
    assert fit[0]["launch_shock_cv"]["high"] > 0.5  # the record of 2025-26 is far from smooth
    assert fit[0]["level_drift_per_year"]["low"] > 0
    # the fitted level allows for those who give up, so the model still reproduces the record's year
    daily = fit[1]
    window = daily[(daily.date > pd.Timestamp(2025, 8, 5)) & (daily.date <= pd.Timestamp(2026, 8, 5))]
    sc = Scenario.from_dict(
        {"start": "2025-08-06", "years": 1, "crossings": fit[0], "scheme": {"enabled": False}}, file="fit"
    )
    sim = simulate(sc, runs=250, seed=1, counterfactual=False).records["new_arrivals"][:365].sum(axis=0)
    assert np.quantile(sim, 0.05) < window.people.sum() < np.quantile(sim, 0.95)


def test_a_fit_without_the_variability_step_leaves_the_default(fit):
    from smallboats.analysis.calibrate import fit_baseline

    quick = fit_baseline(fit[1], None, dt.date(2026, 8, 5), variability=False, level="uniform")
    assert "launch_shock_cv" not in quick and "weekly_cv_model" not in quick["fit"]
    assert Scenario.from_dict({"crossings": quick}).crossings.launch_shock_cv.high == 0.0


def test_a_passing_level_deviation_widens_a_month_and_keeps_its_mean(fit):
    def month(sd):
        sc = _scenario(fit[0], years=28 / 365.25, level_noise_sd=sd, launch_shock_cv=0.0)
        return simulate(sc, runs=1000, seed=12, counterfactual=False).records["new_arrivals"].sum(axis=0)

    plain, noisy = month(0.0), month(0.4)
    assert np.log1p(noisy).std() > np.log1p(plain).std() + 0.12  # a month averages the deviation: about 0.3 of 0.4
    assert abs(noisy.mean() / plain.mean() - 1) < 0.06  # expectation one (tolerance: 6%, sampling error ~3%)
    assert 0 < fit[0]["level_noise_sd"]["high"] <= 0.6
