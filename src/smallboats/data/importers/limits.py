"""Size limits checked before an importer reads a file: bounded memory whatever the file holds.

Three limits, each overridable on ``smallboats data import`` (``--max-bytes``,
``--max-decompressed-bytes``, ``--max-cells``):

* the file's own size, read from the file system before a byte is parsed;
* its decompressed size: a ``.gz`` file is streamed through the decompressor with a cap, and the
  zip inside an ODS or XLSX workbook is checked twice, first by the member sizes its directory
  declares (nothing is inflated), then by streaming each member with the same cap, so that a
  directory that lies cannot get past it;
* a CSV's cell count, its lines times its header's columns (a CSV reader builds one object a cell);
* a workbook's cell count: the sheets' XML is streamed and, for each sheet, the rectangle from the
  first cell to the last non-empty one is counted, with repeated rows and columns multiplied out,
  because that rectangle is what the spreadsheet reader builds in memory. Empty cells repeated to
  the sheet's edge, which LibreOffice writes into every ODS, are not counted.

The defaults are assumptions, set well above what any official file smallboats reads needs (the
largest, the Home Office detailed dataset workbook of the Irr_D01 series, is about a megabyte on
disk and under twenty once decompressed) and well below what would strain a laptop.
"""

from __future__ import annotations

import gzip
import re
import struct
import zipfile
import zlib
from dataclasses import dataclass
from pathlib import Path
from xml.etree.ElementTree import ParseError, iterparse

from smallboats.errors import DataError

MIB = 1 << 20

# Assumption: no official file smallboats reads comes near these; see the module docstring.
MAX_FILE_BYTES = 32 * MIB
MAX_DECOMPRESSED_BYTES = 64 * MIB
MAX_CELLS = 2_000_000

_CHUNK = 1 << 16
_ODS_TABLE = "{urn:oasis:names:tc:opendocument:xmlns:table:1.0}"
_ODS_OFFICE = "{urn:oasis:names:tc:opendocument:xmlns:office:1.0}"
_XLSX_CELL_TAG = re.compile(rb'<c\s[^>]{0,64}?\br="([A-Z]{1,3})(\d{1,7})"')


@dataclass(frozen=True)
class ImportLimits:
    """The limits an import is held to (bytes and cells)."""

    max_bytes: int = MAX_FILE_BYTES
    max_decompressed_bytes: int = MAX_DECOMPRESSED_BYTES
    max_cells: int = MAX_CELLS


def check_limits(path: Path, head: bytes, limits: ImportLimits) -> None:
    """Refuse a file past a limit, naming the file, the limit and the option that raises it."""
    file = str(path)
    size = path.stat().st_size
    if size > limits.max_bytes:
        raise DataError(
            file,
            "whole file",
            f"is {size:,} bytes, above the import limit of {limits.max_bytes:,} bytes (raise it with --max-bytes)",
        )
    if head[:2] == b"\x1f\x8b":
        _check_gzip(path, limits)
    elif head[:2] == b"PK":
        _check_zip(path, limits)
    elif b"<" not in head[:200]:
        with path.open("rb") as f:
            _check_text_cells(file, f, limits)


def _too_big(file: str, where: str, limits: ImportLimits) -> DataError:
    return DataError(
        file,
        where,
        f"decompresses to more than {limits.max_decompressed_bytes:,} bytes, above the import limit "
        "(raise it with --max-decompressed-bytes)",
    )


def _check_gzip(path: Path, limits: ImportLimits) -> None:
    try:
        with gzip.open(path, "rb") as f:
            _check_text_cells(str(path), f, limits)
    except (OSError, EOFError, zlib.error) as e:
        raise DataError(str(path), "whole file", f"is not a readable gzip file (truncated or corrupt?): {e}") from None


def _check_text_cells(file: str, f, limits: ImportLimits) -> None:
    """Stream a text (CSV) file with the decompressed-size cap, and bound its lines x header columns.

    A CSV reader builds one object per cell, so a file of commas and newlines costs far more
    memory than its size; lines are counted as rows (a quoted newline counts twice, which errs
    on the safe side) and the header's commas as columns.
    """
    total, lines, columns = 0, 0, 0
    while chunk := f.read(_CHUNK):
        if not total:
            columns = chunk.split(b"\n", 1)[0].count(b",") + 1
        total += len(chunk)
        lines += chunk.count(b"\n")
        if total > limits.max_decompressed_bytes:
            raise _too_big(file, "whole file", limits)
    cells = (lines + 1) * columns
    if cells > limits.max_cells:
        raise DataError(
            file,
            "whole file",
            f"spans {cells:,} cells ({lines + 1:,} lines of {columns:,} columns), above the import limit of "
            f"{limits.max_cells:,} (raise it with --max-cells)",
        )


