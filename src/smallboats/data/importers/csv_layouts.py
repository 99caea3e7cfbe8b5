"""CSV files: the project's own tidy layout and the layouts official figures are re-published in.

Each layout is recognised by its header. Row numbers in messages are file lines (the header is
line 1). Blank cells are missing figures, never zeros.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from smallboats.data.importers import weather
from smallboats.data.importers._common import (
    HO_SMALL_BOATS_URL,
    PROVISIONAL_NOTE,
    is_blank,
    month_bounds,
    parse_date,
    year_ending,
)
from smallboats.data.release import Release, make_observations
from smallboats.data.validate import check_count
from smallboats.errors import DataError
from smallboats.provenance import OGL, Source

NAME = "csv"
TIDY_REQUIRED = ["series", "period_start", "period_end", "value"]
TIDY_SOURCE = ["publisher", "title", "release_date", "url"]

GOVUK_STATS = "https://www.gov.uk/government/statistics/"


@dataclass
class Layout:
    """A CSV layout: its name, the columns that identify it and its reader."""

    name: str
    columns: list[str]
    reader: Callable[[pd.DataFrame, str, dt.date | None, Source | None], list[Release]]


def sniff(path: Path, head: bytes) -> bool:
    """A text file with a comma-separated header."""
    name = path.name.lower()
    return name.endswith((".csv", ".txt", ".csv.gz")) or (b"," in head[:200] and b"\x00" not in head)


def read(path: Path, *, release_date: dt.date | None = None, source: Source | None = None) -> list[Release]:
    """Read a CSV in any layout this module knows."""
    file = str(path)
    try:
        df = pd.read_csv(path, dtype=str, keep_default_na=False, skipinitialspace=True)
    except (pd.errors.ParserError, UnicodeDecodeError, pd.errors.EmptyDataError, OSError, EOFError) as e:
        raise DataError(file, "whole file", f"cannot be read as CSV: {e}") from None
    df.columns = [c.strip().lstrip("#").strip() for c in df.columns]
    for layout in LAYOUTS:
        if all(c in df.columns for c in layout.columns):
            if df.empty:
                raise DataError(file, "line 2", f"the file has a header ({layout.name} layout) but no rows of figures")
            return layout.reader(df, file, release_date, source)
    raise DataError(
        file,
        "line 1 (header)",
        "columns "
        + ", ".join(map(str, df.columns[:8]))
        + " match no layout smallboats reads; the tidy layout needs "
        + ", ".join(TIDY_REQUIRED),
    )


def _line(i: int) -> str:
    return f"line {i + 2}"


def _count(file: str, i: int, col: str, raw: str) -> float | None:
    """A count cell, or None when blank (missing)."""
    if is_blank(raw):
        return None
    return check_count(file, f"{_line(i)}, column {col}", raw)


def _obs(sid, start, end, value, note, loc) -> dict:
    return dict(series=sid, period_start=start, period_end=end, value=value, note=note, loc=loc)


# --- the project's own tidy layout -------------------------------------------------------------


def _read_tidy(df, file, release_date, source) -> list[Release]:
    has_source = all(c in df.columns for c in TIDY_SOURCE)
    if not has_source and source is None:
        raise DataError(
            file,
            "line 1 (header)",
            "a tidy CSV needs columns publisher, title, release_date and url, or the same "
            "given as options (--publisher, --title, --release-date, --url)",
        )
    groups: dict[tuple, list[dict]] = {}
    for i, r in enumerate(df.to_dict("records")):
        loc = _line(i)
        if has_source:
            for c in TIDY_SOURCE:
                if is_blank(r[c]):
                    raise DataError(file, f"{loc}, column {c}", "is empty; every figure needs its source")
            src = Source(
                publisher=r["publisher"].strip(),
                title=r["title"].strip(),
                release_date=parse_date(file, f"{loc}, column release_date", r["release_date"]),
                url=r["url"].strip(),
                licence=(r.get("licence") or OGL).strip(),
                note=(r.get("source_note") or "").strip(),
            )
        else:
            src = source
        dataset = (r.get("dataset") or "").strip() or _slug(src.title)
        start = parse_date(file, f"{loc}, column period_start", r["period_start"])
        end = parse_date(file, f"{loc}, column period_end", r["period_end"])
        if is_blank(r["value"]):
            raise DataError(file, f"{loc}, column value", "is empty; leave out a row with no figure")
        try:
            value = float(r["value"].replace(",", ""))
        except ValueError:
            raise DataError(file, f"{loc}, column value", f"{r['value']!r} is not a number") from None
        note = (r.get("note") or "").strip()
        groups.setdefault((dataset, src), []).append(_obs(r["series"].strip(), start, end, value, note, loc))
    return [Release(ds, src, make_observations(rows), format="tidy-csv") for (ds, src), rows in groups.items()]


def _slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")[:90]


# --- Home Office daily and weekly small-boat figures re-published as CSV ------------------------


def _ho_source(newest: dt.date, release_date: dt.date | None, title_suffix: str = "") -> Source:
    return Source(
        publisher="Home Office",
        title="Migrants detected crossing the English Channel in small boats (time series)" + title_suffix,
        release_date=release_date or newest + dt.timedelta(days=1),
        url=HO_SMALL_BOATS_URL,
        note=PROVISIONAL_NOTE,
    )


def _read_daily(df, file, release_date, source) -> list[Release]:
    people_col = "migrants_arrived" if "migrants_arrived" in df.columns else "migrants"
    boats_col = "boats_arrived" if "boats_arrived" in df.columns else "boats"
    rows = []
    for i, r in enumerate(df.to_dict("records")):
        day = parse_date(file, f"{_line(i)}, column date", r["date"])
        note = (r.get("notes") or "").strip()
        for sid, col in (
            ("sb_people", people_col),
            ("sb_boats", boats_col),
            ("sb_boats_uncontrolled", "boats_uncontrolled_landings"),
        ):
            if col not in r:
                continue
            raw = r[col]
            if sid != "sb_boats_uncontrolled" and is_blank(raw):
                raise DataError(file, f"{_line(i)}, column {col}", "is empty; a daily count is required")
            v = _count(file, i, col, raw)
            if v is not None:
                rows.append(_obs(sid, day, day, v, note, f"{_line(i)}, column {col}"))
    if not rows:
        raise DataError(file, "whole file", "no daily figures found")
    newest = max(r["period_end"] for r in rows)
    return [
        Release(
            "ho-small-boats-timeseries",
            source or _ho_source(newest, release_date),
            make_observations(rows),
            format="ho-daily-csv",
        )
    ]


# French prevention figures were first published for the week ending 5 May 2024; some
# re-publications write 0 for the weeks before, which means "not published", not "none prevented".
PREVENTION_FIRST_WEEK = dt.date(2024, 5, 5)


def _read_weekly(df, file, release_date, source) -> list[Release]:
    cols = {
        "migrants_arrived": "sb_week_people",
        "boats_arrived": "sb_week_boats",
        "migrants_prevented": "sb_week_prevented_people",
        "events_prevented": "sb_week_prevented_events",
    }
    rows = []
    for i, r in enumerate(df.to_dict("records")):
        end = parse_date(file, f"{_line(i)}, column week_ending", r["week_ending"])
        start = end - dt.timedelta(days=6)
        for col, sid in cols.items():
            if col not in r:
                continue
            if "prevented" in col and end < PREVENTION_FIRST_WEEK:
                continue
            v = _count(file, i, col, r[col])
            if v is not None:
                rows.append(_obs(sid, start, end, v, (r.get("notes") or "").strip(), f"{_line(i)}, column {col}"))
    # The weekly table is published with the workbook on the Friday after the week ends.
    if not rows:
        raise DataError(file, "whole file", "no weekly figures found")
    newest = max(r["period_end"] for r in rows) + dt.timedelta(days=4)  # _ho_source adds a day
    return [
        Release(
            "ho-small-boats-weekly",
            source or _ho_source(newest, release_date, " - weekly"),
            make_observations(rows),
            format="ho-weekly-csv",
        )
    ]


# --- the UK-France agreement's monthly transfers and returns ----------------------------------

AGREEMENT_START = dt.date(2025, 8, 6)


def _read_agreement(df, file, release_date, source) -> list[Release]:
    rows = []
    for i, r in enumerate(df.to_dict("records")):
        start, end = month_bounds(r["month"], file, f"{_line(i)}, column month")
        start = max(start, AGREEMENT_START)  # the agreement came into force on 6 August 2025
        for col, sid in (
            ("returned_from_uk_to_france", "agreement_returned"),
            ("transferred_into_uk_from_france", "agreement_admitted"),
        ):
            v = _count(file, i, col, r[col])
            if v is not None:
                rows.append(_obs(sid, start, end, v, "", f"{_line(i)}, column {col}"))
    src = source or Source(
        publisher="Home Office",
        title="Transfers into and returns from the United Kingdom under the UK-France Agreement "
        "on the Prevention of Dangerous Journeys, between 6 August 2025 and 30 June 2026",
        release_date=release_date or dt.date(2026, 7, 16),
        url="https://www.gov.uk/government/publications/the-border-security-commanders-annual-report-data",
        note="Border Security Commander's annual report data; monthly counts of people.",
    )
    return [Release("ho-uk-france-agreement", src, make_observations(rows), format="agreement-csv")]


# --- ONS long-term international migration, one release per publication date -------------------

_YE = re.compile(r"^YE\s+([A-Za-z]{3})\s+(\d{4})$")


def _ye_end(file: str, where: str, text: str) -> dt.date:
    m = _YE.match(text.strip())
    if not m:
        raise DataError(file, where, f"period {text!r} does not parse (expected e.g. 'YE Dec 2024')")
    month = dt.datetime.strptime(m.group(1), "%b").month
    return (pd.Timestamp(int(m.group(2)), month, 1) + pd.offsets.MonthEnd(0)).date()


def _read_ons(df, file, release_date, source) -> list[Release]:
    groups: dict[dt.date, tuple[dict, list]] = {}
    for i, r in enumerate(df.to_dict("records")):
        # Figures the compiler could not verify against an ONS publication are left out: a figure
        # smallboats shows must be traceable to its publisher.
        if r.get("verification", "").strip().upper().startswith("UNVERIFIED"):
            continue
        rel_date = parse_date(file, f"{_line(i)}, column release_date", r["release_date"])
        start, end = year_ending(_ye_end(file, f"{_line(i)}, column reference_period", r["reference_period"]))
        note = ", ".join(x for x in (r.get("estimate_status", "").strip(),) if x)
        meta, rows = groups.setdefault(rel_date, ({"release": r["release"], "url": r["source_url"]}, []))
        for col, sid in (
            ("net_migration", "ons_net_migration"),
            ("immigration", "ons_immigration"),
            ("emigration", "ons_emigration"),
        ):
            v = _count(file, i, col, r[col])
            if v is not None:
                rows.append(_obs(sid, start, end, v, note, f"{_line(i)}, column {col}"))
    out = []
    for rel_date, (meta, rows) in sorted(groups.items()):
        if not rows:
            continue
        src = source or Source(
            publisher="Office for National Statistics",
            title=f"Long-term international migration: {meta['release']}",
            release_date=rel_date,
            url=meta["url"],
            note="Official statistics in development; provisional and revised in later releases.",
        )
        out.append(Release("ons-ltim", src, make_observations(rows), format="ons-ltim-csv"))
    if not out:
        raise DataError(file, "whole file", "no verified ONS figures found")
    return out


# --- Home Office headline figures, one release per publication ---------------------------------

HEADLINE_SERIES = {
    ("visa_overstay_exit_checks", "visas expired with no extension or further leave"): "exit_checks_visas_expired",  # noqa: E501
    ("visa_overstay_exit_checks", "share departed in time"): "exit_checks_departed_in_time_pct",
    ("visa_overstay_exit_checks", "share departed late (after visa expiry)"): "exit_checks_departed_late_pct",  # noqa: E501
    ("visa_overstay_exit_checks", "share not matched to a departure record"): "exit_checks_unmatched_pct",  # noqa: E501
    ("irregular_arrivals", "detected irregular arrivals (all methods)"): "irregular_total",
    ("irregular_arrivals", "small boat arrivals"): "irregular_small_boat",
    ("irregular_arrivals", "inadequately documented air arrivals"): "irregular_air",
    ("irregular_arrivals", "recorded detections in the uk"): "irregular_in_uk",
    ("irregular_arrivals", "recorded detections at uk ports"): "irregular_ports",
    ("returns", "enforced returns (all reasons)"): "returns_enforced_year",
    ("returns", "asylum-related returns (enforced + voluntary)"): "returns_asylum_related",
}


def _period(file: str, where: str, text: str) -> tuple[dt.date, dt.date]:
    text = text.strip()
    if re.fullmatch(r"\d{4}", text):
        return dt.date(int(text), 1, 1), dt.date(int(text), 12, 31)
    if _YE.match(text):
        return year_ending(_ye_end(file, where, text))
    m = re.fullmatch(r"(\d{4}-\d{2}-\d{2}) to (\d{4}-\d{2}-\d{2})", text)
    if m:
        return dt.date.fromisoformat(m.group(1)), dt.date.fromisoformat(m.group(2))
    raise DataError(file, where, f"period {text!r} does not parse")


def _read_headline(df, file, release_date, source) -> list[Release]:
    groups: dict[tuple, tuple[dict, list]] = {}
    for i, r in enumerate(df.to_dict("records")):
        sid = HEADLINE_SERIES.get((r["topic"].strip(), r["figure"].strip().lower()))
        if sid is None or is_blank(r["value"]):
            continue  # figures smallboats has no series for, or claims with no published figure
        start, end = _period(file, f"{_line(i)}, column reference_period", r["reference_period"])
        rel_date = parse_date(file, f"{_line(i)}, column release_date", r["release_date"])
        key = (r["publisher"].strip(), rel_date, r["source_url"].strip())
        meta, rows = groups.setdefault(key, ({"title": ""}, []))
        if r["release"].strip() and r["release"].strip() != "as above" and not meta["title"]:
            meta["title"] = r["release"].strip()
        v = check_count(file, f"{_line(i)}, column value", r["value"], integer=r["unit"] != "percent")
        rows.append(_obs(sid, start, end, v, r.get("notes", "").strip()[:200], f"{_line(i)}, column value"))
    out = []
    for (publisher, rel_date, url), (meta, rows) in groups.items():
        title = meta["title"] or url
        src = source or Source(publisher=publisher, title=title, release_date=rel_date, url=url)
        out.append(Release("ho-" + _slug(title), src, make_observations(rows), format="headline-csv"))
    if not out:
        raise DataError(file, "whole file", "no figure matched a series smallboats holds")
    return out


# --- Home Office annual tables ---------------------------------------------------------------


def _read_ier_annual(df, file, release_date, source) -> list[Release]:
    rows = []
    for i, r in enumerate(df.to_dict("records")):
        start = parse_date(file, f"{_line(i)}, column period_start", r["period_start"])
        end = parse_date(file, f"{_line(i)}, column period_end", r["period_end"])
        for col, sid in (("people", "sb_year_people"), ("boats", "sb_year_boats")):
            v = _count(file, i, col, r[col])
            if v is not None:
                rows.append(_obs(sid, start, end, v, "", f"{_line(i)}, column {col}"))
    src = source or Source(
        publisher="Home Office",
        title="Illegal entry routes to the UK summary tables, year ending June 2026 (IER_02a)",
        release_date=release_date or dt.date(2026, 8, 27),
        url="https://www.gov.uk/government/statistics/illegal-entry-routes-to-the-uk-year-ending-june-2026",
        note="Official statistics; authoritative over the provisional daily time series.",
    )
    return [Release("ho-illegal-entry-routes", src, make_observations(rows), format="ier-annual-csv")]


def _read_returns_quarterly(df, file, release_date, source) -> list[Release]:
    rows = []
    cols = {
        "returns_total": "returns_total",
        "returns_voluntary": "returns_voluntary",
        "returns_enforced": "returns_enforced",
        "returns_refused_entry_departed": "returns_refused_entry",
    }
    for i, r in enumerate(df.to_dict("records")):
        end = parse_date(file, f"{_line(i)}, column period_end", r["period_end"])
        if end.month not in (3, 6, 9, 12):
            raise DataError(file, f"{_line(i)}, column period_end", f"{end} is not a quarter end")
        start = dt.date(end.year, end.month - 2, 1)
        for col, sid in cols.items():
            v = _count(file, i, col, r[col])
            if v is not None:
                rows.append(_obs(sid, start, end, v, "", f"{_line(i)}, column {col}"))
    src = source or Source(
        publisher="Home Office",
        title="Immigration system statistics, year ending December 2025: returns (Ret_D01)",
        release_date=release_date or dt.date(2026, 2, 26),
        url=GOVUK_STATS + "immigration-system-statistics-year-ending-december-2025",
        note="All returns from the UK, not asylum-related returns only.",
    )
    return [Release("ho-returns", src, make_observations(rows), format="returns-quarterly-csv")]


def _read_by_method(df, file, release_date, source) -> list[Release]:
    cols = {
        "small_boat": "irregular_small_boat",
        "inadequately_documented_air": "irregular_air",
        "detections_in_uk": "irregular_in_uk",
        "detections_at_uk_ports": "irregular_ports",
        "total": "irregular_total",
    }
    rows = []
    for i, r in enumerate(df.to_dict("records")):
        year = int(check_count(file, f"{_line(i)}, column Year", r["Year"]))
        end = dt.date(year, 12, 31)
        period = r.get("period", "").strip()
        if re.fullmatch(r"\d{4} Q1-Q(\d)", period):
            q = int(period[-1])
            end = (pd.Timestamp(year, 3 * q, 1) + pd.offsets.MonthEnd(0)).date()
        for col, sid in cols.items():
            v = _count(file, i, col, r[col])
            if v is not None:
                rows.append(_obs(sid, dt.date(year, 1, 1), end, v, period, f"{_line(i)}, column {col}"))
    src = source or Source(
        publisher="Home Office",
        title="Irregular migration to the UK detailed dataset, year ending September 2023 (Irr_D01)",
        release_date=release_date or dt.date(2023, 11, 23),
        url=GOVUK_STATS + "irregular-migration-to-the-uk-year-ending-september-2023",
    )
    return [Release("ho-irregular-migration", src, make_observations(rows), format="by-method-csv")]


LAYOUTS = [
    Layout("tidy", TIDY_REQUIRED, _read_tidy),
    Layout("ho-daily", ["date", "migrants_arrived", "boats_arrived"], _read_daily),
    Layout("ho-daily-short", ["date", "migrants", "boats"], _read_daily),
    Layout("ho-weekly", ["week_ending", "migrants_arrived", "boats_arrived"], _read_weekly),
    Layout("agreement", ["month", "transferred_into_uk_from_france", "returned_from_uk_to_france"], _read_agreement),
    Layout("ons-ltim", ["release_date", "reference_period", "net_migration", "immigration", "emigration"], _read_ons),
    Layout(
        "headline",
        ["topic", "reference_period", "figure", "value", "unit", "publisher", "release_date", "source_url"],
        _read_headline,
    ),
    Layout("ier-annual", ["year", "period_start", "period_end", "people", "boats"], _read_ier_annual),
    Layout(
        "returns-quarterly", ["quarter", "period_end", "returns_total", "returns_enforced"], _read_returns_quarterly
    ),
    Layout("by-method", ["Year", "small_boat", "inadequately_documented_air", "total"], _read_by_method),
    Layout("weather", weather.COLUMNS, weather.read_layout),
]
