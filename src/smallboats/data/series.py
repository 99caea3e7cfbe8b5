"""The catalogue of series smallboats holds, in the project's own schema.

A series is one measured quantity at one frequency. Each observation in the store is
``(release_id, series, period_start, period_end, value)``: a day, a week ending Sunday, a month,
a quarter, a year or a "year ending" period, all as inclusive date ranges so that one table can hold
every publication.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class SeriesInfo:
    """What a series measures.

    Attributes:
        id: the series' name in the store and in claims files.
        title: a plain description.
        unit: ``people``, ``boats``, ``events``, ``returns``, ``visas``, ``percent``, or a measure
            (:data:`MEASURES`: metres, metres per second).
        frequency: ``day``, ``week``, ``month``, ``quarter``, ``year`` or ``period``.
    """

    id: str
    title: str
    unit: str
    frequency: str

    @property
    def is_count(self) -> bool:
        """Counts must be whole numbers and never negative."""
        return self.unit != "percent" and self.unit not in MEASURES


MEASURES = ("metres", "metres per second")  # measured quantities, not counts: fractions allowed

_ROWS = [
    ("sb_people", "People detected crossing the Channel in small boats", "people", "day"),
    ("sb_boats", "Small boats detected crossing the Channel", "boats", "day"),
    ("sb_boats_uncontrolled", "Boats involved in uncontrolled landings", "boats", "day"),
    ("sb_week_people", "People detected crossing in small boats, week ending Sunday", "people", "week"),
    ("sb_week_boats", "Small boats detected, week ending Sunday", "boats", "week"),
    (
        "sb_week_prevented_people",
        "People prevented from crossing by French authorities (French operational estimate), week ending Sunday",
        "people",
        "week",
    ),  # noqa: E501
    (
        "sb_week_prevented_events",
        "Crossing attempts (events) prevented by French authorities, week ending Sunday",
        "events",
        "week",
    ),  # noqa: E501
    (
        "sb_year_people",
        "Small-boat arrivals, official statistics (Illegal entry routes, table IER_02a)",
        "people",
        "year",
    ),  # noqa: E501
    ("sb_year_boats", "Small boats, official statistics (Illegal entry routes, table IER_02a)", "boats", "year"),  # noqa: E501
    ("agreement_returned", "People returned from the UK to France under the UK-France agreement", "people", "month"),  # noqa: E501
    (
        "agreement_admitted",
        "People transferred into the UK from France under the UK-France agreement",
        "people",
        "month",
    ),  # noqa: E501
    ("returns_total", "All returns from the UK", "returns", "quarter"),
    ("returns_voluntary", "Voluntary returns from the UK", "returns", "quarter"),
    ("returns_enforced", "Enforced returns from the UK (all reasons)", "returns", "quarter"),
    ("returns_refused_entry", "People refused entry at port who then departed", "returns", "quarter"),
    ("returns_enforced_year", "Enforced returns from the UK (all reasons), annual", "returns", "year"),
    ("returns_asylum_related", "Asylum-related returns (enforced and voluntary)", "returns", "period"),
    ("returns_asylum_related_enforced", "Asylum-related enforced returns", "returns", "year"),
    ("ons_net_migration", "Long-term net international migration, year ending (ONS)", "people", "year"),
    ("ons_immigration", "Long-term immigration, year ending (ONS)", "people", "year"),
    ("ons_emigration", "Long-term emigration, year ending (ONS)", "people", "year"),
    ("irregular_small_boat", "Detected irregular arrivals: small boats", "people", "year"),
    ("irregular_air", "Detected irregular arrivals: inadequately documented air arrivals", "people", "year"),  # noqa: E501
    ("irregular_in_uk", "Detected irregular arrivals: recorded detections in the UK", "people", "year"),
    ("irregular_ports", "Detected irregular arrivals: recorded detections at UK ports", "people", "year"),
    ("irregular_total", "Detected irregular arrivals: all methods", "people", "year"),
    (
        "exit_checks_visas_expired",
        "Visas that expired with no extension or further leave (exit checks)",
        "visas",
        "year",
    ),  # noqa: E501
    ("exit_checks_departed_in_time_pct", "Share of expired visas whose holder departed in time", "percent", "year"),  # noqa: E501
    ("exit_checks_departed_late_pct", "Share of expired visas whose holder departed late", "percent", "year"),  # noqa: E501
    (
        "exit_checks_unmatched_pct",
        "Share of expired visas not matched to a departure (basis of overstayer estimates)",
        "percent",
        "year",
    ),  # noqa: E501
]

_ROWS += [
    ("weather_wave_height_m", "Significant wave height in the Channel, daily (user-supplied)", "metres", "day"),
    ("weather_wind_speed_ms", "Mean wind speed in the Channel, daily (user-supplied)", "metres per second", "day"),
]

SERIES: dict[str, SeriesInfo] = {r[0]: SeriesInfo(*r) for r in _ROWS}


def get(series_id: str) -> SeriesInfo:
    """Return a series' description, or raise KeyError listing the valid names."""
    try:
        return SERIES[series_id]
    except KeyError:
        raise KeyError(f"unknown series {series_id!r}; valid series: {', '.join(sorted(SERIES))}") from None
