"""Releases: never overwritten, read newest-first per period, revisions, atomic under a kill."""

from __future__ import annotations

import datetime as dt
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

from smallboats.data.bundle import open_default_store
from smallboats.data.importers import read_file
from smallboats.data.store import ReleaseStore
from smallboats.errors import DataError, StoreError

TIDY = "series,period_start,period_end,value,publisher,title,release_date,url,dataset\n"


def _tidy(path, release_date, values: dict, dataset="test-daily"):
    lines = [TIDY]
    for day, (p, b) in values.items():
        for sid, v in (("sb_people", p), ("sb_boats", b)):
            lines.append(
                f"{sid},{day},{day},{v},Home Office,Test series,{release_date},https://example.org,{dataset}\n"
            )
    path.write_text("".join(lines))
    return path


def test_first_use_fills_the_store_with_the_bundled_data(tmp_path):
    with open_default_store(tmp_path / "new.duckdb") as s:
        st = s.status()
    assert st["newest_date"] == "2026-08-20"
    assert all(r["source"]["licence"] and r["source"]["url"] for r in st["releases"])


def test_reimport_is_a_no_op_and_a_clash_is_refused(tmp_path):
    s = ReleaseStore.create(tmp_path / "s.duckdb")
    f = _tidy(tmp_path / "a.csv", "2025-02-01", {"2025-01-01": (10, 1)})
    assert s.load(read_file(f), str(f)).added == ["test-daily@2025-02-01"]
    assert s.load(read_file(f), str(f)).unchanged == ["test-daily@2025-02-01"]
    g = _tidy(tmp_path / "b.csv", "2025-02-01", {"2025-01-01": (11, 1)})
    with pytest.raises(DataError, match="never overwritten"):
        s.load(read_file(g), str(g))
    assert s.observations("sb_people").value.tolist() == [10]


def test_newest_release_wins_per_period_and_as_of_reads_the_past(tmp_path):
    s = ReleaseStore.create(tmp_path / "s.duckdb")
    old = _tidy(tmp_path / "old.csv", "2025-01-03", {"2025-01-01": (50, 2), "2025-01-02": (30, 1)})
    new = _tidy(
        tmp_path / "new.csv", "2025-01-05", {"2025-01-02": (24, 1), "2025-01-03": (0, 0), "2025-01-04": (70, 2)}
    )
    s.load(read_file(old), "old.csv")
    s.load(read_file(new), "new.csv")
    d = s.daily()
    assert d.people.tolist() == [50, 24, 0, 70]
    d_old = s.daily(as_of="test-daily@2025-01-03")
    assert d_old.people.tolist() == [50, 30]
    rev = s.revisions("test-daily")
    assert rev.kind.tolist() == ["revised down"]
    assert rev.old_value.tolist() == [30] and rev.new_value.tolist() == [24]


def test_revisions_command(tmp_path, cli, monkeypatch):
    monkeypatch.setenv("SMALLBOATS_HOME", str(tmp_path))
    ReleaseStore.create(tmp_path / "smallboats.duckdb").close()
    old = _tidy(tmp_path / "old.csv", "2025-01-03", {"2025-01-01": (50, 2), "2025-01-02": (30, 1)})
    new = _tidy(tmp_path / "new.csv", "2025-01-05", {"2025-01-01": (52, 2), "2025-01-02": (30, 1)})
    assert cli("data", "import", old).code == 0
    assert cli("data", "import", new).code == 0
    r = cli("data", "revisions", "--dataset", "test-daily", "--format", "json")
    assert r.code == 0
    rows = r.json()
    assert [(x["period_start"], x["old_value"], x["new_value"], x["kind"]) for x in rows] == [
        ("2025-01-01", 50.0, 52.0, "revised up")
    ]


def test_last_seven_days_page_extends_the_workbook(store, tmp_path):
    rows = "".join(
        f'<tr><th scope="row">{d:%-d %B %Y}</th><td>{p:,}</td><td>{b}</td><td>0</td><td></td></tr>'
        for d, p, b in [(dt.date(2026, 8, 22), 0, 0), (dt.date(2026, 8, 21), 1204, 18), (dt.date(2026, 8, 20), 0, 0)]
    )
    page = tmp_path / "last7.html"
    page.write_text(
        "<!DOCTYPE html><html><body><h2>Small boats</h2><table><thead><tr><th>Date</th>"
        "<th>Migrants arrived</th><th>Boats arrived</th><th>Boats arrived - involved in "
        f"uncontrolled landings</th><th>Notes</th></tr></thead><tbody>{rows}</tbody></table>"
    )
    (rel,) = read_file(page)
    assert rel.source.release_date == dt.date(2026, 8, 23)
    store.load([rel], str(page))
    d = store.daily()
    assert d.date.max() == dt.datetime(2026, 8, 22)
    assert d.set_index("date").people[dt.datetime(2026, 8, 21)] == 1204


