"""A daily weather file for the estimates' weather covariate: a documented CSV layout.

Layout (header on line 1, one row a day, no gaps)::

    date,wave_height_m,wind_speed_ms
    2024-06-01,0.8,5.2

* ``date``: ISO date; every day between the first and last once, in order.
* ``wave_height_m``: significant wave height in the Strait of Dover, metres (0 to 30).
* ``wind_speed_ms``: mean wind speed, metres per second (0 to 100).

Blank, non-numeric or negative cells, and missing or repeated days, are errors naming the line. The
figures are the user's (e.g. from a marine reanalysis); give their source with the import options
(``--publisher``, ``--title``, ``--url``), otherwise the release names the file as its source.
"""

from __future__ import annotations

import datetime as dt
import math
from pathlib import Path

import pandas as pd

from smallboats.data.importers._common import is_blank, parse_date
from smallboats.data.release import Release, make_observations
from smallboats.errors import DataError
from smallboats.provenance import Source

COLUMNS = ["date", "wave_height_m", "wind_speed_ms"]
SERIES = {"wave_height_m": "weather_wave_height_m", "wind_speed_ms": "weather_wind_speed_ms"}
LIMITS = {"wave_height_m": 30.0, "wind_speed_ms": 100.0}  # beyond any recorded in the Channel: a typo
DATASET = "user-weather"


def _value(file: str, line: str, col: str, raw: str) -> float:
    if is_blank(raw):
        raise DataError(file, f"{line}, column {col}", "is empty; the weather file needs every day's figure")
    try:
        v = float(raw.strip())
    except ValueError:
        raise DataError(file, f"{line}, column {col}", f"{raw!r} is not a number") from None
    if math.isnan(v) or v < 0:
        raise DataError(file, f"{line}, column {col}", f"{raw!r} is negative or not a number; it must be 0 or more")
    if v > LIMITS[col]:
        raise DataError(file, f"{line}, column {col}", f"{v:g} is above {LIMITS[col]:g}, the most this column allows")
    return v


def frame(df: pd.DataFrame, file: str) -> pd.DataFrame:
    """Check the rows and return ``date, wave_height_m, wind_speed_ms`` (``attrs["file"]`` names the file)."""
    missing = [c for c in COLUMNS if c not in df.columns]
    if missing:
        raise DataError(file, "line 1 (header)", f"the weather layout needs columns {', '.join(COLUMNS)}")
    rows, prev = [], None
    for i, r in enumerate(df.to_dict("records")):
        line = f"line {i + 2}"
        day = parse_date(file, f"{line}, column date", r["date"])
        if prev is not None and day != prev + dt.timedelta(days=1):
            rule = "repeats or goes back" if day <= prev else f"leaves a gap after {prev} (days must be consecutive)"
            raise DataError(file, f"{line}, column date", f"{day} {rule}")
        rows.append({"date": day, **{c: _value(file, line, c, str(r[c])) for c in SERIES}})
        prev = day
    if not rows:
        raise DataError(file, "whole file", "no rows")
    out = pd.DataFrame(rows)
    out.attrs["file"] = file
    return out


def read_frame(path: str | Path) -> pd.DataFrame:
    """Read and check a weather file without storing it (the estimates' ``--weather FILE``)."""
    file = str(path)
    if not Path(path).is_file():
        raise DataError(file, "path", "no such file")
    try:
        df = pd.read_csv(path, dtype=str, keep_default_na=False, skipinitialspace=True)
    except (pd.errors.ParserError, UnicodeDecodeError, pd.errors.EmptyDataError, OSError) as e:
        raise DataError(file, "whole file", f"cannot be read as CSV: {e}") from None
    df.columns = [c.strip() for c in df.columns]
    return frame(df, file)


def read_layout(df: pd.DataFrame, file: str, release_date: dt.date | None, source: Source | None) -> list[Release]:
    """The CSV layout reader: one release of the two daily weather series."""
    w = frame(df, file)
    obs = [
        {"series": sid, "period_start": r.date, "period_end": r.date, "value": getattr(r, col), "note": "", "loc": ""}
        for r in w.itertuples()
        for col, sid in SERIES.items()
    ]
    for i, o in enumerate(obs):
        o["loc"] = f"line {i // 2 + 2}, column {list(SERIES)[i % 2]}"
    src = source or Source(
        publisher="User-supplied",
        title=f"Daily weather in the Channel ({Path(file).name})",
        release_date=release_date or w.date.max(),
        url=f"file:{Path(file).name}",
        licence="as given by the user",
        note="Not an official statistic: the user's own weather file.",
    )
    return [Release(DATASET, src, make_observations(obs), format="weather-csv")]
