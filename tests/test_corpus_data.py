"""The bad-input corpus (issue 16), run by one parametrised test: every case is refused with a message.

The corpus: bad import files, bad arguments to the data commands, bad scenario files, bad options
to every other command, and bad API requests. Each case makes its bad file (or argument) at run
time, from scratch or by changing one thing in a real official file. The assertions are the same
for all: exit code 2 (HTTP 4xx for the API), never 1, one message, no traceback, the message
naming the file, key or option and the rule broken, the store file byte-identical afterwards and
no file written or changed.
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
    "missing_column": (_csv("date,migrants_arrived\n2025-01-01,5\n"), ("line 1 (header)", "match no layout")),
    "tidy_no_source": (
        _csv("series,period_start,period_end,value\nsb_people,2025-01-01,2025-01-01,5\n"),
        ("line 1 (header)", "needs columns publisher"),
    ),
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


# scenario file text -> (the key the error names, the rule it states)
MONTHS = ", ".join(["1"] * 11)
PROBS = ", ".join(["0.2"] * 11)

BAD_SCENARIOS = {
    "seasonal NaN": (f"[crossings]\nseasonal = [nan, {MONTHS}]\n", "crossings.seasonal.0", "finite number"),
    "seasonal inf": (f"[crossings]\nseasonal = [{MONTHS}, inf]\n", "crossings.seasonal.11", "finite number"),
    "seasonal -5": (f"[crossings]\nseasonal = [-5, {MONTHS}]\n", "crossings.seasonal.0", "greater than 0"),
    "range NaN": ("[crossings]\np_prevent = { low = nan, high = 0.3 }\n", "crossings.p_prevent.low", "finite"),
    "range inf": ("[scheme]\np_exempt = { low = 0.1, high = inf }\n", "scheme.p_exempt.high", "finite"),
    "probability 2": (
        f"[crossings]\np_cross_after_calm = [2, {PROBS}]\n",
        "p_cross_after_calm.0",
        "less than or equal to 1",
    ),
    "probability -1": (
        f"[crossings]\np_cross_after_calm = [{PROBS}, -1]\n",
        "p_cross_after_calm.11",
        "greater than or equal to 0",
    ),
    "path -1000": (
        '[scheme.quota]\nkind = "path"\nper_week = [50, -1000]\n',
        "scheme.quota.per_week.1",
        "greater than or equal to 0",
    ),
    "path NaN": ('[scheme.quota]\nkind = "path"\nper_week = [nan]\n', "scheme.quota.per_week.0", "finite"),
    "path inf": ('[scheme.quota]\nkind = "path"\nper_week = [inf]\n', "scheme.quota.per_week.0", "finite"),
    "path 1e300": ('[scheme.quota]\nkind = "path"\nper_week = [1e300]\n', "scheme.quota.per_week.0", "10000"),
    "stepped -20": (
        '[scheme.quota]\nkind = "stepped"\nsteps = [[2025-08-06, 50], [2025-10-01, -20]]\n',
        "scheme.quota.steps.1.1",
        "greater than or equal to 0",
    ),
    "count inf": ("[scheme]\ndetention_places = inf\n", "scheme.detention_places", "finite"),
    "count 1e400": (
        "[crossings]\ninflow_per_day = { low = 1e400, high = 1e400 }\n",
        "crossings.inflow_per_day",
        "finite",
    ),
    "years NaN": ("years = nan\n", "years", "finite"),
}


CLAIM = ("--id", "x-01", "--text", "t", "--stated", "5", "--comparison", "at-least")
# bad options to every command: args ({tmp}, {existing} an existing file, {unwritable} a path under
# a file, {grid} a small sweep grid) -> words the message must hold: the option (or file) and the rule
OPTION_CASES: dict[str, tuple[tuple[str, ...], tuple[str, ...]]] = {
    # report
    "report_as_of_nonsense": (
        ("report", "--as-of-release", "nonsense", "--out", "{tmp}/r"),
        ("nonsense", "releases held"),
    ),
    "report_out_existing_file": (("report", "--out", "{existing}"), ("--out", "is a file")),
    "report_out_unwritable": (("report", "--out", "{unwritable}"), ("--out", "cannot make")),
    # simulate
    "simulate_seed_-1": (("simulate", "pilot-50", "--seed", "-1"), ("--seed",)),
    "simulate_runs_0": (("simulate", "pilot-50", "--runs", "0"), ("--runs",)),
    "simulate_runs_past_cap": (("simulate", "pilot-50", "--runs", "100001"), ("--runs",)),
    "simulate_years_0": (("simulate", "pilot-50", "--years", "0"), ("--years",)),
    "simulate_years_nan": (("simulate", "pilot-50", "--years", "nan"), ("--years",)),
    "simulate_threads_-1": (("simulate", "pilot-50", "--threads", "-1"), ("--threads",)),
    "simulate_out_existing": (
        ("simulate", "pilot-50", "--runs", "10", "--years", "0.1", "--out", "{existing}"),
        ("existing.csv", "already exists"),
    ),
    "simulate_out_unwritable": (
        ("simulate", "pilot-50", "--runs", "10", "--years", "0.1", "--out", "{unwritable}"),
        ("inside", "cannot"),
    ),
    "simulate_rerun_not_a_manifest": (("simulate", "--rerun", "{existing}"), ("existing.csv",)),
    "simulate_rerun_missing": (("simulate", "--rerun", "{tmp}/missing.json"), ("missing.json",)),
    "simulate_unknown_preset": (("simulate", "no-such-preset"), ("no-such-preset",)),
    "simulate_as_of_nonsense": (("simulate", "pilot-50", "--as-of-release", "nonsense"), ("nonsense",)),
    "simulate_no_scenario": (("simulate",), ("scenario",)),
    # threshold
    "threshold_grid_nan": (("threshold", "--grid", "nan"), ("--grid", "nan")),
    "threshold_grid_empty": (("threshold", "--grid", ""), ("--grid",)),
    "threshold_grid_word": (("threshold", "--grid", "50,abc"), ("--grid", "abc")),
    "threshold_grid_negative": (("threshold", "--grid", "-5"), ("--grid",)),
    "threshold_quota_nan": (("threshold", "--quota", "nan"), ("--quota",)),
    "threshold_target_2": (("threshold", "--target", "2"), ("--target",)),
    "threshold_probability_0": (("threshold", "--probability", "0"), ("--probability",)),
    "threshold_seed_-1": (("threshold", "--seed", "-1"), ("--seed",)),
    "threshold_dask_nonsense": (("threshold", "--dask", "nonsense"), ("--dask",)),
    "threshold_workers_0": (("threshold", "--workers", "0"), ("--workers",)),
    "threshold_unknown_scenario": (("threshold", "--scenario", "no-such-preset"), ("no-such-preset",)),
    # sweep
    "sweep_spec_missing": (("sweep", "{tmp}/missing.toml", "--out", "{tmp}/o"), ("missing.toml",)),
    "sweep_spec_not_toml": (("sweep", "{existing}", "--out", "{tmp}/o"), ("existing.csv",)),
    "sweep_chunk_runs_0": (("sweep", "{grid}", "--out", "{tmp}/o", "--chunk-runs", "0"), ("--chunk-runs",)),
    "sweep_seed_-1": (("sweep", "{grid}", "--out", "{tmp}/o", "--seed", "-1"), ("--seed",)),
    "sweep_runs_0": (("sweep", "{grid}", "--out", "{tmp}/o", "--runs", "0"), ("--runs",)),
    "sweep_out_existing": (
        ("sweep", "{grid}", "--out", "{existing}", "--runs", "10", "--years", "0.1"),
        ("existing.csv",),
    ),
    "sweep_out_unwritable": (
        ("sweep", "{grid}", "--out", "{unwritable}", "--runs", "10", "--years", "0.1"),
        ("inside",),
    ),
    # sensitivity
    "sensitivity_n_0": (("sensitivity", "pilot-50", "--n", "0"), ("--n",)),
    "sensitivity_seed_-1": (("sensitivity", "pilot-50", "--seed", "-1"), ("--seed",)),
    "sensitivity_quota_scale_nan": (("sensitivity", "pilot-50", "--quota-scale", "nan"), ("--quota-scale",)),
    "sensitivity_chart_existing": (("sensitivity", "pilot-50", "--n", "8", "--chart", "{existing}"), ("existing.csv",)),
    "sensitivity_chart_unwritable": (("sensitivity", "pilot-50", "--n", "8", "--chart", "{unwritable}"), ("inside",)),
    "sensitivity_unknown_scenario": (("sensitivity", "no-such-preset"), ("no-such-preset",)),
    # serve (each refused before a server starts)
    "serve_port_0": (("serve", "--port", "0"), ("--port",)),
    "serve_port_70000": (("serve", "--port", "70000"), ("--port",)),
    "serve_workers_0": (("serve", "--workers", "0"), ("--workers",)),
    "serve_max_runs_0": (("serve", "--max-runs", "0"), ("--max-runs",)),
    "serve_budget_0": (("serve", "--budget", "0"), ("--budget",)),
    "serve_budget_nan": (("serve", "--budget", "nan"), ("--budget",)),
    # calibrate, forecast, backtest
    "calibrate_until_nonsense": (("calibrate", "--until", "nonsense"), ("--until",)),
    "calibrate_years_0": (("calibrate", "--years", "0"), ("--years",)),
    "calibrate_as_of_nonsense": (("calibrate", "--as-of-release", "nonsense"), ("nonsense",)),
    "forecast_from_nonsense": (("forecast", "--from", "nonsense"), ("--from",)),
    "forecast_weeks_0": (("forecast", "--weeks", "0"), ("--weeks",)),
    "forecast_runs_0": (("forecast", "--runs", "0"), ("--runs",)),
    "forecast_seed_-1": (("forecast", "--seed", "-1"), ("--seed",)),
    "backtest_origins_0": (("backtest", "--origins", "0"), ("--origins",)),
    "backtest_runs_0": (("backtest", "--runs", "0"), ("--runs",)),
    "backtest_seed_-1": (("backtest", "--seed", "-1"), ("--seed",)),
    # estimation
    "estimate_until_nonsense": (("estimate-effect", "--until", "nonsense"), ("--until",)),
    "estimate_samples_0": (("estimate-effect", "--samples", "0"), ("--samples",)),
    "estimate_chains_0": (("estimate-effect", "--chains", "0"), ("--chains",)),
    "estimate_warmup_-1": (("estimate-effect", "--warmup", "-1"), ("--warmup",)),
    "estimate_seed_-1": (("estimate-effect", "--seed", "-1"), ("--seed",)),
    "estimate_start_after_end": (
        ("estimate-effect", "--start", "2026-01-01", "--end", "2025-01-01"),
        ("--start", "must fall within"),
    ),
    "evaluate_lag_weeks_-1": (("evaluate-pilot", "--lag-weeks", "-1"), ("--lag-weeks",)),
    "evaluate_samples_0": (("evaluate-pilot", "--samples", "0"), ("--samples",)),
    "evaluate_start_nonsense": (("evaluate-pilot", "--start", "nonsense"), ("--start",)),
    # data
    "data_status_store_not_a_store": (("data", "status", "--store", "{existing}"), ("existing.csv",)),
    "data_changes_old_nonsense": (("data", "changes", "--old", "nonsense"), ("nonsense",)),
    "data_changes_new_nonsense": (("data", "changes", "--new", "nonsense"), ("nonsense",)),
    "data_update_timeout_0": (("data", "update", "--timeout", "0"), ("--timeout",)),
    "data_import_lock_timeout_-1": (("data", "import", "{existing}", "--lock-timeout", "-1"), ("--lock-timeout",)),
    "data_import_max_bytes_0": (("data", "import", "{existing}", "--max-bytes", "0"), ("--max-bytes",)),
    "data_series_unknown_option": (("data", "series", "--nope"), ("--nope",)),
    "data_build_bundled_from_missing": (
        ("data", "build-bundled", "--from", "{tmp}/missing", "--out", "{tmp}/b"),
        ("missing",),
    ),
    # query
    "query_so_far_date_nonsense": (("query", "so-far", "--date", "nonsense"), ("--date",)),
    "query_day_after_the_data": (("query", "day", "--date", "2030-01-01"), ("2030-01-01",)),
    "query_window_by_decade": (
        ("query", "window", "--start", "2025-01-01", "--end", "2025-02-01", "--by", "decade"),
        ("--by",),
    ),
    "query_share_nan": (("query", "share", "nan", "--start", "2025-01-01", "--end", "2025-02-01"), ("nan",)),
    "query_share_negative": (("query", "share", "--start", "2025-01-01", "--end", "2025-02-01", "--", "-5"), ("-5",)),
    "query_share_per_nonsense": (
        ("query", "share", "100", "--per", "nonsense", "--start", "2025-01-01", "--end", "2025-02-01"),
        ("--per",),
    ),
    "query_per_boat_from_nonsense": (("query", "per-boat", "--from", "nonsense"), ("--from",)),
    "query_annual_as_of_nonsense": (("query", "annual", "--as-of-release", "nonsense"), ("nonsense",)),
    # claims
    "claims_check_as_of_nonsense": (("claims", "check", "--as-of-release", "nonsense"), ("nonsense",)),
    "claims_check_missing_file": (("claims", "check", "{tmp}/missing.toml"), ("missing.toml",)),
    "claims_check_not_claims": (("claims", "check", "{existing}"), ("existing.csv",)),
    "claims_new_kind_nonsense": (
        ("claims", "new", "--out", "{tmp}/c.toml", *CLAIM, "--date", "2025-07-09", "--kind", "nonsense"),
        ("--kind",),
    ),
    # scenario
    "scenario_show_unknown": (("scenario", "show", "no-such-preset"), ("no-such-preset",)),
    "scenario_show_as_of_nonsense": (("scenario", "show", "pilot-50", "--as-of-release", "nonsense"), ("nonsense",)),
    "scenario_list_unknown_option": (("scenario", "list", "--nope"), ("--nope",)),
}

# bad API requests: (method, path, JSON body or raw bytes or query) -> words the detail must hold
API_CASES: dict[str, tuple[str, str, object, tuple[str, ...]]] = {
    "runs_past_the_cap": ("POST", "/api/v1/simulate", {"runs": 10**9}, ("runs", "less than or equal")),
    "runs_0": ("POST", "/api/v1/simulate", {"runs": 0}, ("runs", "greater than or equal")),
    "runs_a_word": ("POST", "/api/v1/simulate", {"runs": "many"}, ("runs", "integer")),
    "years_50": ("POST", "/api/v1/simulate", {"runs": 10, "years": 50}, ("years", "less than or equal")),
    "years_below_a_week": ("POST", "/api/v1/simulate", {"runs": 10, "years": 0.001}, ("years", "greater than")),
    "seed_-1": ("POST", "/api/v1/simulate", {"seed": -1}, ("seed", "greater than or equal")),
    "unknown_scenario": ("POST", "/api/v1/simulate", {"scenario": "no-such"}, ("scenario",)),
    "unknown_key": ("POST", "/api/v1/simulate", {"colour": "red"}, ("colour", "not permitted")),
    "quota_-1": ("POST", "/api/v1/simulate", {"what_if": {"quota_per_week": -1}}, ("quota_per_week",)),
    "p_challenge_2": ("POST", "/api/v1/simulate", {"what_if": {"p_challenge": 2}}, ("p_challenge",)),
    "what_if_unknown_key": ("POST", "/api/v1/simulate", {"what_if": {"quota": 5}}, ("quota", "not permitted")),
    "nan_in_json": ("POST", "/api/v1/simulate", b'{"what_if": {"p_prevent": NaN}}', ("p_prevent",)),
    "not_json": ("POST", "/api/v1/simulate", b"{runs: 5", ("JSON",)),
    "a_list": ("POST", "/api/v1/simulate", [1, 2], ("body", "dictionary")),
    "body_too_large": ("POST", "/api/v1/simulate", b"[" + b"1," * 40_000 + b"1]", ("too large",)),
    "fan_quota_-5": ("GET", "/api/v1/charts/fan.csv", {"quota_per_week": -5}, ("quota_per_week",)),
    "fan_bad_format": ("GET", "/api/v1/charts/fan.gif", {}, ("fmt",)),
    "so_far_bad_date": ("GET", "/api/v1/query/so-far", {"date": "10/07/2025"}, ("date",)),
    "so_far_after_the_data": ("GET", "/api/v1/query/so-far", {"date": "2031-01-01"}, ("2031",)),
    "window_ends_before_it_starts": (
        "GET",
        "/api/v1/query/window",
        {"start": "2025-07-10", "end": "2025-03-01"},
        ("ends", "before it starts"),
    ),
    "window_missing_end": ("GET", "/api/v1/query/window", {"start": "2025-07-10"}, ("end", "required")),
    "unknown_series": ("GET", "/api/v1/series/no_such_series", {}, ("no_such_series",)),
    "unknown_chart": ("GET", "/api/v1/charts/no_such_chart.png", {}, ("name",)),
    "changes_old_nonsense": ("GET", "/api/v1/changes", {"old": "nonsense"}, ("nonsense",)),
    "unknown_preset": ("GET", "/api/v1/scenarios/no-such", {}, ("name",)),
}

CORPUS = (
    [f"import/{k}" for k in CASES]
    + [f"data-args/{k}" for k in ARG_CASES]
    + [f"scenario/{k}" for k in BAD_SCENARIOS]
    + [f"option/{k}" for k in OPTION_CASES]
    + [f"api/{k}" for k in API_CASES]
)


@pytest.fixture(scope="module")
def api(tmp_path_factory, bundled_template):
    """The app on a store of its own (its bytes checked around every request)."""
    import shutil

    from fastapi.testclient import TestClient

    from smallboats.web.app import create_app

    path = tmp_path_factory.mktemp("api") / "smallboats.duckdb"
    shutil.copy(bundled_template, path)
    with TestClient(create_app(path, max_runs=200), raise_server_exceptions=False) as c:
        yield c, path


def _request(client, method: str, path: str, payload):
    if method == "GET":
        return client.get(path, params=payload)
    if isinstance(payload, bytes):
        return client.post(path, content=payload, headers={"content-type": "application/json"})
    return client.post(path, json=payload)


def _command(kind: str, name: str, tmp: Path, shared) -> tuple[list, tuple[str, ...], Path | None]:
    """A CLI case's arguments, the words its message must hold, and the file it must name (if any)."""
    if kind == "import":
        maker, words = CASES[name]
        f, args = maker(tmp, shared)
        return ["data", "import", f, *args], words, Path(f)
    if kind == "scenario":
        text, key, rule = BAD_SCENARIOS[name]
        f = tmp / "s.toml"
        f.write_text('name = "x"\n' + text)
        horizon = () if key == "years" else ("--years", "0.1")  # --years would replace the file's
        return ["simulate", f, "--runs", "10", *horizon], (key, rule), f
    args, words = (ARG_CASES if kind == "data-args" else OPTION_CASES)[name]
    existing = tmp / "existing.csv"
    existing.write_text(HEADER + "".join(_days(3)))
    (tmp / "grid.toml").write_text('[grid]\n"scheme.quota.per_week" = [50, 100]\n')
    unwritable = existing / "inside"
    fill = {"tmp": tmp, "existing": existing, "unwritable": unwritable, "grid": tmp / "grid.toml"}
    return [a.format(**fill) for a in args], words, None


