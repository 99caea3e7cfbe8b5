"""Proper scores and calibration of sample forecasts: CRPS, log score, PIT, band coverage, bias.

Every forecast is a set of samples (rows: weeks, columns: members), so the model and the baselines
are scored by one rule. CRPS comes from the full sample set (``scoringrules.crps_ensemble``, the
quantile-decomposition estimator, which is exact for an ensemble). The log score is that of a
Gaussian kernel density of the samples (``scoringrules.logs_ensemble``) with Silverman's bandwidth,
floored at one person: weekly totals are whole numbers, so a narrower kernel would reward an
ensemble only for piling its members on one integer. The PIT of a count is randomised (a uniform
share of the members equal to the observation), so a calibrated forecast gives a flat histogram.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import scoringrules as sr

LEVELS = (50, 80, 95, 99)  # central bands whose coverage is measured
MIN_BANDWIDTH = 1.0  # people a week: see the module's docstring
SUMMER_MONTHS = (5, 6, 7, 8)  # May-August origins, when crossings peak, are scored apart


def bandwidth(samples: np.ndarray) -> np.ndarray:
    """Silverman's rule of thumb for each row of ``samples``, floored at :data:`MIN_BANDWIDTH`."""
    x = np.asarray(samples, dtype=float)
    sd = x.std(axis=-1, ddof=1)
    q75, q25 = np.quantile(x, [0.75, 0.25], axis=-1)
    spread = np.where((q75 - q25) > 0, np.minimum(sd, (q75 - q25) / 1.34), sd)
    return np.maximum(0.9 * spread * x.shape[-1] ** -0.2, MIN_BANDWIDTH)


def score_samples(samples: np.ndarray, actual: np.ndarray, rng: np.random.Generator) -> dict[str, np.ndarray]:
    """Scores of each row of ``samples`` (weeks x members) against ``actual`` (one value a week).

    Returns arrays, one value a week: the median, ``mae`` (absolute error of the median), ``error``
    (the mean less the observation: its average is the bias), ``crps``, ``logs``, ``pit`` and,
    for each level of :data:`LEVELS`, ``coverage_L`` (1 when the central L% band holds the week).
    """
    x = np.asarray(samples, dtype=float)
    y = np.asarray(actual, dtype=float)
    median = np.median(x, axis=1)
    below = (x < y[:, None]).mean(axis=1)
    equal = (x == y[:, None]).mean(axis=1)
    out = {
        "median": median,
        "mae": np.abs(median - y),
        "error": x.mean(axis=1) - y,
        "crps": np.asarray(sr.crps_ensemble(y, x)),
        "logs": np.asarray(sr.logs_ensemble(y, x, bw=bandwidth(x))),
        "pit": below + rng.uniform(size=len(y)) * equal,
    }
    for level in LEVELS:
        lo, hi = np.quantile(x, [(1 - level / 100) / 2, (1 + level / 100) / 2], axis=1)
        out[f"coverage_{level}"] = ((y >= lo) & (y <= hi)).astype(float)
    return out


def _window(table: pd.DataFrame, horizons) -> pd.DataFrame:
    return table[table.horizon_weeks.isin(list(horizons))]


def pit_histogram(table: pd.DataFrame, horizons=(1, 2, 3, 4), bins: int = 10) -> pd.DataFrame:
    """The share of PIT values in each of ``bins`` equal bins, by method (a flat 1/bins is calibrated).

    Columns: ``method, bin_low, bin_high, share, n``.
    """
    t = _window(table, horizons)
    edges = np.linspace(0, 1, bins + 1)
    rows = []
    for method, g in t.groupby("method", sort=False):
        counts, _ = np.histogram(g.pit.clip(0, 1 - 1e-12), bins=edges)
        for i, c in enumerate(counts):
            rows.append(
                {"method": method, "bin_low": edges[i], "bin_high": edges[i + 1], "share": c / len(g), "n": len(g)}
            )
    return pd.DataFrame(rows)


