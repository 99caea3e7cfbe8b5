"""The dashboard in a real browser: sliders move the fan chart, share links restore it, downloads work."""

from __future__ import annotations

import contextlib
import shutil
import socket
import threading
import time
from urllib.parse import urlparse

import pytest
import uvicorn

from browser import browser
from smallboats.web.app import create_app

# A server fits the no-scheme world to the newest data as it starts (a Bayesian fit: a minute or
# more on a loaded 2-core machine with a cold cache); the browser tests start once it has, as a
# user of a running server would.
WARM_S = 1200


@contextlib.contextmanager
def serving(store_path):
    """The app on a free local port, in a thread of this process, once it has warmed up."""
    app = create_app(store_path, warm=True)
    app.state.warming.join(WARM_S)
    assert not app.state.warming.is_alive(), "the server did not fit its baseline in time"
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    srv = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))
    t = threading.Thread(target=srv.run, daemon=True)
    t.start()
    deadline = time.time() + 20
    while not srv.started and time.time() < deadline:
        time.sleep(0.05)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        srv.should_exit = True
        t.join(10)


@pytest.fixture(scope="module")
def server(tmp_path_factory, bundled_template):
    d = tmp_path_factory.mktemp("dash")
    shutil.copy(bundled_template, d / "s.duckdb")
    with serving(d / "s.duckdb") as url:
        yield url


# Waits sized for a loaded 2-core machine: a wait ends as soon as the page is ready, so a long one
# costs nothing when things are quick. Speed is measured in benchmarks/, not here.
WAIT = 120_000


def test_dashboard_end_to_end(server, tmp_path):
    requests = []
    with browser() as b:
        page = b.new_page(accept_downloads=True)
        page.on("request", lambda r: requests.append(r.url))
        page.goto(server + "/")
        page.wait_for_selector("#fan[data-rendered] svg", timeout=WAIT)
        before = page.get_attribute("#fan", "data-median")
        first_render = page.get_attribute("#fan", "data-rendered")
        # the official charts and the claims table are drawn too
        page.wait_for_selector("#chart-arrivals_so_far[data-rendered] svg", timeout=WAIT)
        page.wait_for_selector("#claims tbody tr", timeout=WAIT)  # the claims load on their own
        assert page.locator("#claims tbody tr").count() == 13
        page.wait_for_selector("#changes[data-rendered]", timeout=WAIT)
        assert "days added" in page.inner_text("#changes")

        # move the quota slider and see the fan chart change
        page.locator("#quota").fill("1000")
        page.locator("#deterrence").select_option("linear")
        page.wait_for_function(
            f"document.querySelector('#fan').dataset.rendered !== '{first_render}' && "
            f"document.querySelector('#fan').dataset.median !== '{before}'",
            timeout=WAIT,
        )
        after = page.get_attribute("#fan", "data-median")
        assert float(after) < float(before)  # more returns under a linear response: fewer arrivals
        assert "fewer arrivals" in page.inner_text("#effect")

        # the share link restores the exact scenario
        link = page.get_attribute("#share", "href")
        assert "quota=1000" in link and "deterrence=linear" in link
        other = b.new_page()
        other.goto(server + link)
        other.wait_for_selector("#fan[data-rendered] svg", timeout=WAIT)
        assert other.input_value("#quota") == "1000"
        assert other.input_value("#deterrence") == "linear"
        assert other.get_attribute("#fan", "data-median") == after

        # download the CSV behind the fan chart
        with page.expect_download(timeout=WAIT) as dl:
            page.click("#download-csv")
        path = tmp_path / "fan.csv"
        dl.value.save_as(path)
        lines = path.read_text().splitlines()
        assert lines[0].startswith("# smallboats") and "what if:" in lines[0] and "quota_per_week 1000" in lines[0]
        assert lines[1].startswith("period_start,") and "median" in lines[1] and len(lines) > 40
        assert "quota-1000" in dl.value.suggested_filename and "deterrence-linear" in dl.value.suggested_filename
        # the ramp slider redraws too (it was once refused with a 422 and left the old chart on screen)
        ramp_before = page.get_attribute("#fan", "data-rendered")
        page.locator("#ramp").fill("500")
        page.wait_for_function(f"document.querySelector('#fan').dataset.rendered !== '{ramp_before}'", timeout=WAIT)
        assert "Error" not in page.inner_text("#status")
        # the ramp is a different what-if, so the fan is a different answer (its sign is noise at 200 runs)
        assert page.get_attribute("#fan", "data-median") != after

        page.screenshot(path=str(tmp_path / "dashboard.png"), full_page=True)
    hosts = {urlparse(u).hostname for u in requests if u.startswith("http")}
    assert hosts == {"127.0.0.1"}, hosts


