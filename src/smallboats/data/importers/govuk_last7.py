"""The gov.uk page "Migrants detected crossing the English Channel in small boats - last 7 days".

The page holds one table: a header row, then a row a day with the date in a row header
(``13 December 2025``) and cells for migrants arrived, boats arrived, boats involved in
uncontrolled landings and notes. The page is updated daily for the day before, so the default
release date is the day after its newest date.
"""

from __future__ import annotations

import datetime as dt
from html.parser import HTMLParser
from pathlib import Path

from smallboats.data.importers._common import (
    HO_SMALL_BOATS_URL,
    PROVISIONAL_NOTE,
    is_not_applicable,
    parse_date,
)
from smallboats.data.release import Release, make_observations
from smallboats.data.validate import check_count
from smallboats.errors import DataError
from smallboats.provenance import Source

NAME = "govuk-last-7-days"
DATASET = "ho-small-boats-last-7-days"
TITLE = "Migrants detected crossing the English Channel in small boats - last 7 days"
URL = HO_SMALL_BOATS_URL + "/migrants-detected-crossing-the-english-channel-in-small-boats-last-7-days"


class _Tables(HTMLParser):
    """Collects every table as a list of rows of cell texts."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.tables: list[list[list[str]]] = []
        self._row: list[str] | None = None
        self._cell: list[str] | None = None
        self._depth = 0

    def handle_starttag(self, tag, attrs):
        if tag == "table":
            self._depth += 1
            self.tables.append([])
        elif tag == "tr" and self._depth:
            self._row = []
        elif tag in ("td", "th") and self._row is not None:
            self._cell = []

    def handle_endtag(self, tag):
        if tag in ("td", "th") and self._cell is not None and self._row is not None:
            self._row.append(" ".join("".join(self._cell).split()))
            self._cell = None
        elif tag == "tr" and self._row is not None:
            self.tables[-1].append(self._row)
            self._row = None
        elif tag == "table" and self._depth:
            self._depth -= 1

    def handle_data(self, data):
        if self._cell is not None:
            self._cell.append(data)


def sniff(path: Path, head: bytes) -> bool:
    """An HTML file."""
    text = head.lower()
    return path.suffix.lower() in {".html", ".htm"} or b"<html" in text or b"<!doctype html" in text


def read(path: Path, *, release_date: dt.date | None = None) -> list[Release]:
    """Read the daily table of the page."""
    file = str(path)
    try:
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError as e:
        raise DataError(file, "whole file", f"is not UTF-8 text: {e}") from None
    parser = _Tables()
    parser.feed(text)
    table = next((t for t in parser.tables if t and _is_daily_header(t[0])), None)
    if table is None:
        raise DataError(
            file,
            "page",
            "no table with columns 'Date', 'Migrants arrived' and 'Boats arrived': "
            "this is not the gov.uk small-boats 'last 7 days' page",
        )
    header = [h.lower() for h in table[0]]
    i_people = header.index("migrants arrived")
    i_boats = header.index("boats arrived")
    i_unc = next((j for j, h in enumerate(header) if "uncontrolled" in h), None)
    i_note = header.index("notes") if "notes" in header else None
    rows = []
    for n, cells in enumerate(table[1:], start=2):
        if not any(cells):
            continue
        where = f"table row {n}"
        if len(cells) < len(header):
            raise DataError(file, where, f"has {len(cells)} cells, the header has {len(header)}")
        day = parse_date(file, f"{where}, column Date", cells[0])
        note = cells[i_note] if i_note is not None else ""
        for sid, j in (("sb_people", i_people), ("sb_boats", i_boats), ("sb_boats_uncontrolled", i_unc)):
            if j is None or (sid == "sb_boats_uncontrolled" and is_not_applicable(cells[j])):
                continue
            loc = f"{where}, column {table[0][j]!r}"
            rows.append(
                dict(
                    series=sid,
                    period_start=day,
                    period_end=day,
                    value=check_count(file, loc, cells[j]),
                    note=note,
                    loc=loc,
                )
            )
    if not rows:
        raise DataError(file, "table", "the table has a header but no daily rows")
    newest = max(r["period_end"] for r in rows)
    source = Source(
        publisher="Home Office",
        title=TITLE,
        release_date=release_date or newest + dt.timedelta(days=1),
        url=URL,
        note=PROVISIONAL_NOTE,
    )
    return [Release(DATASET, source, make_observations(rows), format=NAME)]


def _is_daily_header(row: list[str]) -> bool:
    lower = [c.lower() for c in row]
    return bool(lower) and lower[0] == "date" and "migrants arrived" in lower and "boats arrived" in lower
