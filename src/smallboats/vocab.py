"""The project's small vocabularies, defined once and imported wherever they are used.

Pydantic ``Literal`` types are built from these tuples, so a new preset or deterrence form is added
in one place.
"""

from __future__ import annotations

from typing import Literal

# How the inflow responds to the perceived risk of return; "mixture" draws one form per run.
DETERRENCE_FORMS = ("none", "linear", "elasticity", "threshold")
# "fitted": the elasticity form with the dose fit's posterior elasticity (smallboats.analysis.estimate.world)
DETERRENCE_CHOICES = (*DETERRENCE_FORMS, "mixture", "fitted")
DeterrenceChoice = Literal[DETERRENCE_CHOICES]  # type: ignore[valid-type]

# Where the no-scheme world's inflow level comes from (smallboats.analysis.calibrate.fit_baseline):
# "fitted" draws each run's level and the step scale of its random walk from the Bayesian model's
# posterior; "uniform" is the older moment fit, a uniform range of exp(+/-s) around the last 52 weeks'
# mean with s the record's year-to-year swing clipped to 0.1-0.3 (kept to compare against).
LEVEL_PRIORS = ("fitted", "uniform")
LevelPrior = Literal[LEVEL_PRIORS]  # type: ignore[valid-type]

# The shipped scenario presets (src/smallboats/model/presets/NAME.toml).
PRESETS = ("no-scheme", "pilot-50", "ramp-up", "deterrence-strong", "actual")
Preset = Literal[PRESETS]  # type: ignore[valid-type]

# The quantiles every band is reduced to: name -> probability.
QUANTILES = {
    "p025": 0.025,
    "p05": 0.05,
    "p10": 0.10,
    "p25": 0.25,
    "median": 0.5,
    "p75": 0.75,
    "p90": 0.90,
    "p95": 0.95,
    "p975": 0.975,
}
# The 50/80/95% bands drawn in fan charts, as quantile names.
FAN_BANDS = ("p025", "p10", "p25", "median", "p75", "p90", "p975")

# A scheme year as the quota curve names it: "1", "2"... or the steady state, every year after the
# first together (the first mixes the start-up, before anyone can be deterred, with what follows).
STEADY = "steady"


def year_label(year: str) -> str:
    """A scheme year in words, for titles and tables."""
    return "every scheme year after the first" if year == STEADY else f"scheme year {year}"
