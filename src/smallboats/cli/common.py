"""Options and helpers every command shares."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Annotated

import typer

from smallboats.cli.output import Format
from smallboats.data.store import Store
from smallboats.errors import UsageError
from smallboats.provenance import attribution

FormatOpt = Annotated[Format, typer.Option("--format", "-f", help="Output format: table, json or csv.")]
AsOfOpt = Annotated[
    str | None,
    typer.Option(
        "--as-of-release",
        help="Read the store as it stood when this release was the newest "
        "(a release id from 'smallboats data status').",
    ),
]
StoreOpt = Annotated[
    Path | None,
    typer.Option(
        "--store",
        envvar="SMALLBOATS_STORE",
        help="The DuckDB store file (default: $SMALLBOATS_HOME/smallboats.duckdb or the user data directory).",
    ),
]


def parse_date(text: str, option: str) -> dt.date:
    """Parse an ISO date given on the command line, or raise a clear error."""
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise UsageError(f"{option} {text!r} is not a date; use YYYY-MM-DD, e.g. 2025-07-10") from None


def open_store(path: Path | None, *, write: bool = False) -> Store:
    """Open (and on first use create) the store; read-only unless the command writes."""
    return Store(path, read_only=not write)


def sources_line(store: Store, release_ids) -> str:
    """The attribution line for the releases behind a result."""
    ids = sorted({r for rid in release_ids for r in str(rid).split(",")})
    return attribution([store.source(r) for r in ids])
