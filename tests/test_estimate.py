"""The estimates (issue 13): the record's weeks, the dose, diagnostics, the cache, bad input and the check.

Fits here are small (short pre-periods, few draws) so the file runs in minutes on a loaded machine; the
simulation-based check is marked slow.
"""

from __future__ import annotations

import datetime as dt
import json

import numpy as np
import pandas as pd
import pytest
import typer

from smallboats.analysis.estimate import (
    AGREEMENT,
    PRIORS,
    FitOptions,
    bayes,
    cache,
    effect,
    estimate_deterrence,
    estimate_effect,
    from_store,
    its,
    record,
    synthetic,
)
from smallboats.cli.estimate import estimate_effect as estimate_effect_cmd
from smallboats.cli.estimate import evaluate_pilot as evaluate_pilot_cmd
from smallboats.errors import SmallboatsError, StoreError, UsageError

FAST = FitOptions(warmup=150, samples=150, seed=3, its_draws=400)
SHORT_START = dt.date(2023, 7, 31)  # just over two years before the agreement: the smallest pre-period allowed


@pytest.fixture(autouse=True)
def _own_cache(tmp_path, monkeypatch):
    monkeypatch.setenv("SMALLBOATS_CACHE", str(tmp_path / "cache"))


@pytest.fixture
def inputs(shared_data, store):
    return from_store(store)


# --- the record as the model sees it ---------------------------------------------------------------


def test_weeks_are_complete_sunday_weeks_and_keep_every_person(store):
    daily = store.daily()
    w = record.weekly(daily)
    assert (w.index.dayofweek == 6).all()
    first, last = w.index[0] - pd.Timedelta(days=6), w.index[-1]
    inside = daily[(daily.date >= first) & (daily.date <= last)]
    assert w.people.sum() == inside.people.sum()
    assert daily.date.max() >= last and (daily.date.max() - last).days < 7


def test_dose_spreads_months_to_weeks_and_is_zero_before_the_agreement(store):
    w = record.weekly(store.daily())
    ret = store.observations("agreement_returned")
    d = record.return_dose(ret, w.people, lag_weeks=4)
    assert (d.rate[d.index < pd.Timestamp(AGREEMENT)] == 0).all()
    assert (d.dose.dropna() >= 0).all()
    # whole weeks inside the published months carry their months' totals, spread by day
    full = d.returned[(d.index - pd.Timedelta(days=6) >= pd.Timestamp("2025-09-01")) & (d.index <= "2026-06-30")]
    per_day = ret.set_index("period_start").value / [
        (e - s).days + 1 for s, e in zip(ret.period_start, ret.period_end, strict=True)
    ]
    assert full.max() <= per_day.max() * 7 + 1e-9
    assert full.min() >= per_day[per_day.index >= dt.date(2025, 9, 1)].min() * 7 - 1e-9
    # after the last published month the rate is unknown, never zero
    last = pd.Timestamp(ret.period_end.max())
    assert d.rate[d.index > last + pd.Timedelta(weeks=5)].isna().all()


def test_fourier_terms():
    idx = pd.date_range("2024-01-07", periods=104, freq="W-SUN")
    F = record.fourier(idx)
    assert F.shape == (104, 2 * record.HARMONICS)
    assert np.allclose(F[:52].mean(axis=0), 0, atol=0.05)


def test_knots_interpolate_linearly():
    W = bayes.knots(10)
    assert np.allclose(W.sum(axis=1), 1)
    assert np.allclose(W @ np.arange(W.shape[1]), np.arange(10) / bayes.KNOT_WEEKS)


# --- diagnostics say so loudly -----------------------------------------------------------------------


def test_a_bad_fit_says_so():
    good = {"max_rhat": 1.003, "min_ess": 400.0, "divergences": 0}
    assert bayes.check(good) == []
    bad = bayes.check({"max_rhat": 1.05, "min_ess": 40.0, "divergences": 3})
    assert len(bad) == 3 and all(w.startswith("WARNING") for w in bad)
    assert "1.050" in bad[0] and "3 divergent" in bad[1] and "40" in bad[2]