class _MemberReader:
    """A file-like view of one zip member, inflated from its raw bytes with a cap.

    Python's own zip reader stops at the size the member declares, while other readers inflate
    the whole stream; so the stream is inflated here, whatever the declaration says, and a member
    that holds more or less than it declares is refused.
    """

    def __init__(self, f, info: zipfile.ZipInfo, file: str, limits: ImportLimits, used: list[int]):
        self.f, self.info, self.file, self.limits, self.used = f, info, file, limits, used
        f.seek(info.header_offset)
        header = f.read(30)
        if len(header) < 30 or header[:4] != b"PK\x03\x04":
            raise zipfile.BadZipFile(f"no local header for {info.filename}")
        name_len, extra_len = struct.unpack("<HH", header[26:30])
        f.seek(info.header_offset + 30 + name_len + extra_len)
        self.left = info.compress_size
        if info.compress_type == zipfile.ZIP_DEFLATED:
            self.inflate = zlib.decompressobj(-15)
        elif info.compress_type == zipfile.ZIP_STORED:
            self.inflate = None
        else:
            raise DataError(file, f"zip member {info.filename}", "uses a compression method workbooks do not use")
        self.pending, self.produced = b"", 0

    def _more(self) -> bytes:
        if self.inflate is not None and self.pending:
            data = self.inflate.decompress(self.pending, _CHUNK)
            self.pending = self.inflate.unconsumed_tail
            return data
        if self.left <= 0:
            return b""
        raw = self.f.read(min(_CHUNK, self.left))
        if not raw:
            raise EOFError(f"zip member {self.info.filename} is cut short")
        self.left -= len(raw)
        if self.inflate is None:
            return raw
        self.pending = raw
        return self._more()

    def read(self, n: int = _CHUNK) -> bytes:
        data = self._more()
        while not data and (self.left > 0 or self.pending):
            data = self._more()
        self.produced += len(data)
        self.used[0] += len(data)
        if self.used[0] > self.limits.max_decompressed_bytes:
            raise _too_big(self.file, f"zip member {self.info.filename}", self.limits)
        if self.produced > self.info.file_size or (not data and self.produced != self.info.file_size):
            raise DataError(
                self.file,
                f"zip member {self.info.filename}",
                f"holds {'more' if self.produced > self.info.file_size else 'less'} than the "
                f"{self.info.file_size:,} bytes its zip directory declares: a malformed or tampered file",
            )
        return data


def _check_zip(path: Path, limits: ImportLimits) -> None:
    file = str(path)
    try:
        with zipfile.ZipFile(path) as z, path.open("rb") as f:
            members = z.infolist()
            declared = sum(m.file_size for m in members)
            if declared > limits.max_decompressed_bytes:
                biggest = max(members, key=lambda m: m.file_size)
                raise _too_big(file, f"zip member {biggest.filename} (sizes declared in the zip)", limits)
            used = [0]
            for m in members:
                stream = _MemberReader(f, m, file, limits, used)
                if m.filename == "content.xml":
                    _check_cells(file, m.filename, stream, _ods_extent, limits)
                elif m.filename.startswith("xl/worksheets/") and m.filename.endswith(".xml"):
                    _check_cells(file, m.filename, stream, _xlsx_extent, limits)
                while stream.read(_CHUNK):  # the rest of the member (all of it, for other members)
                    pass
    except DataError:
        raise
    except (zipfile.BadZipFile, OSError, EOFError, zlib.error, NotImplementedError, ValueError) as e:
        raise DataError(file, "whole file", f"cannot be read as a workbook (truncated or corrupt?): {e}") from None


def _check_cells(file: str, member: str, stream, extent, limits: ImportLimits) -> None:
    try:
        for sheet, cells in extent(stream):
            if cells > limits.max_cells:
                raise DataError(
                    file,
                    f"sheet {sheet}" if sheet else f"zip member {member}",
                    f"spans {cells:,} cells, above the import limit of {limits.max_cells:,} "
                    "(raise it with --max-cells)",
                )
    except ParseError as e:
        raise DataError(file, f"zip member {member}", f"is not well-formed XML (truncated or corrupt?): {e}") from None


def _ods_extent(stream):
    """Yield (sheet name, cells in the rectangle up to its last non-empty cell) for each ODS table.

    Rows are handled and cleared one at a time, so memory stays bounded by one row.
    """
    name, row_at, last_row, last_col = "?", 0, 0, 0
    for event, el in iterparse(stream, events=("start", "end")):
        if event == "start":
            if el.tag == f"{_ODS_TABLE}table":
                name, row_at, last_row, last_col = el.get(f"{_ODS_TABLE}name", "?"), 0, 0, 0
            continue
        if el.tag == f"{_ODS_TABLE}table-row":
            n_rows = int(el.get(f"{_ODS_TABLE}number-rows-repeated", "1"))
            col_at, row_last_col = 0, 0
            for cell in el:
                n_cols = int(cell.get(f"{_ODS_TABLE}number-columns-repeated", "1"))
                if cell.get(f"{_ODS_OFFICE}value-type") is not None or len(cell):
                    row_last_col = col_at + n_cols
                col_at += n_cols
            if row_last_col:
                last_row, last_col = row_at + n_rows, max(last_col, row_last_col)
            row_at += n_rows
            el.clear()
        elif el.tag == f"{_ODS_TABLE}table":
            yield name, last_row * last_col
            el.clear()


def _xlsx_extent(stream):
    """Yield (None, cells in the rectangle up to its last cell) for one XLSX worksheet (named by its member).

    The cell references (``<c r="B46"``) are found by a pattern over the streamed bytes rather than
    by an XML parser: a worksheet is flat, and a pattern is several times faster on the large ones.
    """
    last_row, last_col, tail = 0, 0, b""
    while chunk := stream.read(_CHUNK):
        text = tail + chunk
        for m in _XLSX_CELL_TAG.finditer(text):
            col = 0
            for ch in m.group(1):
                col = col * 26 + ch - 64
            last_row, last_col = max(last_row, int(m.group(2))), max(last_col, col)
        tail = text[-32:]
    yield None, last_row * last_col
