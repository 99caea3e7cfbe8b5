"""The data face's bad-input corpus (issue 16): every case exits 2, names the file and the rule, leaves the store.

Each case makes its bad file (or argument) at run time, from scratch or by changing one thing in a
real official file. The assertions are the same for all: exit code 2, one ``error:`` line, no
traceback, the message naming the file (or option) and the rule broken, and the store file
byte-identical afterwards.
"""

from __future__ import annotations

import datetime as dt
import gzip
import hashlib
import re
import struct
import zipfile
import zlib
from collections.abc import Callable
from pathlib import Path

import pytest

from smallboats.data.importers.limits import MAX_CELLS, MAX_DECOMPRESSED_BYTES, MAX_FILE_BYTES, MIB
from smallboats.data.validate import DAILY_CEILING

HEADER = "date,migrants_arrived,boats_arrived\n"
WEEKLY = "week_ending,migrants_arrived,boats_arrived\n"
TIDY = "series,period_start,period_end,value,publisher,title,release_date,url\n"
NEW_ODS = "home_office_small_boats_thenational/data_small_boats_time_series.ods"
DERIVED = "derived/small_boats_daily_2018-01-01_to_2026-08-20.csv"
FUTURE = (dt.date.today() + dt.timedelta(days=3)).isoformat()


def _days(n: int, people: int = 5, boats: int = 1, start: dt.date = dt.date(2025, 1, 1)) -> list[str]:
    return [f"{start + dt.timedelta(days=i)},{people},{boats}\n" for i in range(n)]


def _csv(text: str, name: str = "bad.csv", args: tuple = ()):
    def make(tmp: Path, shared: Callable[[], Path]):
        f = tmp / name
        f.write_text(text)
        return f, args

    return make


