"""Results: per-run reductions, summary-only simulations that match the daily records, run numbers
that survive chunking, and the runs cap."""

from __future__ import annotations

import numpy as np
import pytest

from smallboats.analysis.scenarios import build_scenario
from smallboats.errors import UsageError
from smallboats.model import Results, max_runs, simulate
from smallboats.model.kernel import RECORDED
from smallboats.model.results import SUMMARY_KEEPS, is_stock
from smallboats.model.rng import BLOCK


@pytest.fixture(scope="module")
def pilot(bundled_template):
    from smallboats.data.bundle import open_default_store

    with open_default_store(bundled_template) as st:
        sc, meta = build_scenario("pilot-50", st, years=1.5)
    return sc, meta


@pytest.fixture(scope="module")
def both(pilot):
    sc, meta = pilot
    full = simulate(sc, runs=300, seed=4, meta=meta, threads=2)
    lean = simulate(sc, runs=300, seed=4, meta=meta, threads=2, records=False)
    return full, lean


def test_summary_only_matches_the_daily_records(both):
    full, lean = both
    assert full.has_records and not lean.has_records
    for period, names in SUMMARY_KEEPS.items():
        for name in names:
            for arm in ("scenario", "counterfactual"):
                a, b = full.per_run(name, period, arm), lean.per_run(name, period, arm)
                assert a.shape == b.shape == (a.shape[0], 300)
                if is_stock(name):
                    np.testing.assert_allclose(a, b, rtol=1e-12, err_msg=f"{period} {name} {arm}")
                else:
                    assert np.array_equal(a, b), (period, name, arm)
    assert full.summary() == lean.summary()
    assert full.band("arrivals", "week").equals(lean.band("arrivals", "week"))
    assert full.band("arrivals", "week", arm="counterfactual").equals(lean.band("arrivals", "week", "counterfactual"))
    assert full.effect("returned", "year").equals(lean.effect("returned", "year"))


def test_the_summary_gives_the_numbers_of_the_bands_and_effects(both):
    """The summary is reduced without frames; every figure in it is the one band() and effect() give."""
    for r in both:
        s = r.summary()
        for var in ("arrivals", "returned", "admitted"):
            band, eff = r.band(var, "year"), r.effect(var, "year")
            rel = r.effect(var, "year", relative=True)
            rows = [y for y in s["years"] if y["variable"] == var]
            assert len(rows) == len(band) == 2  # a year and a half: two periods
            for i, row in enumerate(rows):
                assert row["period_start"] == band.period_start[i].isoformat()
                for k in ("median", "p05", "p25", "p75", "p95"):
                    assert row[k] == round(float(band.loc[i, k]), 1), (var, i, k)
                    assert row["effect"][k] == round(float(eff.loc[i, k]), 1), (var, i, k)
                if var == "arrivals":
                    for k in ("median", "p05", "p95"):
                        assert row["effect_relative"][k] == round(float(rel.loc[i, k]), 4), (i, k)
                else:
                    assert "effect_relative" not in row
        assert s["years"][0]["effect"]["median"] < 0  # the scheme cuts arrivals, so the check has numbers in it


def test_band_rows_are_the_bands_as_records(both):
    from smallboats.serialize import records
    from smallboats.vocab import FAN_BANDS, QUANTILES

    for r in both:
        for arm in ("scenario", "counterfactual"):
            for period, var in (("week", "arrivals"), ("year", "returned"), ("total", "admitted")):  # all kept
                for bands in (FAN_BANDS, tuple(QUANTILES)):
                    want = records(r.band(var, period, arm)[["period_start", *bands]])
                    assert r.band_rows(var, period, arm, bands) == want, (period, var, arm)
    weeks = both[1].band_rows("arrivals", "week", "scenario", ("median",))
    assert len(weeks) == both[1].days // 7  # the part week at the end is left out, as band() does


def test_summary_only_refuses_what_it_did_not_keep(both):
    _, lean = both
    with pytest.raises(UsageError, match="records=True"):
        lean.records  # noqa: B018 - the property raises
    with pytest.raises(UsageError, match="returned by week was not kept"):
        lean.per_run("returned", "week")
    with pytest.raises(UsageError, match="first 365 days"):
        lean.per_run("arrivals", "total", days=365)
    with pytest.raises(UsageError, match="records=True"):
        lean.to_frame()