def test_sentences_are_built_from_the_numbers():
    from smallboats.analysis.estimate import summary

    assert [summary.ordinal(x) for x in (1, 2, 3, 4, 11, 12, 13, 21, 41.4, 99.6)] == [
        "1st",
        "2nd",
        "3rd",
        "4th",
        "11th",
        "12th",
        "13th",
        "21st",
        "41st",
        "100th",
    ]
    cf = np.array([80.0, 90, 100, 110, 120] * 20)
    t = summary.total_effect(100.0, cf)
    assert t["observed_percentile"] == 50.0 and t["counterfactual"]["median"] == 100.0
    assert "cannot tell this effect from none" in summary.effect_sentence("M", t)
    low = summary.total_effect(50.0, cf)
    assert low["observed_percentile"] == 0.0 and "lower than the no-scheme world" in summary.effect_sentence("M", low)
    assert "-50%" in summary.effect_sentence("M", low)
    wide = {"p05": -0.8, "p95": 0.4}
    assert "disagree" in summary.its_elasticity_sentence({"mean": -1.4, "p05": -2.4, "p95": -0.4}, wide)
    assert "either" in summary.its_elasticity_sentence({"mean": -0.1, "p05": -0.5, "p95": 0.3}, wide)


# --- bad input: one clear error, nothing written ----------------------------------------------------------


def test_pre_period_shorter_than_two_years(inputs):
    with pytest.raises(UsageError, match="at least 104 weeks"):
        estimate_effect(inputs, start=dt.date(2024, 1, 1), options=FAST)


@pytest.mark.parametrize(
    "kw, rule",
    [
        ({"until": dt.date(2030, 1, 1)}, "--until 2030-01-01 is outside the weekly data"),
        ({"until": dt.date(2010, 1, 1)}, "--start"),
        ({"start": dt.date(2010, 1, 1)}, "--start 2010-01-01 must fall within the weekly data"),
        ({"end": dt.date(2025, 1, 1)}, "--end 2025-01-01 must fall between"),
        ({"end": dt.date(2031, 1, 1)}, "--end 2031-01-01 must fall between"),
    ],
)
def test_dates_outside_the_data(inputs, kw, rule):
    with pytest.raises(UsageError, match=rule):
        estimate_effect(inputs, options=FAST, **kw)


def test_bad_sampler_settings(inputs):
    with pytest.raises(UsageError, match="--warmup must be between"):
        estimate_effect(inputs, options=FitOptions(warmup=1))


def test_unknown_covariate_and_missing_series(store):
    with pytest.raises(UsageError, match="unknown covariate 'rain'; valid: prevented, weather"):
        from_store(store, covariates=["rain"])
    with pytest.raises(StoreError, match="holds no weather series"):
        from_store(store, covariates=["weather"])


WEATHER_HEADER = "date,wave_height_m,wind_speed_ms\n"
BAD_WEATHER = {
    "gap.csv": (WEATHER_HEADER + "2024-01-01,1,5\n2024-01-03,1,5\n", "line 3, column date", "leaves a gap"),
    "repeat.csv": (WEATHER_HEADER + "2024-01-01,1,5\n2024-01-01,1,5\n", "line 3, column date", "repeats"),
    "negative.csv": (WEATHER_HEADER + "2024-01-01,-1,5\n", "line 2, column wave_height_m", "negative"),
    "text.csv": (WEATHER_HEADER + "2024-01-01,1,calm\n", "line 2, column wind_speed_ms", "'calm' is not a number"),
    "blank.csv": (WEATHER_HEADER + "2024-01-01,,5\n", "line 2, column wave_height_m", "is empty"),
    "huge.csv": (WEATHER_HEADER + "2024-01-01,1,500\n", "line 2, column wind_speed_ms", "above 100"),
}


def _app() -> typer.Typer:
    app = typer.Typer(pretty_exceptions_enable=False)
    app.command("estimate-effect")(estimate_effect_cmd)
    app.command("evaluate-pilot")(evaluate_pilot_cmd)
    return app


def _run(capsys, *args) -> tuple[int, str, str]:
    """As ``smallboats.cli.main`` does: a user error is one message and exit code 2."""
    capsys.readouterr()
    try:
        _app()(args=[str(a) for a in args], standalone_mode=True)
        code = 0
    except SmallboatsError as e:
        print(f"error: {e}", file=__import__("sys").stderr)
        code = e.exit_code
    except SystemExit as e:
        code = e.code or 0
    cap = capsys.readouterr()
    return code, cap.out, cap.err


