"""Home Office time-series workbook "Migrants detected crossing the English Channel in small boats".

Published weekly as ODS (sheets ``SB_01`` daily and ``SB_02`` weekly, week ending Sunday). The
workbook carries no publication date of its own; it is published the day after its newest daily
figure, so that is the default release date (pass ``release_date`` to state it).
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pandas as pd

from smallboats.data.importers._common import (
    HO_SMALL_BOATS_URL,
    PROVISIONAL_NOTE,
    cell_name,
    is_blank,
    is_not_applicable,
    parse_date,
)
from smallboats.data.release import Release, make_observations
from smallboats.data.validate import check_count
from smallboats.errors import DataError
from smallboats.provenance import Source

NAME = "ho-workbook"
DATASET = "ho-small-boats-timeseries"
TITLE = "Migrants detected crossing the English Channel in small boats (time series)"

# Column headers (lower case, as published) -> series, for each sheet; "required" must be present.
DAILY_COLUMNS = {
    "migrants arrived": "sb_people",
    "boats arrived": "sb_boats",
    "boats arrived - involved in uncontrolled landings": "sb_boats_uncontrolled",
}
WEEKLY_COLUMNS = {
    "migrants arrived": "sb_week_people",
    "boats arrived": "sb_week_boats",
    "boats arrived - involved in uncontrolled landings": None,  # not kept: a subset of boats
    "migrants prevented": "sb_week_prevented_people",
    "events prevented": "sb_week_prevented_events",
}
REQUIRED = {"sb_people", "sb_boats", "sb_week_people", "sb_week_boats"}
OPTIONAL_SERIES = {"sb_boats_uncontrolled", "sb_week_prevented_people", "sb_week_prevented_events"}


def sniff(path: Path, head: bytes) -> bool:
    """A zip container (ODS or XLSX) whose name or content looks like a spreadsheet."""
    return head[:2] == b"PK" and path.suffix.lower() in {".ods", ".xlsx", ".xlsm"}


def read(path: Path, *, release_date: dt.date | None = None) -> list[Release]:
    """Read SB_01 (daily) and, when present, SB_02 (weekly) into one release."""
    file = str(path)
    try:
        sheets = pd.read_excel(path, sheet_name=None, header=None, engine="calamine")
    except Exception as e:  # the reader raises many types for a damaged zip or XML
        raise DataError(file, "whole file", f"cannot be read as a workbook (truncated or corrupt?): {e}") from None
    if "SB_01" not in sheets:
        raise DataError(
            file,
            "sheets",
            "no sheet SB_01: this is not the Home Office small-boats time-series workbook "
            f"(sheets found: {', '.join(sheets)})",
        )
    rows = _read_sheet(file, "SB_01", sheets["SB_01"], DAILY_COLUMNS, weekly=False)
    if "SB_02" in sheets:
        rows += _read_sheet(file, "SB_02", sheets["SB_02"], WEEKLY_COLUMNS, weekly=True)
    if not any(r["series"] == "sb_people" for r in rows):
        raise DataError(file, "SB_01", "the sheet has a header but no daily figures")
    obs = make_observations(rows)
    newest = max(r["period_end"] for r in rows if r["series"] == "sb_people")
    source = Source(
        publisher="Home Office",
        title=TITLE,
        release_date=release_date or newest + dt.timedelta(days=1),
        url=HO_SMALL_BOATS_URL,
        note=PROVISIONAL_NOTE,
    )
    return [Release(DATASET, source, obs, format=NAME)]


def _header_row(file: str, sheet: str, df: pd.DataFrame) -> int:
    for i in range(min(len(df), 20)):
        first = df.iat[i, 0]
        if isinstance(first, str) and first.strip().lower() in {"date", "week ending"}:
            return i
    raise DataError(file, f"{sheet}!A1:A20", "no header row starting 'Date' or 'Week ending'")


def _read_sheet(file: str, sheet: str, df: pd.DataFrame, columns: dict, *, weekly: bool) -> list[dict]:
    h = _header_row(file, sheet, df)
    headers = {
        str(df.iat[h, j]).strip().lower().replace("–", "-"): j for j in range(df.shape[1]) if not is_blank(df.iat[h, j])
    }
    col_of = {}
    for header, sid in columns.items():
        if header in headers and sid:
            col_of[sid] = headers[header]
        elif sid in REQUIRED:
            raise DataError(file, cell_name(sheet, h, 0), f"missing column {header!r}")
    notes_col = headers.get("notes")
    rows: list[dict] = []
    for i in range(h + 1, len(df)):
        raw_date = df.iat[i, 0]
        values = [df.iat[i, j] for j in col_of.values()]
        if is_blank(raw_date):
            if all(is_blank(v) for v in values):
                continue
            raise DataError(file, cell_name(sheet, i, 0), "figures without a date")
        end = parse_date(file, cell_name(sheet, i, 0), raw_date)
        start = end - dt.timedelta(days=6) if weekly else end
        note = "" if notes_col is None or is_blank(df.iat[i, notes_col]) else str(df.iat[i, notes_col])
        for sid, j in col_of.items():
            raw = df.iat[i, j]
            where = cell_name(sheet, i, j)
            if sid in OPTIONAL_SERIES and is_not_applicable(raw):
                continue  # not yet recorded or not published: missing, never zero
            value = check_count(file, where, raw)
            rows.append(dict(series=sid, period_start=start, period_end=end, value=value, note=note, loc=where))
    return rows
