"""The simulator: invariants every day, caps, determinism across chunks, and the no-scheme fit."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd
import pytest

from smallboats.analysis.scenarios import build_scenario
from smallboats.model import STEP_ORDER, Results, Scenario, simulate
from smallboats.model.kernel import MECHANISMS
from smallboats.model.params import ASSUMPTION, FITTED, OFFICIAL, STUDY


@pytest.fixture(scope="module")
def fitted(bundled_template):
    from smallboats.data.bundle import open_default_store

    with open_default_store(bundled_template) as st:
        scenarios = {n: build_scenario(n, st, years=1) for n in ("no-scheme", "pilot-50", "deterrence-strong")}
        daily = st.daily()
    return scenarios, daily


@pytest.fixture(scope="module")
def pilot(fitted):
    sc, meta = fitted[0]["pilot-50"]
    sc = sc.model_copy(deep=True)
    sc.scheme.detention_places = 60  # tight, so that the cap binds
    return simulate(sc, runs=250, seed=11, meta=meta)


def test_step_order_is_written_down_once():
    assert STEP_ORDER == (
        "perception",
        "weather",
        "inflow",
        "coast",
        "launch",
        "prevention",
        "boats",
        "screening",
        "selection",
        "casework",
        "recross",
        "admissions",
        "record",
    )
    assert set(STEP_ORDER) == set(MECHANISMS)
    # the compiled loop calls the mechanisms in exactly that order, each once a day
    import ast
    import inspect

    from smallboats.model import kernel

    tree = ast.parse(inspect.getsource(kernel.run_block.py_func))
    calls = [n for n in ast.walk(tree) if isinstance(n, ast.Call) and isinstance(n.func, ast.Name)]
    calls = [n.func.id for n in sorted(calls, key=lambda n: (n.lineno, n.col_offset))]  # in the source's order
    assert [c for c in calls if c in MECHANISMS] == list(STEP_ORDER)
    # the steps skipped when the scheme is off are the scheme's, in order
    assert kernel.SCHEME_STEPS == ("screening", "selection", "casework", "recross", "admissions")


def test_every_index_is_named_after_its_tuple_entry():
    """One name from the tuple to the kernel: each index constant is its prefix and the name in capitals."""
    from smallboats.model import kernel

    tables = {
        "T_": kernel.TODAY,
        "S_": kernel.STATE,
        "P_": kernel.PARAMS,
        "C_": kernel.CONFIG,
        "D_": kernel.DAILY,
        "G_": kernel.STREAMS,
        "RING_": kernel.RINGS,
        "RULE_": kernel.RULES,
        "FORM_": kernel.FORMS,
    }
    for prefix, names in tables.items():
        assert len(set(names)) == len(names), prefix
        for i, name in enumerate(names):
            constant = prefix + name.upper().replace("-", "_")
            assert getattr(kernel, constant) == i, constant
    # the run's constants follow its parameters in the same scratch array
    assert len(set(kernel.HOISTED)) == len(kernel.HOISTED)
    for i, name in enumerate(kernel.HOISTED):
        assert getattr(kernel, "H_" + name.upper()) == len(kernel.PARAMS) + i, name
    assert kernel.N_RUN == len(kernel.PARAMS) + len(kernel.HOISTED)
    # every parameter in params.py that the kernel uses unchanged keeps its name there
    from smallboats.model.params import Crossings, Deterrence, Scheme

    fields = set(Crossings.model_fields) | set(Scheme.model_fields) | set(Deterrence.model_fields)
    derived = {
        "daily_trend",
        "daily_ppb_growth",
        "perception_alpha",
        "p_won_given_not_failed",
        "p_lost_given_neither",
        "admissions_per_day",
        "threshold_s0",
        "p_no_applications",
        "log_p_stay",
    }
    assert set(kernel.PARAMS) - derived <= fields
    assert set(kernel.CONFIG) - {"scheme_on", "rule", "conditional", "cond_step", "cond_weeks", "cond_max"} <= (
        fields | {"first_return_day", "announced_day", "stationary_crossable"}
    )


def test_the_no_scheme_arm_skips_the_schemes_steps_and_records_zeros():
    from smallboats.model import Scenario, kernel, simulate

    r = simulate(Scenario(years=0.5), runs=20, seed=3)
    assert set(kernel.SCHEME_FIGURES) <= set(kernel.RECORDED)
    for name in (*kernel.SCHEME_FIGURES, "n_detained"):
        assert not np.asarray(r.daily_counterfactual[name]).any(), name
        assert np.asarray(r.daily[name]).any(), name  # while the scheme arm has some


def test_conservation_every_day(pilot):
    r = {k: v.astype(np.int64) for k, v in pilot.records.items() if not k.startswith(("p_", "quota"))}
    assert (r["new_potential"] == r["new_inflow"] + r["new_deterred"] + r["new_deflected"]).all()
    assert (r["new_launches"] == r["new_arrivals"] + r["new_prevented"]).all()
    coast = r["n_coast"]
    expect = (
        coast[:-1]
        - r["new_left_coast"][1:]
        + r["new_inflow"][1:]
        + r["new_prevented"][:-1]
        + r["new_recrossed"][:-1]
        - r["new_launches"][1:]
    )
    assert (coast[1:] == expect).all()
    cum = {k: np.cumsum(r[k], axis=0) for k in ("new_selected", "new_returned", "new_released", "new_lapsed")}
    assert (
        cum["new_selected"] == cum["new_returned"] + cum["new_released"] + cum["new_lapsed"] + r["n_detained"]
    ).all()
    assert (r["new_selected"] <= r["new_eligible"]).all() and (r["new_eligible"] <= r["new_arrivals"]).all()
    assert (r["new_boats"] <= r["new_arrivals"]).all() and ((r["new_arrivals"] > 0) <= (r["new_boats"] > 0)).all()
    assert (r["n_coast"] >= 0).all() and (r["n_detained"] >= 0).all()


def test_quota_detention_one_for_one_and_time_limit(pilot):
    r = pilot.records
    sc = pilot.scenario
    weeks = np.array([(d.date() - sc.scheme.in_force).days // 7 for d in pilot.dates])
    sel = pd.DataFrame(r["new_selected"]).groupby(weeks).sum()
    quota = pd.DataFrame(r["quota_week"]).groupby(weeks).max()
    assert (sel.to_numpy() <= quota.to_numpy() + 1e-9).all()
    assert sel.to_numpy().sum() > 0
    assert r["n_detained"].max() <= sc.scheme.detention_places
    assert r["n_detained"].max() == sc.scheme.detention_places  # the cap binds in this test
    # admissions run within each run's balance of returns, and none come before the first return
    balance = np.round(pilot.priors["scheme.admission_balance"])
    assert (np.cumsum(r["new_admitted"], 0) <= np.cumsum(r["new_returned"], 0) + np.maximum(balance, 0)).all()
    assert r["new_admitted"][: (sc.scheme.first_return - sc.start).days].sum() == 0
    # nobody is held past the time limit: what is pending was selected within the last limit days
    limit = sc.scheme.limit_days
    recent = pd.DataFrame(r["new_selected"]).rolling(limit + 1, min_periods=1).sum().to_numpy()
    assert (r["n_detained"] <= recent).all()
    first = (sc.scheme.first_return - sc.start).days
    assert r["new_returned"][:first].sum() == 0 and r["new_returned"][first:].sum() > 0


def test_same_seed_same_numbers_and_chunking_does_not_matter(fitted):
    sc, _ = fitted[0]["pilot-50"]
    whole = simulate(sc, runs=500, seed=3)
    again = simulate(sc, runs=500, seed=3)
    parts = Results.concat([simulate(sc, runs=250, seed=3, first_block=1), simulate(sc, runs=250, seed=3)])
    for k in whole.records:
        assert np.array_equal(whole.records[k], again.records[k])
        assert np.array_equal(whole.records[k], parts.records[k]), k
        assert np.array_equal(whole.counterfactual[k], parts.counterfactual[k]), k
    other = simulate(sc, runs=250, seed=4)
    assert not np.array_equal(other.records["new_arrivals"], whole.records["new_arrivals"][:, :250])
    # a run's numbers do not depend on how many runs there are
    small = simulate(sc, runs=100, seed=3)
    assert np.array_equal(small.records["new_arrivals"], whole.records["new_arrivals"][:, :100])


def _every_scheme_and_response_setting_changed(sc: Scenario) -> list[Scenario]:
    """Variants of ``sc`` that differ in every scheme and response setting, but not in the world without it."""
    from smallboats.model import kernel
    from smallboats.model.params import RampQuota, Range

    out = []
    for end in ("low", "high"):
        v = sc.model_copy(deep=True)
        for part in (v.scheme, v.deterrence):
            for name in type(part).model_fields:
                value = getattr(part, name)
                if isinstance(value, Range):
                    setattr(part, name, Range.of(getattr(value, end)))
        out.append(v)
    for rule, form in zip(kernel.RULES, ("none", "linear", "elasticity", "threshold"), strict=True):
        v = sc.model_copy(deep=True)
        v.scheme.selection, v.deterrence.form = rule, form
        v.scheme.detention_places, v.scheme.limit_days = 5000.0, 30
        v.scheme.quota = RampQuota(kind="ramp", start_per_week=10, end_per_week=900, ramp_weeks=20)
        v.scheme.in_force += dt.timedelta(days=20)
        v.scheme.first_return += dt.timedelta(days=40)
        v.deterrence.threshold_width /= 2
        v.deterrence.announced += dt.timedelta(days=10)
        out.append(v)
    return out


@pytest.mark.parametrize("records", [True, False])
def test_a_no_scheme_arm_simulated_once_serves_every_scheme(fitted, records):
    """With the scheme off nothing of the scheme or the response is read: one arm pairs with all of them."""
    from smallboats.errors import UsageError
    from smallboats.model.engine import no_scheme_arm, no_scheme_key
    from smallboats.model.params import Range

    sc, _ = fitted[0]["pilot-50"]
    arm = no_scheme_arm(sc, 60, 13, records=records)
    variants = _every_scheme_and_response_setting_changed(sc)
    for v in variants:
        assert no_scheme_key(v, 60, 13, records=records) == arm.key
        both = simulate(v, runs=60, seed=13, records=records)
        reused = simulate(v, runs=60, seed=13, records=records, no_scheme=arm)
        assert reused.summary() == both.summary()
        if records:
            for k in both.records:
                assert np.array_equal(reused.records[k], both.records[k]), k
                assert np.array_equal(reused.counterfactual[k], both.counterfactual[k]), k
        else:
            for arm_name in ("scenario", "counterfactual"):
                for k, x in both.reduced[arm_name].values.items():
                    assert np.array_equal(reused.reduced[arm_name].values[k], x), (arm_name, k)
    # the variants do change the scheme arm, so the check above is not comparing like with like
    assert len({simulate(v, runs=60, seed=13, records=False).summary()["years"][0]["median"] for v in variants}) > 1
    # prevention is part of the world without the scheme: an arm made for another is refused, naming why
    other = sc.model_copy(deep=True)
    other.crossings.p_prevent = Range.of(0.5)
    with pytest.raises(UsageError, match="world without the scheme"):
        simulate(other, runs=60, seed=13, records=records, no_scheme=arm)
    with pytest.raises(UsageError, match="runs, seed"):
        simulate(sc, runs=59, seed=14, records=records, no_scheme=arm)
    # the shared arm cannot be changed through one of the results it serves
    r = simulate(sc, runs=60, seed=13, records=records, no_scheme=arm)
    x = r.counterfactual["new_arrivals"] if records else r.reduced["counterfactual"].values[("week", "new_arrivals")]
    with pytest.raises(ValueError, match="read-only"):
        x[0, 0] = -1


def test_the_baseline_fit_is_kept_on_disk_by_the_releases_it_reads(bundled_template, tmp_path, monkeypatch):
    from smallboats.data.bundle import open_default_store

    monkeypatch.setenv("SMALLBOATS_CACHE", str(tmp_path / "cache"))
    kept = lambda: sorted((tmp_path / "cache" / "results").glob("baseline-fit-*.pickle"))  # noqa: E731
    with open_default_store(bundled_template, read_only=True) as st:
        first = build_scenario("pilot-50", st, years=1)
        assert len(kept()) == 1
        assert build_scenario("ramp-up", st, years=2)[0].crossings == first[0].crossings  # one fit for both
        assert len(kept()) == 1
        again = build_scenario("pilot-50", st, years=1)
        assert again[0] == first[0] and again[1] == first[1]
        older = next(r for r in st.releases().release_id if r.startswith("ho-small-boats-timeseries"))
        build_scenario("pilot-50", st, years=1, as_of=older)  # another release: another fit
        assert len(kept()) == 2


def test_common_random_numbers(pilot):
    assert np.array_equal(pilot.records["new_potential"], pilot.counterfactual["new_potential"])
    assert pilot.counterfactual["new_selected"].sum() == 0


def test_priors_drawn_in_every_run(pilot):
    pr = pilot.priors_frame()
    for key in ("deterrence.elasticity", "deterrence.threshold", "deterrence.lag_days", "scheme.p_challenge"):
        assert pr[key].std() > 0, key
    assert set(pr["deterrence.form_index"]) == {0, 1, 2, 3}
    assert len(pr) == pilot.runs


def test_effects(fitted):
    sc, _ = fitted[0]["no-scheme"]
    r = simulate(sc, runs=250, seed=5)
    assert (r.effect("arrivals", "year")["median"] == 0).all()
    strong, _ = fitted[0]["deterrence-strong"]
    e = simulate(strong, runs=250, seed=5).effect("arrivals", "year")
    assert e["median"].iloc[0] < 0 and e["p95"].iloc[0] <= 0


def test_no_scheme_reproduces_the_record(fitted):
    """Zero days within 5 points, monthly profile correlation above 0.8, people per boat within 10%."""
    (sc, meta), daily = fitted[0]["no-scheme"], fitted[1]
    sc = sc.model_copy(deep=True)
    sc.years = 3
    r = simulate(sc, runs=250, seed=9)
    arrivals = r.records["new_arrivals"]
    zero_share = (arrivals == 0).mean()
    assert abs(zero_share - meta["fit"]["zero_day_share"]) < 0.05, (zero_share, meta["fit"]["zero_day_share"])
    window = daily[(daily.date > pd.Timestamp(2022, 8, 5)) & (daily.date <= pd.Timestamp(2025, 8, 5))]
    data_profile = window.groupby(window.date.dt.month).people.mean()
    sim_profile = pd.Series(arrivals.mean(axis=1), index=r.dates).groupby(r.dates.month).mean()
    assert np.corrcoef(data_profile, sim_profile)[0, 1] > 0.8
    ppb = r.records["new_arrivals"].sum(axis=1) / np.maximum(r.records["new_boats"].sum(axis=1), 1)
    year1 = ppb[:365][ppb[:365] > 0].mean()
    # the people-per-boat trend is fitted to the newest data: the first year follows what was observed
    seen = daily[
        (daily.date >= pd.Timestamp(sc.start)) & (daily.date < pd.Timestamp(sc.start) + pd.Timedelta(days=365))
    ]
    assert abs(year1 / (seen.people.sum() / seen.boats.sum()) - 1) < 0.10
    yearly = [
        r.records["new_arrivals"][i : i + 365].sum() / r.records["new_boats"][i : i + 365].sum() for i in (0, 365, 730)
    ]
    assert yearly[0] <= yearly[1] <= yearly[2]  # people per boat grows


def test_bad_scenarios_name_the_field(tmp_path):
    from smallboats.errors import DataError

    cases = {
        "[scheme]\ncolour = 1\n": ("scheme.colour", "valid keys"),
        "[scheme]\np_exempt = { low = 0.1, high = 1.5 }\n": ("scheme.p_exempt", "outside the allowed range"),
        '[scheme.quota]\nkind = "fixed"\nper_week = -5\n': ("scheme.quota.per_week", "-5"),
        '[deterrence]\nform = "magic"\n': ("deterrence.form", "magic"),
        "[scheme]\np_challenge = { low = 0.7, high = 0.5 }\n": ("scheme.p_challenge", "below low"),
    }
    for text, (where, words) in cases.items():
        f = tmp_path / "s.toml"
        f.write_text(text)
        with pytest.raises(DataError) as e:
            Scenario.from_toml(f)
        assert where in str(e.value) and words in str(e.value), str(e.value)


def test_every_parameter_has_unit_and_source_and_the_doc_is_current():
    from pathlib import Path

    from smallboats.model.docs import SECTIONS, parameter_rows, parameters_markdown

    for _, model in SECTIONS:
        for row in parameter_rows(model):
            assert row["source"], f"{model.__name__}.{row['name']} has no source"
            assert row["unit"], f"{model.__name__}.{row['name']} has no unit"
            assert row["kind"] in {OFFICIAL, STUDY, FITTED, ASSUMPTION}
    doc = Path(__file__).resolve().parents[1] / "docs" / "parameters.md"
    assert doc.read_text() == parameters_markdown() + "\n", "docs/parameters.md is stale: python scripts/gen_docs.py"


def test_quota_schedules(fitted):
    from smallboats.model.params import Scenario as S

    base, _ = fitted[0]["pilot-50"]
    for quota in (
        {"kind": "ramp", "start_per_week": 50, "end_per_week": 250, "ramp_weeks": 10},
        {"kind": "stepped", "steps": [[dt.date(2025, 8, 6), 20], [dt.date(2025, 10, 1), 80]]},
        {"kind": "conditional", "start_per_week": 10, "step": 10, "weeks": 2, "max_per_week": 60},
        {"kind": "path", "per_week": [5, 10, 15]},
    ):
        sc = S.from_dict(
            base.model_dump(mode="json")
            | {"scheme": base.scheme.model_dump(mode="json") | {"quota": quota, "detention_places": 10_000}}
        )
        r = simulate(sc, runs=250, seed=2, counterfactual=False)
        q = r.records["quota_week"]
        assert q.max() > 0
        if quota["kind"] == "conditional":
            assert q.max() > 10 and q.max() <= 60  # raised when met, capped
        if quota["kind"] == "ramp":
            assert q[0].max() == 50 and q[-1].max() == 250


def test_selection_rules_differ(fitted):
    base, _ = fitted[0]["pilot-50"]
    out = {}
    for rule in ("random", "first-come", "by-boat", "by-nationality"):
        sc = base.model_copy(deep=True)
        sc.scheme.selection = rule
        out[rule] = simulate(sc, runs=250, seed=2, counterfactual=False).records["new_selected"].sum()
    assert len(set(out.values())) == 4, out


def test_simulate_cli_json_matches_python(home, cli, bundled_template):
    r = cli("simulate", "pilot-50", "--runs", "250", "--seed", "1", "--years", "1", "--format", "json")
    assert r.code == 0, r.err
    got = r.json()
    from smallboats.data.bundle import open_default_store

    with open_default_store(bundled_template) as st:
        sc, meta = build_scenario("pilot-50", st, years=1)
    want = simulate(sc, runs=250, seed=1, meta=meta).summary()
    assert got["years"] == want["years"]
    assert got["scenario"] == "pilot-50" and got["seed"] == 1 and got["data_release"] and got["package_version"]
    assert {x["variable"] for x in got["years"]} == {"arrivals", "returned", "admitted"}


def test_simulate_out_and_rerun(home, cli, tmp_path):
    out = tmp_path / "run"
    assert cli("simulate", "actual", "--runs", "250", "--years", "1", "--out", out).code == 0
    assert cli("simulate", "--rerun", out / "manifest.json", "--out", tmp_path / "again").code == 0
    a = pd.read_parquet(out / "results.parquet")
    b = pd.read_parquet(tmp_path / "again" / "results.parquet")
    assert a.equals(b)
    assert len(a) == 250 * 365


def test_simulate_bad_input(home, cli, tmp_path):
    assert cli("simulate", "pilot-50", "--runs", "1000000000").code == 2
    assert cli("simulate", "no-such-preset").code == 2
    r = cli("simulate", "pilot-50", "--threads", "-1")
    assert r.code == 2 and "--threads" in r.err
    f = tmp_path / "bad.toml"
    f.write_text("[scheme]\nquota = 3\n")
    r = cli("simulate", f)
    assert r.code == 2 and "scheme.quota" in r.err
    bad = tmp_path / "manifest.json"
    bad.write_text("{}")
    assert cli("simulate", "--rerun", bad).code == 2
