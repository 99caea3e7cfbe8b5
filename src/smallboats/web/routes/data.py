"""Health, the series catalogue, series and the daily-series queries."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Literal

from fastapi import APIRouter, HTTPException, Query

from smallboats.data import queries as q
from smallboats.data import series as series_mod
from smallboats.serialize import records
from smallboats.web.deps import StoreDep
from smallboats.web.models import ERRORS

router = APIRouter(prefix="/api/v1", responses=ERRORS)


@router.get("/health", tags=["health"])
async def health() -> dict:
    """Liveness: answers at once, never waits on the store or a simulation.

    An ``async`` route runs on the event loop, so it needs none of the worker threads that queued
    simulations may all be holding.
    """
    return {"status": "ok"}


@router.get("/series", tags=["data"])
def list_series() -> list[dict]:
    """The series catalogue."""
    return [vars(s) for s in series_mod.SERIES.values()]


@router.get("/series/{series_id}", tags=["data"])
def get_series(series_id: str, store: StoreDep) -> dict:
    """Every current figure of a series, with the sources of its releases."""
    if series_id not in series_mod.SERIES:
        raise HTTPException(404, f"no series {series_id!r}")
    obs = store.observations(series_id)
    sources = [store.source(r).to_dict() | {"release_id": r} for r in sorted(set(obs.release_id))]
    return {"series": vars(series_mod.SERIES[series_id]), "observations": records(obs), "sources": sources}


@router.get("/query/so-far", tags=["queries"])
def so_far(store: StoreDep, date: Annotated[dt.date, Query(description="Count to this day, inclusive")]) -> dict:
    """Arrivals from 1 January to a date, every year."""
    d = q.daily_series(store)
    return {"rows": records(q.so_far(d.frame, date)), "sources": d.source_records()}


@router.get("/query/window", tags=["queries"])
def window(
    store: StoreDep,
    start: Annotated[dt.date, Query(description="The window's first day")],
    end: Annotated[dt.date, Query(description="The window's last day, inclusive; not before `start` (else 422)")],
    by: Literal["week", "month", "year"] | None = None,
) -> dict:
    """Totals and averages over a window.

    ``end`` must not come before ``start``: a rule between two fields, which OpenAPI cannot state, so
    it is written here and answered with 422 naming both dates.
    """
    d = q.daily_series(store)
    w = q.window(d.frame, start, end, by)
    if "periods" in w:
        w["periods"] = records(w["periods"])
    out = {k: (v.isoformat() if isinstance(v, dt.date) else v) for k, v in w.items()}
    return {"window": out, "sources": d.source_records()}


@router.get("/query/per-boat", tags=["queries"])
def per_boat(store: StoreDep) -> dict:
    """People per boat by month, records marked."""
    d = q.daily_series(store)
    return {"rows": records(q.per_boat_by_month(d.frame)), "sources": d.source_records()}


@router.get("/query/day", tags=["queries"])
def day(store: StoreDep, date: dt.date) -> dict:
    """Arrivals on one day."""
    d = q.daily_series(store)
    out = q.on_day(d.frame, date)
    return {"day": out | {"date": out["date"].isoformat()}, "sources": d.source_records()}


@router.get("/changes", tags=["data"])
def changes(store: StoreDep, old: str | None = None, new: str | None = None) -> dict:
    """Days added and figures revised between two releases (default: the two newest with daily figures)."""
    from smallboats.data.changes import changes_between

    return changes_between(store, old, new).to_dict()
