"""``smallboats query so-far`` answered before Typer is imported, when its options are written plainly.

Importing Typer (and its copy of Click) and making the command groups cost about 0.1 s, a fifth of
so-far's time through them (measured with the command ``benchmarks/bench_cli.py`` times).
:func:`run` reads the few plain forms of so-far's options itself (``--date D``, ``--date=D``,
``-f json``, each at most once, none empty or starting with a dash) and answers from the store in
SQL. Anything else returns None and goes to Typer: ``--help``, an unknown or repeated option, a
value Typer would reject, or a series the SQL answer leaves to the frame (see
:mod:`smallboats.data.quick`). So every message about the command line, and every check the
frame's path makes, is the one Typer's command gives; ``tests/test_cli.py`` checks that the options
below are the command's own and that both paths print the same bytes.
"""

from __future__ import annotations

import datetime as dt
import errno
import os
import sys
from pathlib import Path
from typing import TYPE_CHECKING

from smallboats.cli.output import Format, emit_rows

if TYPE_CHECKING:
    from smallboats.data.quick import SoFar

# so-far's options, as its Typer command declares them (smallboats.cli.query.so_far).
SO_FAR_OPTIONS = {
    "--date": "date",
    "--as-of-release": "as_of_release",
    "--store": "store",
    "--format": "format",
    "-f": "format",
}
SO_FAR_DEFAULTS = {"date": "latest", "as_of_release": None, "store": None, "format": Format.table}
SO_FAR_ENVVARS = {"store": "SMALLBOATS_STORE"}
COMPLETE_VAR = "_SMALLBOATS_COMPLETE"  # set by a shell asking Click to complete a word


def run(argv: list[str]) -> int | None:
    """Answer ``argv`` when it is ``query so-far`` with plain options: the exit code, or None to ask Typer."""
    # Shell completion is Typer's, and so is Windows, where Click expands wildcards in the arguments.
    if argv[:2] != ["query", "so-far"] or COMPLETE_VAR in os.environ or os.name == "nt":
        return None
    opts = _so_far_options(argv[2:])
    if opts is None:
        return None
    # What Typer does around a command: Ctrl-C is exit code 130, a reader gone from the pipe is 1.
    try:
        return _so_far(**opts)
    except KeyboardInterrupt:
        return 130
    except OSError as e:
        if e.errno != errno.EPIPE:
            raise
        from typer._click.utils import PacifyFlushWrapper  # only now: the pipe is closed

        sys.stdout = PacifyFlushWrapper(sys.stdout)
        sys.stderr = PacifyFlushWrapper(sys.stderr)
        return 1


def _so_far(date: str, as_of_release: str | None, store: Path | None, format: Format) -> int | None:
    from smallboats.data.bundle import open_default_store  # as smallboats.cli.common.open_store opens it

    with open_default_store(store, read_only=True) as st:
        found = so_far_in_sql(st, date, as_of_release)
    if found is None:  # not a clean series, or not a day of it: Typer's path, with the frame's checks
        return None
    emit_so_far(found, format)
    return 0


def _so_far_options(args: list[str]) -> dict | None:
    """So-far's options as the command would receive them, or None when any is not written plainly."""
    given: dict[str, str] = {}
    i = 0
    while i < len(args):
        name, eq, value = args[i].partition("=") if args[i].startswith("--") else (args[i], "", "")
        if not eq:
            if i + 1 == len(args):
                return None
            value = args[i + 1]
        i += 1 if eq else 2
        param = SO_FAR_OPTIONS.get(name)
        if param is None or param in given or not value or value.startswith("-"):
            return None
        given[param] = value
    for param, var in SO_FAR_ENVVARS.items():
        if param not in given and os.environ.get(var):  # as Click: an empty variable is no value
            given[param] = os.environ[var]
    opts = SO_FAR_DEFAULTS | given
    if opts["format"] not in {f.value for f in Format}:
        return None
    opts["format"] = Format(opts["format"])
    if opts["store"] is not None:
        if not _readable_or_absent(opts["store"]):
            return None
        opts["store"] = Path(opts["store"])
    return opts


def _readable_or_absent(path: str) -> bool:
    """Typer's check of a path option that need not exist: a path that does exist must be readable."""
    try:
        os.stat(path)
    except OSError:
        return True
    return os.access(path, os.R_OK)


def so_far_in_sql(store, date: str, as_of: str | None) -> SoFar | None:
    """So far this year straight from the store, or None (a date that is not one: the full path says so)."""
    from smallboats.data import quick

    if date == "latest":
        return quick.so_far(store, None, as_of)
    try:
        day = dt.date.fromisoformat(date)
    except ValueError:
        return None
    return quick.so_far(store, day, as_of)


def so_far_title(day: dt.date) -> str:
    """The table's title."""
    return f"Small-boat arrivals, 1 January to {day:%d %B}"


def emit_so_far(found: SoFar, fmt: Format) -> None:
    """Print the answer in SQL exactly as the frame's path prints the frame."""
    rows = [r | {"release": found.release} for r in found.rows]
    numeric = {"year", "people", "boats", "pct_change", "difference"}
    emit_rows(rows, numeric, fmt, title=so_far_title(found.day), source=found.attribution)