@pytest.mark.parametrize("name", sorted(BAD_WEATHER))
def test_bad_weather_file_through_the_command(name, tmp_path, home, capsys):
    text, where, rule = BAD_WEATHER[name]
    f = tmp_path / name
    f.write_text(text)
    code, out, err = _run(capsys, "estimate-effect", "--weather", f)
    msg = " ".join(err.split())
    assert code == 2 and out == ""
    assert name in msg and where in msg and rule in msg, msg
    assert not (tmp_path / "cache").exists()  # nothing written


@pytest.mark.parametrize("name", sorted(BAD_WEATHER))
def test_bad_weather_file_is_not_imported(name, tmp_path, home, cli):
    text, where, rule = BAD_WEATHER[name]
    f = tmp_path / name
    f.write_text(text)
    before = cli("data", "status", "--format", "json").json()["n_observations"]
    r = cli("data", "import", f)
    assert r.code == 2 and where in " ".join(r.err.split()) and rule in " ".join(r.err.split())
    assert cli("data", "status", "--format", "json").json()["n_observations"] == before


@pytest.mark.parametrize(
    "args, rule",
    [
        (["--start", "2024-06-01"], "at least 104 weeks"),
        (["--until", "2031-01-01"], "outside the weekly data"),
        (["--until", "soon"], "is not a date"),
        (["--covariates", "weather"], "holds no weather series"),
        (["--covariates", "rain"], "unknown covariate"),
        (["--chains", "0"], "--chains must be between"),
    ],
)
def test_bad_options_exit_2_and_write_nothing(args, rule, tmp_path, home, capsys):
    for cmd in ("estimate-effect", "evaluate-pilot"):
        code, out, err = _run(capsys, cmd, *args)
        assert code == 2 and out == "" and rule in " ".join(err.split()), err
    assert not (tmp_path / "cache").exists()


def test_commands_are_documented():
    for cmd in (estimate_effect_cmd, evaluate_pilot_cmd):
        assert "Example: smallboats " in cmd.__doc__


# --- the weather covariate ---------------------------------------------------------------------------


def _weather_text(first: dt.date, days: int, seed: int = 1) -> str:
    rng = np.random.default_rng(seed)
    rows = [f"{first + dt.timedelta(days=i)},{rng.gamma(2, 0.5):.2f},{rng.gamma(4, 1.5):.2f}" for i in range(days)]
    return WEATHER_HEADER + "\n".join(rows) + "\n"


def test_weather_imports_like_any_series(tmp_path, home, cli, store):
    f = tmp_path / "weather.csv"
    f.write_text(_weather_text(dt.date(2024, 1, 1), 30))
    r = cli("data", "import", f)
    assert r.code == 0, r.err
    store.close()
    from smallboats.data.bundle import open_default_store

    with open_default_store(home / "smallboats.duckdb", read_only=True) as st:
        obs = st.observations(["weather_wave_height_m", "weather_wind_speed_ms"])
        assert len(obs) == 60 and obs.value.min() >= 0
        assert (obs.value != obs.value.round()).any()  # a measure, not a count: fractions kept
        inp = from_store(st, covariates=["weather"])
        assert inp.covariates == ["wave_height_m", "wind_speed_ms"]
        # 30 days of weather cannot cover the years fitted: one clear error naming what is missing
        with pytest.raises(StoreError, match="first missing"):
            estimate_effect(inp, options=FAST)


# --- fits: diagnostics, cache, both methods, determinism ----------------------------------------------


def test_effect_on_the_record_reports_both_methods_and_diagnostics(inputs):
    r = estimate_effect(inputs, start=SHORT_START, options=FAST)
    d = r.to_dict()
    json.dumps(d)
    assert set(d["totals"]) == {"bayes", "its"}
    for t in d["totals"].values():
        cf = t["counterfactual"]
        assert cf["p025"] <= cf["p25"] <= cf["median"] <= cf["p75"] <= cf["p975"]
        assert 0 <= t["observed_percentile"] <= 100
        assert t["effect"]["p05"] <= t["effect"]["median"] <= t["effect"]["p95"]
        assert t["observed"] == r.weekly[r.weekly.method == "bayes"].observed.sum()
    for k in ("max_rhat", "min_ess", "divergences"):
        assert k in d["diagnostics"]
    assert d["warnings"] == bayes.check(d["diagnostics"]) + ([] if d["its_fit"]["converged"] else d["warnings"][-1:])
    assert d["weekly"][0]["week_ending"] >= AGREEMENT.isoformat()[:8]
    assert {"sigma", "sigma_per_week", "nu", "level_last"} <= set(r.fit.posterior_draws())
    # the second call reuses the cached fit and gives the same numbers
    again = estimate_effect(inputs, start=SHORT_START, options=FAST)
    assert again.diagnostics["cached"] and not r.diagnostics["cached"]
    assert again.totals == r.totals
    assert any(p.suffix == ".npz" for p in cache.cache_dir().iterdir())


