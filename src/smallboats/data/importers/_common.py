"""Helpers the importers share: cell names, date parsing, default release dates."""

from __future__ import annotations

import datetime as dt
import math

import pandas as pd

from smallboats.errors import DataError

HO_SMALL_BOATS_URL = (
    "https://www.gov.uk/government/publications/migrants-detected-crossing-the-english-channel-in-small-boats"
)
PROVISIONAL_NOTE = (
    "Provisional operational data, subject to change including downward revision; "
    "the quarterly Illegal entry routes to the UK statistics are authoritative."
)


def cell_name(sheet: str, row: int, col: int) -> str:
    """Spreadsheet-style name of a zero-based cell: ``cell_name('SB_01', 0, 1) == 'SB_01!B1'``."""
    letters = ""
    n = col + 1
    while n:
        n, r = divmod(n - 1, 26)
        letters = chr(65 + r) + letters
    return f"{sheet}!{letters}{row + 1}"


def is_blank(v: object) -> bool:
    """True for an empty cell (None, NaN or only spaces)."""
    if v is None:
        return True
    if isinstance(v, float) and math.isnan(v):
        return True
    return isinstance(v, str) and not v.strip()


def is_not_applicable(v: object) -> bool:
    """True for the publishers' marks for "not available" (``-``, ``..``, ``x``, ``:``) or blank.

    Such a cell is missing, never zero: a zero is a figure, a dash is the absence of one.
    """
    return is_blank(v) or (isinstance(v, str) and v.strip() in {"-", "–", "..", "x", ":", "[x]"})


def parse_date(file: str, where: str, raw: object) -> dt.date:
    """Parse a date cell: a spreadsheet date, ISO text, or text such as ``13 December 2025``."""
    if isinstance(raw, dt.datetime):
        return raw.date()
    if isinstance(raw, dt.date):
        return raw
    if isinstance(raw, pd.Timestamp):
        return raw.date()
    if isinstance(raw, str):
        text = raw.strip().strip('"')
        for fmt in ("%Y-%m-%d", "%d %B %Y", "%d %b %Y", "%d/%m/%Y", "%A %d %B %Y"):
            try:
                return dt.datetime.strptime(text, fmt).date()
            except ValueError:
                continue
    raise DataError(file, where, f"date {raw!r} does not parse (expected e.g. 2025-07-10)")


def month_bounds(text: str, file: str, where: str) -> tuple[dt.date, dt.date]:
    """First and last day of a ``YYYY-MM`` month."""
    try:
        start = dt.datetime.strptime(text.strip(), "%Y-%m").date()
    except ValueError:
        raise DataError(file, where, f"month {text!r} does not parse (expected YYYY-MM)") from None
    end = (pd.Timestamp(start) + pd.offsets.MonthEnd(0)).date()
    return start, end


def year_ending(end: dt.date) -> tuple[dt.date, dt.date]:
    """The twelve months ending on ``end`` (inclusive)."""
    start = (pd.Timestamp(end) - pd.DateOffset(years=1) + pd.Timedelta(days=1)).date()
    return start, end
