"""Scenarios, what-if simulations and the what-if fan chart.

The request models carry the server's caps, so this router is made by :func:`router` for the
settings a server was started with.
"""

from typing import Annotated, Literal

import pandas as pd
from fastapi import APIRouter, Depends, Request
from fastapi.responses import Response

from smallboats.viz.style import HIGHLIGHT, OKABE_ITO
from smallboats.vocab import PRESETS, Preset
from smallboats.web.deps import CacheDep, Settings, SettingsDep, SlotDep, StoreDep, admitted
from smallboats.web.models import CHART_OK, ERRORS, SIM_ERRORS, request_models, split_chart_query
from smallboats.web.service import (
    chart_response,
    fan_source,
    kept_answer,
    scenario_for,
    simulate_whatif,
    store_opener,
    what_if_answer,
    what_if_name,
)


def router(settings: Settings) -> APIRouter:
    """The scenario routes with the request caps of ``settings``."""
    SimulateRequest, ChartQuery = request_models(settings.max_runs, settings.max_years)  # noqa: N806
    r = APIRouter(prefix="/api/v1", tags=["scenarios"], responses=ERRORS)

    @r.get("/scenarios")
    def scenarios() -> list[str]:
        """The preset names."""
        return list(PRESETS)

    @r.get("/scenarios/{name}")
    def scenario(name: Preset, store: StoreDep, cache: CacheDep) -> dict:  # type: ignore[valid-type]
        """A preset in full, with its fitted baseline."""
        sc, meta = scenario_for(store, cache, name, 3.0, None)
        return {"scenario": sc.model_dump(mode="json"), "meta": meta}

    @r.post("/simulate", responses=SIM_ERRORS, response_model=dict)  # sent as the JSON it was kept as
    async def simulate(body: SimulateRequest, request: Request, settings: SettingsDep, cache: CacheDep) -> Response:  # type: ignore[valid-type]
        """Run a scenario (and its no-scheme counterfactual): the yearly summary and weekly bands.

        A what-if answered before, by this server process or another, is answered at once on the
        event loop, before it takes a place in the queue. Any other takes its place first (a request
        the queue refuses opens no store and takes no thread); the rest, opening the store and
        turning the answer into JSON included, runs on a worker thread within the request's budget.
        """
        run = body.model_dump(exclude={"what_if"}) | {"what_if": body.what_if}
        kept = kept_answer(settings, cache, what_if_name(settings, cache, **run))
        if kept is not None:
            return Response(kept, media_type="application/json")
        with admitted(request) as slot:
            answer = await slot.answer(lambda: what_if_answer(store_opener(settings), settings, cache, slot, **run))
        return Response(answer, media_type="application/json")

    @r.get("/charts/fan.{fmt}", responses=SIM_ERRORS | CHART_OK, response_class=Response)
    async def fan_export(
        fmt: Literal["png", "svg", "csv", "html"],
        slot: SlotDep,  # first: a request the queue refuses opens no store and takes no thread
        query: Annotated[ChartQuery, Depends()],  # type: ignore[valid-type]
        settings: SettingsDep,
        cache: CacheDep,
    ) -> Response:
        """The what-if fan chart as PNG, SVG or the CSV of its numbers."""

        def answer() -> Response:
            return _fan(store_opener(settings), settings, cache, slot, fmt, query)

        return await slot.answer(answer)

    return r


def _fan(open_store, settings, cache, slot, fmt: str, query) -> Response:
    """The what-if fan chart of a chart query, in one format (``open_store`` opens the store if needed)."""
    from smallboats.viz.fan import fan_chart

    run, w = split_chart_query(query)
    res = simulate_whatif(open_store, settings, cache, slot, **run, what_if=w)
    bands = {run["scenario"]: pd.DataFrame(res["weekly"]["scenario"])}
    if "no_scheme" in res["weekly"]:
        bands["no-scheme"] = pd.DataFrame(res["weekly"]["no_scheme"])
    stem = _stem(run["scenario"], w)
    spec = fan_chart(
        bands,
        "arrivals",
        "week",
        source=fan_source(run["seed"], run["runs"], res["data_release"]) + f"; what if: {_described(res)}",
        title=f"What if: {stem.removeprefix('fan_').replace('_', ', ')}",
        colours={run["scenario"]: HIGHLIGHT, "no-scheme": OKABE_ITO[0]},  # as the page draws them
        overlay=True,
        observed=pd.DataFrame(res["observed"]) if res["observed"] else None,
        name=stem,
    )
    return chart_response(spec, fmt, stem=stem)


def _described(res: dict) -> str:
    """The what-if's settings as used (detention places included), for the chart's source line and CSV."""
    used = {k: v for k, v in (res.get("what_if") or {}).items() if v is not None}
    return ", ".join(f"{k} {v:g}" if isinstance(v, float | int) else f"{k} {v}" for k, v in used.items()) or "none"


def _stem(scenario: str, w) -> str:
    """A download's file name that carries the what-if (``pilot-50_quota-500_ramp-1000``)."""
    parts = [scenario]
    for key, label in (("quota_per_week", "quota"), ("ramp_to_per_week", "ramp"), ("p_challenge", "challenge")):
        v = getattr(w, key)
        if v is not None:
            parts.append(f"{label}-{v:g}")
    if w.p_prevent is not None:
        parts.append(f"prevent-{w.p_prevent:g}")
    if w.deterrence is not None:
        parts.append(f"deterrence-{w.deterrence}")
    return "fan_" + "_".join(parts)