def test_cache_key_depends_on_data_options_and_version(monkeypatch):
    y = np.arange(10.0)
    k = cache.key("effect", ["r1"], {"seed": 1}, [y])
    assert k == cache.key("effect", ["r1"], {"seed": 1}, [y.copy()])
    assert k != cache.key("effect", ["r2"], {"seed": 1}, [y])
    assert k != cache.key("effect", ["r1"], {"seed": 2}, [y])
    assert k != cache.key("effect", ["r1"], {"seed": 1}, [y + 1])
    monkeypatch.setattr(cache, "MODEL_VERSION", "test")
    assert k != cache.key("effect", ["r1"], {"seed": 1}, [y])


def test_an_unreadable_cache_entry_is_refitted_not_trusted(tmp_path):
    d = cache.cache_dir()
    d.mkdir(parents=True)
    (d / "effect-x.json").write_text("{not json")
    (d / "effect-x.npz").write_bytes(b"junk")
    assert cache.load("effect-x") is None


def _fails(**diag) -> bayes.Fit:
    base = {"max_rhat": 1.0, "min_ess": 500.0, "divergences": 0, "warmup": 500, "samples": 500}
    return bayes.Fit(draws={}, diagnostics=base | diag, warnings=[])


def test_only_failures_that_longer_chains_mend_are_run_again():
    assert effect.longer_would_help(_fails(max_rhat=1.03))
    assert effect.longer_would_help(_fails(min_ess=40.0))
    assert not effect.longer_would_help(_fails())
    assert not effect.longer_would_help(_fails(divergences=4))  # longer chains do not mend divergences
    assert not effect.longer_would_help(_fails(max_rhat=1.03, first_attempt_max_rhat=1.05))  # run longer once
    assert not effect.longer_would_help(_fails(max_rhat=1.03, warmup=effect.LONGEST, samples=effect.LONGEST))


def test_a_failing_fit_is_run_once_more_twice_as_long_and_says_so(monkeypatch):
    """R-hat made impossible to pass: the fit runs again at twice the length, once, and still warns."""
    monkeypatch.setattr(bayes, "RHAT_MAX", 0.0)
    until = dt.date(2023, 1, 2)
    w = synthetic.inputs(synthetic.series(dt.date(2021, 1, 3), 110, seed=2))
    opts = FitOptions(warmup=60, samples=60, chains=1, seed=5, its_draws=200)

    def fit(options: FitOptions) -> dict:
        return effect.estimate_effect(w, until=until, start=dt.date(2020, 12, 28), options=options).to_dict()

    first = fit(opts)
    d = first["diagnostics"]
    assert (d["first_attempt_warmup"], d["first_attempt_samples"]) == (60, 60)
    assert (d["warmup"], d["samples"]) == (120, 120) and not d["cached"]
    assert d["first_attempt_max_rhat"] > 0 and d["first_attempt_seconds"] > 0
    assert any("R-hat" in s for s in first["warnings"])  # the longer run fails too, and says so
    again = fit(opts)
    assert again["diagnostics"]["cached"] and again["totals"] == first["totals"]  # no third run
    plain = fit(FitOptions(warmup=60, samples=60, chains=1, seed=5, its_draws=200, extend=False))
    assert plain["diagnostics"]["warmup"] == 60 and "first_attempt_warmup" not in plain["diagnostics"]
    # a failing fit kept before this rule (no first attempt recorded) is fitted again, not trusted
    for path in cache.cache_dir().glob("*.json"):
        meta = json.loads(path.read_text())
        if "first_attempt_warmup" in meta["diagnostics"]:
            meta["diagnostics"] = {k: v for k, v in meta["diagnostics"].items() if not k.startswith("first_")}
            path.write_text(json.dumps(meta))
    refit = fit(opts)
    assert not refit["diagnostics"]["cached"] and refit["diagnostics"]["first_attempt_warmup"] == 60
    assert refit["totals"] == first["totals"]  # the same seed and settings: the same numbers


