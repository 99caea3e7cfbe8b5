"""Assemble a runnable scenario: a preset or file, the baseline fitted from the store, and data paths.

This is where data meet the model: the engine never reads the store, so the fitted crossings and the
``actual`` quota path are put into the scenario here.
"""

from __future__ import annotations

import datetime as dt
from importlib import resources
from pathlib import Path

import pandas as pd

from smallboats.analysis.calibrate import fit_from_store
from smallboats.errors import DataError
from smallboats.files import read_toml
from smallboats.model.params import Scenario, _merge

PRESETS = ("no-scheme", "pilot-50", "ramp-up", "deterrence-strong", "actual")


def preset_path(name: str) -> Path:
    """The file of a shipped preset."""
    return Path(str(resources.files("smallboats.model") / "presets" / f"{name}.toml"))


def read_scenario_dict(name_or_path: str) -> tuple[dict, str]:
    """The raw dictionary of a preset name or a TOML file, and its label for messages."""
    if name_or_path in PRESETS:
        path = preset_path(name_or_path)
    else:
        path = Path(name_or_path)
        if not path.is_file():
            raise DataError(name_or_path, "scenario", f"no such file or preset; presets: {', '.join(PRESETS)}")
    return read_toml(path), (name_or_path if name_or_path in PRESETS else str(path))


def actual_quota_path(store, in_force: dt.date, as_of: str | None = None) -> list[float]:
    """Weekly returns delivered under the agreement, week by week from ``in_force``."""
    obs = store.observations("agreement_returned", as_of=as_of)
    if obs.empty:
        raise DataError("store", "agreement_returned", "the store holds no returns under the agreement")
    days = []
    for r in obs.itertuples():
        n = (r.period_end - r.period_start).days + 1
        days += [(r.period_start + dt.timedelta(days=i), r.value / n) for i in range(n)]
    daily = pd.Series(dict(days)).sort_index()
    weeks = (pd.to_datetime(daily.index) - pd.Timestamp(in_force)).days // 7
    return [round(float(x), 3) for x in daily.groupby(weeks.values).sum().values]


def build_scenario(
    name_or_path: str,
    store,
    *,
    years: float | None = None,
    as_of: str | None = None,
    fit_until: dt.date | None = None,
    overrides: dict | None = None,
) -> tuple[Scenario, dict]:
    """A validated scenario with the fitted baseline, and provenance (data release, fit window).

    The baseline is fitted to the data before the scenario's start (the world without the scheme),
    unless ``fit_until`` says otherwise. Values set in the scenario file win over fitted ones.
    """
    raw, label = read_scenario_dict(name_or_path)
    baseline = raw.pop("baseline", None)  # a named fit from `smallboats calibrate`
    if overrides:
        raw = _merge(raw, overrides)
    if years is not None:
        raw["years"] = years
    start = Scenario.from_dict(raw, file=label).start  # validate the file as written, before fitting
    newest = store.daily(as_of=as_of).date.max().date()
    until = fit_until or min(start - dt.timedelta(days=1), newest)
    if baseline is not None:
        from smallboats.analysis.calibrate import load_fit

        fitted = load_fit(store, str(baseline))
    else:
        fitted = fit_from_store(store, until=until, as_of=as_of)
    raw = _merge({"crossings": fitted}, raw)
    quota = raw.get("scheme", {}).get("quota", {})
    if quota.get("kind") == "path" and quota.get("per_week") == [0.0]:
        in_force = Scenario.from_dict(
            {"scheme": {k: v for k, v in raw.get("scheme", {}).items() if k == "in_force"}}
        ).scheme.in_force
        raw["scheme"]["quota"]["per_week"] = actual_quota_path(store, in_force, as_of)
        calibrate_actual = True
    else:
        calibrate_actual = False
    scenario = Scenario.from_dict(raw, file=label)
    meta = {"data_release": fitted["fit"]["release"], "fit": fitted["fit"], "scenario_file": label}
    if calibrate_actual and not raw.get("scheme", {}).get("rel_quota"):
        scenario, meta["selections_per_delivered_return"] = _calibrated_actual(scenario, store, as_of)
    return scenario, meta


def _calibrated_actual(scenario: Scenario, store, as_of: str | None) -> tuple[Scenario, float]:
    """Scale the ``actual`` selection path so that the model delivers the published returns."""
    from smallboats.analysis.calibrate import calibrate_selections

    obs = store.observations("agreement_returned", as_of=as_of)
    until = max(obs.period_end)
    k = _selection_cache.get((scenario.model_dump_json(), until))
    if k is None:
        k = calibrate_selections(scenario, float(obs.value.sum()), until)
        _selection_cache[(scenario.model_dump_json(), until)] = k
    out = scenario.model_copy(deep=True)
    out.scheme.rel_quota = type(out.scheme.rel_quota)(low=k, high=k)
    return out, k


_selection_cache: dict = {}
