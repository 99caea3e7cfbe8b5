"""Results of a simulation: labelled daily arrays for every run, reduced to medians and bands.

Arrays are held as ``(days, runs)``. A scenario's effect is its difference from the paired
no-scheme counterfactual, run by run (common random numbers), then reduced to a median and bands.
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from smallboats import __version__
from smallboats.model.params import Scenario

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
}


def _var(name: str) -> str:
    return ALIASES.get(name, name)


@dataclass
class Results:
    """Both arms of a simulation, with the priors each run drew and its provenance."""

    scenario: Scenario
    seed: int
    runs: int
    records: dict[str, np.ndarray]
    counterfactual: dict[str, np.ndarray]
    priors: dict[str, np.ndarray]
    first_block: int = 0
    meta: dict = field(default_factory=dict)

    @property
    def days(self) -> int:
        """Days in the horizon."""
        return self.records["new_arrivals"].shape[0]

    @property
    def dates(self) -> pd.DatetimeIndex:
        """The horizon's dates."""
        return pd.date_range(self.scenario.start, periods=self.days, freq="D")

    def _periods(self, period: str) -> np.ndarray:
        d = self.dates
        if period == "day":
            return np.arange(self.days)
        if period == "week":
            return np.arange(self.days) // 7
        if period == "month":
            return (d.year - d.year[0]) * 12 + d.month - d.month[0]
        if period == "year":
            return (np.arange(self.days) / 365.25).astype(int)
        raise ValueError(f"period must be day, week, month or year, not {period!r}")

    def totals(self, var: str, period: str = "year", arm: str = "scenario") -> pd.DataFrame:
        """Per-run totals (stocks: period means) by period: rows periods, columns runs."""
        src = self.records if arm == "scenario" else self.counterfactual
        x = src[_var(var)].astype(np.float64)
        keys = self._periods(period)
        df = (
            pd.DataFrame(x).groupby(keys).mean()
            if _var(var).startswith(("n_", "p_", "quota"))
            else pd.DataFrame(x).groupby(keys).sum()
        )
        starts = pd.Series(self.dates).groupby(keys).first()
        df.index = pd.Index(starts.dt.date.values, name="period_start")
        if period == "week":  # a part week at the end would read as a fall
            sizes = pd.Series(keys).value_counts().sort_index()
            df = df[(sizes == 7).to_numpy()]
        return df

    @staticmethod
    def _reduce(df: pd.DataFrame) -> pd.DataFrame:
        q = np.quantile(df.to_numpy(), list(QUANTILES.values()), axis=1).T
        out = pd.DataFrame(q, index=df.index, columns=list(QUANTILES))
        out["mean"] = df.mean(axis=1)
        return out.reset_index()

    def band(self, var: str = "arrivals", period: str = "week", arm: str = "scenario") -> pd.DataFrame:
        """Median and 50/80/95% bands of a variable by period."""
        return self._reduce(self.totals(var, period, arm))

    def effect(self, var: str = "arrivals", period: str = "year", relative: bool = False) -> pd.DataFrame:
        """Scenario minus counterfactual, run by run, reduced to a median and bands."""
        a, b = self.totals(var, period), self.totals(var, period, arm="counterfactual")
        diff = a - b
        if relative:
            diff = diff / b.where(b > 0)
        return self._reduce(diff.fillna(0))

    def summary(self, variables: tuple[str, ...] = ("arrivals", "returned", "admitted")) -> dict:
        """Per year of the horizon: median and 5/25/75/95th percentiles, and the effect with its interval."""
        years = []
        for var in variables:
            band = self.band(var, "year")
            eff = self.effect(var, "year")
            rel = self.effect(var, "year", relative=True) if var == "arrivals" else None
            for i, row in band.iterrows():
                item = {
                    "variable": var,
                    "year": i + 1,
                    "period_start": row.period_start.isoformat(),
                    **{k: round(float(row[k]), 1) for k in ("median", "p05", "p25", "p75", "p95")},
                    "effect": {k: round(float(eff.loc[i, k]), 1) for k in ("median", "p05", "p25", "p75", "p95")},
                }
                if rel is not None:
                    item["effect_relative"] = {k: round(float(rel.loc[i, k]), 4) for k in ("median", "p05", "p95")}
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
            "years": years,
        }

    def to_frame(self, arm: str = "scenario") -> pd.DataFrame:
        """Every run and day as a tidy frame: one row per (run, date), one column per variable."""
        src = self.records if arm == "scenario" else self.counterfactual
        n = self.days * self.runs
        frame = {
            "run": np.tile(np.arange(self.runs) + self.first_block * 0, self.days),
            "date": np.repeat(self.dates.values, self.runs),
        }
        for k, v in src.items():
            frame[k] = v.reshape(n)
        if arm == "scenario" and src is not self.counterfactual:
            frame["cf_new_arrivals"] = self.counterfactual["new_arrivals"].reshape(n)
        return pd.DataFrame(frame)

    def priors_frame(self) -> pd.DataFrame:
        """What each run drew from the priors."""
        return pd.DataFrame(self.priors).rename_axis("run").reset_index()

    def manifest(self) -> dict:
        """Everything needed to make these results again, exactly."""
        return {
            "scenario": self.scenario.model_dump(mode="json"),
            "seed": self.seed,
            "runs": self.runs,
            "first_block": self.first_block,
            "package_version": __version__,
            "data_release": self.meta.get("data_release"),
            "created": dt.datetime.now(dt.UTC).isoformat(),
            "meta": self.meta,
        }

    def save(self, out: Path) -> Path:
        """Write ``results.parquet``, ``priors.parquet``, ``summary.json`` and ``manifest.json``."""
        out = Path(out)
        out.mkdir(parents=True, exist_ok=True)
        self.to_frame().to_parquet(out / "results.parquet", index=False)
        self.priors_frame().to_parquet(out / "priors.parquet", index=False)
        (out / "summary.json").write_text(json.dumps(self.summary(), indent=2))
        (out / "manifest.json").write_text(json.dumps(self.manifest(), indent=2))
        return out / "manifest.json"

    def plot(self, var: str = "arrivals", period: str = "week"):
        """A fan chart (median, 50/80/95% bands) of a variable; returns a ChartSpec."""
        from smallboats.viz.fan import fan_chart

        return fan_chart(
            {self.scenario.name: self.band(var, period)},
            var,
            period,
            source=f"smallboats {__version__} simulation, seed {self.seed}, {self.runs} runs",
        )

    @classmethod
    def concat(cls, parts: list[Results]) -> Results:
        """Join the results of consecutive chunks into one."""
        parts = sorted(parts, key=lambda r: r.first_block)
        first = parts[0]

        def join(key: str) -> dict:
            return {k: np.concatenate([getattr(p, key)[k] for p in parts], axis=-1) for k in getattr(first, key)}

        return cls(
            scenario=first.scenario,
            seed=first.seed,
            runs=sum(p.runs for p in parts),
            records=join("records"),
            counterfactual=join("counterfactual"),
            priors={k: np.concatenate([p.priors[k] for p in parts]) for k in first.priors},
            first_block=first.first_block,
            meta=first.meta,
        )
