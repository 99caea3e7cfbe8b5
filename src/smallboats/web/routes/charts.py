"""The official charts: Vega-Lite specifications and downloads."""

from __future__ import annotations

from typing import Literal

from fastapi import APIRouter
from fastapi.responses import Response

from smallboats.analysis.official import CHARTS
from smallboats.web.deps import CacheDep, StoreDep
from smallboats.web.models import CHART_OK, ERRORS
from smallboats.web.service import chart_response, official_chart

router = APIRouter(prefix="/api/v1/charts", tags=["charts"], responses=ERRORS)
ChartName = Literal[CHARTS]  # type: ignore[valid-type]


@router.get("/{name}.vl.json")
def chart_spec(name: ChartName, store: StoreDep, cache: CacheDep) -> dict:
    """A chart's Vega-Lite specification (the dashboard draws it)."""
    return official_chart(store, cache, name).spec()


@router.get("/{name}.{fmt}", responses=CHART_OK, response_class=Response)
def chart_export(
    name: ChartName, fmt: Literal["png", "svg", "csv", "html"], store: StoreDep, cache: CacheDep
) -> Response:
    """A chart of the official figures as PNG, SVG or the CSV of its numbers."""
    return chart_response(official_chart(store, cache, name), fmt)
