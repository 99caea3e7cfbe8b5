"""One forecast per week, monthly backtest origins, fair baselines and proper scores (issue 14)."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd
import pytest

from smallboats.analysis.forecast import (
    _normal_samples,
    backtest,
    backtest_origins,
    crps_samples,
    empirical_baselines,
    model_samples,
)
from smallboats.analysis.scoring import coverage_by_season, crps_difference, pit_histogram, score_samples
from smallboats.errors import UsageError
from smallboats.model.inputs import DAYS_IN_MONTH, seasonal_profile


@pytest.fixture(scope="module")
def series(bundled_template):
    from smallboats.data.bundle import open_default_store

    with open_default_store(bundled_template, read_only=True) as st:
        return st.daily(), st.observations(["sb_week_people", "sb_week_prevented_people"])


def test_the_forecast_for_a_week_does_not_depend_on_the_horizon_asked(series):
    daily, weekly = series
    origin = dt.date(2025, 12, 31)
    x4, x13, x52 = (model_samples(daily, weekly, origin, w, runs=250, seed=3) for w in (4, 13, 52))
    pd.testing.assert_frame_equal(x4, x13.iloc[:4])
    pd.testing.assert_frame_equal(x13, x52.iloc[:13])


def test_the_seasonal_profile_averages_one_over_a_calendar_year():
    s = seasonal_profile([0.35, 0.45, 0.75, 0.8, 0.95, 1.25, 1.2, 1.4, 1.6, 1.35, 1.1, 0.8])
    assert np.dot(s, DAYS_IN_MONTH) / DAYS_IN_MONTH.sum() == pytest.approx(1.0)
    assert s[8] / s[0] == pytest.approx(1.6 / 0.35)  # the shape is kept


def test_monthly_origins_run_from_the_end_of_2022_to_the_newest_with_a_full_horizon(series):
    daily, _ = series
    last = daily.date.max().date()
    monthly = backtest_origins(daily, "monthly", weeks=4)
    assert monthly[0] == dt.date(2022, 12, 31)
    assert all((b - a).days in (28, 29, 30, 31) for a, b in zip(monthly[:-1], monthly[1:], strict=True))
    assert all((o + dt.timedelta(days=1)).day == 1 for o in monthly)  # month-ends
    assert monthly[-1] + dt.timedelta(days=28) <= last < monthly[-1] + dt.timedelta(days=31 + 28)
    assert {o.month for o in monthly} == set(range(1, 13))  # every season is scored
    yearly = backtest_origins(daily, "yearly", weeks=4)
    assert all(o.month == 12 and o.day == 31 for o in yearly) and yearly[0] == dt.date(2022, 12, 31)


@pytest.mark.parametrize(
    "origins, words",
    [("weekly", "--origins must be one of monthly, yearly"), ([dt.date(2031, 1, 31)], "outside the data")],
)
def test_bad_origins_are_refused(series, origins, words):
    daily, _ = series
    with pytest.raises(UsageError, match=words):
        backtest_origins(daily, origins)


def test_an_origin_sees_only_the_data_up_to_that_day(series):
    """Scores of the first four weeks are the same whether the data end four weeks later or years later."""
    daily, weekly = series
    origin = dt.date(2024, 6, 30)
    cut = daily[daily.date <= pd.Timestamp(origin + dt.timedelta(days=28))]
    kw = {"origins": [origin], "horizons": (1, 2, 3, 4), "runs": 250, "seed": 5}
    pd.testing.assert_frame_equal(backtest(daily, weekly, **kw), backtest(cut, weekly, **kw))


def test_statsforecast_samples_keep_its_own_intervals():
    """The normal law behind a 95% band gives back its 80% band too (statsforecast's are normal)."""
    from scipy.stats import norm

    mean, sd = np.array([900.0, 40.0]), np.array([300.0, 60.0])
    u = np.random.default_rng(1).uniform(size=(1, 20_000))
    x = _normal_samples(mean, mean - norm.ppf(0.975) * sd, mean + norm.ppf(0.975) * sd, u)
    lo80, hi80 = np.quantile(x[0], [0.1, 0.9])
    assert lo80 == pytest.approx(mean[0] - 1.2816 * sd[0], rel=0.02)
    assert hi80 == pytest.approx(mean[0] + 1.2816 * sd[0], rel=0.02)
    assert x.min() >= 0 and (x[1] == 0).mean() > 0.2  # a count is never negative


def test_empirical_baselines_are_probabilistic_and_use_only_the_past(series):
    daily, _ = series
    origin = dt.date(2025, 5, 31)
    b = empirical_baselines(daily, origin, 13)
    assert set(b) == {"seasonal-naive", "mean-4-weeks", "climatology"}
    for name, x in b.items():
        assert x.shape[0] == 13 and x.shape[1] >= 15, name
        assert (x >= 0).all() and (x.std(axis=1) > 0).all(), name  # a spread, not a point mass
    cut = daily[daily.date <= pd.Timestamp(origin)]
    for name, x in empirical_baselines(cut, origin, 13).items():
        np.testing.assert_array_equal(x, b[name])


def test_scores_of_a_calibrated_forecast():
    """Observations drawn from the forecast's own law: flat PIT, bands near nominal (stated tolerance)."""
    rng = np.random.default_rng(11)
    weeks = 4000
    mu = rng.uniform(50, 2000, size=weeks)
    samples = rng.negative_binomial(2, 2 / (2 + mu[:, None]), size=(weeks, 500)).astype(float)
    actual = rng.negative_binomial(2, 2 / (2 + mu)).astype(float)
    sc = score_samples(samples, actual, rng)
    # binomial sampling error of a share over 4,000 weeks is at most 0.008; allow 0.03
    for level in (50, 80, 95, 99):
        assert abs(sc[f"coverage_{level}"].mean() - level / 100) < 0.03, level
    counts, _ = np.histogram(sc["pit"], bins=10, range=(0, 1))
    assert np.all(np.abs(counts / weeks - 0.1) < 0.025), counts
    assert abs(sc["error"].mean()) < 0.05 * mu.mean()
    assert sc["crps"][0] == pytest.approx(crps_samples(samples[0], actual[0]), rel=1e-6)
    # a forecast shifted away from the truth scores worse on both proper scores
    worse = score_samples(samples * 1.5, actual, rng)
    assert worse["crps"].mean() > sc["crps"].mean() and worse["logs"].mean() > sc["logs"].mean()


def test_the_log_score_of_a_point_mass_is_finite():
    sc = score_samples(np.full((1, 50), 7.0), np.array([7.0]), np.random.default_rng(0))
    assert np.isfinite(sc["logs"]).all() and sc["crps"][0] == pytest.approx(0.0)


def _table(rng, origins=40, shift=0.0):
    rows = []
    for i in range(origins):
        origin = (pd.Timestamp("2023-01-31") + pd.offsets.MonthEnd(i)).date().isoformat()
        for k in (1, 2, 3, 4):
            base = rng.gamma(2, 100)
            for method, extra in (("model", 0.0), ("twin", 0.0), ("worse", shift)):
                rows.append(
                    {
                        "origin": origin,
                        "horizon_weeks": k,
                        "method": method,
                        "crps": base + extra,
                        "pit": rng.uniform(),
                        **{f"coverage_{lv}": float(rng.uniform() < lv / 100) for lv in (50, 80, 95, 99)},
                    }
                )
    return pd.DataFrame(rows)


def test_crps_difference_has_an_interval_and_finds_a_real_gap():
    d = crps_difference(_table(np.random.default_rng(2), shift=25.0), reps=500).set_index("method")
    assert d.loc["twin", "difference"] == 0 and d.loc["twin", "low"] == 0 == d.loc["twin", "high"]
    assert d.loc["worse", "difference"] == pytest.approx(25.0) and d.loc["worse", "low"] > 0
    assert d.loc["worse", "p_better"] == 0 and d.loc["worse", "origins"] == 40


def test_pit_and_coverage_frames_for_the_charts():
    t = _table(np.random.default_rng(3))
    pit = pit_histogram(t)
    assert set(pit.columns) == {"method", "bin_low", "bin_high", "share", "n"}
    assert pit.groupby("method").share.sum().round(6).eq(1).all()
    cov = coverage_by_season(t)
    assert set(cov.season) == {"May-August", "September-April", "all"}
    n = cov[(cov.method == "model") & (cov.level == 80)].set_index("season").n
    assert n["May-August"] + n["September-April"] == n["all"] == 160
    assert n["May-August"] == 3 * 4 * 4  # May-August of 2023-25, four weeks from each origin


def test_the_pit_and_coverage_charts_render():
    from smallboats.viz.forecast_charts import coverage_chart, pit_chart

    t = _table(np.random.default_rng(4))
    pit = pit_chart(pit_histogram(t), "Source: test frame")
    cov = coverage_chart(coverage_by_season(t), "Source: test frame")
    for spec in (pit, cov):
        assert spec.svg().startswith("<svg") and not spec.data.empty
    assert "outer fifth" in pit.title and cov.title.startswith("The model's")


def test_a_forecast_starts_from_the_newest_day_unless_told(series):
    from smallboats.analysis.forecast import forecast_origin

    daily, _ = series
    newest = daily.date.max().date()
    assert forecast_origin(daily) == newest == forecast_origin(daily, "latest")
    assert forecast_origin(daily, "2025-12-31") == dt.date(2025, 12, 31)
    for bad, words in (("2031-01-01", "outside the data"), ("2018-06-01", "outside the data"), ("soon", "YYYY-MM-DD")):
        with pytest.raises(UsageError, match=words):
            forecast_origin(daily, bad)


def test_coverage_targets_say_where_they_are_met():
    from smallboats.analysis.scoring import coverage_targets

    t = coverage_targets(_table(np.random.default_rng(5)))
    assert set(t.level) == {80, 95} and set(t.season) == {"May-August", "September-April", "all"}
    assert (t.met == ((t.coverage >= t.low) & (t.coverage <= t.high))).all()
