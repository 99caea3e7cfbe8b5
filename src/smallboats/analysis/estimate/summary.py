"""Reductions of draws to the numbers every face shows: quantiles, percentiles, effects, sentences."""

from __future__ import annotations

import numpy as np

from smallboats.model.results import QUANTILES

INTERVALS = {"50": ("p25", "p75"), "80": ("p10", "p90"), "90": ("p05", "p95"), "95": ("p025", "p975")}


def quantiles(x: np.ndarray, axis: int = 0) -> dict[str, np.ndarray | float]:
    """The project's quantiles (:data:`~smallboats.model.results.QUANTILES`) of draws along ``axis``."""
    q = np.quantile(x, list(QUANTILES.values()), axis=axis)
    return {k: (float(v) if np.ndim(v) == 0 else v) for k, v in zip(QUANTILES, q, strict=True)}


def percentile(observed: float, draws: np.ndarray) -> float:
    """Where ``observed`` sits among the draws, in percent (ties count half, so a match is not the 0th)."""
    draws = np.asarray(draws)
    return float(((draws < observed).mean() + 0.5 * (draws == observed).mean()) * 100)


def total_effect(observed: float, cf_totals: np.ndarray) -> dict:
    """Counterfactual quantiles, the observed total's percentile, and the effect (absolute and relative)."""
    absolute = observed - cf_totals
    relative = observed / np.clip(cf_totals, 1.0, None) - 1.0
    return {
        "observed": float(observed),
        "counterfactual": quantiles(cf_totals),
        "observed_percentile": round(percentile(observed, cf_totals), 1),
        "effect": quantiles(absolute),
        "relative_effect": quantiles(relative),
        "p_effect_below_zero": round(float((absolute < 0).mean()), 3),
    }


def ordinal(x: float) -> str:
    """A rounded percentile as an ordinal: 1st, 2nd, 3rd, 4th, 11th, 21st."""
    n = int(round(x))
    suffix = "th" if 10 <= n % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(n % 10, "th")
    return f"{n}{suffix}"


def effect_sentence(method: str, t: dict) -> str:
    """What one method says about the effect, built from its numbers; says so when it cannot tell."""
    rel, cf = t["relative_effect"], t["counterfactual"]
    lo, hi = rel["p05"] * 100, rel["p95"] * 100
    head = (
        f"{method}: without the scheme {cf['median']:,.0f} arrivals were expected (95% interval "
        f"{cf['p025']:,.0f} to {cf['p975']:,.0f}); {t['observed']:,.0f} were observed, at the "
        f"{ordinal(t['observed_percentile'])} percentile of that range, an effect of {rel['median'] * 100:+.0f}% "
        f"(90% interval {lo:+.0f}% to {hi:+.0f}%)."
    )
    if lo < 0 < hi:
        return head + " The data cannot tell this effect from none: the interval holds both a fall and a rise."
    if hi <= 0:
        return head + " Arrivals were lower than the no-scheme world would give, beyond its 90% interval."
    return head + " Arrivals were higher than the no-scheme world would give, beyond its 90% interval."


def elasticity_sentence(prior: dict, post: dict, p_below: float) -> str:
    """What the dose fit says about deterrence, prior beside posterior, built from the numbers."""
    shrink = (post["p95"] - post["p05"]) / (prior["p95"] - prior["p05"])
    head = (
        f"The elasticity of arrivals to the return rate: prior mean {prior['mean']:+.2f} (90% {prior['p05']:+.2f} "
        f"to {prior['p95']:+.2f}), posterior mean {post['mean']:+.2f} (90% {post['p05']:+.2f} to {post['p95']:+.2f}); "
        f"P(elasticity < 0) = {p_below:.2f}. "
        f"The posterior's 90% interval is {shrink * 100:.0f}% as wide as the prior's."
    )
    if post["p05"] < 0 < post["p95"]:
        return head + " The data cannot distinguish a deterrent effect of returns from none."
    side = "deter crossings" if post["p95"] <= 0 else "go with more crossings, not fewer"
    return head + f" Within its 90% interval, returns {side}."


def its_elasticity_sentence(cross: dict, post: dict) -> str:
    """The cross-check's elasticity beside the Bayesian one, and whether the two agree on its sign."""
    head = (
        f"The time series' maximum-likelihood elasticity: {cross['mean']:+.2f} (90% confidence interval "
        f"{cross['p05']:+.2f} to {cross['p95']:+.2f})."
    )
    bayes_holds_zero = post["p05"] < 0 < post["p95"]
    its_holds_zero = cross["p05"] < 0 < cross["p95"]
    if bayes_holds_zero == its_holds_zero:
        return head + (" It cannot tell an effect from none either." if its_holds_zero else "")
    side = "excludes" if bayes_holds_zero else "holds"
    return head + f" Its interval {side} zero where the Bayesian one does not: the two methods disagree."
