"""Results of a simulation: per-run totals by period, reduced to medians and bands; numbers only.

A run's figures are kept either as daily records, ``(days, runs)`` arrays of every variable
(``simulate(..., records=True)``), or only as the per-run totals of :data:`SUMMARY_KEEPS`, reduced
block by block while the runs are simulated (``records=False``), so that memory no longer grows
with runs x days x variables. Every reduction starts from :meth:`Results.per_run`: a flow (``new_``) is
summed over a period, a stock or share (``n_``, ``p_``, ``quota_week``) is averaged. A scenario's
effect is its difference from the paired no-scheme counterfactual, run by run (common random
numbers), then reduced to a median and bands. No chart is drawn here (see :mod:`smallboats.viz.fan`).
"""

from __future__ import annotations

import datetime as dt
import json
import shutil
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from smallboats import __version__
from smallboats.errors import UsageError
from smallboats.model.kernel import RECORDED
from smallboats.model.params import Scenario
from smallboats.model.rng import BLOCK
from smallboats.vocab import QUANTILES as VOCAB_QUANTILES

if TYPE_CHECKING:  # pandas is imported by what makes a frame: a summary needs none, nor its import time
    import pandas as pd

QUANTILES = VOCAB_QUANTILES  # the one table of quantile names (smallboats.vocab)
ALIASES = {
    "arrivals": "new_arrivals",
    "returned": "new_returned",
    "admitted": "new_admitted",
    "boats": "new_boats",
    "prevented": "new_prevented",
    "selected": "new_selected",
    "lapsed": "new_lapsed",
    "coast": "n_coast",
    "detained": "n_detained",
    "risk": "p_perceived_risk",
    # ``n_pending`` was always equal to ``n_detained`` and is no longer recorded; old names still read
    "n_pending": "n_detained",
    "pending": "n_detained",
}
PERIODS = ("day", "week", "month", "year", "total")
# What a summary-only simulation keeps per run: every variable by year and over the whole horizon
# (what the summary, sweeps and effects read), and weekly arrivals (the fan charts). Weekly totals
# are float32, exact for whole numbers below 2**24 (a week's arrivals are far below that).
SUMMARY_KEEPS = {"total": RECORDED, "year": RECORDED, "week": ("new_arrivals",)}
SUMMARY_DTYPES = {"total": np.float64, "year": np.float64, "week": np.float32}
ARMS = ("scenario", "counterfactual")
SUMMARY_BANDS = ("median", "p05", "p25", "p75", "p95")  # the quantiles a summary gives, of QUANTILES


def _quantiles(x: np.ndarray) -> dict[str, np.ndarray]:
    """The named quantiles of ``(periods, runs)`` totals across runs, as :meth:`Results.band` takes them."""
    q = np.quantile(x, list(QUANTILES.values()), axis=1)
    return dict(zip(QUANTILES, q, strict=True))


def _var(name: str) -> str:
    return ALIASES.get(name, name)


def _kept() -> str:
    return "; ".join(
        f"by {period}: {'every variable' if names == RECORDED else ', '.join(names)}"
        for period, names in SUMMARY_KEEPS.items()
    )


def is_stock(var: str) -> bool:
    """Stocks and shares are averaged over a period; flows are summed."""
    return _var(var).startswith(("n_", "p_", "quota"))


def period_index(start: dt.date, days: int, period: str) -> np.ndarray:
    """The period number of each day of a horizon (non-decreasing, from 0)."""
    if period == "day":
        return np.arange(days)
    if period == "week":
        return np.arange(days) // 7
    if period == "month":
        import pandas as pd

        d = pd.date_range(start, periods=days, freq="D")
        return np.asarray((d.year - d.year[0]) * 12 + d.month - d.month[0])
    if period == "year":
        return (np.arange(days) / 365.25).astype(int)
    if period == "total":
        return np.zeros(days, dtype=int)
    raise UsageError(f"period must be one of {', '.join(PERIODS)}, not {period!r}")


def reduce_days(x: np.ndarray, keys: np.ndarray, stock: bool, dtype=np.float64) -> np.ndarray:
    """Per-period totals (or means, for a stock) of ``x`` along its last axis, which is days."""
    starts = np.flatnonzero(np.r_[True, keys[1:] != keys[:-1]])
    out = np.add.reduceat(x, starts, axis=-1, dtype=np.float64)
    if stock:
        out /= np.diff(np.r_[starts, len(keys)])
    return out.astype(dtype, copy=False)


