"""The model by day: daily counts with a latent share of days the sea allows a crossing (an option).

For day ``d``::

    y_d ~ ZeroInflatedNegativeBinomial(mean = exp(eta_d), concentration = phi, gate = g_d)
    eta_d = level_d + F_d @ beta_season + X_d @ beta_x
    logit(g_d) = gate_0 + F_d @ beta_gate
    level_d = linear interpolation of knots k_j, one every KNOT_DAYS days, a Student-t walk as by week

``g_d`` is the chance that a day has no crossing at all whatever the level (the weather closes the
sea): most days without arrivals are such days, and a weekly model cannot see them. ``eta_d`` is
then the log of the mean on a day that is open. The weekly model (:mod:`.bayes`) stays the default:
this one sees the same weeks, day by day, and takes several times longer to fit.

Covariates are daily where the data are (weather), and the week's value on each of its days where
they are weekly (preventions). Forecasts are drawn by day and summed to the same weeks as the weekly
model's, so everything downstream reads them alike.
"""

from __future__ import annotations

import contextlib
import os
import time
import warnings

import numpy as np
import pandas as pd

from smallboats.analysis.estimate import bayes, record

KNOT_DAYS = 28  # the weekly model's four weeks, so the level moves at the same pace
PRIORS = {
    "gate_0": {
        "dist": "Normal(0, 1.5) on the logit of the share of days closed to crossings",
        "source": "assumption: anything from nearly every day to almost none, centred on a half",
    },
    "beta_gate": {
        "dist": "Normal(0, 1) for each Fourier coefficient of that logit",
        "source": "assumption: winter may close several times more days than summer",
    },
}


def days_of(weeks: pd.DatetimeIndex) -> pd.DatetimeIndex:
    """Every day of the Sunday-ending weeks given, in order (seven a week)."""
    return pd.DatetimeIndex([w - pd.Timedelta(days=6 - i) for w in weeks for i in range(7)])


def fourier_days(days: pd.DatetimeIndex, harmonics: int = record.HARMONICS) -> np.ndarray:
    """Annual Fourier terms at each day (the weekly model's terms, day by day)."""
    t = (days - pd.Timestamp("2000-01-01")).days.to_numpy() / record.YEAR_DAYS
    return np.column_stack([f(2 * np.pi * k * t) for k in range(1, harmonics + 1) for f in (np.sin, np.cos)])


def design(inputs, weeks: pd.DatetimeIndex) -> tuple[np.ndarray, np.ndarray, pd.DatetimeIndex]:
    """Fourier terms and covariates for every day of ``weeks``: ``F``, ``X`` and the days.

    A weekly covariate (preventions) takes its week's value on each day; the weather is read by day
    and standardised over the days given.
    """
    days = days_of(weeks)
    cols = []
    for c in inputs.covariates:
        if c in ("wave_height_m", "wind_speed_ms"):
            w = inputs.weather.set_index(pd.to_datetime(inputs.weather.date))[c].sort_index()
            v = w.reindex(days).to_numpy(dtype=float)  # every day is there: with_weather checked the weeks
            cols.append((v - np.nanmean(v)) / (np.nanstd(v) or 1.0))
        else:
            cols.append(np.repeat(inputs.weeks.loc[weeks, c].to_numpy(dtype=float), 7))
    X = np.column_stack(cols) if cols else np.zeros((len(days), 0))
    return fourier_days(days), X, days


def knots(n_days: int) -> np.ndarray:
    """The linear-interpolation matrix from level knots (one every :data:`KNOT_DAYS` days) to days."""
    pos = np.arange(n_days) / KNOT_DAYS
    lo = np.floor(pos).astype(int)
    W = np.zeros((n_days, int(lo[-1]) + 2))
    W[np.arange(n_days), lo] = 1.0 - (pos - lo)
    W[np.arange(n_days), lo + 1] = pos - lo
    return W


def model(y, F, X, W, level0_mean):
    """The NumPyro model: the weekly model's level walk and seasonality, by day, with a seasonal gate."""
    import jax
    import jax.numpy as jnp
    import numpyro
    import numpyro.distributions as dist

    level_0 = numpyro.sample("level_0", dist.Normal(level0_mean, 1.5))
    sigma = numpyro.sample("sigma", dist.HalfNormal(0.5))
    nu = numpyro.sample("nu", dist.Gamma(2.0, 0.1))
    z = numpyro.sample("z", dist.StudentT(nu, 0.0, 1.0).expand([W.shape[1] - 1]).to_event(1))
    knot = numpyro.deterministic("knot", level_0 + jnp.concatenate([jnp.zeros(1), jnp.cumsum(sigma * z)]))
    beta_s = numpyro.sample("beta_season", dist.Normal(0.0, 1.0).expand([F.shape[1]]).to_event(1))
    eta = W @ knot + F @ beta_s
    if X.shape[1]:
        beta_x = numpyro.sample("beta_x", dist.Normal(0.0, 0.5).expand([X.shape[1]]).to_event(1))
        eta = eta + X @ beta_x
    gate_0 = numpyro.sample("gate_0", dist.Normal(0.0, 1.5))
    beta_g = numpyro.sample("beta_gate", dist.Normal(0.0, 1.0).expand([F.shape[1]]).to_event(1))
    phi = numpyro.sample("phi", dist.Gamma(2.0, 0.5))
    gate = jax.nn.sigmoid(gate_0 + F @ beta_g)
    numpyro.sample("y", dist.ZeroInflatedNegativeBinomial2(jnp.exp(eta), phi, gate=gate), obs=y)


