"""Assemble a runnable scenario: a preset or file, the baseline fitted from the store, and data paths.

This is where data meet the model: the engine never reads the store, so the fitted crossings and the
published quota path are put into the scenario here, and the scenario is validated once, whole.

A scenario file may name its quota ``kind = "published"``: the weekly path of returns delivered under
the agreement, read from the store (the ``actual`` preset does). It is resolved here into a ``path``
quota, and the selections are scaled so that the model delivers the published total.
"""

from __future__ import annotations

import copy
import datetime as dt
import functools
from collections.abc import Callable
from importlib import resources
from pathlib import Path
from typing import TYPE_CHECKING

from smallboats import facts
from smallboats.errors import DataError
from smallboats.files import read_toml
from smallboats.model.params import Scenario, is_prior_table
from smallboats.vocab import PRESETS

if TYPE_CHECKING:  # pandas (and the calibration, which needs it) only where a frame is made or a fit run
    import pandas as pd

PUBLISHED = "published"  # the quota kind resolved from the store
WHOLE = ("quota",)  # tables replaced whole by an override, never merged key by key
# the series the baseline fit reads (calibrate.fit_from_store): their releases key the cached fit
FIT_READS = ["sb_people", "sb_boats", "sb_week_people", "sb_week_prevented_people"]
DAILY = ["sb_people", "sb_boats"]
AGREEMENT = ["agreement_returned", "agreement_admitted"]  # what fit_admissions reads


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


def _published_daily(store, series: str, as_of: str | None) -> pd.Series:
    """A monthly series of the agreement spread evenly over its days."""
    import pandas as pd

    obs = store.observations(series, as_of=as_of)
    if obs.empty:
        raise DataError("store", series, "the store holds no figures under the agreement")
    days = []
    for r in obs.itertuples():
        n = (r.period_end - r.period_start).days + 1
        days += [(r.period_start + dt.timedelta(days=i), r.value / n) for i in range(n)]
    return pd.Series(dict(days)).sort_index()


