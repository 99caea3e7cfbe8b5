"""Every report chart through the API, the findings endpoint, and the bounds on slow results.

The slow charts (simulated and estimated) come from the report's cached results: the first request
starts their computation in the background, and a client asks again while the answer is 503 with
``Retry-After`` (the API's documented "still computing"); any other answer fails the test at once.
"""

from __future__ import annotations

import io
import re
import shutil
import threading
import time

import pandas as pd
import pytest
from fastapi.testclient import TestClient

from smallboats.analysis.report_runs import REPORT_CHARTS, SLOW_CHARTS, Job
from smallboats.web.app import create_app
from smallboats.web.slow import Background, wait_idle
from waiting import every_slow_result, findings_when_complete, when_ready


@pytest.fixture(scope="module")
def store_copy(tmp_path_factory, bundled_template):
    d = tmp_path_factory.mktemp("charts-api")
    shutil.copy(bundled_template, d / "s.duckdb")
    return d / "s.duckdb"


@pytest.fixture(scope="module")
def client(store_copy):
    with TestClient(create_app(store_copy, budget_seconds=10), raise_server_exceptions=False) as c:
        yield c


def test_the_findings_come_from_the_cached_results(client, store_copy):
    body = findings_when_complete(client)
    by_id = {f["id"]: f for f in body["findings"]}
    assert list(by_id) == ["returned", "effect", "could", "cannot_tell"]
    for f in by_id.values():
        assert f["status"] == "ready" and f["source"] and re.fullmatch(r"\d{4}-\d{2}-\d{2}", f["date"])
        assert "Open Government Licence" in f["source"], f["source"]
        assert f["dated"].startswith(("figures to ", "weeks to ", "data published ")), f["dated"]
    from smallboats.analysis.official import OfficialFigures
    from smallboats.analysis.report_runs import estimated_pilot_job, outlook_job
    from smallboats.data.bundle import open_default_store

    with open_default_store(store_copy, read_only=True) as st:
        fig = OfficialFigures(st)
        est, out = estimated_pilot_job(fig).stored(), outlook_job(fig).stored()
    assert est is not None and out is not None, "the findings were not cached on disk"
    rel = est["effect"]["totals"]["bayes"]["relative_effect"]
    words = lambda x: f"{abs(x) * 100:.0f}% {'below' if x < 0 else 'above'}"  # noqa: E731
    assert words(rel["median"]) in by_id["effect"]["headline"]
    assert words(rel["p05"]) in by_id["effect"]["headline"] and words(rel["p95"]) in by_id["effect"]["headline"]
    assert by_id["effect"]["date"] == est["effect"]["end"]
    year1 = out.effects["ramp-up"].loc[0, "median"]
    assert f"{abs(year1):,.0f} {'fewer' if year1 < 0 else 'more'}" in by_id["could"]["text"]
    assert "scheme year 2" in by_id["could"]["text"] and out.quotas["ramp-up"] in by_id["could"]["headline"]


@pytest.mark.parametrize("name", REPORT_CHARTS)
def test_every_report_chart_in_every_format(client, name):
    spec = when_ready(client, f"/api/v1/charts/{name}.vl.json")
    assert spec.status_code == 200 and "$schema" in spec.json()
    png = client.get(f"/api/v1/charts/{name}.png")
    assert png.status_code == 200 and png.content[:8] == b"\x89PNG\r\n\x1a\n"
    svg = client.get(f"/api/v1/charts/{name}.svg")
    assert svg.status_code == 200 and svg.text.lstrip().startswith("<svg")
    csv = client.get(f"/api/v1/charts/{name}.csv")
    first = csv.text.splitlines()[0]
    assert csv.status_code == 200 and first.startswith("# ") and "Licence" in first, first
    data = pd.read_csv(io.StringIO(csv.text), comment="#")
    assert len(data) > 0
    for col in data.select_dtypes("float").columns:  # rounded: what is drawn, not float noise
        assert (data[col].dropna().round(2) == data[col].dropna()).all(), col
    snippet = client.get(f"/api/v1/charts/{name}.html")
    assert snippet.status_code == 200 and "<svg" in snippet.text and "Licence" in snippet.text
    scripts = re.findall(r'<script src="([^"]+)"', snippet.text)
    assert scripts == ["http://testserver/static/vega-bundle.js"]  # this server's bundle, never a CDN
    assert f'vegaEmbed("#smallboats-{name.replace("_", "-")}"' in snippet.text
    assert "</script" not in snippet.text.split("vegaEmbed(", 1)[1].split(");</script>")[0]


