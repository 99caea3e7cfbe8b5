"""Estimate, don't assume: a statistical model of the crossings record, the no-scheme world and the effect.

The public API:
    * :func:`from_store` reads arrivals, returns and covariates into :class:`Inputs`;
    * :func:`estimate_effect` fits before the agreement and forecasts since (two methods) → :class:`EffectResult`;
    * :func:`estimate_deterrence` fits the whole record with the lagged return rate → :class:`DeterrenceResult`;
    * :func:`evaluate_pilot` runs both and returns one plain record;
    * ``result.fit.posterior_draws()`` gives draws of the level walk's scale (and the elasticity) for a simulator;
    * :mod:`.synthetic` makes series with a planted effect for the simulation-based check.

The method, priors and diagnostics are in docs/estimation.md.
"""

from __future__ import annotations

from smallboats.analysis.estimate.bayes import MODEL_VERSION, PRIORS, Fit
from smallboats.analysis.estimate.dose import DeterrenceResult, estimate_deterrence
from smallboats.analysis.estimate.effect import AGREEMENT, EffectResult, FitOptions, estimate_effect
from smallboats.analysis.estimate.inputs import Inputs, from_store
from smallboats.analysis.estimate.pilot import evaluate_pilot

__all__ = [
    "AGREEMENT",
    "MODEL_VERSION",
    "PRIORS",
    "DeterrenceResult",
    "EffectResult",
    "Fit",
    "FitOptions",
    "Inputs",
    "estimate_deterrence",
    "estimate_effect",
    "evaluate_pilot",
    "from_store",
]