_COMPILED: dict[tuple, object] = {}


def fit(y, F, X, *, warmup: int = 500, samples: int = 500, chains: int = 2, seed: int = 7) -> bayes.Fit:
    """Fit the daily model by NUTS and check its diagnostics (as :func:`.bayes.fit`)."""
    bayes._jax()
    import jax
    import jax.numpy as jnp
    from numpyro.diagnostics import summary
    from numpyro.infer import MCMC, NUTS

    y = np.asarray(y, dtype=np.float32)
    open_share = max(float((y[:56] > 0).mean()), 0.1)
    level0_mean = float(np.log(np.mean(y[:56]) / open_share + 1.0))
    key = (len(y), F.shape[1], X.shape[1], warmup, samples, chains)
    if key not in _COMPILED:
        bayes.forget_compiled(_COMPILED)
        method = "parallel" if jax.local_device_count() >= chains else "sequential"
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            _COMPILED[key] = MCMC(
                NUTS(model, target_accept_prob=0.95),
                num_warmup=warmup,
                num_samples=samples,
                num_chains=chains,
                chain_method=method,
                progress_bar=False,
                jit_model_args=True,
            )
    mcmc = _COMPILED[key]
    W = jnp.asarray(knots(len(y)), dtype=jnp.float32)
    args = (jnp.asarray(y), jnp.asarray(F, dtype=jnp.float32), jnp.asarray(X, dtype=jnp.float32), W, level0_mean)
    t0 = time.perf_counter()
    with open(os.devnull, "w") as devnull, warnings.catch_warnings(), contextlib.redirect_stderr(devnull):
        warnings.simplefilter("ignore")
        mcmc.run(jax.random.PRNGKey(seed), *args, extra_fields=("diverging",))
    seconds = time.perf_counter() - t0
    grouped = {k: np.asarray(v) for k, v in mcmc.get_samples(group_by_chain=True).items() if k != "z"}
    stats = summary(grouped, group_by_chain=True)
    diag = {
        "max_rhat": round(max(float(np.nanmax(s["r_hat"])) for s in stats.values()), 4),
        "min_ess": round(min(float(np.nanmin(s["n_eff"])) for s in stats.values()), 1),
        "divergences": int(np.asarray(mcmc.get_extra_fields()["diverging"]).sum()),
        "chains": chains,
        "warmup": warmup,
        "samples": samples,
        "seconds": round(seconds, 2),
        "frequency": "day",
    }
    flat = {k: v.reshape((-1,) + v.shape[2:]) for k, v in grouped.items()}
    flat["n_days"] = np.array(len(y))
    return bayes.Fit(draws=flat, diagnostics=diag, warnings=bayes.check(diag))


def forecast(fit: bayes.Fit, F_ahead: np.ndarray, X_ahead: np.ndarray, *, seed: int) -> np.ndarray:
    """Daily counts for the days after the fit, one row per posterior draw.

    Each draw continues its own level walk, closes a day with its own seasonal chance, and draws
    a negative-binomial count (as gamma-Poisson) on the days left open.
    """
    d = fit.draws
    rng = np.random.default_rng(np.random.SeedSequence([seed, 17]))
    n, H, T = d["sigma"].shape[0], F_ahead.shape[0], int(d["n_days"])
    W = knots(T + H)[T:]
    extra = W.shape[1] - d["knot"].shape[1]
    steps = rng.standard_t(d["nu"][:, None], size=(n, extra)) * d["sigma"][:, None]
    level = np.concatenate([d["knot"], d["knot"][:, -1][:, None] + np.cumsum(steps, axis=1)], axis=1) @ W.T
    eta = level + d["beta_season"] @ F_ahead.T
    if X_ahead.shape[1]:
        eta = eta + d["beta_x"] @ X_ahead.T
    gate = 1.0 / (1.0 + np.exp(-(d["gate_0"][:, None] + d["beta_gate"] @ F_ahead.T)))
    mean = np.exp(np.clip(eta, -20, 20))
    phi = d["phi"][:, None]
    counts = rng.poisson(rng.gamma(phi, mean / phi)).astype(np.float64)
    return np.where(rng.random(counts.shape) < gate, 0.0, counts)


def to_weeks(days_draws: np.ndarray) -> np.ndarray:
    """Daily draws summed into their weeks (seven days each, in order)."""
    n, days = days_draws.shape
    return days_draws.reshape(n, days // 7, 7).sum(axis=2)
