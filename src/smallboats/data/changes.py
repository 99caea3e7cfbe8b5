"""What a newer release changed in the figures a reader sees: days added and figures revised.

The comparison is between the store as it stood at two releases (``as_of``), so a "last 7 days"
page that extends a workbook shows as days added, and a revised workbook as figures revised, whatever
publication each came from.
"""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from smallboats.errors import StoreError

DAILY = ("sb_people", "sb_boats")


@dataclass
class Changes:
    """Days added and figures revised between two releases."""

    old: str
    new: str
    added: pd.DataFrame  # series, period_start, period_end, value
    revised: pd.DataFrame  # series, period_start, period_end, old_value, new_value, change

    def to_dict(self) -> dict:
        """A JSON-ready summary with every row."""
        from smallboats.serialize import records

        return {
            "old_release": self.old,
            "new_release": self.new,
            "added": records(self.added),
            "revised": records(self.revised),
            "days_added": int(self.added[self.added.series == "sb_people"].shape[0]),
            "figures_revised": int(len(self.revised)),
        }


def daily_releases(store) -> list[str]:
    """The releases that hold daily figures, oldest first."""
    rel = store.releases()
    return [r for r, s in zip(rel.release_id, rel.series.fillna(""), strict=True) if "sb_people" in s.split(",")]


def changes_between(store, old: str | None = None, new: str | None = None, series=DAILY) -> Changes:
    """What ``new`` changed against ``old`` (default: the two newest releases with daily figures)."""
    held = daily_releases(store)
    if new is None:
        if not held:
            raise StoreError("the store holds no daily figures")
        new = held[-1]
    if old is None:
        before = [r for r in held if r != new]
        if new not in held or held.index(new) == 0 or not before:
            raise StoreError(f"no release with daily figures older than {new}; name one with --old")
        old = held[held.index(new) - 1]
    a = store.observations(list(series), as_of=old)
    b = store.observations(list(series), as_of=new)
    key = ["series", "period_start", "period_end"]
    m = b.merge(a[[*key, "value"]], on=key, how="left", suffixes=("", "_old"), indicator=True)
    added = m[m._merge == "left_only"][[*key, "value"]].reset_index(drop=True)
    both = m[(m._merge == "both") & (m.value != m.value_old)]
    revised = pd.DataFrame(
        {
            "series": both.series,
            "period_start": both.period_start,
            "period_end": both.period_end,
            "old_value": both.value_old,
            "new_value": both.value,
            "change": both.value - both.value_old,
        }
    ).reset_index(drop=True)
    return Changes(old, new, added, revised)
