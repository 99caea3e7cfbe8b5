"""The simulation's state: per-run parameters, stocks, pipelines and the daily record."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

import numpy as np

from smallboats.model.params import Range, Scenario
from smallboats.model.rng import Streams

# What is recorded for every run and day (days x runs). ``n_`` stocks, ``new_`` flows, ``p_`` shares.
RECORDED = (
    "new_potential",
    "new_deterred",
    "new_deflected",
    "new_inflow",
    "n_coast",
    "new_left_coast",
    "new_launches",
    "new_prevented",
    "new_arrivals",
    "new_boats",
    "new_eligible",
    "new_selected",
    "n_detained",
    "new_challenged",
    "new_released",
    "new_lapsed",
    "new_returned",
    "new_recrossed",
    "new_applied",
    "new_admitted",
    "n_pending",
    "p_perceived_risk",
    "quota_week",
)
FLOAT_RECORDS = {"p_perceived_risk", "quota_week"}
RING = 400  # days held by the scheduling rings; longer than any allowed delay


def draw_priors(scenario: Scenario, streams: Streams) -> dict[str, np.ndarray]:
    """Draw every prior of the scenario, one value a run, in a fixed order.

    Every range is drawn in every run, used or not, so that both arms of a pair and every form of
    deterrence see the same draws for the same parameter.
    """
    out: dict[str, np.ndarray] = {}
    for part_name in ("crossings", "scheme", "deterrence"):
        part = getattr(scenario, part_name)
        for name in type(part).model_fields:
            value = getattr(part, name)
            if isinstance(value, Range):
                u = streams.uniform("priors")
                out[f"{part_name}.{name}"] = value.low + (value.high - value.low) * u
    out["deterrence.form_index"] = streams.integers("priors", 4)
    return out


@dataclass
class Sim:
    """Everything a mechanism reads or writes during one simulation."""

    scenario: Scenario
    streams: Streams
    runs: int
    days: int
    dates: list[dt.date]
    priors: dict[str, np.ndarray]
    scheme_on: bool
    state: dict[str, np.ndarray] = field(default_factory=dict)
    today: dict[str, np.ndarray] = field(default_factory=dict)
    record: dict[str, np.ndarray] = field(default_factory=dict)

    def p(self, key: str) -> np.ndarray:
        """A per-run prior, e.g. ``p('scheme.p_exempt')``."""
        return self.priors[key]

    def zeros(self, dtype=np.int64) -> np.ndarray:
        """A fresh per-run array of zeros."""
        return np.zeros(self.runs, dtype=dtype)

    def day_index(self, d: dt.date) -> int:
        """The index of a date in the horizon (may fall outside it)."""
        return (d - self.dates[0]).days