def _files(tmp: Path) -> dict[str, tuple[int, int]]:
    """Every file under ``tmp`` with its size and modification time (a write changes one or the other)."""
    return {str(f.relative_to(tmp)): (f.stat().st_size, f.stat().st_mtime_ns) for f in sorted(tmp.rglob("*"))}


# long: one assertion block per face (the CLI, the API), kept together so that every case meets the same rules
@pytest.mark.parametrize("case", CORPUS)
def test_bad_input_is_refused_with_a_message(case, tmp_path, home, cli, api, request):
    """Every case of the corpus: exit 2 (HTTP 4xx) with one message naming the file, key or option and the
    rule; no traceback, never exit 1; the store byte-identical; no file written or changed."""
    kind, name = case.split("/", 1)
    if kind == "api":
        client, path = api
        method, url, payload, words = API_CASES[name]
        before = _digest(path)
        r = _request(client, method, url, payload)
        detail = r.json()["detail"]
        assert 400 <= r.status_code < 500, (r.status_code, r.text)
        assert "Traceback" not in r.text and "internal error" not in detail
        for w in words:
            assert w in detail, (w, detail)
        assert _digest(path) == before
        return
    args, words, named = _command(kind, name, tmp_path, lambda: request.getfixturevalue("shared_data"))
    before, files = _digest(home / "smallboats.duckdb"), _files(tmp_path)
    r = cli(*args)
    msg = " ".join(r.err.split())  # the console may wrap a long message
    assert r.code == 2, (r.code, msg, r.out[-300:])
    assert "Traceback" not in r.err + r.out, msg
    assert msg.count("error:") <= 1, msg  # one message (the parser's own box says "Error" once)
    if named is not None:
        assert named.name in msg, msg
    for w in words:
        assert w in msg, (w, msg)
    assert _digest(home / "smallboats.duckdb") == before
    assert _files(tmp_path) == files, "a refused command wrote or changed a file"


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
