"""The HTTP API: the documented answers, caps, time budget, path safety, and schemathesis."""

from __future__ import annotations

import contextlib
import shutil
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest
from fastapi.testclient import TestClient

from smallboats.web.app import create_app
from waiting import every_slow_result


@pytest.fixture(scope="module")
def store_copy(tmp_path_factory, bundled_template):
    d = tmp_path_factory.mktemp("web")
    shutil.copy(bundled_template, d / "smallboats.duckdb")
    return d / "smallboats.duckdb"


@pytest.fixture(scope="module")
def client(store_copy):
    # warmed as a server is: the baseline's fit (a minute when this file runs alone, with an empty
    # cache) is made before the first what-if, whose budget would otherwise run out while it waits
    app = create_app(store_copy, warm=True)
    app.state.warming.join(600)
    with TestClient(app, raise_server_exceptions=False) as c:
        yield c


def test_health(client):
    assert client.get("/api/v1/health").json() == {"status": "ok"}


def test_simulate_matches_the_cli(client, store_copy, monkeypatch):
    r = client.post("/api/v1/simulate", json={"scenario": "pilot-50", "runs": 100, "seed": 1})
    assert r.status_code == 200
    api = r.json()
    p = subprocess.run(
        [
            sys.executable,
            "-m",
            "smallboats",
            "simulate",
            "pilot-50",
            "--runs",
            "100",
            "--seed",
            "1",
            "--format",
            "json",
            "--store",
            str(store_copy),
        ],
        capture_output=True,
        text=True,
    )
    assert p.returncode == 0, p.stderr
    import json

    cli = json.loads(p.stdout)
    assert {k: api[k] for k in cli} == cli
    assert len(api["weekly"]["scenario"]) > 100 and "median" in api["weekly"]["no_scheme"][0]


def test_a_slow_simulation_is_cancelled_with_503(store_copy):
    app = create_app(store_copy, budget_seconds=0.01)
    with TestClient(app) as c:
        r = c.post("/api/v1/simulate", json={"scenario": "pilot-50", "runs": 500, "years": 3})
    assert r.status_code == 503 and "budget" in r.json()["detail"]


def test_data_queries_carry_their_sources(client):
    r = client.get("/api/v1/query/so-far", params={"date": "2025-07-09"}).json()
    assert r["rows"][-1]["people"] == 21117 and r["sources"][0]["licence"]
    assert client.get("/api/v1/query/day", params={"date": "2025-07-10"}).json()["day"]["people"] == 573
    assert client.get("/api/v1/query/so-far", params={"date": "2031-01-01"}).status_code == 404
    assert client.get("/api/v1/query/so-far", params={"date": "10/07/2025"}).status_code == 422
    assert client.get("/api/v1/series/agreement_returned").json()["sources"][0]["publisher"] == "Home Office"
    assert len(client.get("/api/v1/claims").json()) == 13


def test_no_path_from_a_request_reaches_the_filesystem(client):
    for url in (
        "/api/v1/charts/..%2F..%2Fetc%2Fpasswd.csv",
        "/api/v1/charts/report.csv",
        "/static/..%2F..%2Fpyproject.toml",
        "/api/v1/series/..%2Fsecret",
    ):
        r = client.get(url)
        assert r.status_code in (404, 422), url
        assert "root:" not in r.text and "[project]" not in r.text


