"""Plain records and JSON for every face: dates as ISO text, NumPy numbers as Python, NaN as null."""

from __future__ import annotations

import datetime as dt
import json
import math

import numpy as np
import pandas as pd


def plain(v):
    """One value made JSON-ready (NumPy numbers, timestamps, dates, NaN and NaT)."""
    if isinstance(v, np.integer):
        return int(v)
    if isinstance(v, (np.floating, float)):
        return None if math.isnan(v) else float(v)
    if isinstance(v, np.bool_):
        return bool(v)
    if isinstance(v, (pd.Timestamp, dt.datetime)):
        return v.date().isoformat() if v == v.normalize() else v.isoformat()
    if isinstance(v, dt.date):
        return v.isoformat()
    if v is pd.NaT:
        return None
    return v


def records(df: pd.DataFrame) -> list[dict]:
    """A frame as JSON-ready records."""
    return [{k: plain(v) for k, v in row.items()} for row in df.to_dict("records")]


def to_json(obj, *, indent: int | None = 2) -> str:
    """JSON text of any result (frames become records)."""

    def default(o):
        if isinstance(o, pd.DataFrame):
            return records(o)
        p = plain(o)
        if p is o:
            raise TypeError(f"cannot write {type(o).__name__} as JSON")
        return p

    return json.dumps(obj, indent=indent, default=default, ensure_ascii=False)
