"""The claims table as Markdown or HTML (the HTML is a fragment the report embeds)."""

from __future__ import annotations

import html

from smallboats.formats import figure as fmt

VERDICT_LABEL = {"holds": "Holds", "does-not-hold": "Does not hold", "cannot-check": "Cannot check"}


def _sources(r: dict) -> str:
    seen = []
    for s in r["sources"]:
        label = f"{s['publisher']}, {s['title']} ({s['release_date']})"
        if label not in seen:
            seen.append(label)
    return "; ".join(seen) or "–"


def to_markdown(results: list[dict]) -> str:
    """A Markdown table: claim, stated, computed, verdict, reason, sources."""
    lines = [
        "| # | claim | stated | computed | verdict | why | sources |",
        "| --- | --- | ---: | ---: | --- | --- | --- |",
    ]
    for r in results:
        cells = [
            r["id"],
            r["claim"],
            fmt(r["stated"]),
            fmt(r["computed"]),
            VERDICT_LABEL[r["verdict"]],
            r["reason"],
            _sources(r),
        ]
        lines.append("| " + " | ".join(c.replace("|", "\\|") for c in cells) + " |")
    return "\n".join(lines) + "\n"


def to_html(results: list[dict], *, full_page: bool = False) -> str:
    """An HTML table (or a whole page with ``full_page``)."""
    rows = []
    for r in results:
        cls = r["verdict"]
        rows.append(
            "<tr>"
            + "".join(f"<td>{html.escape(str(c))}</td>" for c in (r["id"], r["claim"]))
            + f'<td class="num">{fmt(r["stated"])}</td><td class="num">{fmt(r["computed"])}</td>'
            + f'<td class="verdict {cls}">{VERDICT_LABEL[cls]}</td>'
            + f'<td>{html.escape(r["reason"])}</td><td class="src">{html.escape(_sources(r))}</td></tr>'
        )
    table = (
        '<table class="claims"><thead><tr><th>#</th><th>Claim</th><th>Stated</th><th>Computed</th>'
        "<th>Verdict</th><th>Why</th><th>Sources</th></tr></thead><tbody>" + "".join(rows) + "</tbody></table>"
    )
    if not full_page:
        return table
    return (
        '<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><title>Claims checked</title>'
        "<style>body{font-family:sans-serif}td,th{border:1px solid #ccc;padding:4px;vertical-align:top}"
        ".num{text-align:right}.holds{color:#1a7f37}.does-not-hold{color:#b3261e}"
        ".cannot-check{color:#666}</style></head><body>" + table + "</body></html>\n"
    )