def test_a_passing_fit_is_run_once(monkeypatch):
    monkeypatch.setattr(bayes, "RHAT_MAX", 10.0)
    monkeypatch.setattr(bayes, "ESS_MIN", 0)
    w = synthetic.inputs(synthetic.series(dt.date(2021, 1, 3), 110, seed=2))
    opts = FitOptions(warmup=60, samples=60, chains=1, seed=5, its_draws=200)
    d = effect.estimate_effect(w, until=dt.date(2023, 1, 2), start=dt.date(2020, 12, 28), options=opts).diagnostics
    assert d["warmup"] == 60 and not any(k.startswith("first_attempt") for k in d)


def test_its_is_reproducible(store):
    y = record.weekly(store.daily()).people.to_numpy(float)[-200:]
    a, info = its.counterfactual(y, 13, draws=300, seed=5)
    b, _ = its.counterfactual(y, 13, draws=300, seed=5)
    assert a.shape == (300, 13) and np.array_equal(a, b) and (a >= 0).all()
    assert info["converged"]


def test_deterrence_prior_beside_posterior(inputs):
    r = estimate_deterrence(inputs, start=dt.date(2024, 3, 4), options=FAST)
    d = r.to_dict()
    prior, post = d["elasticity"]["prior"], d["elasticity"]["posterior"]
    assert prior["mean"] == PRIORS["elasticity"]["mean"] and prior["p_below_zero"] == 0.5
    assert post["p05"] <= post["median"] <= post["p95"] and 0 <= post["p_below_zero"] <= 1
    assert f"{post['mean']:+.2f}" in d["statement"]
    if post["p05"] < 0 < post["p95"]:
        assert "cannot distinguish" in d["statement"]
    assert "elasticity" in r.fit.posterior_draws()
    cross = d["elasticity"]["its"]
    assert cross["p05"] <= cross["mean"] <= cross["p95"] and cross["se"] > 0 and 0 <= cross["p_below_zero"] <= 1
    assert r.weeks.rate.notna().all() and (r.weeks.rate[r.weeks.index < pd.Timestamp(AGREEMENT)] == 0).all()


# --- the simulation-based check ----------------------------------------------------------------------------


@pytest.mark.slow
def test_planted_effects_are_recovered():
    """With a planted -30% the 90% interval holds -30% in >= 8 of 10; with none it holds 0 in >= 8 of 10.

    The two series of a replication share their pre-period (the same draws; only the weeks after the
    date differ), so each replication is one fit, reused from the cache for the second series. One chain
    of few draws keeps it to minutes on a loaded machine; coverage, not the diagnostics, is checked here.
    """
    until = dt.date(2023, 1, 2)
    opts = FitOptions(warmup=150, samples=200, chains=1, seed=11, its_draws=300, extend=False)
    hits = {-0.3: 0, 0.0: 0}
    for rep in range(10):
        for planted in hits:
            w = synthetic.series(dt.date(2021, 1, 3), 104 + 26, effect=planted, effect_from=until, seed=rep)
            r = effect.estimate_effect(synthetic.inputs(w), until=until, start=dt.date(2020, 12, 28), options=opts)
            rel = r.totals["bayes"]["relative_effect"]
            hits[planted] += rel["p05"] <= planted <= rel["p95"]
    print(f"90% intervals holding the planted effect, of 10: {hits}")
    assert hits[-0.3] >= 8, hits
    assert hits[0.0] >= 8, hits


def test_synthetic_series_plants_the_effect():
    a = synthetic.series(dt.date(2021, 1, 3), 130, seed=4)
    b = synthetic.series(dt.date(2021, 1, 3), 130, effect=-0.3, effect_from=dt.date(2023, 1, 2), seed=4)
    before = a.index < pd.Timestamp(2023, 1, 2)
    assert a[before].equals(b[before])
    assert b[~before].people.sum() < a[~before].people.sum()
    with pytest.raises(ValueError, match="not a Sunday"):
        synthetic.series(dt.date(2021, 1, 4), 10)


# --- the commands, registered on a small app (the lead registers them on the real one) ------------------

