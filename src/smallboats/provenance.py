"""Where a figure comes from: the publisher, the publication, its release date and licence.

Every release in the store carries one :class:`Source`; every figure shown to a user can be traced
to it, and :func:`attribution` gives the line printed under tables and charts.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import asdict, dataclass

OGL = "Open Government Licence v3.0"
OGL_URL = "https://www.nationalarchives.gov.uk/doc/open-government-licence/version/3/"


@dataclass(frozen=True)
class Source:
    """The publication a release of figures was taken from.

    Attributes:
        publisher: the body that published the figures (e.g. ``Home Office``).
        title: the publication's title.
        release_date: the day the figures were published.
        url: where the publication can be found.
        licence: the licence the figures are published under.
        note: caveats that travel with the figures (e.g. "provisional, may be revised down").
    """

    publisher: str
    title: str
    release_date: dt.date
    url: str
    licence: str = OGL
    note: str = ""

    def to_dict(self) -> dict:
        """Return a JSON-ready dictionary."""
        d = asdict(self)
        d["release_date"] = self.release_date.isoformat()
        return d

    @classmethod
    def from_dict(cls, d: dict) -> Source:
        """Build a Source from :meth:`to_dict` output."""
        d = dict(d)
        d["release_date"] = dt.date.fromisoformat(str(d["release_date"])[:10])
        return cls(**d)


def attribution(sources: list[Source] | list[dict]) -> str:
    """Return the one-line source credit printed under a table or chart."""
    parts = []
    seen = set()
    for s in sources:
        s = Source.from_dict(s) if isinstance(s, dict) else s
        key = (s.publisher, s.title, s.release_date)
        if key in seen:
            continue
        seen.add(key)
        parts.append(f"{s.publisher}, {s.title} ({s.release_date:%d %b %Y}), {s.licence}")
    return "Source: " + "; ".join(parts) if parts else ""