def test_a_bad_share_link_is_refused_with_a_message(server):
    with browser() as b:
        page = b.new_page()
        page.goto(server + "/?quota=abc&challenge=7&deterrence=wishful")
        page.wait_for_selector("#fan[data-rendered] svg", timeout=WAIT)
        notice = page.inner_text("#notice")
        assert "quota=abc" in notice and "challenge=7" in notice and "deterrence=wishful" in notice
        assert page.input_value("#quota") == "50"


def test_api_docs_work_offline(server):
    requests = []
    with browser() as b:
        page = b.new_page()
        page.on("request", lambda r: requests.append(r.url))
        page.goto(server + "/api/docs")
        page.wait_for_selector(".swagger-ui .info .title", timeout=WAIT)
        assert "smallboats" in page.inner_text(".swagger-ui .info .title")
    hosts = {urlparse(u).hostname for u in requests if u.startswith("http")}
    assert hosts == {"127.0.0.1"}, hosts


@pytest.mark.parametrize("width", [390, 1400])
def test_the_dashboard_fits_the_screen_with_the_findings_first(server, width):
    with browser() as b:
        page = b.new_page(viewport={"width": width, "height": 800})
        page.goto(server + "/")
        page.wait_for_selector("#fan[data-rendered] svg", timeout=WAIT)
        page.wait_for_selector("#chart-people_per_boat[data-rendered] svg", timeout=WAIT)
        assert page.evaluate("document.documentElement.scrollWidth") <= width
        box = page.locator("#findings").bounding_box()
        assert box is not None and box["y"] + box["height"] <= 800  # seen without scrolling
        assert "returned to France" in page.inner_text("#findings")


# A cold start fits the NumPyro model and runs the scenarios in the background: minutes on a loaded
# 2-core machine. The page must show it is estimating at once, and fill in when done.
FIT_WAIT = 1_200_000


def test_the_findings_and_the_estimated_counterfactual_arrive_without_blocking_the_page(
    tmp_path, bundled_template, monkeypatch
):
    monkeypatch.setenv("SMALLBOATS_CACHE", str(tmp_path / "cache"))  # nothing computed yet: a first start
    shutil.copy(bundled_template, tmp_path / "s.duckdb")
    requests = []
    with serving(tmp_path / "s.duckdb") as url, browser() as b:
        page = b.new_page(viewport={"width": 390, "height": 800})
        page.on("request", lambda r: requests.append(r.url))
        page.goto(url + "/", timeout=WAIT)
        # the page is up and says what it is doing while the model is fitted
        assert page.get_attribute("#finding-effect", "data-status") == "estimating"
        assert "Estimating" in page.inner_text("#finding-effect")
        assert "Simulating" in page.inner_text("#finding-could")
        assert "Estimating" in page.inner_text("#counterfactual")
        assert "returned to France" in page.inner_text("#finding-returned")
        page.wait_for_selector("#fan[data-rendered] svg", timeout=WAIT)  # the what-if does not wait for the fit

        page.wait_for_selector("#findings[data-complete]", timeout=FIT_WAIT)
        for key in ("effect", "could", "cannot_tell"):
            assert page.get_attribute(f"#finding-{key}", "data-status") == "ready", page.inner_text(f"#finding-{key}")
        page.wait_for_selector("#counterfactual[data-rendered] svg", timeout=WAIT)
        effect = page.inner_text("#finding-effect")
        assert "the estimated no-scheme world (90% interval" in effect and "weeks to" in effect
        could = page.inner_text("#finding-could")
        assert "scheme year 1" in could and "scheme year 2" in could and "data published" in could
        page.click("#finding-effect summary")
        assert "Open Government Licence" in page.inner_text("#finding-effect details")
        fan = page.inner_text("#counterfactual")
        assert "estimated no-scheme world" in fan and "Observed" in fan  # the observed weeks over the fan
        assert page.locator("#counterfactual svg path").count() > 4
        # still readable at phone width, the findings seen without scrolling
        assert page.evaluate("document.documentElement.scrollWidth") <= 390
        box = page.locator("#findings").bounding_box()
        assert box is not None and box["y"] + box["height"] <= 800, box
        page.screenshot(path=str(tmp_path / "findings.png"), full_page=False)
    hosts = {urlparse(u).hostname for u in requests if u.startswith("http")}
    assert hosts == {"127.0.0.1"}, hosts
