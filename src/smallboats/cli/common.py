"""Options and helpers every command shares: formats, the store, runs, seeds, progress bars."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from smallboats.cli.output import Format, err_console
from smallboats.errors import UsageError

if TYPE_CHECKING:
    from rich.progress import Progress

SEED_MAX = 2**32 - 1
MAX_RUNS = 100_000  # the simulator's own cap on runs in one call

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
SeedOpt = Annotated[int, typer.Option(min=0, max=SEED_MAX, help="Seed: the same seed gives the same numbers.")]
ThreadsOpt = Annotated[
    int, typer.Option(min=0, help="Threads to run on (0: every core). The numbers are the same however many.")
]
DaskOpt = Annotated[
    str,
    typer.Option(
        help="Where to run: none (this process), local (a new LocalCluster) or a "
        "scheduler address such as tcp://scheduler:8786."
    ),
]
LevelOpt = Annotated[
    str,
    typer.Option(
        "--level-prior",
        help="Where the no-scheme level comes from: fitted (the Bayesian model's posterior: each run a draw "
        "of the level and its walk's scale; fitted once per data release and cached) or uniform (the older "
        "range of the last year's mean +/- the record's yearly swing, clipped to 10-30%).",
    ),
]
WorkersOpt = Annotated[int, typer.Option(min=1, max=256, help="Workers of a local cluster.")]


def runs_opt(default_help: str = "Monte Carlo runs.", maximum: int = MAX_RUNS):
    """A ``--runs`` option with its range checked by Typer."""
    return Annotated[int, typer.Option(min=1, max=maximum, help=f"{default_help} (1 to {maximum:,})")]


def parse_date(text: str, option: str) -> dt.date:
    """Parse an ISO date given on the command line, or raise a clear error."""
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise UsageError(f"{option} {text!r} is not a date; use YYYY-MM-DD, e.g. 2025-07-10") from None


def open_store(path: Path | None, *, write: bool = False):
    """Open (and on first use create) the store; read-only unless the command writes."""
    from smallboats.data.bundle import open_default_store

    return open_default_store(path, read_only=not write)


def sources_line(store, release_ids) -> str:
    """The attribution line for the releases behind a result."""
    from smallboats.provenance import attribution

    ids = sorted({r for rid in release_ids for r in str(rid).split(",")})
    return attribution([store.source(r) for r in ids])


def progress(total_label: str = "") -> Progress:
    """A progress bar on standard error that disappears when done."""
    from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn  # only a command that runs needs it

    return Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        TextColumn("{task.percentage:>3.0f}%"),
        TimeElapsedColumn(),
        console=err_console.rich,
        transient=True,
    )


def spinner() -> Progress:
    """A spinner with the step and the time taken on standard error, for work of unknown length."""
    from rich.progress import Progress, SpinnerColumn, TextColumn, TimeElapsedColumn

    return Progress(
        SpinnerColumn(), TextColumn("{task.description}"), TimeElapsedColumn(), console=err_console.rich, transient=True
    )