def _gzip_bomb(tmp, shared):
    """A gzip file of a few hundred kilobytes that inflates past the decompressed-size limit."""
    f = tmp / "bomb.csv.gz"
    zeros = b"0" * MIB
    with gzip.open(f, "wb", compresslevel=9) as g:
        g.write(HEADER.encode())
        for _ in range(MAX_DECOMPRESSED_BYTES // MIB + 1):
            g.write(zeros)
    return f, ()


def _truncated_gzip(tmp, shared):
    f = tmp / "cut.csv.gz"
    data = gzip.compress(("".join([HEADER, *_days(2000)])).encode())
    f.write_bytes(data[: len(data) // 2])
    return f, ()


def _oversize(tmp, shared):
    """A file past the default size limit (sparse, so it costs no disk)."""
    f = tmp / "huge.csv"
    with f.open("wb") as h:
        h.write(HEADER.encode())
        h.truncate(MAX_FILE_BYTES + 1)
    return f, ()


def _ods_with(tmp, shared, name: str, edit: Callable[[str], str]):
    """The official workbook with its content.xml changed by ``edit``."""
    src = shared() / NEW_ODS
    f = tmp / name
    with zipfile.ZipFile(src) as zin, zipfile.ZipFile(f, "w", zipfile.ZIP_DEFLATED) as zout:
        for item in zin.infolist():
            data = zin.read(item)
            if item.filename == "content.xml":
                data = edit(data.decode()).encode()
            zout.writestr(item, data, compress_type=zipfile.ZIP_STORED if item.filename == "mimetype" else None)
    return f


def _ods_repeated_cells(tmp, shared):
    """A million rows of a hundred filled cells each, written as one repeated row (a few bytes)."""
    row = (
        '<table:table-row table:number-rows-repeated="1000000"><table:table-cell table:number-columns-repeated="100"'
        ' office:value-type="float" office:value="1"><text:p>1</text:p></table:table-cell></table:table-row>'
    )

    def edit(xml: str) -> str:
        i = xml.index("</table:table>")
        return xml[:i] + row + xml[i:]

    return _ods_with(tmp, shared, "repeated.ods", edit), ()


def _ods_huge_comment(tmp, shared):
    """A minimal ODS whose content.xml holds a comment larger than the decompressed-size limit."""
    f = tmp / "comment.ods"
    with zipfile.ZipFile(f, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("mimetype", "application/vnd.oasis.opendocument.spreadsheet", compress_type=zipfile.ZIP_STORED)
        with z.open("content.xml", "w", force_zip64=True) as m:
            m.write(b"<office:document-content><office:annotation><text:p>")
            block = b"a" * MIB
            for _ in range(MAX_DECOMPRESSED_BYTES // MIB + 1):
                m.write(block)
            m.write(b"</text:p></office:annotation></office:document-content>")
    return f, ()


def _zip_that_lies(tmp, shared):
    """An ODS whose zip directory declares a small content.xml that inflates to far more."""
    content = b"<office:document-content>" + b"a" * MIB + b"</office:document-content>"
    f = tmp / "liar.ods"
    with zipfile.ZipFile(f, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("mimetype", "application/vnd.oasis.opendocument.spreadsheet", compress_type=zipfile.ZIP_STORED)
        z.writestr("content.xml", content)
    data = bytearray(f.read_bytes())
    crc, size = zlib.crc32(content[:100]), 100
    local = data.index(b"PK\x03\x04content.xml"[:4], data.index(b"content.xml") - 30)
    struct.pack_into("<I", data, local + 14, crc)
    struct.pack_into("<I", data, local + 22, size)
    central = data.rindex(b"PK\x01\x02")
    struct.pack_into("<I", data, central + 16, crc)
    struct.pack_into("<I", data, central + 24, size)
    f.write_bytes(bytes(data))
    return f, ()


def _ods_truncated(tmp, shared):
    data = (shared() / NEW_ODS).read_bytes()
    f = tmp / "truncated.ods"
    f.write_bytes(data[: len(data) // 2])
    return f, ()


def _ods_swapped_dates(tmp, shared):
    """Two days of SB_01 swapped: the figures would move silently if the rows were sorted."""

    def edit(xml: str) -> str:
        a, b = "2022-09-03", "2022-09-04"
        return xml.replace(a, "SWAP").replace(b, a).replace("SWAP", b)

    return _ods_with(tmp, shared, "swapped.ods", edit), ()


def _ods_release_date_before(tmp, shared):
    return shared() / NEW_ODS, ("--release-date", "2020-01-01")


def _xlsx_far_cell(tmp, shared):
    """A workbook with one cell in the far corner: the reader would build the whole rectangle."""
    openpyxl = pytest.importorskip("openpyxl")
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "SB_01"
    ws["A1"] = "Date"
    ws["XFD1048576"] = 1
    f = tmp / "far.xlsx"
    wb.save(f)
    return f, ()


def _republication_with_a_change(tmp, shared):
    """The derived CSV of the stored release of 21 August 2026 with one figure changed."""
    text = (shared() / DERIVED).read_text()
    assert "\n2022-09-03,1305," in text
    f = tmp / "changed.csv"
    f.write_text(text.replace("\n2022-09-03,1305,", "\n2022-09-03,1306,"))
    return f, ()


def _corrupt_zip(tmp, shared):
    f = tmp / "corrupt.ods"
    f.write_bytes(b"PK\x03\x04" + bytes(range(256)) * 20)
    return f, ()


def _missing(tmp, shared):
    return tmp / "nope.csv", ()


def _html(rows: str) -> str:
    head = "<th>Date</th><th>Migrants arrived</th><th>Boats arrived</th><th>Notes</th>"
    return f"<!DOCTYPE html><html><body><table><tr>{head}</tr>{rows}</table></body></html>"


# name -> (maker, words the message must hold: the place and the rule)
CASES: dict[str, tuple[Callable, tuple[str, ...]]] = {
    "inf": (_csv(HEADER + "2025-01-01,inf,1\n"), ("line 2, column migrants_arrived", "not a finite number")),
    "1e400": (_csv(HEADER + "2025-01-01,1e400,1\n"), ("line 2, column migrants_arrived", "not a finite number")),
    "minus_inf_boats": (_csv(HEADER + "2025-01-01,5,-inf\n"), ("column boats_arrived", "not a finite number")),
    "nan": (_csv(HEADER + "2025-01-01,nan,1\n"), ("line 2, column migrants_arrived", "not a number")),
    "10^18": (_csv(HEADER + "2025-01-01,1000000000000000000,1\n"), ("line 2", "more than the UK's population")),
    "above_daily_ceiling": (
        _csv(HEADER + "".join(_days(2)) + f"2025-01-03,{DAILY_CEILING + 1},3\n"),
        ("line 4, column migrants_arrived", "above the ceiling"),
    ),
    "above_weekly_ceiling": (
        _csv(WEEKLY + f"2025-01-05,{7 * DAILY_CEILING + 1},30\n"),
        ("line 2, column migrants_arrived", "above the ceiling"),
    ),
    "header_only": (_csv(HEADER), ("line 2", "header", "no rows")),
    "header_only_tidy": (_csv(TIDY), ("line 2", "no rows")),
    "swapped_dates": (
        _csv(HEADER + "2025-01-01,5,1\n2025-01-03,6,1\n2025-01-02,7,1\n2025-01-04,8,1\n"),
        ("line 4", "must be in order"),
    ),
    "swapped_newest_first": (
        _csv(HEADER + "2025-01-04,5,1\n2025-01-02,6,1\n2025-01-03,7,1\n"),
        ("line 4", "newest first", "must be in order"),
    ),
    "duplicated_date": (_csv(HEADER + "2025-01-01,5,1\n2025-01-01,6,1\n"), ("line 3", "appears twice")),
    "future_date": (_csv(HEADER + f"2025-01-01,5,1\n{FUTURE},6,1\n"), ("line 3", "in the future")),
    "release_date_before_newest_figure": (
        _csv(HEADER + "".join(_days(3)), args=("--release-date", "2024-12-31")),
        ("release date", "before the newest figure"),
    ),
    "future_release_date": (
        _csv(HEADER + "".join(_days(3)), args=("--release-date", FUTURE)),
        ("release date", "in the future"),
    ),
    "wrong_columns": (_csv("day,people,boats\n2025-01-01,5,1\n"), ("line 1 (header)", "match no layout")),
    "negative": (_csv(HEADER + "2025-01-01,5,1\n2025-01-02,-3,0\n"), ("line 3", "negative")),
    "fraction": (_csv(HEADER + "2025-01-01,5.5,1\n"), ("line 2", "not a whole number")),
    "not_a_number": (_csv(HEADER + "2025-01-01,five,1\n"), ("line 2", "not a number")),
    "boats_above_people": (_csv(HEADER + "2025-01-01,5,1\n2025-01-02,2,3\n"), ("line 3", "cannot exceed people")),
    "bad_date": (_csv(HEADER + "2025-13-45,5,1\n"), ("line 2, column date", "does not parse")),
    "empty_count": (_csv(HEADER + "2025-01-01,,1\n"), ("line 2", "is empty")),
    "empty_file": (_csv(""), ("whole file", "empty")),
    "missing_file": (_missing, ("path", "no such file")),
    "tidy_inf": (
        _csv(TIDY + "sb_people,2025-01-01,2025-01-01,inf,Home Office,T,2025-02-01,https://example.org\n"),
        ("line 2", "not a finite number"),
    ),
    "tidy_unknown_series": (
        _csv(TIDY + "sb_peeple,2025-01-01,2025-01-01,5,Home Office,T,2025-02-01,https://example.org\n"),
        ("line 2", "unknown series"),
    ),
    "tidy_percent_above_100": (
        _csv(
            TIDY + "exit_checks_unmatched_pct,2019-04-01,2020-03-31,140,Home Office,T,2020-08-27,https://example.org\n"
        ),
        ("line 2", "above 100"),
    ),
    "html_bad_cell": (
        _csv(_html("<tr><th>1 August 2025</th><td>12</td><td>n/a</td><td></td></tr>"), name="last7.html"),
        ("table row 2", "not a number"),
    ),
    "html_no_table": (_csv("<!DOCTYPE html><html><body><p>none</p></body></html>", name="page.html"), ("no table",)),
    "oversize": (_oversize, ("whole file", "above the import limit", "--max-bytes")),
    "oversize_by_option": (
        _csv(HEADER + "".join(_days(50)), args=("--max-bytes", "100")),
        ("above the import limit", "--max-bytes"),
    ),
    "csv_of_commas": (
        _csv("a" + "," * 999 + "\n" + ("," * 999 + "\n") * 2500),
        ("whole file", "spans 2,502,000 cells", "--max-cells"),
    ),
    "csv_cells_by_option": (_csv(HEADER + "".join(_days(50)), args=("--max-cells", "100")), ("--max-cells",)),
    "gzip_bomb": (_gzip_bomb, ("decompresses to more than", "--max-decompressed-bytes")),
    "truncated_gzip": (_truncated_gzip, ("not a readable gzip file",)),
    "ods_repeated_cells": (_ods_repeated_cells, ("sheet Cover_sheet", "cells, above the import limit", "--max-cells")),
    "ods_huge_comment": (_ods_huge_comment, ("zip member content.xml", "decompresses to more than")),
    "zip_that_lies_about_its_size": (_zip_that_lies, ("zip member content.xml", "holds more than the 100 bytes")),
    "ods_truncated": (_ods_truncated, ("cannot be read as a workbook",)),
    "ods_swapped_dates": (_ods_swapped_dates, ("SB_01!B1709", "2022-09-03 follows 2022-09-04", "must be in order")),
    "ods_release_date_before_newest_figure": (
        _ods_release_date_before,
        ("release date", "2020-01-01 is before the newest figure", "SB_"),
    ),
    "ods_cells_by_option": (
        lambda tmp, shared: (shared() / NEW_ODS, ("--max-cells", "1000")),
        ("sheet SB_01", "above the import limit"),
    ),
    "xlsx_far_cell": (_xlsx_far_cell, ("zip member xl/worksheets/sheet1.xml", "cells, above the import limit")),
    "corrupt_zip": (_corrupt_zip, ("cannot be read as a workbook",)),
    "republication_with_a_change": (
        _republication_with_a_change,
        ("line 1708, column migrants_arrived", "already stored", "sb_people for 2022-09-03 is 1,306", "1,305"),
    ),
}


def _digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


@pytest.mark.parametrize("name", sorted(CASES))
def test_bad_import_exits_2_names_file_and_rule_and_changes_nothing(name, tmp_path, home, cli, request):
    maker, words = CASES[name]
    f, args = maker(tmp_path, lambda: request.getfixturevalue("shared_data"))
    before = _digest(home / "smallboats.duckdb")
    r = cli("data", "import", f, *args)
    msg = " ".join(r.err.split())
    assert r.code == 2, (r.code, msg)
    assert "Traceback" not in r.err + r.out
    assert msg.count("error:") == 1, msg
    assert Path(f).name in msg, msg
    for w in words:
        assert w in msg, (w, msg)
    assert _digest(home / "smallboats.duckdb") == before


# --- bad arguments to the other data commands ----------------------------------------------------

ARG_CASES: dict[str, tuple[tuple[str, ...], tuple[str, ...]]] = {
    "revisions_old_nonsense": (("data", "revisions", "--old", "nonsense"), ("no release 'nonsense'", "releases held")),
    "revisions_new_nonsense": (("data", "revisions", "--new", "nonsense"), ("no release 'nonsense'",)),
    "revisions_unknown_dataset": (("data", "revisions", "--dataset", "nope"), ("0 release(s) of nope",)),
    "revisions_oldest_has_no_older": (
        ("data", "revisions", "--new", "ho-small-boats-timeseries@2025-12-12"),
        ("no release of ho-small-boats-timeseries older than",),
    ),
    "export_as_of_nonsense": (
        ("data", "export", "--as-of-release", "nonsense", "--out", "{tmp}/x.csv"),
        ("no release 'nonsense'", "releases held"),
    ),
    "export_existing_out": (("data", "export", "--out", "{existing}"), ("exists", "--overwrite")),
    "export_out_is_a_folder": (("data", "export", "--out", "{tmp}", "--overwrite"), ("is a folder",)),
    "export_unwritable_out": (
        ("data", "export", "--out", "{existing}/inside.csv"),
        ("cannot be written",),
    ),
    "export_bad_format": (("data", "export", "--out", "{tmp}/x.xls", "--format", "xls"), ("csv or parquet",)),
    "import_bad_release_date": (("data", "import", "{existing}", "--release-date", "soon"), ("--release-date",)),
}


@pytest.mark.parametrize("name", sorted(ARG_CASES))
def test_bad_data_arguments_exit_2_with_one_message(name, tmp_path, home, cli):
    args, words = ARG_CASES[name]
    existing = tmp_path / "existing.csv"
    existing.write_text(HEADER + "".join(_days(3)))
    args = [a.format(tmp=tmp_path, existing=existing) for a in args]
    before = _digest(home / "smallboats.duckdb")
    r = cli(*args)
    msg = " ".join(r.err.split())
    assert r.code == 2, (r.code, msg)
    assert "Traceback" not in r.err + r.out and msg.count("error:") == 1, msg
    for w in words:
        assert w in msg, (w, msg)
    assert existing.read_text() == HEADER + "".join(_days(3))  # an existing --out is never overwritten
    assert not list(tmp_path.glob(".*.part"))
    assert _digest(home / "smallboats.duckdb") == before


@pytest.mark.parametrize("cut", [0.5, 0.05])
def test_truncated_store_is_a_message_not_a_traceback(cut, home, cli):
    data = (home / "smallboats.duckdb").read_bytes()
    (home / "smallboats.duckdb").write_bytes(data[: int(len(data) * cut)])
    for args in (("data", "status"), ("data", "revisions"), ("query", "so-far", "--date", "2025-07-10")):
        r = cli(*args)
        msg = " ".join(r.err.split())
        assert r.code == 2 and "Traceback" not in msg, (args, msg)
        assert "smallboats.duckdb" in msg and "damaged or cut short" in msg, msg


def test_a_folder_or_an_empty_file_as_the_store(tmp_path, cli):
    (tmp_path / "folder.duckdb").mkdir()
    (tmp_path / "empty.duckdb").write_bytes(b"")
    for store, words in (("folder.duckdb", "is a folder"), ("empty.duckdb", "damaged or cut short")):
        r = cli("data", "status", "--store", tmp_path / store)
        msg = " ".join(r.err.split())
        assert r.code == 2 and store in msg and words in msg, msg


def test_limits_admit_every_official_file(shared_data):
    """The default limits sit well above the official files and the bundle: each passes with room to spare."""
    from smallboats.data.bundle import bundled_path
    from smallboats.data.importers.limits import ImportLimits, check_limits

    tight = ImportLimits(MAX_FILE_BYTES // 8, MAX_DECOMPRESSED_BYTES // 2, MAX_CELLS // 8)
    files = [f for ext in ("ods", "xlsx", "csv") for f in sorted(shared_data.rglob(f"*.{ext}"))]
    assert len(files) > 20
    for f in [*files, bundled_path()]:
        check_limits(f, f.read_bytes()[:200], tight)


def test_daily_ceiling_is_a_few_times_the_record_day(shared_data):
    """The ceiling's stated basis: between three and five times the record day in the official series."""
    import pandas as pd

    daily = pd.read_csv(shared_data / DERIVED)
    record = daily.migrants_arrived.max()
    day = daily.loc[daily.migrants_arrived.idxmax(), "date"]
    assert day == "2022-09-03"  # the date the comment beside DAILY_CEILING names
    assert 3 * record <= DAILY_CEILING <= 5 * record, record


def test_message_names_the_process_holding_the_lock():
    from smallboats.data.store import lock_holder

    text = 'IO Error: Could not set lock on file "x": Conflicting lock is held in /usr/bin/python3 (PID 1). See'
    assert re.fullmatch(r"process 1( \(.+\))?", lock_holder(text))
    assert lock_holder("no pid here") == "another process"
