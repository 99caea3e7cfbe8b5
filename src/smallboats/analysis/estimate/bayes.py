"""The Bayesian model of weekly arrivals: NumPyro on JAX's CPU backend, fitted by NUTS.

The model, for week ``t`` of ``T``::

    y_t ~ NegativeBinomial(mean = exp(eta_t), concentration = phi)
    eta_t = level_t + F_t @ beta_season + X_t @ beta_x
    level_t = linear interpolation of knots k_j, one every KNOT_WEEKS weeks
    k_j = level_0 + sigma * sum_{i<=j} z_i,   z_i ~ StudentT(nu, 0, 1)

``F`` holds Fourier terms of the year (annual seasonality), ``X`` the standardised covariates. The
priors are in :data:`PRIORS`, each with its source or the word "assumption" and why (docs/estimation.md).
Forecasts extend the walk from each posterior draw in NumPy (:func:`forecast`), so one fit serves any
horizon and the same seed gives the same numbers.
"""

from __future__ import annotations

import contextlib
import logging
import os
import warnings
from dataclasses import dataclass, field

import numpy as np

MODEL_VERSION = "2"
RHAT_MAX = 1.01
ESS_MIN = 100  # below this the posterior's tails are not well estimated (Vehtari et al. 2021)

# Every prior, its parameters and why. Kept as data so docs and outputs quote the same thing.
PRIORS: dict[str, dict] = {
    "level_0": {
        "dist": "Normal(log(mean of the first 8 weeks + 1), 1.5)",
        "source": "assumption: centred on the data's start, wide enough for a factor of 20 either way",
    },
    "sigma": {
        "dist": "HalfNormal(0.5) on the log-level's step per knot (4 weeks)",
        "source": "assumption: year-on-year swings of log 0.3-0.4 in the record (12-month totals to July 2024 "
        "and to July 2026) imply a 4-weekly scale near 0.1, well inside this prior",
    },
    "nu": {
        "dist": "Gamma(2, 0.1)",
        "source": "Juárez and Steel (2010), 'Model-based clustering of non-Gaussian panel data based on "
        "skew-t distributions', Journal of Business & Economic Statistics; the Stan prior-choice "
        "recommendations (Stan Development Team, 2020) for Student-t degrees of freedom",
    },
    "beta_season": {
        "dist": "Normal(0, 1) for each Fourier coefficient",
        "source": "assumption: a summer-to-winter ratio of up to e^2 is plausible a priori; the record "
        "shows ratios near that",
    },
    "beta_x": {
        "dist": "Normal(0, 0.5) per standardised covariate",
        "source": "assumption: one standard deviation of a covariate moves arrivals by at most about "
        "a factor of e either way",
    },
    "phi": {
        "dist": "Gamma(2, 0.5) on the negative-binomial concentration",
        "source": "assumption: weekly counts are far more variable than Poisson (weather); mean 4 with "
        "room for 0.5 to 12",
    },
    "elasticity": {
        "dist": "Normal(0, 0.5)",
        "source": "centred on no effect so the data must show one; scale chosen so the range -0.5 to 0 of "
        "Hatton (2009), 'The rise and fall of asylum: what happened and why?', The Economic Journal, "
        "and Thielemann (2006) lies within one standard deviation",
        "mean": 0.0,
        "sd": 0.5,
    },
}


@dataclass
class Fit:
    """A fitted model: posterior draws, diagnostics and what it was fitted to.

    Attributes:
        draws: posterior draws by site, each with the draws (chains × samples, flattened) first.
        diagnostics: ``max_rhat, min_ess, divergences, chains, warmup, samples, seconds``.
        warnings: sentences saying what is wrong with the fit (empty when the diagnostics pass).
        covariates: the covariate names, in the columns' order.
    """

    draws: dict[str, np.ndarray]
    diagnostics: dict
    warnings: list[str] = field(default_factory=list)
    covariates: list[str] = field(default_factory=list)

    def posterior_draws(self) -> dict[str, np.ndarray]:
        """Draws a simulator can use: the level walk's scale and tail, the final level, and any elasticity.

        ``sigma`` is the scale of the level's step per knot (:data:`KNOT_WEEKS` weeks); ``sigma_per_week`` is
        it divided by the square root of the knot's weeks (exact for Gaussian steps, close for these tails).
        """
        keys = ("sigma", "nu", "phi", "elasticity")
        out = {k: self.draws[k] for k in keys if k in self.draws}
        out["sigma_per_week"] = self.draws["sigma"] / np.sqrt(KNOT_WEEKS)
        out["level_last"] = self.draws["knot"][:, -1]
        return out


