"""The report: files written, numbers from the data, and the page rendered in a real browser."""

from __future__ import annotations

import re

import pandas as pd
import pytest

from browser import browser


@pytest.fixture(scope="module")
def report_dir(tmp_path_factory, bundled_template):
    import shutil

    from smallboats.data.bundle import open_default_store
    from smallboats.report.build import build_report

    d = tmp_path_factory.mktemp("report")
    shutil.copy(bundled_template, d / "s.duckdb")
    with open_default_store(d / "s.duckdb") as st:
        summary = build_report(st, d / "out")
    assert summary["newest_date"] == "2026-08-20"
    return d / "out"


def test_every_chart_as_png_svg_and_csv(report_dir):
    names = {p.stem for p in (report_dir / "charts").iterdir()}
    assert len(names) >= 6 and "estimated_counterfactual" in names
    for n in names:
        for ext in ("png", "svg", "csv", "html"):
            f = report_dir / "charts" / f"{n}.{ext}"
            assert f.is_file() and f.stat().st_size > 0, f
        assert (report_dir / "charts" / f"{n}.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
        assert len(pd.read_csv(report_dir / "charts" / f"{n}.csv", comment="#")) > 0


def test_report_numbers_come_from_the_data(report_dir, store):
    html = (report_dir / "report.html").read_text()
    from smallboats.data import queries as q

    daily = store.daily()
    total = q.so_far(daily, daily.date.max().date()).people.iloc[-1]
    assert f"{total:,}" in html
    returned = store.observations("agreement_returned").value.sum()
    assert f"{returned:,.0f} people were returned to France" in html
    assert "Figures checked" in html and "Does not hold" in html
    assert "Open Government Licence v3.0" in html


def test_report_is_self_contained(report_dir):
    html = (report_dir / "report.html").read_text()
    # nothing to load from elsewhere: no scripts, stylesheets or images by address
    assert not re.search(r'<(script|link|img)[^>]+(src|href)="https?://', html)
    assert "<svg" in html


def test_report_renders_in_chromium_without_network(report_dir):
    requests = []
    with browser() as b:
        page = b.new_page()
        page.on("request", lambda r: requests.append(r.url))
        page.goto((report_dir / "report.html").as_uri())
        page.wait_for_load_state("load")
        figures = page.locator("figure.chart")
        n = figures.count()
        assert n == len({p.stem for p in (report_dir / "charts").iterdir()})
        for i in range(n):
            box = figures.nth(i).locator("svg").first.bounding_box()
            assert box and box["width"] > 200 and box["height"] > 100
            # a rendered chart has drawn marks, not an empty frame
            assert figures.nth(i).locator("svg path, svg rect").count() > 5
        assert page.locator("table.claims tbody tr").count() == 13
        page.screenshot(path=str(report_dir / "screenshot.png"), full_page=True)
    outside = [u for u in requests if not u.startswith("file://")]
    assert not outside, outside


def test_report_command(home, cli, tmp_path):
    r = cli("report", "--out", tmp_path / "rep")
    assert r.code == 0, r.err
    assert (tmp_path / "rep" / "report.html").is_file()


@pytest.mark.parametrize("width", [390, 1400])
def test_report_fits_the_screen_with_the_findings_first(report_dir, width):
    with browser() as b:
        page = b.new_page(viewport={"width": width, "height": 800})
        page.goto((report_dir / "report.html").as_uri())
        page.wait_for_load_state("load")
        assert page.evaluate("document.documentElement.scrollWidth") <= width
        box = page.locator("ul.findings").bounding_box()
        assert box is not None and box["y"] < 800  # the findings start on the first screen
        text = page.inner_text("ul.findings")
        assert "returned to France" in text and "of arrivals" in text


def test_a_second_report_reuses_its_simulations(home, cli, tmp_path):
    first = cli("report", "--out", tmp_path / "a")
    second = cli("report", "--out", tmp_path / "b")
    assert first.code == 0 and second.code == 0, second.err
    assert "Reused" in second.err
    assert (tmp_path / "a" / "report.html").read_text().split("<nav>")[1] == (
        (tmp_path / "b" / "report.html").read_text().split("<nav>")[1]
    )


def test_the_report_says_what_the_latest_release_changed(report_dir):
    html = (report_dir / "report.html").read_text()
    assert 'id="changed"' in html and "days added" in html