def actual_quota_path(store, in_force: dt.date, as_of: str | None = None, lead_days: int = 0) -> list[float]:
    """Weekly selections that deliver the published returns, week by week from ``in_force``.

    ``lead_days`` moves each published return that many days earlier: a case is selected some
    weeks before its return (casework and challenges take time). Selections that would fall before
    ``in_force`` are made on it; the path's last week holds after the data end.
    """
    import pandas as pd

    daily = _published_daily(store, "agreement_returned", as_of)
    when = pd.to_datetime(daily.index) - pd.Timedelta(days=lead_days)
    when = when.where(when >= pd.Timestamp(in_force), pd.Timestamp(in_force))
    weeks = (when - pd.Timestamp(in_force)).days // 7
    path = daily.groupby(weeks.values).sum()
    # the last lead_days of the path have no returns to deliver yet: hold the last month's rate
    last_month = daily.iloc[-30:].sum() / 30 * 7
    full = path.reindex(range(int(weeks.max()) + 1 + lead_days // 7), fill_value=0.0)
    full.iloc[len(full) - lead_days // 7 :] = last_month
    return [round(float(x), 3) for x in full.values]


def fit_admissions(store, as_of: str | None = None) -> dict:
    """The range of the admissions' balance with returns: the month-end gaps in the published table.

    Returns a scenario table (``{"admission_balance": {"low", "high"}}``), or ``{}`` when the store
    holds no agreement figures.
    """
    ret = store.observations("agreement_returned", as_of=as_of)
    adm = store.observations("agreement_admitted", as_of=as_of)
    if ret.empty or adm.empty:
        return {}
    gap = adm.set_index("period_end").value.cumsum() - ret.set_index("period_end").value.cumsum()
    gap = gap.dropna()
    return {"admission_balance": {"low": float(gap.min()), "high": float(gap.max())}}


def build_scenario(
    name_or_path: str,
    store,
    *,
    years: float | None = None,
    as_of: str | None = None,
    fit_until: dt.date | None = None,
    overrides: dict | None = None,
    memo: dict | None = None,
    level: str = "fitted",
    on_fit: Callable[[str], None] | None = None,
) -> tuple[Scenario, dict]:
    """A validated scenario with the fitted baseline, and provenance (data release, fit window).

    The baseline is fitted to the data before the scenario's start (the world without the scheme),
    unless ``fit_until`` says otherwise, or is a saved fit named by ``baseline = "NAME"``. Values set
    in the scenario file win over fitted ones; ``overrides`` win over both. ``memo`` keeps the
    store's newest day and the fits made, for a caller that builds many scenarios from one state of
    the store (a server empties it when the store changes); a what-if then costs no new fit.
    ``level`` says where the no-scheme level comes from
    (:func:`~smallboats.analysis.calibrate.fit_baseline`). A deterrence form of ``"fitted"`` takes
    the elasticity, and how risk is measured, from the dose fit, whatever the file says of them.
    Bayesian fits come from the cache; ``on_fit`` is told before one is run.
    """
    raw, label = read_scenario_dict(name_or_path)
    baseline = raw.pop("baseline", None)
    raw = merge_tables(raw, overrides or {})
    if years is not None:
        raw["years"] = years
    start = _date_at(raw, None, "start", Scenario.model_fields["start"].default, label)
    memo = {} if memo is None else memo
    releases, newest = _kept(memo, ("newest", as_of), lambda: _holdings(store, as_of))
    if newest is None:
        store.daily(as_of=as_of)  # raises the store's own message: no daily figures
    until = fit_until or min(start - dt.timedelta(days=1), newest)
    if baseline is not None:
        from smallboats.analysis.calibrate import load_fit

        fitted = load_fit(store, str(baseline))
    else:
        key = ("fit", until, newest, as_of, level)
        fitted = _kept(
            memo, key, lambda: cached_fit(store, until, as_of, releases, ppb_until=newest, level=level, on_fit=on_fit)
        )
    fitted = copy.deepcopy(fitted)  # the scenario is built from a copy: a kept fit is never changed
    admissions = _kept(memo, ("admissions", as_of), lambda: cached_admissions(store, as_of))
    raw = merge_tables({"crossings": fitted, "scheme": copy.deepcopy(admissions)}, raw)
    deterrence_fit = _fit_deterrence(raw, store, as_of, on_fit)
    scheme = raw.get("scheme") if isinstance(raw.get("scheme"), dict) else {}
    quota = scheme.get("quota") if isinstance(scheme.get("quota"), dict) else {}
    published = quota.get("kind") == PUBLISHED  # anything else malformed is named by validation below
    if published:
        _resolve_published(raw, quota, store, as_of, label)
    scenario = Scenario.from_dict(raw, file=label)
    meta = {"data_release": fitted["fit"]["release"], "fit": fitted["fit"], "scenario_file": label}
    if deterrence_fit is not None:
        meta["deterrence_fit"] = deterrence_fit
    if published and not scheme.get("rel_quota"):
        scenario, meta["selections"] = _calibrated_actual(scenario, store, as_of)
    return scenario, meta


def _fit_deterrence(raw: dict, store, as_of: str | None, on_fit) -> dict | None:
    """For a deterrence form of ``"fitted"``: put the dose fit's entries in ``raw``; what to record of the fit."""
    if not (isinstance(raw.get("deterrence"), dict) and raw["deterrence"].get("form") == "fitted"):
        return None
    entries, record = fitted_deterrence(store, as_of, on_fit)
    raw["deterrence"] = merge_tables(raw["deterrence"], entries)
    return record


def _resolve_published(raw: dict, quota: dict, store, as_of: str | None, label: str) -> None:
    """Put the published weekly path of returns in place of a ``kind = "published"`` quota."""
    in_force = _date_at(raw, "scheme", "in_force", facts.IN_FORCE.value, label)
    raw["scheme"]["quota"] = {
        "kind": "path",
        "per_week": actual_quota_path(store, in_force, as_of),
        "source": quota.get("source", "Home Office monthly returns under the UK-France agreement"),
    }


def fitted_deterrence(store, as_of: str | None = None, on_fit: Callable[[str], None] | None = None):
    """The ``deterrence`` entries of the ``fitted`` form, from the dose fit (cached), and what to record of it."""
    from smallboats.analysis.estimate import estimate_deterrence, from_store
    from smallboats.analysis.estimate.world import deterrence_world

    return deterrence_world(estimate_deterrence(from_store(store, as_of=as_of), on_fit=on_fit))


def _holdings(store, as_of: str | None) -> tuple[list[str], dt.date | None]:
    """The releases the baseline fit reads, and the newest day of the daily series."""
    return store.holdings(FIT_READS, as_of=as_of)[0], store.holdings(DAILY, as_of=as_of)[1]


def cached_fit(
    store,
    until: dt.date,
    as_of: str | None,
    releases: list[str],
    ppb_until: dt.date | None = None,
    level: str = "fitted",
    on_fit: Callable[[str], None] | None = None,
) -> dict:
    """The baseline fitted to the store up to ``until``, kept on disk by the releases it reads.

    The fit simulates the launch shock to match the record (about a second); it is made again when
    a release, the date, the package version or its code changes (see
    :mod:`smallboats.analysis.results_cache`).
    """
    from smallboats.analysis.results_cache import cached

    options = {"until": until.isoformat(), "as_of": as_of, "ppb_until": ppb_until and ppb_until.isoformat()}
    options["level"] = level

    def make() -> dict:
        from smallboats.analysis.calibrate import fit_from_store

        return fit_from_store(store, until=until, as_of=as_of, ppb_until=ppb_until, level=level, on_fit=on_fit)

    return cached("baseline-fit", releases, options, make)


def cached_admissions(store, as_of: str | None = None) -> dict:
    """:func:`fit_admissions`, kept on disk by the releases it reads (a run that finds it reads no frame)."""
    from smallboats.analysis.results_cache import cached

    releases = store.holdings(AGREEMENT, as_of=as_of)[0]
    return cached("admissions", releases, {"as_of": as_of}, lambda: fit_admissions(store, as_of))


def _kept(memo: dict, key: tuple, make):
    """``memo[key]``, made by ``make()`` the first time."""
    if key not in memo:
        memo[key] = make()
    return memo[key]


def _calibrated_actual(scenario: Scenario, store, as_of: str | None) -> tuple[Scenario, dict]:
    """Lead and scale the published selection path so that the model delivers the published returns.

    The lead (selections made weeks before the returns they deliver) is chosen so that the model's
    month-end returns follow the published ones; the multiplier so that their total matches.
    """
    obs = store.observations("agreement_returned", as_of=as_of)
    published = tuple(float(x) for x in obs.value.cumsum())
    month_ends = tuple(obs.period_end)
    paths = {
        lead: actual_quota_path(store, scenario.scheme.in_force, as_of, lead_days=lead) for lead in LEAD_DAYS_SEARCHED
    }
    lead, k = _selections_fit(scenario.model_dump_json(), published, month_ends, tuple(map(tuple, paths.values())))
    out = scenario.model_copy(deep=True)
    out.scheme.quota = type(out.scheme.quota)(kind="path", per_week=paths[lead], source=out.scheme.quota.source)
    out.scheme.rel_quota = type(out.scheme.rel_quota)(low=k, high=k)
    return out, {"lead_days": lead, "per_delivered_return": k}


# Leads searched for the published path: none to eight weeks (the first return came six weeks after
# entry into force, and a challenged case can take weeks more).
LEAD_DAYS_SEARCHED = tuple(range(0, 57, 7))


@functools.lru_cache(maxsize=16)
def _selections_fit(scenario_json: str, published: tuple, month_ends: tuple, paths: tuple) -> tuple[int, float]:
    """The lead and multiplier, cached by scenario, published path and candidate paths (bounded)."""
    from smallboats.analysis.calibrate import calibrate_selections
    from smallboats.analysis.results_cache import cached

    scenario = Scenario.model_validate_json(scenario_json)
    candidates = dict(zip(LEAD_DAYS_SEARCHED, paths, strict=True))
    # the options hold everything the fit reads (the scenario carries its fitted baseline), so the
    # disk cache needs no release ids of its own
    options = {"scenario": scenario_json, "published": published, "month_ends": month_ends, "paths": paths}
    fit = cached(
        "actual-selections", [], options, lambda: calibrate_selections(scenario, published, month_ends, candidates)
    )
    return tuple(fit)


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
