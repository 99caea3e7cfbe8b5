"""Sweeps on Dask: identical results on 1 and 2 workers, resume, retries; sensitivity and thresholds."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pandas as pd
import pytest

from smallboats.analysis.distributed import executor
from smallboats.analysis.scenarios import build_scenario
from smallboats.analysis.sweeps import read_sweep, run_sweep
from smallboats.errors import DataError, UsageError

TESTS = Path(__file__).resolve().parent
GRID = '[grid]\n"scheme.quota.per_week" = [50, 250]\n"deterrence.form" = ["none", "elasticity"]\n'


@pytest.fixture(scope="module")
def base(bundled_template):
    from smallboats.data.bundle import open_default_store

    with open_default_store(bundled_template) as st:
        sc, _ = build_scenario("pilot-50", st, years=0.5)
    return sc


@pytest.fixture
def worker_path(monkeypatch):
    """Worker processes find the test helpers and the package through PYTHONPATH."""
    monkeypatch.setenv("PYTHONPATH", os.pathsep.join([str(TESTS), os.environ.get("PYTHONPATH", "")]))


def test_same_results_on_one_and_two_workers_and_in_process(base, tmp_path, worker_path):
    variants = [{"scheme.quota.per_week": 50}, {"scheme.quota.per_week": 500, "deterrence.form": "elasticity"}]
    frames = {}
    for label, dask, workers in (("w1", "local", 1), ("w2", "local", 2), ("serial", None, 1)):
        with executor(dask, workers) as ex:
            summary = run_sweep(base, variants, runs=500, seed=5, out=tmp_path / label, ex=ex)
            assert summary["workers"] == workers
        frames[label] = read_sweep(tmp_path / label)
    assert len(frames["w1"]) == 2 * 500 * 1  # variants x runs x years (half a year: one period)
    pd.testing.assert_frame_equal(frames["w1"], frames["w2"])
    pd.testing.assert_frame_equal(frames["w1"], frames["serial"])
    assert set(frames["w1"].columns) >= {
        "variant",
        "run",
        "seed",
        "year",
        "arrivals",
        "cf_arrivals",
        "effect",
        "returned",
        "admitted",
        "scheme.quota.per_week",
    }


def test_a_crashed_workers_task_is_run_again(tmp_path, worker_path):
    import dask_tasks

    marker = tmp_path / "crashed"
    with executor("local", 1) as ex:
        out = ex.map(dask_tasks.crash_once, [(str(marker), 21)])
    assert out == [42]
    assert marker.exists()  # the first attempt did kill its worker


def test_an_interrupted_sweep_resumes(tmp_path, home, cli):
    spec = tmp_path / "grid.toml"
    spec.write_text(GRID)
    out = tmp_path / "sweep"
    cmd = [
        sys.executable,
        "-m",
        "smallboats",
        "sweep",
        str(spec),
        "--out",
        str(out),
        "--runs",
        "500",
        "--years",
        "1",
        "--dask",
        "none",
        "--seed",
        "4",
        "--chunk-runs",
        "250",
    ]
    p = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
    deadline = time.time() + 120
    while time.time() < deadline and len(list(out.glob("part-*.parquet"))) < 2:
        time.sleep(0.05)
    os.killpg(p.pid, signal.SIGKILL)
    p.wait()
    before = {f.name: f.stat().st_mtime_ns for f in out.glob("part-*.parquet")}
    assert 2 <= len(before) < 8, "the sweep should have been stopped part way"
    r = cli(
        "sweep",
        spec,
        "--out",
        out,
        "--runs",
        "500",
        "--years",
        "1",
        "--dask",
        "none",
        "--seed",
        "4",
        "--chunk-runs",
        "250",
        "--format",
        "json",
    )
    assert r.code == 0, r.err
    summary = r.json()
    assert summary["resumed_from"] == len(before) and summary["computed"] == 8 - len(before)
    for name, mtime in before.items():
        assert (out / name).stat().st_mtime_ns == mtime  # kept, not recomputed
    assert not list(out.glob("*.tmp-*"))  # half-written parts of the killed run were cleared
    fresh = tmp_path / "fresh"
    assert (
        cli("sweep", spec, "--out", fresh, "--runs", "500", "--years", "1", "--dask", "none", "--seed", "4").code == 0
    )
    pd.testing.assert_frame_equal(read_sweep(out), read_sweep(fresh))
    # the same folder with another sweep is refused
    r = cli("sweep", spec, "--out", out, "--runs", "250", "--years", "1", "--dask", "none")
    assert r.code == 2 and "different sweep" in r.err


def test_sobol_ranks_deterrence_above_irrelevant_parameters(base):
    from smallboats.analysis.sensitivity import problem, sobol

    sc = base.model_copy(deep=True)
    sc.years = 1
    prob = problem(sc)
    assert "deterrence.form_index" in prob["names"] and "scheme.rel_quota" in prob["names"]
    with executor(None) as ex:
        table, info = sobol(sc, 64, 3, ex)
    assert info["rows"] == 64 * (prob["num_vars"] + 2)
    st = table.set_index("parameter").ST
    assert set(st.index) == set(prob["names"])
    # admissions cannot change arrivals; the deterrence form drives the effect
    assert st["deterrence.form_index"] > 0.2
    assert st["deterrence.form_index"] > st["scheme.p_admission_pass"] + 0.1


def test_threshold_json(home, cli):
    r = cli(
        "threshold",
        "--target",
        "0.25",
        "--probability",
        "0.8",
        "--grid",
        "50,4000",
        "--runs",
        "250",
        "--format",
        "json",
    )
    assert r.code == 0, r.err
    rows = r.json()
    assert [x["assumption"] for x in rows] == ["none", "linear", "elasticity", "threshold"]
    for x in rows:
        assert "weekly_quota" in x and (x["weekly_quota"] is None or x["weekly_quota"] in (50, 4000))
        assert x["searched"]["min"] == 50 and x["searched"]["max"] == 4000
    assert rows[0]["weekly_quota"] is None  # without deterrence, returns alone cannot cut arrivals by 25%


def test_bad_input(home, cli, tmp_path):
    assert cli("sweep", tmp_path / "missing.toml", "--out", tmp_path / "o").code == 2
    bad = tmp_path / "bad.toml"
    bad.write_text('[grid]\n"scheme.nope" = [1, 2]\n')
    r = cli("sweep", bad, "--out", tmp_path / "o2", "--dask", "none")
    assert r.code == 2 and "scheme.nope" in r.err
    r = cli("sweep", bad, "--out", tmp_path / "o3", "--dask", "udp://nowhere")
    assert r.code == 2 and "--dask" in r.err
    assert cli("sensitivity", "--n", "100").code == 2
    assert cli("threshold", "--target", "1.5").code == 2


def test_a_huge_grid_is_refused_before_it_is_expanded(tmp_path, home, cli):
    from smallboats.analysis.sweeps import MAX_VARIANTS, read_spec

    spec = tmp_path / "huge.toml"
    keys = ["scheme.quota.per_week", "crossings.p_launch", "crossings.p_prevent", "scheme.p_exempt"]
    keys += ["scheme.p_recross", "deterrence.elasticity"]
    spec.write_text("[grid]\n" + "".join(f'"{k}" = [{", ".join(str(v) for v in range(1, 21))}]\n' for k in keys))
    start = time.perf_counter()
    with pytest.raises(UsageError) as e:
        read_spec(spec)
    assert time.perf_counter() - start < 1  # sized, not expanded (64 million variants)
    assert str(spec) in str(e.value) and "64,000,000" in str(e.value) and f"{MAX_VARIANTS:,}" in str(e.value)
    r = cli("sweep", spec, "--out", tmp_path / "o", "--dask", "none")
    assert r.code == 2 and "64,000,000" in r.err and "Traceback" not in r.err
    assert not (tmp_path / "o").exists()
    small = tmp_path / "small.toml"
    small.write_text(GRID)
    with pytest.raises(UsageError, match="4 variants"):
        read_spec(small, max_variants=3)
    assert len(read_spec(small, max_variants=4)) == 4


def test_a_sample_file_past_the_limit_is_refused(tmp_path):
    from smallboats.analysis.sweeps import read_spec

    sample = tmp_path / "sample.parquet"
    pd.DataFrame({"scheme.quota.per_week": range(10)}).to_parquet(sample)
    with pytest.raises(UsageError, match="10 variants, more than the limit of 9"):
        read_spec(sample, max_variants=9)
    assert len(read_spec(sample, max_variants=10)) == 10


@pytest.mark.parametrize("chunk_runs", [0, -250, 100, 2.5])
def test_a_chunk_size_that_is_not_whole_blocks_is_refused(base, tmp_path, chunk_runs):
    out = tmp_path / "o"
    with executor(None) as ex, pytest.raises(UsageError, match="--chunk-runs must be a positive multiple of 250"):
        run_sweep(base, [{"scheme.quota.per_week": 50}], runs=250, seed=1, out=out, ex=ex, chunk_runs=chunk_runs)
    assert not out.exists()
    from smallboats.analysis.sensitivity import sobol

    with executor(None) as ex, pytest.raises(UsageError, match="--chunk-runs must be a positive multiple of 250"):
        sobol(base, 4, 1, ex, chunk_runs=chunk_runs)


def test_chunk_runs_zero_on_the_command_line(home, cli, tmp_path):
    spec = tmp_path / "grid.toml"
    spec.write_text(GRID)
    r = cli("sweep", spec, "--out", tmp_path / "o", "--dask", "none", "--chunk-runs", "0")
    assert r.code == 2 and "--chunk-runs" in r.err and "Traceback" not in r.err


def test_chunk_sizes_follow_the_measured_cost():
    from smallboats.analysis.sweeps import MAX_CHUNK_RECORD_BYTES, RECORD_BYTES_PER_RUN_DAY, choose_chunk_runs

    # plenty of work: tasks of about the target time (1.5 s at 0.15 s a block is 10 blocks)
    assert choose_chunk_runs(10_000, 64, 2, 365, seconds_per_block=0.15) == 10 * 250
    # little work: one block a chunk rather than fewer tasks than the workers can share
    assert choose_chunk_runs(500, 2, 2, 365, seconds_per_block=0.001) == 250
    # no measurement: the parallelism bound alone (64 blocks for 2 slots: 8 a task)
    assert choose_chunk_runs(2_000, 8, 2, 365) == 2_000
    # a long horizon: the memory bound
    days = 3650
    runs = choose_chunk_runs(100_000, 100, 2, days, seconds_per_block=0.001)
    assert runs * days * RECORD_BYTES_PER_RUN_DAY <= MAX_CHUNK_RECORD_BYTES
    assert (runs + 250) * days * RECORD_BYTES_PER_RUN_DAY > MAX_CHUNK_RECORD_BYTES // 2
    # chunks of a variant are equal: 9 blocks in chunks of at most 4 make 3 chunks of 3
    assert choose_chunk_runs(9 * 250, 100, 2, 365, seconds_per_block=1.5 / 4) == 3 * 250


def test_results_do_not_depend_on_the_chunk_size(base, tmp_path):
    from smallboats.analysis.sensitivity import sobol

    variants = [{"scheme.quota.per_week": 50}, {"scheme.quota.per_week": 500}]
    frames = []
    with executor(None) as ex:
        for chunk_runs in (250, 750, None):
            s = run_sweep(
                base, variants, runs=1_000, seed=3, out=tmp_path / f"c{chunk_runs}", ex=ex, chunk_runs=chunk_runs
            )
            frames.append(read_sweep(tmp_path / f"c{chunk_runs}"))
        assert s["chunk_runs"] == 500 and s["chunks"] == 4 and s["seconds_per_block"] > 0  # measured, then chosen
        tables = [sobol(base, 16, 2, ex, chunk_runs=c)[0] for c in (250, 500)]
    for f in frames[1:]:
        pd.testing.assert_frame_equal(frames[0], f)
    pd.testing.assert_frame_equal(tables[0], tables[1])


def test_a_resumed_sweep_keeps_its_chunk_size(base, tmp_path):
    variants = [{"scheme.quota.per_week": 50}]
    out = tmp_path / "o"
    with executor(None) as ex:
        run_sweep(base, variants, runs=500, seed=3, out=out, ex=ex, chunk_runs=500)
        (out / "part-v0000-b00000.parquet").unlink()
        s = run_sweep(base, variants, runs=500, seed=3, out=out, ex=ex)
        assert s["chunk_runs"] == 500 and s["computed"] == 1
        with pytest.raises(UsageError, match="chunks of 500 runs"):
            run_sweep(base, variants, runs=500, seed=3, out=out, ex=ex, chunk_runs=250)


def test_the_summary_read_variant_by_variant_equals_the_whole(base, tmp_path):
    from smallboats.analysis.sweeps import summarise_sweep

    variants = [{"scheme.quota.per_week": q, "deterrence.form": f} for q in (50, 500) for f in ("none", "linear")]
    with executor(None) as ex:
        run_sweep(base, variants, runs=500, seed=9, out=tmp_path, ex=ex, chunk_runs=250)
    keys = ["scheme.quota.per_week", "deterrence.form"]
    whole = (
        read_sweep(tmp_path)
        .groupby(["variant", *keys, "year"], dropna=False)
        .effect.describe(percentiles=[0.05, 0.5, 0.95])[["5%", "50%", "95%"]]
        .reset_index()
    )
    pd.testing.assert_frame_equal(summarise_sweep(tmp_path, keys), whole)
    with pytest.raises(DataError, match="no sweep results"):
        summarise_sweep(tmp_path / "empty", keys)
