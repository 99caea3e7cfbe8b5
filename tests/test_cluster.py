"""A real cluster: a Dask scheduler and two workers started as separate processes on 127.0.0.1.

This is what a user with a cluster runs (``dask scheduler``, ``dask worker``), unlike
``LocalCluster``, which the other distributed tests use. A sweep and a Sobol analysis run on it, by
the library and by the command line, must give exactly the numbers they give in this process.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pandas as pd
import pytest

import smallboats
from smallboats.analysis.distributed import executor
from smallboats.analysis.scenarios import build_scenario
from smallboats.analysis.sensitivity import sobol
from smallboats.analysis.sweeps import read_sweep, run_sweep
from smallboats.errors import UsageError

TESTS = Path(__file__).resolve().parent
SRC = Path(smallboats.__file__).resolve().parents[1]  # the checkout under test, for the workers
START_SECONDS = 60  # bound on the cluster's start (workers load NumPy, pandas and the compiled kernel)
GRID = '[grid]\n"scheme.quota.per_week" = [50, 250, 1000]\n'


def _stop(procs: list[subprocess.Popen]) -> None:
    """End every process group this fixture started: politely, then by force."""
    procs = procs[::-1]  # workers first: a worker whose scheduler has gone waits to reconnect
    for p in procs:
        if p.poll() is None:
            os.killpg(p.pid, signal.SIGTERM)
    deadline = time.time() + 5
    for p in procs:
        try:
            p.wait(max(0.1, deadline - time.time()))
        except subprocess.TimeoutExpired:
            os.killpg(p.pid, signal.SIGKILL)
            p.wait()


def _wait_for(path: Path, procs: list[subprocess.Popen], logs: Path) -> None:
    deadline = time.time() + START_SECONDS
    while not path.exists():
        if time.time() > deadline or any(p.poll() is not None for p in procs):
            raise RuntimeError(f"the Dask scheduler did not start; see {logs}")
        time.sleep(0.1)


@pytest.fixture(scope="module")
def cluster(tmp_path_factory):
    """The scheduler's address; the scheduler and two single-threaded workers run until the module ends."""
    pytest.importorskip("distributed")
    d = tmp_path_factory.mktemp("cluster")
    scheduler_file = d / "scheduler.json"
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(SRC), str(TESTS), os.environ.get("PYTHONPATH", "")])}
    procs: list[subprocess.Popen] = []

    def start(name: str, *args: str) -> None:
        log = open(d / f"{name}.log", "wb")  # noqa: SIM115 - the process writes it until the module ends
        procs.append(
            subprocess.Popen(
                [sys.executable, "-m", *args],
                env=env,
                cwd=d,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,  # its own process group, ended as one
            )
        )

    try:
        start(
            "scheduler",
            "distributed.cli.dask_scheduler",
            "--host",
            "127.0.0.1",
            "--port",
            "0",
            "--scheduler-file",
            str(scheduler_file),
            "--no-dashboard",
        )
        _wait_for(scheduler_file, procs, d)
        address = json.loads(scheduler_file.read_text())["address"]
        for i in range(2):
            start(
                f"worker-{i}",
                "distributed.cli.dask_worker",
                address,
                "--nthreads",
                "1",
                "--host",
                "127.0.0.1",
                "--no-dashboard",
                "--name",
                f"worker-{i}",
                "--no-nanny",  # the worker is this process, not a child of it
            )
        from dask.distributed import Client

        with Client(address, timeout="10s") as client:
            client.wait_for_workers(2, timeout=START_SECONDS)
        yield address
    finally:
        _stop(procs)


@pytest.fixture(scope="module")
def base(bundled_template):
    from smallboats.data.bundle import open_default_store

    with open_default_store(bundled_template) as st:
        sc, _ = build_scenario("pilot-50", st, years=0.5)
    return sc


def test_a_sweep_on_the_cluster_matches_one_in_process(cluster, base, tmp_path):
    sc = base.model_copy(deep=True)
    sc.years = 0.1  # enough blocks for a pilot and chosen chunks, in little time
    variants = [{"scheme.quota.per_week": q} for q in (50, 250, 1000, 4000)]
    with executor(cluster) as ex:
        assert (ex.workers, ex.slots, ex.address) == (2, 2, cluster)
        on_cluster = run_sweep(sc, variants, runs=1_000, seed=11, out=tmp_path / "cluster", ex=ex)
    with executor(None) as ex:
        here = run_sweep(sc, variants, runs=1_000, seed=11, out=tmp_path / "here", ex=ex, chunk_runs=250)
    assert on_cluster["workers"] == 2 and on_cluster["seconds_per_block"] > 0  # a pilot was timed on the workers
    assert on_cluster["chunks"] < here["chunks"]  # chosen from the pilot, not one block a task
    pd.testing.assert_frame_equal(read_sweep(tmp_path / "cluster"), read_sweep(tmp_path / "here"))


def test_a_sobol_analysis_on_the_cluster_matches_one_in_process(cluster, base):
    sc = base.model_copy(deep=True)
    sc.years = 1
    with executor(cluster) as ex:
        table, info = sobol(sc, 32, 5, ex, chunk_runs=250)
    with executor(None) as ex:
        table_here, info_here = sobol(sc, 32, 5, ex, chunk_runs=750)
    assert info["chunks"] > info_here["chunks"] > 1
    pd.testing.assert_frame_equal(table, table_here)
    assert info["output_mean"] == info_here["output_mean"]


def test_a_quota_curve_on_the_cluster_matches_one_in_process(cluster, base):
    from smallboats.analysis.threshold import quota_curve

    kw = {"forms": ("none", "elasticity"), "grid": (50, 1000), "runs": 250, "seed": 4}
    on_cluster = quota_curve(base, dask=cluster, **kw)
    here = quota_curve(base, dask=None, **kw)
    pd.testing.assert_frame_equal(on_cluster.drop(columns="cuts"), here.drop(columns="cuts"))
    for a, b in zip(on_cluster.cuts, here.cuts, strict=True):
        assert (a == b).all()


def test_the_command_line_on_the_cluster(cluster, home, cli, tmp_path):
    spec = tmp_path / "grid.toml"
    spec.write_text(GRID)
    common = ["--runs", "500", "--years", "0.1", "--seed", "2", "--format", "json"]
    r = cli("sweep", spec, "--out", tmp_path / "cluster", "--dask", cluster, *common)
    assert r.code == 0, r.err
    assert r.json()["executor"] == cluster and r.json()["workers"] == 2
    r = cli("sweep", spec, "--out", tmp_path / "here", "--dask", "none", *common)
    assert r.code == 0, r.err
    pd.testing.assert_frame_equal(read_sweep(tmp_path / "cluster"), read_sweep(tmp_path / "here"))
    indices = []
    for dask in (cluster, "none"):
        r = cli("sensitivity", "--n", "16", "--seed", "3", "--dask", dask, "--format", "json")
        assert r.code == 0, r.err
        indices.append(r.json()["indices"])
    assert indices[0] == indices[1]


def test_an_address_with_no_scheduler_is_a_clear_error():
    with pytest.raises(UsageError, match="cannot reach the Dask scheduler at tcp://127.0.0.1:9"):
        with executor("tcp://127.0.0.1:9", timeout=2):
            pass