def test_killed_mid_import_leaves_the_store_as_it_was(home, store):
    """A process killed inside the import transaction: on reopening, the store is unchanged."""
    before = store.status()
    store.close()
    script = textwrap.dedent(f"""
        import os, signal
        from smallboats.data.bundle import open_default_store
        from smallboats.data.store import ReleaseStore
        from smallboats.data.release import Release, make_observations
        from smallboats.provenance import Source
        import datetime as dt
        s = open_default_store({str(home / "smallboats.duckdb")!r})
        def rel(n):
            rows = [dict(series="sb_people", period_start=dt.date(2019, 1, 1) + dt.timedelta(days=i),
                         period_end=dt.date(2019, 1, 1) + dt.timedelta(days=i), value=1.0, note="",
                         loc="r") for i in range(300)]
            return Release(f"kill-test-{{n}}", Source("P", "T", dt.date(2025, 1, 1), "u"),
                           make_observations(rows))
        def die(release_id):
            if release_id.startswith("kill-test-2"):
                os.kill(os.getpid(), signal.SIGKILL)
        s.load([rel(1), rel(2), rel(3)], "kill.csv", on_step=die)
    """)
    p = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True)
    assert p.returncode == -signal.SIGKILL, p.stderr
    with open_default_store(home / "smallboats.duckdb") as s:
        after = s.status()
        assert not [r for r in after["releases"] if r["release_id"].startswith("kill-test")]
        assert after == before


# --- sharing the store between processes ----------------------------------------------------------

HOLD = textwrap.dedent("""
    import sys, time, duckdb
    con = duckdb.connect(sys.argv[1], read_only=sys.argv[2] == "read")
    print("holding", flush=True)
    time.sleep(float(sys.argv[3]))
    con.close()
""")


def _hold(path, mode: str, seconds: float) -> subprocess.Popen:
    """Another process holding the store's lock (as a reader or a writer) for ``seconds``."""
    p = subprocess.Popen([sys.executable, "-c", HOLD, str(path), mode, str(seconds)], stdout=subprocess.PIPE, text=True)
    assert p.stdout.readline().strip() == "holding"
    return p


@pytest.mark.parametrize("mode", ["read", "write"])
def test_import_waits_for_a_reader_or_another_import_then_readers_see_it(mode, home, cli, tmp_path):
    """An import waits while another process holds the lock, and succeeds once it lets go."""
    f = _tidy(tmp_path / "new.csv", "2025-02-01", {"2025-01-01": (10, 1), "2025-01-02": (12, 1)})
    with ReleaseStore.reader(home / "smallboats.duckdb") as r:
        assert "test-daily@2025-02-01" not in r.releases().release_id.tolist()
    holder = _hold(home / "smallboats.duckdb", mode, 1.5)
    t0 = time.monotonic()
    result = cli("data", "import", f, "--lock-timeout", "30")
    waited = time.monotonic() - t0
    holder.wait(timeout=30)
    assert result.code == 0, result.err
    assert waited > 0.5, waited  # it waited for the lock rather than failing at once
    with ReleaseStore.reader(home / "smallboats.duckdb") as r:  # a reader opened per use sees the new release
        assert "test-daily@2025-02-01" in r.releases().release_id.tolist()


def test_a_lock_held_past_the_timeout_names_its_holder(home, cli, tmp_path):
    f = _tidy(tmp_path / "new.csv", "2025-02-01", {"2025-01-01": (10, 1)})
    before = (home / "smallboats.duckdb").read_bytes()
    holder = _hold(home / "smallboats.duckdb", "read", 5)
    try:
        r = cli("data", "import", f, "--lock-timeout", "0.5")
    finally:
        holder.kill()
        holder.wait()
    msg = " ".join(r.err.split())
    assert r.code == 2, msg
    assert f"process {holder.pid} (" in msg and "--lock-timeout" in msg and "holds its lock" in msg, msg
    assert "writing to it" not in msg  # the old message blamed a writer whatever held the lock
    assert (home / "smallboats.duckdb").read_bytes() == before


def test_a_busy_store_is_its_own_error_class(home):
    from smallboats.errors import StoreBusyError

    holder = _hold(home / "smallboats.duckdb", "write", 5)
    try:
        with pytest.raises(StoreBusyError, match=f"process {holder.pid}"):
            ReleaseStore(home / "smallboats.duckdb", read_only=True, lock_timeout_s=0.2)
    finally:
        holder.kill()
        holder.wait()


