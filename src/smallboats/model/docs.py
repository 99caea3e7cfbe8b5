"""Make ``docs/parameters.md`` from the parameter fields (unit, default, range, source)."""

from __future__ import annotations

from typing import Annotated, get_args, get_origin

from pydantic import BaseModel

from smallboats.model.params import (
    ConditionalQuota,
    Crossings,
    Deterrence,
    FixedQuota,
    RampQuota,
    Range,
    Scenario,
    Scheme,
)

SECTIONS = [
    ("Scenario", Scenario),
    ("Crossings (the no-scheme world)", Crossings),
    ("Scheme", Scheme),
    ("Deterrence", Deterrence),
    ("Quota: fixed", FixedQuota),
    ("Quota: ramp", RampQuota),
    ("Quota: conditional", ConditionalQuota),
]


def _bounds(metadata: list) -> str:
    """A field's numeric bounds in words ("0 to 1", "over 0 to 100"), or "" when it has none."""
    lo = next((f"{m.ge:g}" for m in metadata if getattr(m, "ge", None) is not None), None)
    lo = lo or next((f"over {m.gt:g}" for m in metadata if getattr(m, "gt", None) is not None), None)
    hi = next((f"{m.le:g}" for m in metadata if getattr(m, "le", None) is not None), None)
    if lo is None and hi is None:
        return ""
    return f"{lo if lo is not None else 'any'} to {hi if hi is not None else 'any'}"


def parameter_rows(model: type[BaseModel]) -> list[dict]:
    """One row per field that is a parameter (nested sections are listed on their own)."""
    rows = []
    instance = (
        model(kind=model.model_fields["kind"].annotation.__args__[0]) if "kind" in model.model_fields else model()
    )
    for name, info in model.model_fields.items():
        extra = info.json_schema_extra or {}
        if name in ("name", "description", "kind", "crossings", "scheme", "deterrence", "quota", "enabled"):
            continue
        value = getattr(instance, name)
        if isinstance(value, Range):
            default = f"{value.low:g}" if value.low == value.high else f"{value.low:g} to {value.high:g}"
        elif isinstance(value, list):
            default = "12 monthly values" if len(value) == 12 else str(value)
        else:
            default = str(value)
        allowed = extra.get("allowed")
        allowed = f"{allowed[0]:g} to {allowed[1]:g}" if allowed else _bounds(info.metadata)
        if not allowed:  # a list: the bounds of each item
            items = [a for a in get_args(info.annotation) if get_origin(a) is Annotated]
            allowed = _bounds(items[0].__metadata__[0].metadata) if items else ""
            allowed = f"each {allowed}" if allowed else ""
        rows.append(
            {
                "name": name,
                "unit": extra.get("unit", ""),
                "default": default,
                "prior": "range drawn each run" if isinstance(value, Range) and value.low != value.high else "fixed",
                "allowed": allowed,
                "kind": extra.get("kind", ""),
                "source": extra.get("source", ""),
            }
        )
    return rows


def parameters_markdown() -> str:
    """The whole document."""
    out = [
        "# Model parameters",
        "",
        "Generated from `smallboats.model.params` by `python scripts/gen_docs.py`; do not edit by hand.",
        "Ranges are uniform priors drawn afresh in every run. `kind` says where a default comes from:",
        "`official` (a published figure), `study` (research literature), `fitted` (fitted to the official",
        "series when a scenario is built, by `smallboats.analysis.calibrate` or, for the level and its walk,",
        "as posterior draws of the Bayesian model of `smallboats.analysis.estimate`, one a run, each source",
        "naming the model and data release; the default shown is a fallback) or `assumption` (with the reason).",
        "",
    ]
    for title, model in SECTIONS:
        out += [
            f"## {title}",
            "",
            "| parameter | unit | default | prior | allowed | kind | source |",
            "| --- | --- | --- | --- | --- | --- | --- |",
        ]
        for r in parameter_rows(model):
            cells = [f"`{r['name']}`", r["unit"], r["default"], r["prior"], r["allowed"], r["kind"], r["source"]]
            out.append("| " + " | ".join(str(c).replace("|", "\\|") for c in cells) + " |")
        out.append("")
    return "\n".join(out)
