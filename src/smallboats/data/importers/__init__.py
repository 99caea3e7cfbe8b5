"""Importers, one module per publication format, and format detection.

Every importer returns a list of :class:`~smallboats.data.release.Release`; none writes to the
store. :func:`read_file` picks the importer from the file's first bytes and name.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import TYPE_CHECKING

from smallboats.data.importers.limits import ImportLimits, check_limits
from smallboats.errors import DataError
from smallboats.provenance import Source

if TYPE_CHECKING:
    from smallboats.data.release import Release

FORMAT_NAMES = "Home Office time-series workbook (ODS/XLSX), gov.uk 'last 7 days' HTML page, CSV"


def read_file(
    path: str | Path,
    *,
    release_date: dt.date | None = None,
    source: Source | None = None,
    limits: ImportLimits | None = None,
) -> list[Release]:
    """Detect a file's format and read it into releases (nothing is stored).

    The size limits (:mod:`~smallboats.data.importers.limits`) are checked before the file is parsed.
    """
    path = Path(path)
    if not path.is_file():
        raise DataError(str(path), "path", "no such file")
    with path.open("rb") as f:
        head = f.read(4096)
    if not head:
        raise DataError(str(path), "whole file", "the file is empty")
    check_limits(path, head, limits or ImportLimits())
    # imported here: the readers need pandas, which a command that only asks for --help should not load
    from smallboats.data.importers import csv_layouts, govuk_last7, ho_workbook

    for fmt in (ho_workbook, govuk_last7, csv_layouts):
        if fmt.sniff(path, head):
            if fmt is csv_layouts:
                return fmt.read(path, release_date=release_date, source=source)
            return fmt.read(path, release_date=release_date)
    raise DataError(str(path), "whole file", f"not a format smallboats reads ({FORMAT_NAMES})")