def test_the_api_serves_every_chart_the_report_draws(client, store_copy):
    from smallboats.analysis.official import OfficialFigures
    from smallboats.data.bundle import open_default_store
    from smallboats.report.build import sections

    findings_when_complete(client)  # the results the report's sections need, cached
    with open_default_store(store_copy, read_only=True) as st:
        names = [c.name for sec in sections(OfficialFigures(st), lambda _: None) for c in sec.charts]
    assert sorted(names) == sorted(REPORT_CHARTS)


def test_a_second_server_reads_the_cached_results(client, store_copy, tmp_path):
    every_slow_result(client)
    from smallboats.analysis.results_cache import cache_root

    store = tmp_path / "s.duckdb"
    shutil.copy(store_copy, store)
    before = {p.name: p.stat().st_mtime_ns for p in (cache_root() / "results").iterdir()}
    started = time.monotonic()
    with TestClient(create_app(store, budget_seconds=5), raise_server_exceptions=False) as other:
        for name in SLOW_CHARTS:  # within 5 s each, or it would be 503: nothing is recomputed
            r = other.get(f"/api/v1/charts/{name}.csv")
            assert r.status_code == 200, (name, r.text)
            assert r.text == client.get(f"/api/v1/charts/{name}.csv").text
        assert other.get("/api/v1/findings").json()["complete"]
    after = {p.name: p.stat().st_mtime_ns for p in (cache_root() / "results").iterdir()}
    assert after == before, "a result was recomputed"
    assert time.monotonic() - started < 120


def _job(kind: str, compute, releases=("r1",)) -> Job:
    return Job(kind, releases, {"test": kind}, lambda: compute)


def test_slow_results_run_one_at_a_time_and_a_wait_is_bounded(monkeypatch, tmp_path):
    monkeypatch.setenv("SMALLBOATS_CACHE", str(tmp_path))
    release = threading.Event()
    running, most = [], []

    def slow(value):
        def compute():
            running.append(value)
            most.append(len(running))
            release.wait(60)
            running.remove(value)
            return value

        return compute

    bg = Background()
    a, b = _job("test-a", slow("a")), _job("test-b", slow("b"))
    t = time.monotonic()
    with pytest.raises(Exception) as exc:
        bg.result(a, 0.5)
    assert exc.value.status_code == 503 and exc.value.headers["Retry-After"]
    assert time.monotonic() - t < 5
    assert bg.future(a) is bg.future(a)  # asking again joins the computation, never starts a second
    fb = bg.future(b)
    time.sleep(0.5)
    assert not wait_idle(0.2)  # both still running or queued
    release.set()
    assert bg.result(a, 60) == "a" and fb.result(60) == "b"
    assert wait_idle(30)
    assert max(most) == 1, "two slow computations ran at once"
    assert _job("test-a", slow("other")).stored() == "a"  # kept on disk under its key


def test_a_failed_result_is_remembered_not_recomputed_per_request(monkeypatch, tmp_path):
    from smallboats.errors import StoreError

    monkeypatch.setenv("SMALLBOATS_CACHE", str(tmp_path))
    calls = []

    def broken():
        calls.append(1)
        raise StoreError("the store holds no figures of the UK-France agreement")

    bg = Background()
    job = _job("test-broken", broken)
    for _ in range(3):
        with pytest.raises(StoreError, match="UK-France"):
            bg.result(job, 30)
    assert len(calls) == 1
