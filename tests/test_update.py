"""`smallboats data update` against a local HTTP server serving the real official files (never the internet)."""

from __future__ import annotations

import datetime as dt
import functools
import http.server
import shutil
import socket
import threading

import pytest


def _page(days: list[tuple[dt.date, int, int]]) -> str:
    rows = "".join(f"<tr><th>{d:%-d %B %Y}</th><td>{p}</td><td>{b}</td><td>0</td><td></td></tr>" for d, p, b in days)
    return (
        "<!DOCTYPE html><html><body><h2>Migrants detected crossing the English Channel in small boats</h2>"
        "<table><thead><tr><th>Date</th><th>Migrants arrived</th><th>Boats arrived</th>"
        "<th>Boats involved in uncontrolled landings</th><th>Notes</th></tr></thead>"
        f"<tbody>{rows}</tbody></table></body></html>"
    )


@pytest.fixture
def site(tmp_path, shared_data, home, cli):
    """A copy of gov.uk's layout on 127.0.0.1: the publication page, the workbook, a newer last-7-days page."""
    root = tmp_path / "site"
    media = root / "media" / "6a8c"
    media.mkdir(parents=True)
    shutil.copy(
        shared_data / "home_office_small_boats_thenational" / "data_small_boats_time_series.ods",
        media / "21_August_2026_Small_boats_-_time_series.ods",
    )
    shutil.copy(
        shared_data
        / "uk_france_returns"
        / "ho_uk_france_agreement_transfers_and_returns_monthly_2025-08_to_2026-06.csv",
        root / "agreement.csv",
    )
    (root / "publication.html").write_text(
        '<html><body><a href="/media/6a8c/21_August_2026_Small_boats_-_time_series.ods">Time series</a></body></html>'
    )
    (root / "nolink.html").write_text("<html><body><p>Moved.</p></body></html>")
    last = dt.date(2026, 8, 20)
    stored = cli("query", "day", "--date", last.isoformat(), "--format", "json").json()
    days = [(last, stored["people"] + 7, stored["boats"])]  # a revision of the newest day held
    days += [(last + dt.timedelta(days=i), 40 + i, 1) for i in range(1, 5)]  # four days added
    (root / "last7.html").write_text(_page(days))
    handler = functools.partial(http.server.SimpleHTTPRequestHandler, directory=str(root))
    handler.log_message = lambda *a, **k: None
    srv = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    t = threading.Thread(target=srv.serve_forever, daemon=True)
    t.start()
    yield f"http://127.0.0.1:{srv.server_address[1]}"
    srv.shutdown()
    srv.server_close()


def _args(base, last7="last7.html", page="publication.html"):
    return [
        "data",
        "update",
        "--page",
        f"{base}/{page}",
        "--last7",
        f"{base}/{last7}",
        "--extra",
        f"{base}/agreement.csv",
        "--format",
        "json",
    ]


def test_update_adds_a_release_and_reports_added_and_revised(site, cli, home):
    r = cli(*_args(site))
    assert r.code == 0, r.err
    out = r.json()
    assert any(a.startswith("ho-small-boats-last-7-days@") for a in out["added"])
    assert any(u.startswith("ho-small-boats-timeseries@2026-08-21") for u in out["unchanged"])
    ch = out["changes"]
    assert ch["days_added"] == 4 and ch["figures_revised"] == 1
    assert ch["revised"][0]["change"] == 7
    assert cli("query", "day", "--format", "json").json()["date"] == "2026-08-24"
    again = cli("data", "changes", "--format", "json").json()
    assert again["days_added"] == 4 and again["new_release"] == ch["new_release"]
    # a second update finds nothing new
    second = cli(*_args(site)).json()
    assert second["added"] == [] and second["changes"] is None


def _port_with_nothing() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_offline_exits_2_and_changes_nothing(home, cli):
    before = (home / "smallboats.duckdb").read_bytes()
    base = f"http://127.0.0.1:{_port_with_nothing()}"
    r = cli(*_args(base))
    assert r.code == 2 and "cannot reach" in r.err and "nothing was changed" in r.err
    assert (home / "smallboats.duckdb").read_bytes() == before


def test_a_missing_file_or_link_changes_nothing(site, cli, home):
    before = (home / "smallboats.duckdb").read_bytes()
    r = cli(*_args(site, last7="gone.html"))
    assert r.code == 2 and "404" in r.err
    r = cli(*_args(site, page="nolink.html"))
    assert r.code == 2 and "no link to the time-series workbook" in r.err
    r = cli("data", "update", "--page", "file:///etc/passwd")
    assert r.code == 2 and "only http and https" in r.err
    assert (home / "smallboats.duckdb").read_bytes() == before