def test_per_run_and_cut_agree_with_the_records(both):
    full, _ = both
    arrivals = full.records["new_arrivals"].astype(float)
    cf = full.counterfactual["new_arrivals"].astype(float)
    assert np.array_equal(full.per_run("arrivals", "total", days=365)[0], arrivals[:365].sum(axis=0))
    coast = full.per_run("n_coast", "week")
    assert np.allclose(coast[0], full.records["n_coast"][:7].mean(axis=0))
    cut = full.cut("arrivals", "total", days=365)[0]
    assert np.allclose(cut, 1 - arrivals[:365].sum(axis=0) / np.maximum(cf[:365].sum(axis=0), 1))
    assert full.cut("arrivals", "year").shape == (2, 300)
    with pytest.raises(UsageError, match="unknown variable 'colour'"):
        full.per_run("colour")
    with pytest.raises(UsageError, match="period must be one of"):
        full.per_run("arrivals", "fortnight")
    with pytest.raises(UsageError, match="arm must be one of"):
        full.per_run("arrivals", "year", arm="both")


def test_n_pending_is_gone_but_still_reads(both):
    full, lean = both
    assert "n_pending" not in RECORDED and "n_pending" not in full.records
    for r in (full, lean):
        assert np.array_equal(r.per_run("n_pending", "year"), r.per_run("n_detained", "year"))


def test_chunks_keep_their_run_numbers(pilot):
    sc, _ = pilot
    whole = simulate(sc, runs=2 * BLOCK, seed=8, records=False)
    second = simulate(sc, runs=BLOCK, seed=8, first_block=1)
    assert second.run_ids[0] == BLOCK and second.to_frame().run.min() == BLOCK
    assert second.priors_frame().run.tolist() == list(range(BLOCK, 2 * BLOCK))
    parts = Results.concat([simulate(sc, runs=BLOCK, seed=8, first_block=1, records=False), whole_first(sc)])
    assert parts.run_ids.tolist() == list(range(2 * BLOCK))
    assert parts.summary() == whole.summary()
    for name in RECORDED:
        assert np.array_equal(parts.per_run(name, "year"), whole.per_run(name, "year")), name
    with pytest.raises(UsageError, match="not consecutive"):
        Results.concat([whole_first(sc), simulate(sc, runs=10, seed=8, first_block=2, records=False)])
    with pytest.raises(UsageError, match="with daily records"):
        Results.concat([whole_first(sc), second])


def whole_first(sc):
    return simulate(sc, runs=BLOCK, seed=8, records=False)


def test_the_runs_cap_comes_from_memory_and_is_named(pilot):
    sc, _ = pilot
    with_records, without = max_runs(sc, records=True), max_runs(sc, records=False)
    assert 1 <= with_records < without
    with pytest.raises(UsageError, match=f"the cap on this machine is {with_records:,} runs"):
        simulate(sc, runs=with_records + 1)
    with pytest.raises(UsageError, match="at least 1"):
        simulate(sc, runs=0)
    with pytest.raises(UsageError, match="unknown prior 'colour'"):
        simulate(sc, runs=10, fixed_priors={"colour": np.zeros(10)})


def test_summary_only_memory_does_not_grow_with_the_horizon(pilot):
    from smallboats.model.engine import bytes_per_run

    sc, _ = pilot
    three, ten = sc.model_copy(update={"years": 3}), sc.model_copy(update={"years": 10})
    # the design goal of issue 16: 100,000 paired runs x 3 years in well under 1 GB of kept numbers
    assert 100_000 * bytes_per_run(three, records=False) < 2**30 / 2
    # a day more of horizon costs a run one weekly figure's share without records, every variable with them
    extra = ten.days - three.days
    lean = (bytes_per_run(ten, records=False) - bytes_per_run(three, records=False)) / extra
    full = (bytes_per_run(ten, records=True) - bytes_per_run(three, records=True)) / extra
    assert lean < full / 100


def test_summary_only_numbers_do_not_depend_on_threads(pilot, both):
    sc, meta = pilot
    one = simulate(sc, runs=300, seed=4, meta=meta, threads=1, records=False)
    for name in RECORDED:
        assert np.array_equal(one.per_run(name, "year"), both[1].per_run(name, "year")), name
        assert np.array_equal(
            one.per_run(name, "year", "counterfactual"), both[1].per_run(name, "year", "counterfactual")
        )
