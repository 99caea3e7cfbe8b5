"""The HTTP API and the dashboard page (FastAPI).

Everything is served from this process: the Vega bundle comes from vl-convert, not a CDN. Request
bodies are validated with pydantic (``extra="forbid"``); runs and horizon are capped; a simulation
that exceeds its time budget is cancelled with 503; no file path from a request reaches the
filesystem; errors never show a stack trace.
"""

import datetime as dt
import functools
import threading
import time
from importlib import resources
from pathlib import Path
from typing import Annotated, Literal

import jinja2
import pandas as pd
from fastapi import Depends, FastAPI, HTTPException, Query, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import HTMLResponse, JSONResponse, PlainTextResponse, Response
from pydantic import BaseModel, ConfigDict, Field, create_model

from smallboats import __version__
from smallboats.analysis.scenarios import PRESETS, build_scenario
from smallboats.cli.output import records
from smallboats.data import queries as q
from smallboats.data import series as series_mod
from smallboats.data.store import Store
from smallboats.errors import SmallboatsError, StoreError
from smallboats.model import simulate

Deterrence = Literal["none", "linear", "elasticity", "threshold", "mixture"]
Preset = Literal["no-scheme", "pilot-50", "ramp-up", "deterrence-strong", "actual"]
CHARTS = ("arrivals_so_far", "weekly_arrivals", "people_per_boat", "scheme_delivery", "quota_in_proportion")
BANDS = ("p025", "p10", "p25", "median", "p75", "p90", "p975")


class WhatIf(BaseModel):
    """Changes to a preset, as the dashboard's sliders set them (all optional)."""

    model_config = ConfigDict(extra="forbid")
    quota_per_week: float | None = Field(None, ge=0, le=5000, description="Fixed weekly quota (people/week)")
    ramp_to_per_week: float | None = Field(
        None, ge=0, le=5000, description="Ramp the quota linearly to this over 52 weeks"
    )
    p_challenge: float | None = Field(None, ge=0, le=1, description="Share of cases legally challenged")
    p_prevent: float | None = Field(None, ge=0, le=0.95, description="Share of attempts prevented in France")
    deterrence: Deterrence | None = Field(None, description="Deterrence response")


class Detail(BaseModel):
    """An error: one message saying what was wrong."""

    detail: str


ERRORS = {
    404: {"model": Detail, "description": "Not found"},
    422: {"model": Detail, "description": "Invalid request: the message names the field and the rule"},
}
CHART_OK = {
    200: {
        "description": "The chart as PNG, SVG or the CSV of its numbers",
        "content": {
            "image/png": {"schema": {"type": "string", "format": "binary"}},
            "image/svg+xml": {"schema": {"type": "string"}},
            "text/csv": {"schema": {"type": "string"}},
        },
    }
}
SIM_ERRORS = ERRORS | {503: {"model": Detail, "description": "The simulation ran past its time budget"}}


class SimulationTimeout(Exception):
    """The simulation ran past its time budget."""


def overrides_for(w: WhatIf | None) -> dict:
    """Scenario overrides from a what-if (ranges set to fixed values)."""
    if w is None:
        return {}
    out: dict = {}
    scheme: dict = {}
    if w.quota_per_week is not None and w.ramp_to_per_week is not None:
        scheme["quota"] = {
            "kind": "ramp",
            "start_per_week": w.quota_per_week,
            "end_per_week": w.ramp_to_per_week,
            "ramp_weeks": 52,
        }
    elif w.quota_per_week is not None:
        scheme["quota"] = {"kind": "fixed", "per_week": w.quota_per_week}
    elif w.ramp_to_per_week is not None:
        scheme["quota"] = {"kind": "ramp", "start_per_week": 50, "end_per_week": w.ramp_to_per_week, "ramp_weeks": 52}
    if w.quota_per_week is not None or w.ramp_to_per_week is not None:
        top = max(w.quota_per_week or 0, w.ramp_to_per_week or 0)
        scheme["detention_places"] = max(200.0, top * 4)
    if w.p_challenge is not None:
        scheme["p_challenge"] = {"low": w.p_challenge, "high": w.p_challenge}
    if scheme:
        out["scheme"] = scheme
    if w.p_prevent is not None:
        out["crossings"] = {"p_prevent": {"low": w.p_prevent, "high": w.p_prevent}}
    if w.deterrence is not None:
        out["deterrence"] = {"form": w.deterrence}
    return out