@dataclass
class Reduced:
    """One arm's per-run totals kept by a summary-only simulation: ``(period, var) -> (periods, runs)``."""

    values: dict[tuple[str, str], np.ndarray]

    @classmethod
    def empty(cls, start: dt.date, days: int, runs: int) -> Reduced:
        """Space for every kept total of ``runs`` runs (filled block by block with :meth:`add_block`)."""
        values = {}
        for period, names in SUMMARY_KEEPS.items():
            n = int(period_index(start, days, period)[-1]) + 1
            for name in names:
                values[(period, name)] = np.zeros((n, runs), dtype=SUMMARY_DTYPES[period])
        return cls(values)

    @staticmethod
    def bytes_per_run(start: dt.date, days: int) -> int:
        """Memory one run's kept totals take in one arm."""
        return sum(
            (int(period_index(start, days, period)[-1]) + 1) * len(names) * np.dtype(SUMMARY_DTYPES[period]).itemsize
            for period, names in SUMMARY_KEEPS.items()
        )

    def add_block(self, start: dt.date, lo: int, records: dict[str, np.ndarray]) -> None:
        """Reduce one block's daily records, ``var -> (runs in the block, days)``, into runs ``lo`` onwards."""
        days = next(iter(records.values())).shape[-1]
        for period, names in SUMMARY_KEEPS.items():
            keys = period_index(start, days, period)
            for name in names:
                out = self.values[(period, name)]
                red = reduce_days(records[name], keys, is_stock(name), out.dtype)
                out[:, lo : lo + red.shape[0]] = red.T


