"""The dashboard page and its scripts, all served by this process (nothing from a CDN)."""

from __future__ import annotations

import functools
import json
from importlib import resources
from pathlib import Path

import jinja2
from fastapi import APIRouter
from fastapi.responses import HTMLResponse, Response

from smallboats import __version__
from smallboats.analysis import findings as F
from smallboats.analysis.official import OfficialFigures
from smallboats.data import queries as q
from smallboats.web.deps import CacheDep, SettingsDep, StoreDep
from smallboats.web.routes.findings import ESTIMATING
from smallboats.web.service import remembered

router = APIRouter(include_in_schema=False)
DASHBOARD_CHARTS = ("arrivals_so_far", "weekly_arrivals", "people_per_boat")


@functools.cache
def vega_bundle() -> str:
    """Vega, Vega-Lite and Vega-Embed as one script, from the installed vl-convert (offline)."""
    import vl_convert as vlc

    return vlc.javascript_bundle()


@functools.cache
def _templates() -> jinja2.Environment:
    return jinja2.Environment(
        loader=jinja2.FileSystemLoader(str(resources.files("smallboats.web") / "templates")), autoescape=True
    )


@router.get("/static/vega-bundle.js")
def bundle() -> Response:
    """The Vega bundle."""
    return Response(vega_bundle(), media_type="application/javascript", headers={"Cache-Control": "max-age=86400"})


@router.get("/static/dashboard.js")
def dashboard_js() -> Response:
    """The dashboard's script."""
    text = (resources.files("smallboats.web") / "static" / "dashboard.js").read_text(encoding="utf-8")
    return Response(text, media_type="application/javascript")


# What the dashboard's what-ifs ask for (assumption: a few hundred runs over a year answer in well under
# a second alone, and their medians move little from one change to the next); the page's sentence and
# its script read these, so they cannot disagree.
PAGE_RUN = {"scenario": "pilot-50", "runs": 200, "seed": 7, "years": 1}


@router.get("/", response_class=HTMLResponse)
def dashboard(store: StoreDep, settings: SettingsDep, cache: CacheDep) -> HTMLResponse:
    """The dashboard page: the findings first, then the what-if panel, the estimated counterfactual and the charts.

    "Returned so far" is written into the page; the slow findings and the counterfactual's fan are
    fetched by the page from ``/api/v1/findings`` and ``/api/v1/charts`` once computed, so the page
    never waits for a fit.
    """
    import datetime as dt

    d = q.daily_series(store)
    returned = remembered(cache, "findings", "returned", lambda: F.returned_so_far(OfficialFigures(store)))
    slow = [(key, F.LABELS[key], ESTIMATING[key]) for key in F.LABELS if key != "returned"]
    page = (
        _templates()
        .get_template("dashboard.html.j2")
        .render(
            version=__version__,
            newest=d.newest,
            age_days=(dt.date.today() - d.newest).days,
            returned=returned,
            slow_findings=slow,
            estimating_fan=ESTIMATING["effect"],
            formats=("csv", "png", "svg", "html"),
            charts=DASHBOARD_CHARTS,
            sources=d.source_records(),
            max_runs=settings.max_runs,
            run=PAGE_RUN,
            run_json=json.dumps(PAGE_RUN),
        )
    )
    return HTMLResponse(page)


SWAGGER_FILES = {"swagger-ui.css": "text/css", "swagger-ui-bundle.js": "application/javascript"}
DOCS_PAGE = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>smallboats API</title><link rel="stylesheet" href="/static/swagger/swagger-ui.css"></head>
<body><div id="swagger-ui"></div>
<script src="/static/swagger/swagger-ui-bundle.js"></script><script src="/static/swagger-init.js"></script>
</body></html>"""
SWAGGER_INIT = 'window.ui = SwaggerUIBundle({url: "/openapi.json", dom_id: "#swagger-ui"});\n'


@router.get("/api/docs", response_class=HTMLResponse)
def api_docs() -> HTMLResponse:
    """The browsable API documentation, served from this machine (no outside site)."""
    return HTMLResponse(DOCS_PAGE)


@router.get("/static/swagger-init.js")
def swagger_init() -> Response:
    """Starts the documentation page on this server's schema."""
    return Response(SWAGGER_INIT, media_type="application/javascript")


@router.get("/static/swagger/{name}")
def swagger_asset(name: str) -> Response:
    """One of the two Swagger UI files, from those fastapi-offline ships (a fixed list, no paths)."""
    import fastapi_offline
    from fastapi import HTTPException

    if name not in SWAGGER_FILES:
        raise HTTPException(404, f"no asset {name!r}")
    body = (Path(fastapi_offline.__file__).parent / "static" / name).read_bytes()
    return Response(body, media_type=SWAGGER_FILES[name], headers={"Cache-Control": "max-age=86400"})