@functools.cache
def vega_bundle() -> str:
    """Vega, Vega-Lite and Vega-Embed as one script, from the installed vl-convert (offline)."""
    import vl_convert as vlc

    return vlc.javascript_bundle()


def create_app(
    store_path: str | Path | None = None, *, max_runs: int = 2000, max_years: float = 3.0, budget_seconds: float = 30.0
) -> FastAPI:
    """Build the app.

    Args:
        store_path: the DuckDB store (default: the user's).
        max_runs: the largest ensemble a request may ask for.
        max_years: the longest horizon a request may ask for.
        budget_seconds: a simulation running longer is cancelled (503).
    """
    app = FastAPI(
        title="smallboats",
        version=__version__,
        description="Official figures, checked claims and "
        "what-if simulation of Channel small-boat crossings and the UK-France scheme.",
        docs_url="/api/docs",
        redoc_url=None,
    )
    store = Store(store_path, read_only=True)
    lock = threading.Lock()
    # One simulation at a time in each process: concurrent NumPy-bound threads only slow each other;
    # run more server processes (`smallboats serve --workers N`) to use more cores.
    sim_slot = threading.Semaphore(1)

    SimulateRequest = create_model(  # noqa: N806 - a model class made with the app's caps
        "SimulateRequest",
        __config__=ConfigDict(extra="forbid"),
        scenario=(Preset, Field("pilot-50", description="A preset scenario")),
        runs=(int, Field(min(1000, max_runs), ge=1, le=max_runs, description=f"Monte Carlo runs (1 to {max_runs})")),
        seed=(int, Field(7, ge=0, le=2**32 - 1, description="Seed")),
        years=(
            float,
            Field(min(3.0, max_years), gt=0, le=max_years, description=f"Horizon in years (at most {max_years:g})"),
        ),
        what_if=(WhatIf | None, Field(None, description="Changes to the preset")),
    )

    @functools.lru_cache(maxsize=64)
    def scenario_for(name: str, years: float, overrides_key: str):
        import json

        with lock:
            return build_scenario(name, store, years=years, overrides=json.loads(overrides_key))

    def run(body) -> dict:
        import json

        sc, meta = scenario_for(body.scenario, body.years, json.dumps(overrides_for(body.what_if), sort_keys=True))
        deadline = time.monotonic() + budget_seconds

        def check(_share: float) -> None:
            if time.monotonic() > deadline:
                raise SimulationTimeout

        try:
            with sim_slot:
                deadline = time.monotonic() + budget_seconds
                r = simulate(sc, runs=body.runs, seed=body.seed, meta=meta, on_progress=check)
        except SimulationTimeout:
            raise HTTPException(
                503,
                f"the simulation ran past its {budget_seconds:g} s budget and was cancelled; "
                "ask for fewer runs or a shorter horizon",
            ) from None
        summary = r.summary()
        weekly = {"scenario": records(r.band("arrivals", "week")[["period_start", *BANDS]])}
        if sc.scheme.enabled:
            weekly["no_scheme"] = records(r.band("arrivals", "week", arm="counterfactual")[["period_start", *BANDS]])
        return summary | {"weekly": weekly, "what_if": body.what_if.model_dump() if body.what_if else None}

    @app.exception_handler(SmallboatsError)
    async def _user_error(request: Request, exc: SmallboatsError):
        # no figures for what was asked (a date outside the data, a missing series) is "not found"
        return JSONResponse({"detail": str(exc)}, status_code=404 if isinstance(exc, StoreError) else 422)

    @app.exception_handler(Exception)
    async def _server_error(request: Request, exc: Exception):
        return JSONResponse({"detail": "internal error; the server log has the details"}, status_code=500)

    @app.exception_handler(RequestValidationError)
    async def _invalid(request: Request, exc: RequestValidationError):
        errs = [{"loc": list(e["loc"]), "msg": e["msg"]} for e in exc.errors()]
        first = errs[0] if errs else {"loc": [], "msg": "invalid request"}
        return JSONResponse(
            {"detail": f"{'.'.join(map(str, first['loc']))}: {first['msg']}", "errors": errs}, status_code=422
        )

    @app.get("/api/v1/health", responses=ERRORS)
    def health() -> dict:
        """Liveness."""
        return {"status": "ok"}

    @app.get("/api/v1/series", responses=ERRORS)
    def list_series() -> list[dict]:
        """The series catalogue."""
        return [vars(s) for s in series_mod.SERIES.values()]

    def sources(release_ids) -> list[dict]:
        return [store.source(r).to_dict() | {"release_id": r} for r in sorted(set(release_ids))]

    @app.get("/api/v1/series/{series_id}", responses=ERRORS)
    def get_series(series_id: str) -> dict:
        """Every current figure of a series, with the sources of its releases."""
        if series_id not in series_mod.SERIES:
            raise HTTPException(404, f"no series {series_id!r}")
        with lock:
            obs = store.observations(series_id)
        return {
            "series": vars(series_mod.SERIES[series_id]),
            "observations": records(obs),
            "sources": sources(obs.release_id),
        }

    def daily() -> tuple[pd.DataFrame, list[dict]]:
        with lock:
            d = store.daily()
            rel = store.observations("sb_people").release_id.unique()
            return d, sources(rel)

    @app.get("/api/v1/query/so-far", responses=ERRORS)
    def so_far(date: Annotated[dt.date, Query(description="Count to this day, inclusive")]) -> dict:
        """Arrivals from 1 January to a date, every year."""
        d, src = daily()
        return {"rows": records(q.so_far(d, date)), "sources": src}

    @app.get("/api/v1/query/window", responses=ERRORS)
    def window(start: dt.date, end: dt.date, by: Literal["week", "month", "year"] | None = None) -> dict:
        """Totals and averages over a window."""
        d, src = daily()
        w = q.window(d, start, end, by)
        if "periods" in w:
            w["periods"] = records(w["periods"])
        return {"window": {k: (v.isoformat() if isinstance(v, dt.date) else v) for k, v in w.items()}, "sources": src}

    @app.get("/api/v1/query/per-boat", responses=ERRORS)
    def per_boat() -> dict:
        """People per boat by month, records marked."""
        d, src = daily()
        return {"rows": records(q.per_boat_by_month(d)), "sources": src}

    @app.get("/api/v1/query/day", responses=ERRORS)
    def day(date: dt.date) -> dict:
        """Arrivals on one day."""
        d, src = daily()
        out = q.on_day(d, date)
        return {"day": out | {"date": out["date"].isoformat()}, "sources": src}

    @functools.lru_cache(maxsize=1)
    def claims_results() -> list[dict]:
        from smallboats.claims.engine import check_claims
        from smallboats.claims.schema import load_claims
        from smallboats.cli.claims import default_claims_file

        with lock:
            return check_claims(store, load_claims(default_claims_file()))

    @app.get("/api/v1/claims", responses=ERRORS)
    def claims() -> list[dict]:
        """The bundled claims, checked against the store."""
        return claims_results()

    @app.get("/api/v1/scenarios", responses=ERRORS)
    def scenarios() -> list[str]:
        """The preset names."""
        return list(PRESETS)

    @app.get("/api/v1/scenarios/{name}", responses=ERRORS)
    def scenario(name: Preset) -> dict:
        """A preset in full, with its fitted baseline."""
        sc, meta = scenario_for(name, 3.0, "{}")
        return {"scenario": sc.model_dump(mode="json"), "meta": meta}

    @app.post("/api/v1/simulate", responses=SIM_ERRORS)
    def simulate_route(body: SimulateRequest) -> dict:  # type: ignore[valid-type]
        """Run a scenario (and its no-scheme counterfactual): the yearly summary and weekly bands."""
        return run(body)

    class ChartQuery(BaseModel):
        model_config = ConfigDict(extra="forbid")
        scenario: Preset = "pilot-50"
        runs: int = Field(min(200, max_runs), ge=1, le=max_runs)
        seed: int = Field(7, ge=0, le=2**32 - 1)
        years: float = Field(min(1.0, max_years), gt=0, le=max_years)
        quota_per_week: float | None = Field(None, ge=0, le=5000)
        ramp_to_per_week: float | None = Field(None, ge=0, le=5000)
        p_challenge: float | None = Field(None, ge=0, le=1)
        p_prevent: float | None = Field(None, ge=0, le=0.95)
        deterrence: Deterrence | None = None

    def chart_response(spec, fmt: str) -> Response:
        if fmt == "csv":
            return PlainTextResponse(
                spec.data.to_csv(index=False),
                media_type="text/csv",
                headers={"Content-Disposition": f'attachment; filename="{spec.name}.csv"'},
            )
        if fmt == "svg":
            return Response(
                spec.svg(),
                media_type="image/svg+xml",
                headers={"Content-Disposition": f'attachment; filename="{spec.name}.svg"'},
            )
        return Response(
            spec.png(),
            media_type="image/png",
            headers={"Content-Disposition": f'attachment; filename="{spec.name}.png"'},
        )

    @app.get("/api/v1/charts/fan.{fmt}", responses=SIM_ERRORS | CHART_OK, response_class=Response)
    def fan_export(fmt: Literal["png", "svg", "csv"], query: Annotated[ChartQuery, Depends()]) -> Response:
        """The what-if fan chart as PNG, SVG or the CSV of its numbers."""
        from smallboats.viz.fan import fan_chart

        w = WhatIf(**{k: getattr(query, k) for k in WhatIf.model_fields})
        body = SimulateRequest(scenario=query.scenario, runs=query.runs, seed=query.seed, years=query.years, what_if=w)
        res = run(body)
        bands = {query.scenario: pd.DataFrame(res["weekly"]["scenario"])}
        if "no_scheme" in res["weekly"]:
            bands["no-scheme"] = pd.DataFrame(res["weekly"]["no_scheme"])
        spec = fan_chart(
            bands,
            "arrivals",
            "week",
            source=f"smallboats {__version__} simulation, seed {query.seed}, "
            f"{query.runs} runs; baseline fitted to {res['data_release']}",
        )
        return chart_response(spec, fmt)

    @functools.lru_cache(maxsize=1)
    def official_charts() -> dict:
        from smallboats.report.build import ReportBuilder

        with lock:
            b = ReportBuilder(store)
            charts = b.where_things_stand().charts + b.in_proportion().charts + b.scheme_delivery().charts
        return {c.name: c for c in charts}

    @app.get("/api/v1/charts/{name}.vl.json", responses=ERRORS)
    def chart_spec(name: Literal[CHARTS]) -> dict:  # type: ignore[valid-type]
        """A chart's Vega-Lite specification (the dashboard draws it)."""
        return official_charts()[name].spec()

    @app.get("/api/v1/charts/{name}.{fmt}", responses=ERRORS | CHART_OK, response_class=Response)
    def chart_export(name: Literal[CHARTS], fmt: Literal["png", "svg", "csv"]) -> Response:  # type: ignore[valid-type]
        """A chart of the official figures as PNG, SVG or the CSV of its numbers."""
        return chart_response(official_charts()[name], fmt)

    @app.get("/static/vega-bundle.js", include_in_schema=False)
    def bundle() -> Response:
        return Response(vega_bundle(), media_type="application/javascript", headers={"Cache-Control": "max-age=86400"})

    @app.get("/static/dashboard.js", include_in_schema=False)
    def dashboard_js() -> Response:
        text = (resources.files("smallboats.web") / "static" / "dashboard.js").read_text(encoding="utf-8")
        return Response(text, media_type="application/javascript")

    templates = jinja2.Environment(
        loader=jinja2.FileSystemLoader(str(resources.files("smallboats.web") / "templates")), autoescape=True
    )

    @app.get("/", response_class=HTMLResponse, include_in_schema=False)
    def dashboard() -> HTMLResponse:
        d, src = daily()
        return HTMLResponse(
            templates.get_template("dashboard.html.j2").render(
                version=__version__, newest=d.date.max().date(), charts=CHARTS[:3], sources=src, max_runs=max_runs
            )
        )

    app.state.store = store
    return app


def app_from_environment() -> FastAPI:
    """The app for a multi-process server: settings from ``SMALLBOATS_SERVE`` (set by `smallboats serve`)."""
    import json
    import os

    cfg = json.loads(os.environ.get("SMALLBOATS_SERVE", "{}"))
    return create_app(
        cfg.get("store"), max_runs=cfg.get("max_runs", 2000), budget_seconds=cfg.get("budget_seconds", 30.0)
    )
