"""The cross-check: an interrupted time series with statsmodels' ``UnobservedComponents``.

Independent of the Bayesian model in method and software: a Gaussian local level plus a trigonometric
annual seasonal (two harmonics, the same as the Bayesian model's Fourier terms) on ``log(1 + weekly
arrivals)``, fitted by maximum likelihood on the pre-period. The counterfactual's draws are simulations
from the fitted state at the pre-period's end, turned back into counts with ``exp(x) - 1`` and floored at
zero. Weekly log counts are left-skewed (weeks of bad weather have none, ``log(1 + 0) = 0``) and their
irregular is large, so a Gaussian irregular turns into a far heavier right tail than the record after
``exp``, and a residual bootstrap pairs summer levels with winter residuals. The draws are therefore of
the signal (level plus seasonal, the median week), simulated from the state's law at the pre-period's
end: the intervals reflect the level's uncertainty, not week-to-week noise nor parameter uncertainty
(a maximum-likelihood fit), so they are narrower than the Bayesian model's; the result says so.
"""

from __future__ import annotations

import warnings

import numpy as np

from smallboats.analysis.estimate.record import HARMONICS

PERIOD_WEEKS = 365.25 / 7
NOTE = (
    "maximum-likelihood fit of log(1 + weekly arrivals); draws are of the level plus seasonal (the median week), "
    "without parameter uncertainty or week-to-week noise, so its intervals are narrower than the Bayesian model's"
)


def counterfactual(y: np.ndarray, horizon: int, *, draws: int = 1000, seed: int = 7) -> tuple[np.ndarray, dict]:
    """Simulated weekly counts for ``horizon`` weeks after ``y``, and the fit's summary.

    Returns:
        ``(draws × horizon array, {"converged", "sigma2_level", "sigma2_irregular", "aic"})``.
    """
    from statsmodels.tsa.statespace.structural import UnobservedComponents

    x = np.log1p(np.asarray(y, dtype=float))
    mod = UnobservedComponents(x, level="local level", freq_seasonal=[{"period": PERIOD_WEEKS, "harmonics": HARMONICS}])
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        res = mod.fit(disp=False, maxiter=500)
    rng = np.random.default_rng(np.random.SeedSequence([seed, 29]))
    signal = _simulate_signal(res, horizon, draws, rng)
    sims = signal
    params = dict(zip(res.model.param_names, np.asarray(res.params), strict=True))
    info = {
        "converged": bool(res.mle_retvals.get("converged", True)) if res.mle_retvals else True,
        "sigma2_level": float(params.get("sigma2.level", np.nan)),
        "sigma2_irregular": float(params.get("sigma2.irregular", np.nan)),
        "aic": float(res.aic),
        "note": NOTE,
    }
    return np.clip(np.expm1(sims), 0.0, None), info


def _simulate_signal(res, horizon: int, draws: int, rng: np.random.Generator) -> np.ndarray:
    """Level plus seasonal for the weeks ahead, from the state predicted at the pre-period's end."""
    ssm = res.model.ssm
    Z, T, R, Q = (
        np.asarray(m)[..., 0] if np.asarray(m).ndim == 3 else np.asarray(m)
        for m in (ssm["design"], ssm["transition"], ssm["selection"], ssm["state_cov"])
    )
    a = rng.multivariate_normal(res.predicted_state[:, -1], res.predicted_state_cov[:, :, -1], size=draws)
    k = Q.shape[0]
    out = np.empty((draws, horizon))
    for h in range(horizon):
        out[:, h] = a @ Z[0]
        a = a @ T.T + rng.multivariate_normal(np.zeros(k), Q, size=draws) @ R.T
    return out


def elasticity(y: np.ndarray, dose: np.ndarray) -> dict:
    """The dose's coefficient on ``log(1 + arrivals)`` in the same local-level model, by maximum likelihood.

    The cross-check of the Bayesian elasticity: no prior (``None``), a 90% confidence interval from the
    coefficient's standard error, and the normal approximation's P(elasticity < 0).
    """
    from scipy import stats
    from statsmodels.tsa.statespace.structural import UnobservedComponents

    x = np.log1p(np.asarray(y, dtype=float))
    mod = UnobservedComponents(
        x,
        level="local level",
        freq_seasonal=[{"period": PERIOD_WEEKS, "harmonics": HARMONICS}],
        exog=np.asarray(dose, dtype=float)[:, None],
    )
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        res = mod.fit(disp=False, maxiter=500)
    names = list(res.model.param_names)
    i = next(k for k, n in enumerate(names) if n.startswith("beta"))
    mean, se = float(np.asarray(res.params)[i]), float(np.asarray(res.bse)[i])
    z = stats.norm.ppf(0.95)
    return {
        "mean": round(mean, 4),
        "p05": round(float(mean - z * se), 4),
        "median": round(mean, 4),
        "p95": round(float(mean + z * se), 4),
        "p_below_zero": round(float(stats.norm.cdf(-mean / se)) if se > 0 else float(mean < 0), 4),
        "se": round(se, 4),
        "converged": bool(res.mle_retvals.get("converged", True)) if res.mle_retvals else True,
    }
