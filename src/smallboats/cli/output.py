"""Rendering for every command: a Rich table, JSON or CSV, with the source line under tables."""

from __future__ import annotations

import enum
import io
import sys
from typing import TYPE_CHECKING

from smallboats.formats import cell

if TYPE_CHECKING:
    import pandas as pd
    from rich.console import Console


class _OnFirstUse:
    """A Rich console made the first time it is used: importing Rich is a cost ``--help`` need not pay.

    It answers every attribute of the console; :attr:`rich` is the console itself, for code that
    wants a real one (a progress bar).
    """

    def __init__(self, **options):
        self._options = options
        self._console: Console | None = None

    @property
    def rich(self) -> Console:
        """The console, made now if not yet."""
        if self._console is None:
            from rich.console import Console

            self._console = Console(**self._options)
        return self._console

    def __getattr__(self, name: str):
        return getattr(self.rich, name)


console = _OnFirstUse()
err_console = _OnFirstUse(stderr=True)


class Format(enum.StrEnum):
    """Output formats for data."""

    table = "table"
    json = "json"
    csv = "csv"


def _cell(v) -> str:
    from smallboats.serialize import plain

    return cell(plain(v))


def emit(df: pd.DataFrame, fmt: Format, *, title: str = "", source: str = "", payload=None) -> None:
    """Print a frame in the chosen format.

    Args:
        df: the rows.
        fmt: table, json or csv.
        title: the table's title.
        source: the attribution line printed under a table.
        payload: what to print for JSON instead of the rows (an object with more than rows).
    """
    import pandas as pd

    from smallboats.serialize import records, to_json

    if fmt == Format.json:
        sys.stdout.write(to_json(payload if payload is not None else records(df)) + "\n")
    elif fmt == Format.csv:
        buf = io.StringIO()
        df.to_csv(buf, index=False)
        sys.stdout.write(buf.getvalue())
    else:
        df = df.drop(columns=[c for c in ("release",) if c in df.columns])  # the caption names it
        numeric = {
            c for c in df.columns if pd.api.types.is_numeric_dtype(df[c]) and not pd.api.types.is_bool_dtype(df[c])
        }
        _table(list(df.columns), df.itertuples(index=False), numeric, title, source)


def emit_rows(rows: list[dict], numeric: set[str], fmt: Format, *, title: str = "", source: str = "") -> None:
    """Print rows of plain Python values as :func:`emit` prints a frame of them, without pandas.

    Args:
        rows: one dictionary a row, every one with the same keys; None for a missing value.
        numeric: the columns aligned right in a table (as a frame's numeric columns are).
        fmt: table, json or csv.
        title: the table's title.
        source: the attribution line printed under a table.
    """
    from smallboats.serialize import to_json

    columns = list(rows[0]) if rows else []
    if fmt == Format.json:
        sys.stdout.write(to_json(rows) + "\n")
    elif fmt == Format.csv:
        import csv

        buf = io.StringIO()
        out = csv.writer(buf, lineterminator="\n")  # as pandas writes a frame: a missing value is empty
        out.writerow(columns)
        out.writerows([["" if r[c] is None else r[c] for c in columns] for r in rows])
        sys.stdout.write(buf.getvalue())
    else:
        shown = [c for c in columns if c != "release"]  # the caption names it
        _table(shown, ([r[c] for c in shown] for r in rows), numeric, title, source)


def _table(columns: list, rows, numeric: set, title: str, source: str) -> None:
    """A Rich table of the rows, numbers aligned right, the source line under it."""
    from rich.table import Table

    table = Table(title=title or None, caption=source or None, caption_justify="left")
    for c in columns:
        table.add_column(str(c), justify="right" if c in numeric else "left")
    plain_cols = {i for i, c in enumerate(columns) if str(c) == "year" or str(c).endswith("_year")}
    for row in rows:
        table.add_row(*[str(v) if i in plain_cols else _cell(v) for i, v in enumerate(row)])
    console.print(table)


def emit_text(text: str) -> None:
    """Print a finished document (Markdown, HTML, TOML) as it is."""
    sys.stdout.write(text if text.endswith("\n") else text + "\n")


def emit_object(obj: dict, fmt: Format, *, title: str = "", source: str = "") -> None:
    """Print one object: JSON as is, a table as field/value rows, CSV as one row."""
    import pandas as pd

    from smallboats.serialize import to_json

    if fmt == Format.json:
        sys.stdout.write(to_json(obj) + "\n")
        return
    flat = {k: v for k, v in obj.items() if not isinstance(v, (list, dict, pd.DataFrame))}
    if fmt == Format.csv:
        emit(pd.DataFrame([flat]), fmt)
    else:
        emit(
            pd.DataFrame({"field": list(flat), "value": [_cell(v) for v in flat.values()]}),
            fmt,
            title=title,
            source=source,
        )
