"""The dashboard page and its scripts, all served by this process (nothing from a CDN)."""

from __future__ import annotations

import functools
from importlib import resources

import jinja2
from fastapi import APIRouter
from fastapi.responses import HTMLResponse, Response

from smallboats import __version__
from smallboats.data import queries as q
from smallboats.web.deps import SettingsDep, StoreDep

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


@router.get("/", response_class=HTMLResponse)
def dashboard(store: StoreDep, settings: SettingsDep) -> HTMLResponse:
    """The dashboard page."""
    d = q.daily_series(store)
    page = (
        _templates()
        .get_template("dashboard.html.j2")
        .render(
            version=__version__,
            newest=d.newest,
            charts=DASHBOARD_CHARTS,
            sources=d.source_records(),
            max_runs=settings.max_runs,
        )
    )
    return HTMLResponse(page)
