"""How numbers are written for people, in one place: tables, charts, claims and prose all use these.

Kept at the bottom of the house (not in ``viz.style``) so that the claims engine and the command
line can format a figure without importing the charting libraries.
"""

from __future__ import annotations


def thousands(x: float) -> str:
    """``41472`` -> ``41,472``."""
    return f"{x:,.0f}"


def pct(x: float, digits: int = 1) -> str:
    """``4.8022`` -> ``4.8%``; small shares keep two significant figures."""
    if abs(x) < 1:
        return f"{x:.2g}%"
    return f"{x:.{digits}f}%"


def figure(x: float | None) -> str:
    """A figure as people read it: thousands separators, four significant figures below 100."""
    if x is None:
        return "–"
    if abs(x) >= 100:
        return f"{x:,.0f}"
    return f"{x:.4g}"


def cell(v) -> str:
    """A value in a terminal table: a dash for missing, separators for large numbers, no trailing zeros."""
    if v is None:
        return "–"
    if isinstance(v, bool):
        return "yes" if v else ""
    if isinstance(v, int):
        return f"{v:,}"
    if isinstance(v, float):
        if v == int(v) and abs(v) >= 1000:
            return f"{v:,.0f}"
        if 0 < abs(v) < 1:
            return f"{v:.4g}"
        return f"{v:,.2f}".rstrip("0").rstrip(".")
    return str(v)
