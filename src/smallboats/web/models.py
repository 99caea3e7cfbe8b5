"""Request and response bodies of the API (pydantic, unknown keys refused)."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field, create_model

from smallboats.analysis.whatif import WhatIf
from smallboats.vocab import Preset

SEED_MAX = 2**32 - 1


class Detail(BaseModel):
    """An error: one message saying what was wrong."""

    detail: str


ERRORS = {
    404: {"model": Detail, "description": "Not found"},
    422: {"model": Detail, "description": "Invalid request: the message names the field and the rule"},
}
SIM_ERRORS = ERRORS | {
    503: {
        "model": Detail,
        "description": "Busy: the simulation could not finish within its time budget (waiting included);"
        " the Retry-After header says when to try again",
        "headers": {"Retry-After": {"description": "Seconds to wait", "schema": {"type": "integer"}}},
    }
}
CHART_OK = {
    200: {
        "description": "The chart as PNG, SVG, the CSV of its numbers or an embeddable HTML snippet",
        "content": {
            "image/png": {"schema": {"type": "string", "format": "binary"}},
            "image/svg+xml": {"schema": {"type": "string"}},
            "text/csv": {"schema": {"type": "string"}},
            "text/html": {"schema": {"type": "string"}},
        },
    }
}


def _shortest_years() -> float:
    """The shortest horizon a scenario accepts (its ``years`` field's lower bound), so the schema states it."""
    from smallboats.model import Scenario

    return next(m.ge for m in Scenario.model_fields["years"].metadata if hasattr(m, "ge"))


def run_fields(max_runs: int, max_years: float, runs: int, years: float) -> dict:
    """The fields of a simulation request, with the server's caps and the given defaults."""
    return {
        "scenario": (Preset, Field("pilot-50", description="A preset scenario")),
        "runs": (int, Field(min(runs, max_runs), ge=1, le=max_runs, description=f"Monte Carlo runs (1 to {max_runs})")),
        "seed": (int, Field(7, ge=0, le=SEED_MAX, description="Seed: the same seed gives the same numbers")),
        "years": (
            float,
            Field(
                min(years, max_years),
                ge=_shortest_years(),
                le=max_years,
                description=f"Horizon in years (a week, {_shortest_years():.4g}, to {max_years:g})",
            ),
        ),
    }


def request_models(max_runs: int, max_years: float) -> tuple[type[BaseModel], type[BaseModel]]:
    """The simulation body (a what-if nested) and the chart query (a what-if flattened), with the caps."""
    cfg = ConfigDict(extra="forbid")
    simulate = create_model(
        "SimulateRequest",
        __config__=cfg,
        **run_fields(max_runs, max_years, 1000, 3.0),
        what_if=(WhatIf | None, Field(None, description="Changes to the preset")),
    )
    chart = create_model(
        "ChartQuery",
        __base__=WhatIf,
        **run_fields(max_runs, max_years, 200, 1.0),
    )
    return simulate, chart


def split_chart_query(query: BaseModel) -> tuple[dict, WhatIf]:
    """A flattened chart query as the run's settings and its what-if."""
    data = query.model_dump()
    run = {k: data.pop(k) for k in ("scenario", "runs", "seed", "years")}
    return run, WhatIf(**data)