def _jax():
    """Configure JAX for the CPU with two host devices (one per chain), quietly, and return numpyro."""
    if "jax" not in __import__("sys").modules:
        flags = os.environ.get("XLA_FLAGS", "")
        if "xla_force_host_platform_device_count" not in flags:
            os.environ["XLA_FLAGS"] = (flags + " --xla_force_host_platform_device_count=2").strip()
        os.environ.setdefault("JAX_PLATFORMS", "cpu")
    logging.getLogger("jax._src.xla_bridge").setLevel(logging.ERROR)
    import jax

    jax.config.update("jax_platforms", "cpu")
    jax.config.update("jax_enable_x64", False)
    # JAX's persistent compilation cache is opt-in ($SMALLBOATS_JAX_CACHE, a folder): writing it
    # crashed a process once in a run of many fits of different lengths (a segmentation fault in
    # jax's compilation_cache.put_executable_and_time), and the fits themselves are cached anyway.
    folder = os.environ.get("SMALLBOATS_JAX_CACHE")
    if folder and jax.config.jax_compilation_cache_dir is None:
        jax.config.update("jax_compilation_cache_dir", folder)
        jax.config.update("jax_persistent_cache_min_compile_time_secs", 1.0)
    import numpyro

    return numpyro


KNOT_WEEKS = 4  # assumption: the level moves month by month; week-to-week swings are the weather's (the NB noise)


def knots(n_weeks: int) -> np.ndarray:
    """The linear-interpolation matrix from level knots (one every :data:`KNOT_WEEKS` weeks) to weeks."""
    pos = np.arange(n_weeks) / KNOT_WEEKS
    n_knots = int(np.floor(pos[-1])) + 2
    W = np.zeros((n_weeks, n_knots))
    lo = np.floor(pos).astype(int)
    frac = pos - lo
    W[np.arange(n_weeks), lo] = 1.0 - frac
    W[np.arange(n_weeks), lo + 1] = frac
    return W


def model(y, F, X, W, level0_mean, elasticity_x=None):
    """The NumPyro model: a Student-t random walk on level knots, interpolated to weeks, and NB counts."""
    import jax.numpy as jnp
    import numpyro
    import numpyro.distributions as dist

    K = W.shape[1]
    level_0 = numpyro.sample("level_0", dist.Normal(level0_mean, 1.5))
    sigma = numpyro.sample("sigma", dist.HalfNormal(0.5))
    nu = numpyro.sample("nu", dist.Gamma(2.0, 0.1))
    z = numpyro.sample("z", dist.StudentT(nu, 0.0, 1.0).expand([K - 1]).to_event(1))
    knot = numpyro.deterministic("knot", level_0 + jnp.concatenate([jnp.zeros(1), jnp.cumsum(sigma * z)]))
    beta_s = numpyro.sample("beta_season", dist.Normal(0.0, 1.0).expand([F.shape[1]]).to_event(1))
    eta = W @ knot + F @ beta_s
    if X.shape[1]:
        beta_x = numpyro.sample("beta_x", dist.Normal(0.0, 0.5).expand([X.shape[1]]).to_event(1))
        eta = eta + X @ beta_x
    if elasticity_x is not None:
        p = PRIORS["elasticity"]
        e = numpyro.sample("elasticity", dist.Normal(p["mean"], p["sd"]))
        eta = eta + e * elasticity_x
    phi = numpyro.sample("phi", dist.Gamma(2.0, 0.5))
    numpyro.sample("y", dist.NegativeBinomial2(jnp.exp(eta), phi), obs=y)


_COMPILED: dict[tuple, object] = {}  # MCMC objects by shape and settings: JAX compiles once per shape
# Samplers kept compiled at once. A backtest fits one series length per origin; keeping every
# sampler (and JAX's caches of their executables) grew until XLA crashed compiling the next one
# (a segmentation fault in backend_compile_and_load, twice, after some fifty fits of different
# lengths in one process). Past this many, the oldest go and JAX's caches are cleared.
KEEP_COMPILED = 4


def forget_compiled(compiled: dict) -> None:
    """Drop the oldest samplers past :data:`KEEP_COMPILED`, and JAX's caches with them."""
    if len(compiled) < KEEP_COMPILED:
        return
    import jax

    while len(compiled) >= KEEP_COMPILED:
        compiled.pop(next(iter(compiled)))
    jax.clear_caches()
    import gc

    gc.collect()


def _mcmc(shape_key: tuple, warmup: int, samples: int, chains: int):
    numpyro = _jax()
    import jax
    from numpyro.infer import MCMC, NUTS

    key = (shape_key, warmup, samples, chains)
    if key not in _COMPILED:
        forget_compiled(_COMPILED)
        method = "parallel" if jax.local_device_count() >= chains else "sequential"
        kernel = NUTS(model, target_accept_prob=0.95)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            _COMPILED[key] = MCMC(
                kernel,
                num_warmup=warmup,
                num_samples=samples,
                num_chains=chains,
                chain_method=method,
                progress_bar=False,
                jit_model_args=True,
            )
    del numpyro
    return _COMPILED[key]


