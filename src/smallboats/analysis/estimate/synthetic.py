"""Synthetic weekly series from the project's own generative model, with an effect planted after a date.

Used by the simulation-based check: fit the model to a series whose effect is known, and see whether the
estimated interval holds it. The generator is the model of :mod:`.bayes` run forwards (a Student-t
random-walk log-level, Fourier seasonality, negative-binomial counts), with the mean multiplied by
``1 + effect`` from ``effect_from`` on.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import numpy as np
import pandas as pd

from smallboats.analysis.estimate import record
from smallboats.analysis.estimate.inputs import Inputs


@dataclass(frozen=True)
class Truth:
    """The generator's parameters (defaults near the bundled record's fit; assumption for a test world)."""

    level_0: float = 6.3  # about 550 a week
    sigma: float = 0.05
    nu: float = 6.0
    beta_season: tuple[float, ...] = (-0.4, -0.5, 0.0, -0.25)
    phi: float = 1.5


def series(
    first_week_ending: dt.date,
    n_weeks: int,
    *,
    effect: float = 0.0,
    effect_from: dt.date | None = None,
    truth: Truth = Truth(),
    seed: int = 0,
) -> pd.DataFrame:
    """Weekly counts: index ``week_ending`` (Sundays), column ``people``.

    Args:
        first_week_ending: the first week's Sunday.
        n_weeks: how many weeks.
        effect: the relative change of the mean from ``effect_from`` on (``-0.3`` for a 30% fall).
        effect_from: the first day of the effect (weeks ending on or after it are affected).
        truth: the generator's parameters.
        seed: the random seed.
    """
    if pd.Timestamp(first_week_ending).dayofweek != 6:
        raise ValueError(f"{first_week_ending} is not a Sunday")
    rng = np.random.default_rng(np.random.SeedSequence([seed, 41]))
    weeks = pd.date_range(first_week_ending, periods=n_weeks, freq="W-SUN")
    steps = truth.sigma * rng.standard_t(truth.nu, size=n_weeks - 1)
    level = truth.level_0 + np.concatenate([[0.0], np.cumsum(steps)])
    eta = level + record.fourier(weeks, harmonics=len(truth.beta_season) // 2) @ np.asarray(truth.beta_season)
    mean = np.exp(eta)
    if effect_from is not None:
        mean = np.where(weeks >= pd.Timestamp(effect_from), mean * (1.0 + effect), mean)
    lam = rng.gamma(truth.phi, mean / truth.phi)
    out = pd.DataFrame({"people": rng.poisson(lam).astype("int64")}, index=weeks)
    out.index.name = "week_ending"
    return out


def inputs(weeks: pd.DataFrame) -> Inputs:
    """A synthetic series as the estimates' inputs (no covariates, no returns)."""
    empty = pd.DataFrame(columns=["series", "period_start", "period_end", "value", "note", "release_id"])
    return Inputs(weeks=weeks, returned=empty, releases=["synthetic"], covariates=[])
