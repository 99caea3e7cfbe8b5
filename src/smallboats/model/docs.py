"""Make ``docs/parameters.md`` from the parameter fields (unit, default, range, source)."""

from __future__ import annotations

import re
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


# An internal reference (an issue or ticket number) is not a source a reader can look up.
INTERNAL = re.compile(r"\bissues?\s*#?\d|\bticket\b|#\d+|\bTODO\b", re.IGNORECASE)
PUBLISHERS = (
    "Home Office",
    "Office for National Statistics",
    "Prime Minister's Office",
    "Agreement on the Prevention of Dangerous Journeys",
    "agreement on the prevention of dangerous journeys",
    "BBC",
    "The Guardian",
    "The Times",
)
YEAR = re.compile(r"\b(19|20)\d\d\b")
AUTHOR_YEAR = re.compile(r"\b[A-Z][A-Za-z'-]+(?: et al\.?| and [A-Z][A-Za-z'-]+)? \(?(19|20)\d\d\)?")


def source_problem(kind: str, source: str) -> str | None:
    """Why a parameter's source is not good enough, or None.

    An ``assumption`` says so and why (it starts "Assumption"); a ``fitted`` value names what it
    was fitted to (a publisher's series); an ``official`` figure names its publisher and a date; a
    ``study`` names its authors and year. No source may be an internal reference.
    """
    if not source.strip():
        return "no source"
    if INTERNAL.search(source):
        return "names an internal reference, not a publication"
    if kind == "assumption":
        return None if source.startswith("Assumption") else "an assumption must say so ('Assumption: why')"
    if kind == "fitted":
        ok = source.startswith("Fitted:") and any(p in source for p in PUBLISHERS)
        return None if ok else "a fitted value must say what it was fitted to ('Fitted: ... publisher's series')"
    if kind == "official":
        ok = any(p in source for p in PUBLISHERS) and YEAR.search(source)
        return None if ok else "an official figure must name its publisher and date"
    if kind == "study":
        return None if AUTHOR_YEAR.search(source) else "a study must name its authors and year"
    return f"unknown kind {kind!r}"


def source_problems() -> list[str]:
    """Every parameter whose source falls short, as ``section.parameter: why``."""
    out = []
    for title, model in SECTIONS:
        for r in parameter_rows(model):
            why = source_problem(r["kind"], r["source"])
            if why:
                out.append(f"{title}: {r['name']}: {why} ({r['source']!r})")
    return out