# long: the sampler set-up, the run and its diagnostics belong together; split, each part would be trivial
def fit(
    y: np.ndarray,
    F: np.ndarray,
    X: np.ndarray,
    *,
    elasticity_x: np.ndarray | None = None,
    warmup: int = 500,
    samples: int = 500,
    chains: int = 2,
    seed: int = 7,
) -> Fit:
    """Fit the model by NUTS and check its diagnostics.

    Args:
        y: weekly counts.
        F: Fourier terms, one row a week.
        X: standardised covariates, one row a week (zero columns for none).
        elasticity_x: the dose term ``log(1 + rate / base)`` when deterrence is estimated.
        warmup: warm-up iterations per chain.
        samples: kept draws per chain.
        chains: chains (run in parallel when two CPU devices are available).
        seed: the random seed.

    Returns:
        The fit, with ``warnings`` listing any diagnostic failure.
    """
    import time

    _jax()
    import jax
    import jax.numpy as jnp
    from numpyro.diagnostics import summary

    y = np.asarray(y, dtype=np.float32)
    level0_mean = float(np.log(np.mean(y[:8]) + 1.0))
    shape_key = (len(y), F.shape[1], X.shape[1], elasticity_x is not None)
    mcmc = _mcmc(shape_key, warmup, samples, chains)
    W = jnp.asarray(knots(len(y)), dtype=jnp.float32)
    args = (jnp.asarray(y), jnp.asarray(F, dtype=jnp.float32), jnp.asarray(X, dtype=jnp.float32), W, level0_mean)
    ex = None if elasticity_x is None else jnp.asarray(elasticity_x, dtype=jnp.float32)
    t0 = time.perf_counter()
    with open(os.devnull, "w") as devnull, warnings.catch_warnings(), contextlib.redirect_stderr(devnull):
        warnings.simplefilter("ignore")
        mcmc.run(jax.random.PRNGKey(seed), *args, elasticity_x=ex, extra_fields=("diverging",))
    seconds = time.perf_counter() - t0
    grouped = {k: np.asarray(v) for k, v in mcmc.get_samples(group_by_chain=True).items() if k != "z"}
    stats = summary(grouped, group_by_chain=True)
    rhat = max(float(np.nanmax(s["r_hat"])) for s in stats.values())
    ess = min(float(np.nanmin(s["n_eff"])) for s in stats.values())
    div = int(np.asarray(mcmc.get_extra_fields()["diverging"]).sum())
    diag = {
        "max_rhat": round(rhat, 4),
        "min_ess": round(ess, 1),
        "divergences": div,
        "chains": chains,
        "warmup": warmup,
        "samples": samples,
        "seconds": round(seconds, 2),
    }
    flat = {k: v.reshape((-1,) + v.shape[2:]) for k, v in grouped.items()}
    flat["n_weeks"] = np.array(len(y))
    return Fit(draws=flat, diagnostics=diag, warnings=check(diag))


def check(diag: dict) -> list[str]:
    """Sentences for every diagnostic that fails, built from the numbers."""
    out = []
    if diag["max_rhat"] > RHAT_MAX:
        out.append(
            f"WARNING: the chains disagree (max R-hat {diag['max_rhat']:.3f} > {RHAT_MAX}); "
            "do not trust this fit; run more warm-up or draws"
        )
    if diag["divergences"]:
        out.append(
            f"WARNING: {diag['divergences']} divergent transitions; the sampler may have missed part of the posterior"
        )
    if diag["min_ess"] < ESS_MIN:
        out.append(
            f"WARNING: the smallest effective sample size is {diag['min_ess']:.0f} (< {ESS_MIN}); "
            "intervals' tails are unreliable"
        )
    return out


def forecast(
    fit: Fit,
    F_ahead: np.ndarray,
    X_ahead: np.ndarray,
    *,
    seed: int,
    elasticity_x: np.ndarray | None = None,
) -> np.ndarray:
    """Weekly counts for the weeks after the fit, one row per posterior draw.

    Each draw continues its own level walk with Student-t steps of its own scale, adds its
    seasonality and covariate effects, and draws a negative-binomial count (as gamma-Poisson).
    ``elasticity_x`` (the dose) is added only when the fit estimated an elasticity.
    """
    d = fit.draws
    rng = np.random.default_rng(np.random.SeedSequence([seed, 13]))
    n, H, T = d["sigma"].shape[0], F_ahead.shape[0], int(d["n_weeks"])
    W = knots(T + H)[T:]  # the weeks ahead, on the knots of the fit extended
    extra = W.shape[1] - d["knot"].shape[1]
    steps = rng.standard_t(d["nu"][:, None], size=(n, extra)) * d["sigma"][:, None]
    ahead = d["knot"][:, -1][:, None] + np.cumsum(steps, axis=1)
    level = np.concatenate([d["knot"], ahead], axis=1) @ W.T
    eta = level + d["beta_season"] @ F_ahead.T
    if X_ahead.shape[1]:
        eta = eta + d["beta_x"] @ X_ahead.T
    if elasticity_x is not None and "elasticity" in d:
        eta = eta + d["elasticity"][:, None] * elasticity_x[None, :]
    mean = np.exp(np.clip(eta, -20, 20))
    phi = d["phi"][:, None]
    lam = rng.gamma(phi, mean / phi)
    return rng.poisson(lam).astype(np.float64)
