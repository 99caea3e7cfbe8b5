"""The dated facts of the UK–France "one in, one out" scheme, each with its source.

Every module that needs one of these dates or figures imports it from here, so that a correction
is made once. ``kind`` says how firm the fact is: ``official`` (a government publication) or
``reported`` (press reports, not confirmed by an official publication).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass


@dataclass(frozen=True)
class Fact:
    """One dated fact: its value, where it comes from and how firm it is."""

    value: dt.date | float
    source: str
    kind: str  # "official" or "reported"


ANNOUNCED = Fact(
    dt.date(2025, 7, 10),
    "UK–France summit, 10 July 2025: joint declaration on the returns pilot (Prime Minister's Office, gov.uk)",
    "official",
)
IN_FORCE = Fact(
    dt.date(2025, 8, 6),
    "UK–France agreement on the prevention of dangerous journeys, in force 6 August 2025 (Home Office, gov.uk)",
    "official",
)
FIRST_RETURN = Fact(
    dt.date(2025, 9, 18),
    "First removal flight to France under the agreement, 18 September 2025 (press reports)",
    "reported",
)
ANNOUNCED_QUOTA_PER_WEEK = Fact(
    50.0,
    "About 50 returns a week at the start, as reported at the announcement on 10 July 2025 (not confirmed officially)",
    "reported",
)
