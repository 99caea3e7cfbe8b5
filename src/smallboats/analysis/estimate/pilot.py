"""Did the pilot work? The effect from both methods and the elasticity from the dose, in one record."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

import pandas as pd

from smallboats.analysis.estimate import record
from smallboats.analysis.estimate.dose import estimate_deterrence
from smallboats.analysis.estimate.effect import AGREEMENT, METHODS, FitOptions, estimate_effect
from smallboats.analysis.estimate.inputs import Inputs


def evaluate_pilot(
    inputs: Inputs,
    *,
    until: dt.date = AGREEMENT,
    start: dt.date = record.DEFAULT_START,
    end: dt.date | None = None,
    lag_weeks: int = record.LAG_WEEKS,
    options: FitOptions | None = None,
    on_step: Callable[[str], None] | None = None,
) -> dict:
    """The counterfactual and effect (both methods) and the elasticity's prior and posterior.

    Returns:
        ``effect`` (:meth:`EffectResult.to_dict`), ``deterrence`` (:meth:`DeterrenceResult.to_dict`),
        ``summary`` (one row per method: observed, counterfactual quantiles, percentile, effect with its
        interval and the elasticity), ``warnings`` and ``statement``.
    """
    eff = estimate_effect(inputs, until=until, start=start, end=end, options=options, on_step=on_step)
    det = estimate_deterrence(inputs, start=start, lag_weeks=lag_weeks, options=options, on_step=on_step)
    return {
        "effect": eff.to_dict(),
        "deterrence": det.to_dict(),
        "summary": summary_rows(eff.totals, det.prior, {"bayes": det.posterior, "its": det.its}),
        "warnings": eff.warnings + det.warnings,
        "statement": " ".join([*eff.statement, det.statement]),
    }


def summary_rows(totals: dict, prior: dict, posteriors: dict) -> list[dict]:
    """One flat row per method, for tables and CSV; the time series has no prior (maximum likelihood)."""
    rows = []
    for m, t in totals.items():
        posterior, pr = posteriors[m], (prior if m == "bayes" else dict.fromkeys(prior))
        cf, e, r = t["counterfactual"], t["effect"], t["relative_effect"]
        rows.append(
            {
                "method": METHODS[m],
                "observed": t["observed"],
                "counterfactual_median": round(cf["median"], 1),
                **{f"counterfactual_{k}": round(cf[k], 1) for k in ("p025", "p10", "p25", "p75", "p90", "p975")},
                "observed_percentile": t["observed_percentile"],
                "effect_median": round(e["median"], 1),
                "effect_p05": round(e["p05"], 1),
                "effect_p95": round(e["p95"], 1),
                "relative_effect_median": round(r["median"], 4),
                "relative_effect_p05": round(r["p05"], 4),
                "relative_effect_p95": round(r["p95"], 4),
                "elasticity_prior_mean": pr["mean"],
                "elasticity_prior_p05": pr["p05"],
                "elasticity_prior_p95": pr["p95"],
                "elasticity_posterior_mean": posterior["mean"],
                "elasticity_posterior_p05": posterior["p05"],
                "elasticity_posterior_p95": posterior["p95"],
                "p_elasticity_below_zero": posterior["p_below_zero"],
            }
        )
    return rows


def summary_frame(result: dict) -> pd.DataFrame:
    """The summary rows as a frame."""
    return pd.DataFrame(result["summary"])
