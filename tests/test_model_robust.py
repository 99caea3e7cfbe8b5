"""Hostile and careless input to the simulator: every number checked where it is read, a kernel that
cannot loop forever, Ctrl-C that stops the workers, and nothing half-written (issue 16).

The bad scenario files themselves are in the bad-input corpus (tests/test_corpus_data.py)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

from smallboats.errors import UsageError
from smallboats.model import Scenario

SRC = str(Path(__file__).resolve().parents[1] / "src")


def test_the_same_rules_hold_in_python():
    from smallboats.errors import DataError

    with pytest.raises(DataError, match=r"crossings\.seasonal\.3: .*greater than 0"):
        Scenario.from_dict({"crossings": {"seasonal": [1, 1, 1, 0, 1, 1, 1, 1, 1, 1, 1, 1]}})
    sc = Scenario()
    with pytest.raises(ValueError, match="finite"):  # assignment is checked too
        sc.crossings.p_prevent.low = float("nan")


def _run(script: str, timeout: float) -> subprocess.CompletedProcess:
    env = {**os.environ, "PYTHONPATH": SRC}
    return subprocess.run(
        [sys.executable, "-c", textwrap.dedent(script)], capture_output=True, text=True, timeout=timeout, env=env
    )


def test_the_kernel_cannot_loop_forever_on_nan_or_inf():
    """The compiled samplers and the whole engine, given NaN, infinite and huge values past validation."""
    script = """
        import math
        import numpy as np
        from smallboats.model import Scenario, kernel
        from smallboats.model.engine import run_arm
        from smallboats.model.params import PathQuota, Range
        from smallboats.model.rng import streams

        nan, inf = float("nan"), float("inf")
        G, out = streams(1, 0, 1), np.zeros(50)
        for lam in (nan, inf, -inf, 1e300, -5.0, 9.99, 1e9):
            kernel.sample(2, G, 0, lam, 0.0, out)
            assert np.isfinite(out).all() and (out >= 0).all(), lam
        for n, p in ((100, nan), (10**15, 1e-14), (10**15, 0.3), (5, inf), (1000, -inf), (2**62, 0.5)):
            kernel.sample(1, G, 0, float(n), p, out)
            assert ((out >= 0) & (out <= n)).all(), (n, p)

        def crossings(**kw):
            base = Scenario(years=0.1)
            return base.model_copy(update={"crossings": base.crossings.model_copy(update=kw)})

        def scheme(**kw):
            base = Scenario(years=0.1)
            return base.model_copy(update={"scheme": base.scheme.model_copy(update=kw)})

        cases = [
            crossings(seasonal=[nan] + [1.0] * 11),
            crossings(seasonal=[inf] + [1.0] * 11),
            crossings(seasonal=[-5.0] * 12),
            crossings(seasonal=[1e300] * 12),
            crossings(p_prevent=Range.model_construct(low=nan, high=nan)),
            crossings(inflow_per_day=Range.model_construct(low=inf, high=inf)),
            crossings(inflow_per_day=Range.model_construct(low=1e300, high=1e300)),
            crossings(p_cross_after_calm=[2.0] * 12, p_cross_after_cross=[-1.0] * 12),
            scheme(quota=PathQuota.model_construct(kind="path", per_week=[inf], source="")),
            scheme(quota=PathQuota.model_construct(kind="path", per_week=[nan], source="")),
            scheme(quota=PathQuota.model_construct(kind="path", per_week=[1e300], source="")),
            scheme(quota=PathQuota.model_construct(kind="path", per_week=[-1000.0], source="")),
            scheme(admissions_per_week=Range.model_construct(low=inf, high=inf)),
            scheme(dur_process_days=Range.model_construct(low=nan, high=nan)),
        ]
        for sc in cases:  # the engine's arm loop itself: simulate would re-validate the counterfactual
            for arm in (sc, sc.model_copy(update={"scheme": sc.scheme.model_copy(update={"enabled": False})})):
                run_arm(arm, 300, 1, records=False, threads=2)
                run_arm(arm, 3, 1)
        print("finished", len(cases))
    """
    r = _run(script, timeout=240)
    assert r.returncode == 0, r.stderr[-2000:]
    assert "finished 14" in r.stdout


INTERRUPTIBLE = """
    import sys
    from smallboats.model import Scenario, simulate

    sc = Scenario(years=3)
    simulate(sc, runs=10, seed=1)  # load the compiled kernel first
    print("ready", flush=True)
    try:
        simulate(sc, runs=40_000, seed=1, threads={threads}, records=False)
    except KeyboardInterrupt:
        print("interrupted: no results", flush=True)
        sys.exit(130)
    print("finished", flush=True)
"""


@pytest.mark.parametrize("threads", [1, 2])
def test_ctrl_c_stops_the_simulation_promptly(threads):
    env = {**os.environ, "PYTHONPATH": SRC}
    p = subprocess.Popen(
        [sys.executable, "-c", textwrap.dedent(INTERRUPTIBLE.format(threads=threads))],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
    )
    try:
        assert p.stdout.readline().strip() == "ready"
        time.sleep(1.0)  # well inside the simulation, which takes far longer
        p.send_signal(signal.SIGINT)
        sent = time.monotonic()
        out, err = p.communicate(timeout=30)
        elapsed = time.monotonic() - sent
    finally:
        p.kill()
    assert p.returncode == 130, err[-2000:]
    assert "interrupted: no results" in out and "finished" not in out
    assert elapsed < 5, f"took {elapsed:.1f} s to stop"


def test_an_interrupted_or_refused_save_leaves_nothing(tmp_path):
    from smallboats.model import simulate

    r = simulate(Scenario(years=0.1), runs=5, seed=1)
    taken = tmp_path / "taken"
    taken.mkdir()
    (taken / "mine.txt").write_text("keep")
    with pytest.raises(UsageError, match="already exists"):
        r.save(taken)
    assert [p.name for p in taken.iterdir()] == ["mine.txt"]
    blocked = tmp_path / "file"
    blocked.write_text("")
    with pytest.raises(UsageError, match="cannot write the results"):
        r.save(blocked / "out")
    out = tmp_path / "new"
    assert r.save(out) == out / "manifest.json"
    assert sorted(p.name for p in out.iterdir()) == [
        "manifest.json",
        "priors.parquet",
        "results.parquet",
        "summary.json",
    ]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["file", "new", "taken"]  # no partial folder left