def test_chart_exports(client):
    r = client.get("/api/v1/charts/arrivals_so_far.csv")
    assert (
        r.status_code == 200
        and r.text.startswith("# Source: Home Office")
        and r.text.splitlines()[1].startswith("date,")
    )
    assert client.get("/api/v1/charts/people_per_boat.png").content[:4] == b"\x89PNG"
    r = client.get("/api/v1/charts/fan.csv", params={"runs": 50, "quota_per_week": 200})
    assert r.status_code == 200 and "median" in r.text.splitlines()[1]
    snippet = client.get("/api/v1/charts/weekly_arrivals.html")
    assert snippet.status_code == 200 and "<svg" in snippet.text and "Source: Home Office" in snippet.text


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextlib.contextmanager
def _serving(store, wait_s: float):
    """`smallboats serve` on a free loopback port, once its health check answers: its base URL."""
    port = _free_port()
    server = subprocess.Popen(
        [sys.executable, "-m", "smallboats", "serve", "--port", str(port), "--store", str(store)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.time() + wait_s
        while True:
            try:
                assert httpx.get(base + "/api/v1/health", timeout=1).json() == {"status": "ok"}
                break
            except httpx.TransportError:
                assert time.time() < deadline, f"the server did not answer within {wait_s} s"
                time.sleep(0.2)
        yield base
    finally:
        server.terminate()
        server.wait(10)


def test_serve_command(store_copy, tmp_path):
    store = tmp_path / "s.duckdb"
    shutil.copy(store_copy, store)
    with _serving(store, 30) as base:
        assert httpx.get(base + "/api/v1/health", timeout=5).status_code == 200


def _new_release(folder) -> Path:
    """A tidy CSV of one new daily release (21 August 2026: 123 people in 3 boats)."""
    new = folder / "new.csv"
    rows = ["series,period_start,period_end,value,publisher,title,release_date,url,dataset"]
    for sid, v in (("sb_people", 123), ("sb_boats", 3)):
        rows.append(
            f"{sid},2026-08-21,2026-08-21,{v},Home Office,Test series,2026-08-22,https://example.org,test-daily"
        )
    new.write_text("\n".join(rows) + "\n")
    return new


def test_an_import_while_the_server_runs_is_seen_without_a_restart(store_copy, tmp_path):
    """`data import` succeeds while `serve` runs (no lock held while idle); the next requests see the release."""
    store = tmp_path / "s.duckdb"
    shutil.copy(store_copy, store)
    new = _new_release(tmp_path)
    with _serving(store, 120) as base:
        assert httpx.get(base + "/api/v1/query/day", params={"date": "2026-08-21"}, timeout=30).status_code == 404
        assert "20 August 2026" in httpx.get(base + "/", timeout=60).text
        imported = subprocess.run(
            [sys.executable, "-m", "smallboats", "data", "import", str(new), "--store", str(store)],
            capture_output=True,
            text=True,
        )
        assert imported.returncode == 0, imported.stderr
        day = httpx.get(base + "/api/v1/query/day", params={"date": "2026-08-21"}, timeout=30)
        assert day.status_code == 200 and day.json()["day"]["people"] == 123
        assert "21 August 2026" in httpx.get(base + "/", timeout=60).text


def _window_in_order(case) -> bool:
    query = case.query or {}
    return not ({"start", "end"} <= query.keys()) or str(query["start"]) <= str(query["end"])


# Rules between fields that OpenAPI cannot state: for these operations the generated requests are kept
# to those the rule allows, so that every check (positive_data_acceptance too) stays on for every
# route, and the rule itself is tested by test_cross_field_rules_are_refused_with_a_message.
CROSS_FIELD_RULES = {("GET", "/api/v1/query/window"): _window_in_order}  # end not before start


def test_openapi_with_schemathesis(store_copy, tmp_path):
    """Every route, with generated requests and every check on: no 5xx, responses as documented.

    positive_data_acceptance included: a request the schema allows must not be refused with 422.
    """
    schemathesis = pytest.importorskip("schemathesis")
    from hypothesis import HealthCheck, settings

    store = tmp_path / "s.duckdb"
    shutil.copy(store_copy, store)
    app = create_app(store, max_runs=20, max_years=0.25, budget_seconds=60)
    # A server's first requests for the slow charts are answered 503 "being computed" (documented, and
    # tested in test_report_charts_api.py); this checks every route of a server that has computed them.
    with TestClient(app, raise_server_exceptions=False) as warm:
        every_slow_result(warm)
    schema = schemathesis.openapi.from_asgi("/openapi.json", app)
    failures = []
    for op in schema.get_all_operations():
        operation = op.ok()

        @settings(max_examples=15, deadline=None, suppress_health_check=list(HealthCheck))
        def check(case):
            case.call_and_validate()

        test = operation.as_strategy()
        rule = CROSS_FIELD_RULES.get((operation.method.upper(), operation.path))
        if rule is not None:
            test = test.filter(rule)
        from hypothesis import given

        try:
            given(case=test)(check)()
        except (Exception, BaseExceptionGroup) as e:  # collect and report every failing route at once
            failures.append(f"{operation.method.upper()} {operation.path}: {str(e)[:400]}")
    assert not failures, "\n".join(failures)


def test_changes_between_the_newest_releases(client):
    r = client.get("/api/v1/changes")
    assert r.status_code == 200
    c = r.json()
    assert c["new_release"] == "ho-small-boats-timeseries@2026-08-21" and c["days_added"] > 200
    assert client.get("/api/v1/changes", params={"old": "nonsense"}).status_code == 404


def test_every_what_if_the_schema_allows_is_answered(store_copy, tmp_path):
    """Any what-if within the documented ranges runs (the ramp what-if was once refused with a 422)."""
    from hypothesis import HealthCheck, given, settings
    from hypothesis import strategies as st

    store = tmp_path / "s.duckdb"
    shutil.copy(store_copy, store)
    app = create_app(store, max_runs=20, max_years=0.25)
    from smallboats.analysis.whatif import MAX_PLACES, MAX_QUOTA_PER_WEEK

    quota = st.none() | st.floats(0, MAX_QUOTA_PER_WEEK)
    what_if = st.fixed_dictionaries(
        {},
        optional={
            "quota_per_week": quota,
            "ramp_to_per_week": quota,
            "detention_places": st.none() | st.floats(0, MAX_PLACES),
            "p_challenge": st.none() | st.floats(0, 1),
            "p_prevent": st.none() | st.floats(0, 0.95),
            "deterrence": st.none() | st.sampled_from(["none", "linear", "elasticity", "threshold", "mixture"]),
        },
    )

    with TestClient(app, raise_server_exceptions=False) as c:

        @settings(max_examples=25, deadline=None, suppress_health_check=list(HealthCheck))
        @given(w=what_if, preset=st.sampled_from(["pilot-50", "ramp-up", "deterrence-strong", "no-scheme"]))
        def check(w, preset):
            r = c.post("/api/v1/simulate", json={"scenario": preset, "runs": 5, "years": 0.1, "what_if": w})
            assert r.status_code == 200, (w, preset, r.text)
            used = r.json()["what_if"]
            assert used["detention_places"] >= 0

        check()


@pytest.mark.parametrize(
    "path, params",
    [
        ("/api/v1/query/window", {"start": "2025-07-10", "end": "2025-03-01"}),  # ends before it starts
        ("/api/v1/query/window", {"start": "2017-01-01", "end": "2025-03-01"}),  # before the data
    ],
)
def test_cross_field_rules_are_refused_with_a_message(client, path, params):
    """Rules that OpenAPI cannot state (one field against another) are tested here instead."""
    r = client.get(path, params=params)
    assert r.status_code in (404, 422) and r.json()["detail"] and "Traceback" not in r.text


def test_a_what_if_reuses_its_no_scheme_world_and_gives_the_same_numbers(store_copy, tmp_path):
    """One no-scheme arm serves every what-if of its world; the answers equal both arms run together."""
    import json

    from smallboats.analysis.whatif import WhatIf, whatif_scenario
    from smallboats.data.bundle import open_default_store
    from smallboats.model import simulate
    from smallboats.serialize import records
    from smallboats.vocab import FAN_BANDS

    store = tmp_path / "s.duckdb"
    shutil.copy(store_copy, store)
    app = create_app(store)
    asked = [
        {"quota_per_week": 120, "p_prevent": 0.35, "deterrence": "linear"},
        {"ramp_to_per_week": 600, "p_challenge": 0.2, "p_prevent": 0.35},
        {"quota_per_week": 40, "p_prevent": 0.5},  # another world: prevention is part of it
    ]
    with TestClient(app) as c:
        answers = [
            c.post("/api/v1/simulate", json={"scenario": "pilot-50", "runs": 120, "seed": 5, "years": 1, "what_if": w})
            for w in asked
        ]
        again = c.post(
            "/api/v1/simulate", json={"scenario": "pilot-50", "runs": 120, "seed": 5, "years": 1, "what_if": asked[0]}
        )
    assert all(r.status_code == 200 for r in answers)
    assert again.json() == answers[0].json()  # a share link opened twice
    assert len(app.state.cache["no_scheme"]) == 2
    with open_default_store(store, read_only=True) as st:
        for w, got in zip(asked, answers, strict=True):
            sc, meta = whatif_scenario("pilot-50", st, WhatIf(**w), years=1)
            r = simulate(sc, runs=120, seed=5, meta=meta, records=False)  # both arms together
            want = r.summary() | {
                "weekly": {
                    "scenario": records(r.band("arrivals", "week")[["period_start", *FAN_BANDS]]),
                    "no_scheme": records(
                        r.band("arrivals", "week", arm="counterfactual")[["period_start", *FAN_BANDS]]
                    ),
                }
            }
            got = got.json()
            assert {k: got[k] for k in want} == json.loads(json.dumps(want)), w


def test_a_server_fits_its_baseline_before_the_first_what_if(store_copy, tmp_path):
    store = tmp_path / "s.duckdb"
    shutil.copy(store_copy, store)
    app = create_app(store, warm=True)
    app.state.warming.join(120)
    assert not app.state.warming.is_alive()
    fits = app.state.cache["fits"]
    assert [k[0] for k in fits] == ["newest", "fit", "admissions"]
    with TestClient(app) as c:
        r = c.post("/api/v1/simulate", json={"runs": 20, "years": 0.5, "what_if": {"quota_per_week": 80}})
    assert r.status_code == 200
    assert app.state.cache["fits"] is fits and len(fits) == 3  # the request used the fits made while starting


def test_security_headers_and_head(client):
    """Every answer carries the security headers; HEAD is answered wherever GET is, with no body."""
    for r in (client.get("/api/v1/health"), client.head("/api/v1/health"), client.get("/api/v1/nowhere")):
        assert r.headers["x-content-type-options"] == "nosniff" and r.headers["x-frame-options"] == "DENY"
        assert "default-src 'self'" in r.headers["content-security-policy"]
    head = client.head("/api/v1/scenarios")
    assert head.status_code == 200 and head.content == b""


def test_a_body_past_the_limit_is_refused_however_it_is_sent(client):
    from smallboats.web.deps import MAX_BODY_BYTES

    big = b"x" * (MAX_BODY_BYTES + 1)
    assert client.post("/api/v1/simulate", content=big).status_code == 413
    chunks = (big[i : i + 4096] for i in range(0, len(big), 4096))  # no content-length: sent in chunks
    r = client.post("/api/v1/simulate", content=chunks, headers={"content-type": "application/json"})
    assert r.status_code == 413 and "too large" in r.json()["detail"]


def test_the_queue_refuses_at_once_when_full_or_too_slow():
    from fastapi import HTTPException

    from smallboats.web.deps import SimulationQueue

    q = SimulationQueue(budget_seconds=10, length=2)
    now = time.monotonic()
    slots = [q.admit(now), q.admit(now)]
    with pytest.raises(HTTPException) as full:
        q.admit(now)
    assert full.value.status_code == 503 and int(full.value.headers["Retry-After"]) >= 1
    for s in slots:
        s.leave()
        s.leave()  # a second leave gives nothing back twice
    assert q.admitted == 0
    q = SimulationQueue(budget_seconds=10)
    q.mean_s = 6.0  # one simulation ahead at 6 s and its own would end past a 10 s budget
    ahead = q.admit(now)
    with pytest.raises(HTTPException) as slow:
        q.admit(now)
    assert "budget" in slow.value.detail and int(slow.value.headers["Retry-After"]) >= 6
    ahead.leave()
    with pytest.raises(HTTPException):  # arrived long ago: too little of its budget is left to start
        q.admit(now - 7)
    assert q.admitted == 0


def test_the_slot_goes_first_come_first_served():
    import threading

    from smallboats.web.deps import SimulationQueue

    q = SimulationQueue(budget_seconds=30)
    q.mean_s = 0.0
    order = []
    assert q.take(1)  # the test holds the slot while the others line up
    threads = []
    for i in range(5):
        t = threading.Thread(target=lambda i=i: q.admit(time.monotonic()).run(lambda check: order.append(i)))
        t.start()
        threads.append(t)
        time.sleep(0.05)  # they arrive in order
    q.give()
    for t in threads:
        t.join(10)
    assert order == [0, 1, 2, 3, 4]


def test_waiting_counts_against_the_budget_and_health_never_waits(store_copy):
    """With the slot held, a simulation gets its 503 (with Retry-After) by its budget; health answers at once."""
    app = create_app(store_copy, budget_seconds=1.5)
    with TestClient(app) as c:
        queue = app.state.slot
        queue.mean_s = 0.1
        assert queue.take(1)  # as if a long simulation were running
        try:
            t = time.monotonic()
            r = c.post("/api/v1/simulate", json={"runs": 20, "years": 0.1, "seed": 99})
            waited = time.monotonic() - t
            t = time.monotonic()
            assert c.get("/api/v1/health").status_code == 200
            health = time.monotonic() - t
        finally:
            queue.give()
        assert r.status_code == 503 and "budget" in r.json()["detail"] and int(r.headers["Retry-After"]) >= 1
        assert waited < 1.5 + 1.0 and health < 0.5
        assert c.post("/api/v1/simulate", json={"runs": 20, "years": 0.1, "seed": 99}).status_code == 200
        assert queue.admitted == 0


def test_a_full_queue_is_refused_before_routing_and_health_answers(store_copy):
    """With the queue full, a what-if or fan chart gets its 503 (Retry-After) from the guard, a bad body too."""
    app = create_app(store_copy)
    with TestClient(app) as c:
        queue = app.state.slot
        queue.admitted = queue.length  # as if the queue were full
        try:
            asked = [
                c.post("/api/v1/simulate", json={"runs": 20, "years": 0.1}),
                c.post("/api/v1/simulate", content=b"{not json"),
                c.get("/api/v1/charts/fan.csv?runs=20&years=0.1"),
            ]
            health = c.get("/api/v1/health")
        finally:
            queue.admitted = 0
    for r in asked:
        assert r.status_code == 503 and "busy" in r.json()["detail"] and int(r.headers["Retry-After"]) >= 1
        assert r.headers["x-content-type-options"] == "nosniff"
    assert health.status_code == 200 and health.json() == {"status": "ok"}


def test_simulations_run_on_one_thread_below_the_event_loop():
    """What-ifs run on the process's one simulation thread, at a lower scheduling priority (Linux)."""
    import os
    import threading

    from smallboats.web.deps import SIMULATION_NICENESS, simulation_runner

    def where() -> tuple[str, int]:
        return threading.current_thread().name, os.getpriority(os.PRIO_PROCESS, threading.get_native_id())

    name, nice = simulation_runner().submit(where).result()
    assert simulation_runner() is simulation_runner() and name.startswith("smallboats-simulation")
    if sys.platform == "linux":
        assert nice >= SIMULATION_NICENESS


def test_the_page_says_what_its_what_ifs_ask_for(client):
    """The dashboard's sentence and its script's requests come from one setting (PAGE_RUN)."""
    import html
    import json
    import re

    from smallboats.web.routes.pages import PAGE_RUN

    page = client.get("/").text
    run = json.loads(html.unescape(re.search(r'data-run="([^"]+)"', page).group(1)))
    assert run == PAGE_RUN
    assert f"{PAGE_RUN['runs']:,} runs a change" in page and f"seed {PAGE_RUN['seed']}" in page
    script = client.get("/static/dashboard.js").text
    assert "dataset.run" in script and '"pilot-50"' not in script


ASKED = {
    "scenario": "pilot-50",
    "runs": 40,
    "seed": 3,
    "years": 1,
    "what_if": {"quota_per_week": 150, "p_prevent": 0.3},
}


def _answered_once(store_copy, tmp_path):
    """A store of its own, a folder of answers and one what-if answered into it by a warmed app."""
    store, folder = tmp_path / "s.duckdb", tmp_path / "answers"
    shutil.copy(store_copy, store)
    app = create_app(store, answers_dir=folder, warm=True)
    app.state.warming.join(600)
    with TestClient(app) as c:
        first = c.post("/api/v1/simulate", json=ASKED)
    assert first.status_code == 200 and len(list(folder.glob("*.answer"))) == 1
    return store, folder, first


def test_a_what_if_answered_by_one_process_is_answered_by_another_before_the_queue(store_copy, tmp_path):
    """A share link opened again, on another server process: read from the shared folder, nothing run.

    The second app's simulation slot is held (as if a long simulation were running), so only an
    answer kept by the first can be a 200 within the budget; the same what-if spelled otherwise
    (defaults written out, keys in another order, years as a float) is the same answer.
    """
    store, folder, first = _answered_once(store_copy, tmp_path)
    other = create_app(store, answers_dir=folder, budget_seconds=1.5)
    spelled_otherwise = {
        "what_if": {"p_prevent": 0.3, "quota_per_week": 150.0, "deterrence": None},
        "years": 1.0,
        "seed": 3,
        "runs": 40,
    }
    with TestClient(other) as c:
        queue = other.state.slot
        queue.mean_s = 0.1
        assert queue.take(1)
        try:
            t = time.monotonic()
            again = [c.post("/api/v1/simulate", json=b) for b in (ASKED, ASKED, spelled_otherwise)]
            took = time.monotonic() - t
            refused = c.post("/api/v1/simulate", json=ASKED | {"seed": 4})  # not answered before: waits, refused
        finally:
            queue.give()
    assert [r.status_code for r in again] == [200, 200, 200] and took < 1.0
    assert refused.status_code == 503 and "budget" in refused.json()["detail"]
    assert all(r.content == first.content for r in again)
    assert again[0].headers["content-type"] == "application/json"
    assert "no_scheme" not in other.state.cache and queue.admitted == 0


def test_a_new_data_release_is_not_answered_from_the_shared_folder(store_copy, tmp_path):
    """After an import, the answers kept for the store as it was are never read (the name holds its state).

    Asked of the service rather than the app: the app would go on to fit the baseline to the new release.
    """
    from types import SimpleNamespace

    from smallboats.analysis.whatif import WhatIf
    from smallboats.data.bundle import open_default_store
    from smallboats.data.importers import read_file
    from smallboats.web.deps import Settings, cache_for
    from smallboats.web.service import kept_answer, what_if_name

    store, folder, first = _answered_once(store_copy, tmp_path)
    settings, state = Settings(store, answers_dir=folder), SimpleNamespace(cache={}, cache_key=None)
    run = ASKED | {"years": 1.0, "what_if": WhatIf(**ASKED["what_if"])}
    before = cache_for(state, settings)
    assert kept_answer(settings, before, what_if_name(settings, before, **run)) == first.content
    with open_default_store(store) as st:
        st.load(read_file(_new_release(tmp_path)), origin="new.csv")
    after = cache_for(state, settings)
    assert after is not before and kept_answer(settings, after, what_if_name(settings, after, **run)) is None


def test_an_answer_is_named_by_everything_it_depends_on(tmp_path, monkeypatch):
    from smallboats.web import answers

    request = {"scenario": "pilot-50", "runs": 40, "seed": 3, "years": 0.5, "what_if": None}
    name = answers.answer_name(tmp_path / "s.duckdb", (1, 2), request)
    assert name == answers.answer_name(tmp_path / "." / "s.duckdb", (1, 2), dict(reversed(request.items())))
    others = [
        answers.answer_name(tmp_path / "t.duckdb", (1, 2), request),  # another store
        answers.answer_name(tmp_path / "s.duckdb", (1, 3), request),  # the store rewritten (an import)
        answers.answer_name(tmp_path / "s.duckdb", (1, 2), request | {"seed": 4}),
        answers.answer_name(tmp_path / "s.duckdb", (1, 2), request | {"what_if": {"quota_per_week": 0.0}}),
    ]
    monkeypatch.setattr(answers, "__version__", "99.0")
    others.append(answers.answer_name(tmp_path / "s.duckdb", (1, 2), request))
    monkeypatch.setattr(answers, "code_fingerprint", lambda: "changed")
    others.append(answers.answer_name(tmp_path / "s.duckdb", (1, 2), request))
    assert len({name, *others}) == 1 + len(others)


@pytest.mark.parametrize(
    "damage",
    [
        lambda data: data[: len(data) // 2],  # cut short
        lambda data: data.replace(b"median", b"medina", 1),  # a changed byte
        lambda data: b"",
        lambda data: b"not an answer at all",
    ],
    ids=["cut-short", "changed", "empty", "garbage"],
)
def test_a_damaged_answer_file_is_ignored_and_written_again(store_copy, tmp_path, damage):
    store, folder, first = _answered_once(store_copy, tmp_path)
    (kept,) = folder.glob("*.answer")
    kept.write_bytes(damage(kept.read_bytes()))
    fresh = create_app(store, answers_dir=folder)
    with TestClient(fresh, raise_server_exceptions=False) as c:
        r = c.post("/api/v1/simulate", json=ASKED)
    assert r.status_code == 200 and r.json() == first.json()
    assert "no_scheme" in fresh.state.cache  # computed, not read
    assert kept.read_bytes().endswith(first.content)  # and kept again, whole


def test_an_answer_folder_that_cannot_be_used_costs_time_never_the_answer(store_copy, tmp_path):
    store = tmp_path / "s.duckdb"
    shutil.copy(store_copy, store)
    not_a_folder = tmp_path / "answers"
    not_a_folder.write_text("a file where the folder should be")
    with TestClient(create_app(store, answers_dir=not_a_folder), raise_server_exceptions=False) as c:
        asked = [c.post("/api/v1/simulate", json=ASKED) for _ in range(2)]
    assert [r.status_code for r in asked] == [200, 200] and asked[0].content == asked[1].content
    assert not_a_folder.read_text() == "a file where the folder should be"


def test_the_answer_folder_keeps_the_newest_answers(tmp_path):
    import os

    from smallboats.web import answers

    for i in range(5):
        answers.write(tmp_path, f"a{i}", b'{"n": %d}' % i)
        os.utime(tmp_path / f"a{i}{answers.SUFFIX}", (1000 + i, 1000 + i))
    left, fresh = tmp_path / ".a9.1.2", tmp_path / ".a8.1.2"  # temporary files: one left long ago
    left.write_bytes(b"half")
    fresh.write_bytes(b"being written")
    os.utime(left, (1000, 1000))
    answers.prune(tmp_path, keep=3)
    assert sorted(p.name for p in tmp_path.iterdir()) == [".a8.1.2", "a2.answer", "a3.answer", "a4.answer"]
    assert answers.read(tmp_path, "a4") == b'{"n": 4}' and answers.read(tmp_path, "a0") is None
    assert answers.read(tmp_path, "a3") is not None and answers.read(Path(tmp_path / "nowhere"), "a3") is None