@dataclass
class Results:
    """Both arms of a simulation, with the priors each run drew and its provenance.

    ``daily`` and ``daily_counterfactual`` hold the daily records when they were kept (else None);
    ``reduced`` holds the per-run totals of a summary-only simulation, one :class:`Reduced` an arm.
    """

    scenario: Scenario
    seed: int
    runs: int
    daily: dict[str, np.ndarray] | None
    daily_counterfactual: dict[str, np.ndarray] | None
    priors: dict[str, np.ndarray]
    first_block: int = 0
    meta: dict = field(default_factory=dict)
    reduced: dict[str, Reduced] | None = None

    @property
    def has_records(self) -> bool:
        """Whether the daily records were kept."""
        return self.daily is not None

    def _records(self, arm: str) -> dict[str, np.ndarray]:
        if arm not in ARMS:
            raise UsageError(f"arm must be one of {', '.join(ARMS)}, not {arm!r}")
        if self.daily is None:
            raise UsageError(
                "these results kept only per-run totals (simulate(..., records=False)); "
                "simulate with records=True for daily records"
            )
        return self.daily if arm == "scenario" else self.daily_counterfactual

    @property
    def records(self) -> dict[str, np.ndarray]:
        """The scenario arm's daily records, ``var -> (days, runs)``."""
        return self._records("scenario")

    @property
    def counterfactual(self) -> dict[str, np.ndarray]:
        """The no-scheme arm's daily records (the scenario's own when it has no scheme)."""
        return self._records("counterfactual")

    @property
    def days(self) -> int:
        """Days in the horizon."""
        return self.scenario.days

    @property
    def dates(self) -> pd.DatetimeIndex:
        """The horizon's dates."""
        import pandas as pd

        return pd.date_range(self.scenario.start, periods=self.days, freq="D")

    @property
    def run_ids(self) -> np.ndarray:
        """Each run's number in its ensemble: chunks keep their block offset."""
        return self.first_block * BLOCK + np.arange(self.runs)

    def per_run(self, var: str, period: str = "year", arm: str = "scenario", days: int | None = None) -> np.ndarray:
        """Per-run totals (stocks and shares: means) by period, shape ``(periods, runs)``, float64.

        Args:
            var: a recorded variable or an alias (``arrivals``, ``returned``...).
            period: day, week, month, year (of 365.25 days from the start) or total.
            arm: scenario or counterfactual.
            days: only the first ``days`` days of the horizon (daily records only).
        """
        name = _var(var)
        if name not in RECORDED:
            raise UsageError(f"unknown variable {var!r}; valid: {', '.join(sorted(set(RECORDED) | set(ALIASES)))}")
        keys = period_index(self.scenario.start, self.days, period)
        if self.daily is None:
            kept = self.reduced[arm].values if arm in ARMS else None
            if kept is None or days is not None or (period, name) not in kept:
                what = f"{var} by {period}" + ("" if days is None else f" over the first {days} days")
                raise UsageError(
                    f"{what} was not kept by this summary-only simulation (it keeps {_kept()}); "
                    "simulate with records=True"
                )
            return kept[(period, name)].astype(np.float64)
        x = self._records(arm)[name]
        if days is not None:
            if not 1 <= days <= self.days:
                raise UsageError(f"days must be between 1 and {self.days}, not {days}")
            x, keys = x[:days], keys[:days]
        return reduce_days(x.T, keys, is_stock(name)).T

    def cut(self, var: str = "arrivals", period: str = "year", days: int | None = None) -> np.ndarray:
        """The relative cut per run, ``1 - scenario / counterfactual`` (a counterfactual under one counts as one).

        Positive when the scheme lowers the total; shape ``(periods, runs)``.
        """
        a = self.per_run(var, period, "scenario", days)
        b = self.per_run(var, period, "counterfactual", days)
        return 1 - a / np.maximum(b, 1)

    def totals(self, var: str, period: str = "year", arm: str = "scenario") -> pd.DataFrame:
        """Per-run totals (stocks: period means) by period: rows periods, columns runs."""
        import pandas as pd

        keys = period_index(self.scenario.start, self.days, period)
        df = pd.DataFrame(self.per_run(var, period, arm))
        starts = pd.Series(self.dates).groupby(keys).first()
        df.index = pd.Index(starts.dt.date.values, name="period_start")
        if period == "week":  # a part week at the end would read as a fall
            sizes = pd.Series(keys).value_counts().sort_index()
            df = df[(sizes == 7).to_numpy()]
        return df

    @staticmethod
    def _reduce(df: pd.DataFrame) -> pd.DataFrame:
        import pandas as pd

        q = np.quantile(df.to_numpy(), list(QUANTILES.values()), axis=1).T
        out = pd.DataFrame(q, index=df.index, columns=list(QUANTILES))
        out["mean"] = df.mean(axis=1)
        return out.reset_index()

    def band(self, var: str = "arrivals", period: str = "week", arm: str = "scenario") -> pd.DataFrame:
        """Median and 50/80/95% bands of a variable by period."""
        return self._reduce(self.totals(var, period, arm))

    def band_rows(self, var: str, period: str, arm: str, bands: tuple[str, ...]) -> list[dict]:
        """:meth:`band` as JSON-ready rows of ``period_start`` (ISO text) and the named quantiles.

        The same numbers, reduced without a frame (the dashboard asks for them with every what-if).
        """
        keys = period_index(self.scenario.start, self.days, period)
        starts = np.flatnonzero(np.r_[True, keys[1:] != keys[:-1]])
        x = self.per_run(var, period, arm)
        if period == "week":  # as totals(): a part week at the end would read as a fall
            whole = np.diff(np.r_[starts, len(keys)]) == 7
            x, starts = x[whole], starts[whole]
        q = _quantiles(x)
        first = [(self.scenario.start + dt.timedelta(days=int(d))).isoformat() for d in starts]
        cols = [q[b].tolist() for b in bands]
        return [dict(zip(("period_start", *bands), row, strict=True)) for row in zip(first, *cols, strict=True)]

    def effect(self, var: str = "arrivals", period: str = "year", relative: bool = False) -> pd.DataFrame:
        """Scenario minus counterfactual, run by run, reduced to a median and bands."""
        a, b = self.totals(var, period), self.totals(var, period, arm="counterfactual")
        diff = a - b
        if relative:
            diff = diff / b.where(b > 0)
        return self._reduce(diff.fillna(0))

    def summary(self, variables: tuple[str, ...] = ("arrivals", "returned", "admitted")) -> dict:
        """Per year of the horizon: median and 5/25/75/95th percentiles, and the effect with its interval.

        The same numbers as :meth:`band` and :meth:`effect` by year, reduced from the per-run totals
        without building their frames (a what-if answers in a few milliseconds fewer).
        """
        keys = period_index(self.scenario.start, self.days, "year")
        starts = np.flatnonzero(np.r_[True, keys[1:] != keys[:-1]])
        years = []
        for var in variables:
            a = self.per_run(var, "year", "scenario")
            b = self.per_run(var, "year", "counterfactual")
            band, eff = _quantiles(a), _quantiles(a - b)
            rel = None
            if var == "arrivals":  # as effect(relative=True): no counterfactual arrivals counts as no change
                rel = _quantiles(np.divide(a - b, b, out=np.zeros_like(a), where=b > 0))
            for i, first in enumerate(starts):
                item = {
                    "variable": var,
                    "year": i + 1,
                    "period_start": (self.scenario.start + dt.timedelta(days=int(first))).isoformat(),
                    **{k: round(float(band[k][i]), 1) for k in SUMMARY_BANDS},
                    "effect": {k: round(float(eff[k][i]), 1) for k in SUMMARY_BANDS},
                }
                if rel is not None:
                    item["effect_relative"] = {k: round(float(rel[k][i]), 4) for k in ("median", "p05", "p95")}
                years.append(item)
        return {
            "scenario": self.scenario.name,
            "seed": self.seed,
            "runs": self.runs,
            "start": self.scenario.start.isoformat(),
            "days": self.days,
            "data_release": self.meta.get("data_release"),
            "package_version": __version__,
            "deterrence_form": self.scenario.deterrence.form,
            "detention_places": self.scenario.scheme.places(),
            "years": years,
        }

    def to_frame(self, arm: str = "scenario") -> pd.DataFrame:
        """Every run and day as a tidy frame: one row per (run, date), one column per variable."""
        import pandas as pd

        src = self._records(arm)
        n = self.days * self.runs
        frame = {"run": np.tile(self.run_ids, self.days), "date": np.repeat(self.dates.values, self.runs)}
        for k, v in src.items():
            frame[k] = v.reshape(n)
        if arm == "scenario" and src is not self.daily_counterfactual:
            frame["cf_new_arrivals"] = self.daily_counterfactual["new_arrivals"].reshape(n)
        return pd.DataFrame(frame)

    def priors_frame(self) -> pd.DataFrame:
        """What each run drew from the priors, by run number."""
        import pandas as pd

        return pd.DataFrame({"run": self.run_ids, **self.priors})

    def manifest(self) -> dict:
        """Everything needed to make these results again, exactly."""
        return {
            "scenario": self.scenario.model_dump(mode="json"),
            "seed": self.seed,
            "runs": self.runs,
            "first_block": self.first_block,
            "records": self.has_records,
            "package_version": __version__,
            "data_release": self.meta.get("data_release"),
            "created": dt.datetime.now(dt.UTC).isoformat(),
            "meta": self.meta,
        }

    def save(self, out: Path) -> Path:
        """Write the priors, summary and manifest, and with daily records ``results.parquet``, into a new folder.

        The files are written into a hidden sibling folder that is renamed to ``out`` only when all are
        written, so an interrupted or failed save leaves nothing behind; ``out`` must not exist yet (an
        empty folder is allowed).
        """
        out = Path(out)
        if out.exists() and (not out.is_dir() or any(out.iterdir())):
            raise UsageError(f"{out} already exists and is not an empty folder; give a new one for the results")
        tmp = out.with_name(f".{out.name}.partial")
        try:
            shutil.rmtree(tmp, ignore_errors=True)
            tmp.mkdir(parents=True)
            if self.has_records:
                self.to_frame().to_parquet(tmp / "results.parquet", index=False)
            self.priors_frame().to_parquet(tmp / "priors.parquet", index=False)
            (tmp / "summary.json").write_text(json.dumps(self.summary(), indent=2))
            (tmp / "manifest.json").write_text(json.dumps(self.manifest(), indent=2))
            if out.exists():
                out.rmdir()
            tmp.rename(out)
        except OSError as e:
            raise UsageError(f"cannot write the results to {out}: {e.strerror or e}") from None
        finally:
            shutil.rmtree(tmp, ignore_errors=True)
        return out / "manifest.json"

    @classmethod
    def concat(cls, parts: list[Results]) -> Results:
        """Join the results of consecutive chunks (whole blocks, in any order) into one."""
        parts = sorted(parts, key=lambda r: r.first_block)
        first = parts[0]
        for a, b in zip(parts, parts[1:], strict=False):
            if a.first_block * BLOCK + a.runs != b.first_block * BLOCK:
                raise UsageError(
                    f"chunks are not consecutive: runs {a.run_ids[0]}-{a.run_ids[-1]} are followed by run "
                    f"{b.first_block * BLOCK}"
                )
            if a.has_records != b.has_records:
                raise UsageError("cannot join chunks with daily records to chunks without them")

        def join(arrays: list[dict]) -> dict:
            return {k: np.concatenate([a[k] for a in arrays], axis=-1) for k in arrays[0]}

        reduced = None
        if not first.has_records:
            reduced = {arm: Reduced(join([p.reduced[arm].values for p in parts])) for arm in ARMS}
        return cls(
            scenario=first.scenario,
            seed=first.seed,
            runs=sum(p.runs for p in parts),
            daily=join([p.daily for p in parts]) if first.has_records else None,
            daily_counterfactual=join([p.daily_counterfactual for p in parts]) if first.has_records else None,
            priors=join([p.priors for p in parts]),
            first_block=first.first_block,
            meta=first.meta,
            reduced=reduced,
        )