def season_of(origin: str | pd.Timestamp) -> str:
    """``May-August`` for an origin at the end of a summer month, else ``September-April``."""
    return "May-August" if pd.Timestamp(origin).month in SUMMER_MONTHS else "September-April"


def coverage_by_season(table: pd.DataFrame, horizons=(1, 2, 3, 4)) -> pd.DataFrame:
    """Coverage of each band by method and origin season (and ``all``).

    Columns: ``method, season, level, coverage, n`` (``level`` in percent).
    """
    t = _window(table, horizons).copy()
    t["season"] = [season_of(o) for o in t.origin]
    rows = []
    for (method, season), g in pd.concat([t, t.assign(season="all")]).groupby(["method", "season"], sort=False):
        for level in LEVELS:
            rows.append(
                {
                    "method": method,
                    "season": season,
                    "level": level,
                    "coverage": round(float(g[f"coverage_{level}"].mean()), 3),
                    "n": len(g),
                }
            )
    return pd.DataFrame(rows)


def crps_difference(
    table: pd.DataFrame, horizons=(1, 2, 3, 4), reference: str = "model", reps: int = 2000, seed: int = 7
) -> pd.DataFrame:
    """Each method's mean CRPS less the reference's, with a 95% bootstrap interval.

    Origins are resampled whole (a block bootstrap), because the weeks scored from one origin share
    its errors. A negative difference means the method beats the reference. Columns: ``method,
    horizons, crps, crps_reference, difference, low, high, p_better`` (the share of resamples in
    which the method's CRPS is the lower) and ``origins``.
    """
    t = _window(table, horizons)
    wide = t.pivot_table(index=["origin", "horizon_weeks"], columns="method", values="crps")
    by_origin = wide.groupby(level="origin")
    sums, counts = by_origin.sum(), by_origin.count()
    rng = np.random.default_rng(seed)
    picks = rng.integers(0, len(sums), size=(reps, len(sums)))
    label = f"{min(horizons)}-{max(horizons)}" if len(horizons) > 1 else str(horizons[0])
    rows = []
    for method in [m for m in wide.columns if m != reference]:
        diff = sums[method] - sums[reference]
        boot = diff.to_numpy()[picks].sum(axis=1) / counts[method].to_numpy()[picks].sum(axis=1)
        rows.append(
            {
                "method": method,
                "horizons": label,
                "crps": round(float(wide[method].mean()), 1),
                "crps_reference": round(float(wide[reference].mean()), 1),
                "difference": round(float(diff.sum() / counts[method].sum()), 1),
                "low": round(float(np.quantile(boot, 0.025)), 1),
                "high": round(float(np.quantile(boot, 0.975)), 1),
                "p_better": round(float((boot < 0).mean()), 3),
                "origins": len(sums),
            }
        )
    return pd.DataFrame(rows)


COVERAGE_TARGETS = {80: (0.75, 0.85), 95: (0.90, 0.98)}  # issue 14's promise for weeks 1-4 ahead


def coverage_targets(table: pd.DataFrame, method: str = "model", horizons=(1, 2, 3, 4)) -> pd.DataFrame:
    """Whether ``method``'s bands keep :data:`COVERAGE_TARGETS`, overall and in each origin season.

    Columns: ``season, level, coverage, low, high, met, n``.
    """
    cov = coverage_by_season(table[table.method == method], horizons)
    cov = cov[cov.level.isin(list(COVERAGE_TARGETS))].copy()
    cov["low"] = [COVERAGE_TARGETS[lv][0] for lv in cov.level]
    cov["high"] = [COVERAGE_TARGETS[lv][1] for lv in cov.level]
    cov["met"] = (cov.coverage >= cov.low) & (cov.coverage <= cov.high)
    return cov[["season", "level", "coverage", "low", "high", "met", "n"]].reset_index(drop=True)
