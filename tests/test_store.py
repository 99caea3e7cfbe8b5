"""Releases: never overwritten, read newest-first per period, revisions, atomic under a kill."""

from __future__ import annotations

import datetime as dt
import signal
import subprocess
import sys
import textwrap

import pytest

from smallboats.data.importers import read_file
from smallboats.data.store import Store
from smallboats.errors import DataError

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
    with Store(tmp_path / "new.duckdb") as s:
        st = s.status()
    assert st["newest_date"] == "2026-08-20"
    assert all(r["source"]["licence"] and r["source"]["url"] for r in st["releases"])


def test_reimport_is_a_no_op_and_a_clash_is_refused(tmp_path):
    s = Store(tmp_path / "s.duckdb", bundled=False)
    f = _tidy(tmp_path / "a.csv", "2025-02-01", {"2025-01-01": (10, 1)})
    assert s.load(read_file(f), str(f)).added == ["test-daily@2025-02-01"]
    assert s.load(read_file(f), str(f)).unchanged == ["test-daily@2025-02-01"]
    g = _tidy(tmp_path / "b.csv", "2025-02-01", {"2025-01-01": (11, 1)})
    with pytest.raises(DataError, match="never overwritten"):
        s.load(read_file(g), str(g))
    assert s.observations("sb_people").value.tolist() == [10]


def test_newest_release_wins_per_period_and_as_of_reads_the_past(tmp_path):
    s = Store(tmp_path / "s.duckdb", bundled=False)
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
    Store(tmp_path / "smallboats.duckdb", bundled=False).close()
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
        from smallboats.data.store import Store
        from smallboats.data.release import Release, make_observations
        from smallboats.provenance import Source
        import datetime as dt
        s = Store({str(home / "smallboats.duckdb")!r})
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
    with Store(home / "smallboats.duckdb") as s:
        after = s.status()
        assert not [r for r in after["releases"] if r["release_id"].startswith("kill-test")]
        assert after == before