def test_readers_share_the_store(home):
    with ReleaseStore.reader(home / "smallboats.duckdb") as a, ReleaseStore.reader(home / "smallboats.duckdb") as b:
        assert a.status()["newest_date"] == b.status()["newest_date"]


# --- the store only connects; the default store is opened and seeded by bundle.py ---------------


def test_release_store_only_connects(tmp_path):
    missing = tmp_path / "missing.duckdb"
    with pytest.raises(StoreError, match="no store at"):
        ReleaseStore(missing, read_only=True)
    assert not missing.exists()
    with ReleaseStore.create(tmp_path / "new.duckdb") as s:
        assert s.is_empty()  # created with its tables, not seeded
    with ReleaseStore(tmp_path / "new.duckdb", read_only=True) as s:
        assert s.is_empty()


def test_open_default_store_creates_and_seeds_once(tmp_path, monkeypatch):
    monkeypatch.setenv("SMALLBOATS_HOME", str(tmp_path / "home"))
    with open_default_store(read_only=True) as s:  # first use, even for a reader
        assert s.read_only and s.status()["newest_date"] == "2026-08-20"
        n = s.status()["n_releases"]
    with open_default_store() as s:
        assert not s.read_only and s.status()["n_releases"] == n  # not seeded twice


def test_store_and_bundle_do_not_import_each_other():
    import ast
    import importlib

    def imports(module: str) -> set[str]:
        tree = ast.parse(Path(importlib.import_module(module).__file__).read_text())
        return {n.module for n in ast.walk(tree) if isinstance(n, ast.ImportFrom) and n.module}

    assert "smallboats.data.bundle" not in imports("smallboats.data.store")
    assert "smallboats.data.store" in imports("smallboats.data.bundle")


def test_the_store_uses_the_packages_own_engine():
    """The engine module the store imports is the one the ``duckdb`` package re-exports, not another copy."""
    import duckdb

    from smallboats.data import store

    for name in ("connect", "Error", "CatalogException", "DuckDBPyConnection"):
        assert getattr(store.duckdb, name) is getattr(duckdb, name), name


def test_a_store_opened_for_reading_refuses_to_load(home, tmp_path):
    f = _tidy(tmp_path / "a.csv", "2025-02-01", {"2025-01-01": (10, 1)})
    with ReleaseStore.reader(home / "smallboats.duckdb") as r, pytest.raises(StoreError, match="reading only"):
        r.load(read_file(f), str(f))


def test_republication_of_part_of_a_release_is_a_no_op(shared_data, home, cli):
    """The derived daily CSV of the workbook of 21 August 2026: every figure identical, so nothing is stored."""
    before = (home / "smallboats.duckdb").read_bytes()
    r = cli("data", "import", shared_data / "derived/small_boats_daily_2018-01-01_to_2026-08-20.csv", "-f", "json")
    assert r.code == 0, r.err
    (row,) = r.json()
    assert row["release_id"] == "ho-small-boats-timeseries@2026-08-21"
    assert row["status"].startswith("already stored: the file re-publishes part of it")
    assert (home / "smallboats.duckdb").read_bytes() == before


def test_a_republication_holding_a_figure_the_release_lacks_is_refused(tmp_path):
    s = ReleaseStore.create(tmp_path / "s.duckdb")
    f = _tidy(tmp_path / "a.csv", "2025-02-01", {"2025-01-01": (10, 1), "2025-01-02": (11, 1)})
    s.load(read_file(f), str(f))
    part = _tidy(tmp_path / "part.csv", "2025-02-01", {"2025-01-02": (11, 1)})
    assert s.load(read_file(part), str(part)).republished == ["test-daily@2025-02-01"]
    more = _tidy(tmp_path / "more.csv", "2025-02-01", {"2025-01-02": (11, 1), "2025-01-03": (4, 1)})
    with pytest.raises(DataError, match="sb_people for 2025-01-03 is 4, which the stored release does not hold"):
        s.load(read_file(more), str(more))
    s.close()


def test_dates_convert_as_pandas_does():
    import pandas as pd

    from smallboats.data.store import _dates

    col = pd.Series(pd.to_datetime(["2024-02-29", "1999-12-31", None, "2026-08-20"]), index=[3, 1, 2, 0])
    got, want = _dates(col), pd.to_datetime(col).dt.date
    assert got.index.equals(want.index)
    assert [type(x) for x in got] == [type(x) for x in want]
    assert got.isna().equals(want.isna()) and got.dropna().tolist() == want.dropna().tolist()
