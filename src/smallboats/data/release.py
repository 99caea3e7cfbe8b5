"""A release: one vintage of one publication, as an importer reads it, before it is stored."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field

import pandas as pd

from smallboats.provenance import Source

OBS_COLUMNS = ["series", "period_start", "period_end", "value", "note", "loc"]


@dataclass
class Release:
    """Figures of one publication as published on one day.

    Attributes:
        dataset: a short stable name for the publication (e.g. ``ho-small-boats-timeseries``).
        source: publisher, title, release date, address and licence.
        observations: a frame with columns ``series, period_start, period_end, value, note, loc``;
            ``loc`` says where in the file each figure was read (for error messages) and is not stored.
        format: the importer that read it.
    """

    dataset: str
    source: Source
    observations: pd.DataFrame
    format: str = ""
    extra: dict = field(default_factory=dict)

    @property
    def release_id(self) -> str:
        """``dataset@release_date``: one release of a publication a day."""
        return f"{self.dataset}@{self.source.release_date.isoformat()}"

    def content_hash(self) -> str:
        """A hash of the figures, independent of row order, to tell a re-import from a revision."""
        obs = self.observations.sort_values(["series", "period_start", "period_end"])
        text = obs[["series", "period_start", "period_end", "value"]].to_csv(index=False)
        return hashlib.sha256(text.encode()).hexdigest()


def make_observations(rows: list[dict]) -> pd.DataFrame:
    """Build an observations frame with the right columns and types from dict rows."""
    df = pd.DataFrame(rows, columns=OBS_COLUMNS)
    for c in ("period_start", "period_end"):
        df[c] = pd.to_datetime(df[c]).dt.date
    df["value"] = df["value"].astype("float64")
    df["note"] = df["note"].fillna("").astype(str)
    return df
