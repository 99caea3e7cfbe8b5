"""Every chart of the report: Vega-Lite specifications and downloads (PNG, SVG, CSV, embeddable HTML).

The official figures' charts are quick. The simulated and estimated ones (the scenarios' fan, the quota
curve, the estimated counterfactual, the backtest's calibration) are drawn from the report's cached
results, computed in the background once per data release (:mod:`smallboats.web.slow`): a request
waits at most the server's time budget, then gets 503 with ``Retry-After``.
"""

from __future__ import annotations

from typing import Literal

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response

from smallboats.analysis.official import OfficialFigures
from smallboats.analysis.report_runs import REPORT_CHARTS, SLOW_CHARTS
from smallboats.viz.style import ChartSpec
from smallboats.web.deps import CacheDep, SettingsDep, StoreDep
from smallboats.web.models import CHART_OK, SIM_ERRORS
from smallboats.web.service import chart_response, official_chart, remembered
from smallboats.web.slow import Background, BackgroundDep

router = APIRouter(prefix="/api/v1/charts", tags=["charts"], responses=SIM_ERRORS)
ChartName = Literal[REPORT_CHARTS]  # type: ignore[valid-type]


def report_chart(store, cache: dict, background: Background, name: str, wait_s: float) -> ChartSpec:
    """A report chart by name: an official one at once, a slow one from its cached result (or 503)."""
    if name not in SLOW_CHARTS:
        return official_chart(store, cache, name)
    make_job, build = SLOW_CHARTS[name]
    fig = OfficialFigures(store)
    job = make_job(fig)
    result = background.result(job, wait_s)
    return remembered(cache, "report-charts", (name, job.name), lambda: build(result, fig))


@router.get("/{name}.vl.json")
def chart_spec(
    name: ChartName, store: StoreDep, cache: CacheDep, background: BackgroundDep, settings: SettingsDep
) -> dict:
    """A chart's Vega-Lite specification (the dashboard draws it; vega-embed is served at /static/vega-bundle.js)."""
    return report_chart(store, cache, background, name, settings.budget_seconds).spec()


@router.get("/{name}.{fmt}", responses=CHART_OK, response_class=Response)
def chart_export(
    name: ChartName,
    fmt: Literal["png", "svg", "csv", "html"],
    request: Request,
    store: StoreDep,
    cache: CacheDep,
    background: BackgroundDep,
    settings: SettingsDep,
) -> Response:
    """A report chart as PNG, SVG, the CSV of its numbers (source and licence first, values rounded) or HTML.

    The HTML snippet is the chart as SVG with its finding and source; pasted into a page, it also
    draws the chart interactively with the Vega bundle served by this server (no CDN).
    """
    spec = report_chart(store, cache, background, name, settings.budget_seconds)
    if fmt == "html":
        body = spec.html(bundle_url=str(request.url_for("bundle")))
        headers = {"Content-Disposition": f'attachment; filename="{spec.name}.html"'}
        return HTMLResponse(body, headers=headers)
    return chart_response(spec, fmt)