SMALL = ["--start", "2023-07-31", "--warmup", "100", "--samples", "100", "--seed", "5"]


def test_commands_in_every_format(home, capsys):
    code, out, err = _run(capsys, "estimate-effect", *SMALL, "--format", "json")
    assert code == 0, err
    d = json.loads(out)
    assert set(d["totals"]) == {"bayes", "its"} and d["weekly"] and d["priors"]["elasticity"]["sd"] == 0.5
    for w in d["warnings"]:
        assert w in err  # every warning is printed loudly, not only written in the JSON
    code, out, _ = _run(capsys, "estimate-effect", *SMALL, "--format", "csv")
    assert code == 0 and out.splitlines()[0].startswith("method,week_ending,observed,cf_p025")
    assert len(out.splitlines()) == len(d["weekly"]) + 1
    code, out, _ = _run(capsys, "estimate-effect", *SMALL)
    assert code == 0 and "Week by week" in out
    assert "cannot tell" in out or "beyond its 90% interval" in out
    code, out, err = _run(capsys, "evaluate-pilot", *SMALL, "--format", "json")
    assert code == 0, err
    p = json.loads(out)
    assert [r["method"] for r in p["summary"]] == list(effect.METHODS.values())
    row = p["summary"][0]
    for k in ("observed", "counterfactual_median", "counterfactual_p025", "observed_percentile", "effect_p05"):
        assert k in row
    assert row["elasticity_prior_mean"] == 0.0 and "elasticity_posterior_p95" in row
    assert p["summary"][1]["elasticity_prior_mean"] is None  # maximum likelihood: no prior
    assert p["summary"][1]["elasticity_posterior_mean"] == p["deterrence"]["elasticity"]["its"]["mean"]
    assert p["effect"]["totals"]["bayes"] == d["totals"]["bayes"]  # the same fit, from the cache
    code, out, _ = _run(capsys, "evaluate-pilot", *SMALL, "--format", "csv")
    assert code == 0 and len(out.splitlines()) == 3


# --- the model by day (an option) ------------------------------------------------------------------


def test_daily_design_spreads_weeks_to_their_days(inputs):
    from smallboats.analysis.estimate import daily

    weeks = inputs.weeks.index[-3:]
    F, X, days = daily.design(inputs, weeks)
    assert len(days) == 21 and days[-1] == weeks[-1] and days[0] == weeks[0] - pd.Timedelta(days=6)
    assert F.shape == (21, 2 * record.HARMONICS) and X.shape == (21, 0)
    draws = np.arange(2 * 21, dtype=float).reshape(2, 21)
    assert daily.to_weeks(draws).tolist() == [[21, 70, 119], [168, 217, 266]]


def test_the_daily_model_sees_the_closed_days(inputs):
    """By day, the model's chance of a day without arrivals matches the record's share of such days."""
    from smallboats.analysis.estimate import daily

    opts = FitOptions(warmup=150, samples=150, seed=3, its_draws=400, frequency="day")
    r = estimate_effect(inputs, start=SHORT_START, options=opts)
    assert r.diagnostics["frequency"] == "day" and set(r.totals) == {"bayes", "its"}
    weekly = estimate_effect(inputs, start=SHORT_START, options=FAST)
    assert not np.array_equal(r.weekly.cf_median.to_numpy(), weekly.weekly.cf_median.to_numpy())  # another fit
    pre, _ = effect.split(inputs.weeks, AGREEMENT, SHORT_START, None)
    F, _, days = daily.design(inputs, pre.index)
    d = r.fit.draws
    mu = np.exp(d["knot"] @ daily.knots(len(days)).T + d["beta_season"] @ F.T)
    gate = 1 / (1 + np.exp(-(d["gate_0"][:, None] + d["beta_gate"] @ F.T)))
    p_zero = (gate + (1 - gate) * (d["phi"][:, None] / (d["phi"][:, None] + mu)) ** d["phi"][:, None]).mean()
    seen = float((inputs.days.people.reindex(days) == 0).mean())
    assert abs(p_zero - seen) < 0.05, (p_zero, seen)


def test_an_unknown_frequency_is_refused(home, capsys):
    code, out, err = _run(capsys, "estimate-effect", "--frequency", "hourly")
    assert code == 2 and out == "" and "--frequency must be one of week, day" in " ".join(err.split())
