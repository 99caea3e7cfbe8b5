"""Assemble a runnable scenario: a preset or file, the baseline fitted from the store, and data paths.

This is where data meet the model: the engine never reads the store, so the fitted crossings and the
published quota path are put into the scenario here, and the scenario is validated once, whole.

A scenario file may name its quota ``kind = "published"``: the weekly path of returns delivered under
the agreement, read from the store (the ``actual`` preset does). It is resolved here into a ``path``
quota, and the selections are scaled so that the model delivers the published total.
"""

from __future__ import annotations

import datetime as dt
import functools
from collections.abc import Callable
from importlib import resources
from pathlib import Path

import pandas as pd

from smallboats import facts
from smallboats.analysis.calibrate import fit_from_store, load_fit
from smallboats.errors import DataError
from smallboats.files import read_toml
from smallboats.model.params import Scenario, is_prior_table
from smallboats.vocab import PRESETS

PUBLISHED = "published"  # the quota kind resolved from the store
WHOLE = ("quota",)  # tables replaced whole by an override, never merged key by key


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


def merge_tables(base: dict, extra: dict) -> dict:
    """``extra`` laid over ``base`` table by table; a quota schedule and a prior are replaced whole.

    A quota of another kind shares no keys with the old one (a ramp has no ``per_week``), so
    merging the two would leave a key the new kind does not know; likewise a range laid over a fitted
    posterior must not keep the posterior's draws.
    """
    out = dict(base)
    for k, v in extra.items():
        if isinstance(v, dict) and isinstance(out.get(k), dict) and k not in WHOLE and not is_prior_table(v):
            out[k] = merge_tables(out[k], v)
        else:
            out[k] = v
    return out


def _date_at(raw: dict, table: str | None, key: str, default: dt.date, label: str) -> dt.date:
    """A date of the raw scenario (before validation), or its default."""
    part = raw.get(table, {}) if table else raw
    value = part.get(key, default) if isinstance(part, dict) else default
    if isinstance(value, dt.date):
        return value
    try:
        return dt.date.fromisoformat(str(value))
    except ValueError:
        where = f"{table}.{key}" if table else key
        raise DataError(label, where, f"{value!r} is not a date (YYYY-MM-DD)") from None


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
    level: str = "fitted",
    on_fit: Callable[[str], None] | None = None,
) -> tuple[Scenario, dict]:
    """A validated scenario with the fitted baseline, and provenance (data release, fit window).

    The baseline is fitted to the data before the scenario's start (the world without the scheme),
    unless ``fit_until`` says otherwise, or is a saved fit named by ``baseline = "NAME"``. Values set
    in the scenario file win over fitted ones; ``overrides`` win over both. ``level`` says where the
    no-scheme level comes from (:func:`~smallboats.analysis.calibrate.fit_baseline`). A deterrence
    form of ``"fitted"`` takes the elasticity, and how risk is measured, from the dose fit, whatever
    the file says of them. Bayesian fits come from the cache; ``on_fit`` is told before one is run.
    """
    raw, label = read_scenario_dict(name_or_path)
    baseline = raw.pop("baseline", None)
    raw = merge_tables(raw, overrides or {})
    if years is not None:
        raw["years"] = years
    start = _date_at(raw, None, "start", Scenario.model_fields["start"].default, label)
    newest = store.daily(as_of=as_of).date.max().date()
    until = fit_until or min(start - dt.timedelta(days=1), newest)
    fitted = (
        load_fit(store, str(baseline))
        if baseline is not None
        else fit_from_store(store, until=until, as_of=as_of, level=level, on_fit=on_fit)
    )
    raw = merge_tables({"crossings": fitted}, raw)
    deterrence_fit = None
    if isinstance(raw.get("deterrence"), dict) and raw["deterrence"].get("form") == "fitted":
        entries, deterrence_fit = fitted_deterrence(store, as_of, on_fit)
        raw["deterrence"] = merge_tables(raw["deterrence"], entries)
    scheme = raw.get("scheme") if isinstance(raw.get("scheme"), dict) else {}
    quota = scheme.get("quota") if isinstance(scheme.get("quota"), dict) else {}
    published = quota.get("kind") == PUBLISHED  # anything else malformed is named by validation below
    if published:
        in_force = _date_at(raw, "scheme", "in_force", facts.IN_FORCE.value, label)
        raw["scheme"]["quota"] = {
            "kind": "path",
            "per_week": actual_quota_path(store, in_force, as_of),
            "source": quota.get("source", "Home Office monthly returns under the UK-France agreement"),
        }
    scenario = Scenario.from_dict(raw, file=label)
    meta = {"data_release": fitted["fit"]["release"], "fit": fitted["fit"], "scenario_file": label}
    if deterrence_fit is not None:
        meta["deterrence_fit"] = deterrence_fit
    if published and not scheme.get("rel_quota"):
        scenario, meta["selections_per_delivered_return"] = _calibrated_actual(scenario, store, as_of)
    return scenario, meta


def fitted_deterrence(store, as_of: str | None = None, on_fit: Callable[[str], None] | None = None):
    """The ``deterrence`` entries of the ``fitted`` form, from the dose fit (cached), and what to record of it."""
    from smallboats.analysis.estimate import estimate_deterrence, from_store
    from smallboats.analysis.estimate.world import deterrence_world

    return deterrence_world(estimate_deterrence(from_store(store, as_of=as_of), on_fit=on_fit))


def _calibrated_actual(scenario: Scenario, store, as_of: str | None) -> tuple[Scenario, float]:
    """Scale the published selection path so that the model delivers the published returns."""
    obs = store.observations("agreement_returned", as_of=as_of)
    k = _selections_multiplier(scenario.model_dump_json(), float(obs.value.sum()), max(obs.period_end))
    out = scenario.model_copy(deep=True)
    out.scheme.rel_quota = type(out.scheme.rel_quota)(low=k, high=k)
    return out, k


@functools.lru_cache(maxsize=16)
def _selections_multiplier(scenario_json: str, published: float, until: dt.date) -> float:
    """The bisected multiplier, cached by scenario, published total and date (bounded)."""
    from smallboats.analysis.calibrate import calibrate_selections

    return calibrate_selections(Scenario.model_validate_json(scenario_json), published, until)


def read_manifest(path: Path, *, max_runs: int) -> tuple[Scenario, int, int, dict]:
    """The scenario, runs, seed and provenance a saved result was made with, to make it again exactly."""
    import json

    try:
        manifest = json.loads(Path(path).read_text(encoding="utf-8"))
        scenario = Scenario.model_validate(manifest["scenario"])
        runs, seed = manifest["runs"], manifest["seed"]
    except (OSError, ValueError, KeyError, TypeError) as e:
        raise DataError(str(path), "manifest", f"not a smallboats manifest: {e}") from None
    if not isinstance(runs, int) or not 1 <= runs <= max_runs:
        raise DataError(str(path), "runs", f"must be a whole number from 1 to {max_runs:,}, not {runs!r}")
    if not isinstance(seed, int) or seed < 0:
        raise DataError(str(path), "seed", f"must be a whole number of 0 or more, not {seed!r}")
    return scenario, runs, seed, manifest.get("meta", {})
