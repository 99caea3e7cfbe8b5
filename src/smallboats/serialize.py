"""Plain records and JSON for every face: dates as ISO text, NumPy numbers as Python, NaN as null."""

from __future__ import annotations

import datetime as dt
import json
import math
import sys
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import pandas as pd


def plain(v):
    """One value made JSON-ready (NumPy numbers, timestamps, dates, NaN and NaT).

    NumPy and pandas are looked up, never imported: a value of theirs exists only once they are,
    and a command that prints plain values (``query so-far``) should not pay for importing them.
    """
    np, pd = sys.modules.get("numpy"), sys.modules.get("pandas")
    if np is not None and isinstance(v, np.integer):
        return int(v)
    if isinstance(v, float) or (np is not None and isinstance(v, np.floating)):
        return None if math.isnan(v) else float(v)
    if np is not None and isinstance(v, np.bool_):
        return bool(v)
    if isinstance(v, dt.datetime):  # a pandas Timestamp too
        return v.date().isoformat() if v == v.normalize() else v.isoformat()
    if isinstance(v, dt.date):
        return v.isoformat()
    if pd is not None and v is pd.NaT:
        return None
    return v


def records(df: pd.DataFrame) -> list[dict]:
    """A frame as JSON-ready records."""
    return [{k: plain(v) for k, v in row.items()} for row in df.to_dict("records")]


def to_json(obj, *, indent: int | None = 2) -> str:
    """JSON text of any result (frames become records)."""

    def default(o):
        pd = sys.modules.get("pandas")
        if pd is not None and isinstance(o, pd.DataFrame):
            return records(o)
        p = plain(o)
        if p is o:
            raise TypeError(f"cannot write {type(o).__name__} as JSON")
        return p

    return json.dumps(obj, indent=indent, default=default, ensure_ascii=False)
