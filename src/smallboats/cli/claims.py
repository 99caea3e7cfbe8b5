"""`smallboats claims`: check published figures against the store; write new claims."""

from __future__ import annotations

import datetime as dt
import enum
import tomllib
from pathlib import Path
from typing import Annotated

import typer

from smallboats.cli.common import AsOfOpt, StoreOpt, open_store
from smallboats.cli.output import Format, emit, emit_text, err_console
from smallboats.errors import UsageError

app = typer.Typer(help="Check published figures against the official data.", no_args_is_help=True)


class ClaimsFormat(enum.StrEnum):
    """Output formats for the claims table."""

    table = "table"
    json = "json"
    markdown = "markdown"
    html = "html"
    csv = "csv"


@app.command()
def check(
    file: Annotated[
        Path | None,
        typer.Argument(help="A claims file (TOML); default the bundled claims of the July 2025 announcement."),
    ] = None,
    as_of_release: AsOfOpt = None,
    store: StoreOpt = None,
    format: Annotated[
        ClaimsFormat, typer.Option("--format", "-f", help="table, json, markdown, html or csv.")
    ] = ClaimsFormat.table,
) -> None:
    """Recompute every claim from the store and give a verdict: holds, does not hold, cannot check.

    Example: smallboats claims check --format json
    """
    from smallboats.claims import bundled_claims_file, render
    from smallboats.claims.engine import check_claims
    from smallboats.claims.schema import load_claims

    claims = load_claims(file or bundled_claims_file())
    with open_store(store) as st:
        results = check_claims(st, claims, as_of=as_of_release)
    if format == ClaimsFormat.markdown:
        emit_text(render.to_markdown(results))
    elif format == ClaimsFormat.html:
        emit_text(render.to_html(results, full_page=True))
    else:
        _emit_table(results, claims.title, Format(format.value))


def _emit_table(results: list[dict], title: str, format: Format) -> None:
    import pandas as pd

    from smallboats.formats import figure as fmt

    df = pd.DataFrame(
        [
            {
                "id": r["id"],
                "stated": fmt(r["stated"]),
                "computed": fmt(r["computed"]),
                "verdict": r["verdict"],
                "reason": r["reason"],
                "sources": _short_sources(r),
            }
            for r in results
        ]
    )
    if format == Format.csv:
        df["claim"] = [r["claim"] for r in results]
    emit(df, format, title=title, payload=results)
    if format == Format.table:
        counts = pd.Series([r["verdict"] for r in results]).value_counts().to_dict()
        err_console.print(", ".join(f"{v} {k}" for k, v in counts.items()))


def _short_sources(r: dict) -> str:
    return "; ".join(sorted({f"{s['publisher']} {s['release_date']}" for s in r["sources"]})) or "–"


KINDS = {
    "so-far": ("date",),
    "day": ("date",),
    "window": ("start", "end", "statistic"),
    "per-boat": ("month",),
    "value": ("series", "year"),
    "total": ("series", "start", "end"),
    "rank": ("period", "at"),
}


def _ask(question: str, **kw):
    """Ask on the terminal (or read the next piped answer); input that ends before the answer is a usage error."""
    try:
        return typer.prompt(question, **kw)
    except typer.Abort:
        raise UsageError(
            f"claims new asked {question!r} and got no answer (the input ended); give it as an option, "
            "answer on a terminal, or pipe in one answer a line; nothing was written"
        ) from None


# long: the interactive questions, one after another, as the user meets them
@app.command()
def new(
    out: Annotated[Path, typer.Option("--out", "-o", help="Claims file to add the claim to (created if new).")],
    id: Annotated[str | None, typer.Option(help="A short id, e.g. 'my-01'.")] = None,
    text: Annotated[str | None, typer.Option(help="The claim, in your words.")] = None,
    stated: Annotated[float | None, typer.Option(help="The figure the claim states.")] = None,
    comparison: Annotated[
        str | None, typer.Option(help="at-least, more-than, less-than, at-most, about or equals.")
    ] = None,
    date: Annotated[str | None, typer.Option(help="The date the claim speaks of (YYYY-MM-DD).")] = None,
    kind: Annotated[str | None, typer.Option(help="How to compute it: so-far, day, window, per-boat or value.")] = None,
) -> None:
    """Create a claim from a template, asking for whatever the options do not give.

    The claim is validated with the same rules as 'claims check' before it is written.

    Example: smallboats claims new --out my_story.toml --kind so-far
    """
    import tomli_w

    from smallboats.claims.schema import ClaimsFile

    ask = _ask
    id = id or ask("Claim id (letters, digits, - or _)")
    text = text or ask("The claim in your own words")
    stated = stated if stated is not None else float(ask("The figure it states", type=float))
    comparison = comparison or ask(
        "Comparison (at-least, more-than, less-than, at-most, about, equals)", default="about"
    )
    date = date or ask("The date it speaks of (YYYY-MM-DD)", default=dt.date.today().isoformat())
    kind = kind or ask(
        "What the stated figure is compared with, computed how (so-far, day, window, per-boat, value, total, rank)",
        default="so-far",
    )
    if kind not in KINDS:
        raise UsageError(
            f"--kind must be one of {', '.join(KINDS)}, not {kind!r}: a claim must be compared with a figure "
            "computed from the data"
        )
    compute: dict = {"kind": kind}
    if kind in ("so-far", "day"):
        compute["date"] = ask("Count to which date (YYYY-MM-DD)", default=date)
    elif kind == "window":
        compute["start"] = ask("Window start (YYYY-MM-DD)")
        compute["end"] = ask("Window end (YYYY-MM-DD)", default=date)
        compute["statistic"] = ask(
            "Statistic (people, boats, people_per_week, boats_per_week, people_per_boat)", default="people_per_week"
        )
    elif kind == "per-boat":
        compute["month"] = ask("Month (YYYY-MM)")
    elif kind == "total":
        compute["series"] = ask("Series id (see 'smallboats data series')")
        compute["start"] = ask("Window start (YYYY-MM-DD)")
        compute["end"] = ask("Window end (YYYY-MM-DD)", default=date)
    elif kind == "rank":
        compute["period"] = ask("Period (day, week, month, year)", default="day")
        compute["at"] = ask("Which (a date, a week's last day, YYYY-MM or YYYY)")
    else:
        compute["series"] = ask("Series id (see 'smallboats data series')")
        compute["year"] = int(ask("Calendar year", type=int))
    claim = {"id": id, "text": text, "date": date, "stated": stated, "comparison": comparison, "compute": compute}
    if comparison == "about":
        claim["tolerance_pct"] = float(ask("Allowed gap for 'about', in percent", default="5"))
    existing = tomllib.loads(out.read_text()) if out.exists() else {"title": "My claims"}
    existing.setdefault("claim", []).append(claim)
    from pydantic import ValidationError

    from smallboats.errors import validation_error

    try:
        parsed = ClaimsFile.model_validate(existing)
    except ValidationError as e:
        raise validation_error(str(out), e, prefix=f"claim {id!r}") from None
    out.write_text(tomli_w.dumps(parsed.model_dump(mode="json", exclude_defaults=True)))
    err_console.print(f"Added claim {id!r} to {out}; check it with: smallboats claims check {out}")
