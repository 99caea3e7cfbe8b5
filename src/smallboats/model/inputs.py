"""What the compiled daily loop needs, made before it, vectorised across runs.

The scenario's settings, its day-by-day series (crossable-day probabilities, the season, the quota
in force), every run's parameters (its priors, and values derived from them) and the starting state.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import numpy as np

from smallboats.model import kernel as k
from smallboats.model.params import ConditionalQuota, FixedQuota, PathQuota, RampQuota, Range, Scenario, SteppedQuota
from smallboats.model.rng import uniforms

LATER_PRIORS = (
    "crossings.launch_shock_cv",
    "crossings.level_drift_per_year",
    "crossings.p_prevented_give_up",
    "crossings.level_noise_sd",
    "crossings.level_noise_days",
    "scheme.admission_balance",
)


def draw_priors(scenario: Scenario, states: np.ndarray) -> dict[str, np.ndarray]:
    """Draw every prior of the scenario, one value a run, in a fixed order, from the runs' prior streams.

    Every range is drawn in every run, used or not, so that both arms of a pair and every form of
    deterrence see the same draws for the same parameter.
    """
    ranges = [
        (f"{part_name}.{name}", getattr(getattr(scenario, part_name), name))
        for part_name in ("crossings", "scheme", "deterrence")
        for name in type(getattr(scenario, part_name)).model_fields
        if isinstance(getattr(getattr(scenario, part_name), name), Range)
    ]
    # priors added later are drawn after the form, so the draws of the older ones do not move
    first = [r for r in ranges if r[0] not in LATER_PRIORS]
    later = sorted((r for r in ranges if r[0] in LATER_PRIORS), key=lambda r: LATER_PRIORS.index(r[0]))
    u = uniforms(states, "priors", len(ranges) + 1)
    out = {key: value.at(u[i]) for i, (key, value) in enumerate(first)}
    out["deterrence.form_index"] = np.floor(u[len(first)] * len(k.FORMS)).astype(np.int64)
    for i, (key, value) in enumerate(later, start=len(first) + 1):
        out[key] = value.at(u[i])
    return out


def horizon(scenario: Scenario) -> list[dt.date]:
    """The dates of the scenario's horizon."""
    return [scenario.start + dt.timedelta(days=i) for i in range(scenario.days)]


def _in_force(scenario: Scenario, dates: list[dt.date]) -> np.ndarray:
    s = scenario.scheme
    return np.array([s.in_force <= d and (s.end is None or d <= s.end) for d in dates]) & s.enabled


def quota_by_day(scenario: Scenario, dates: list[dt.date]) -> np.ndarray:
    """The weekly quota in force each day (the starting value for a conditional schedule)."""
    s = scenario.scheme
    q = s.quota
    days = len(dates)
    weeks = np.array([(d - s.in_force).days // 7 for d in dates])
    if isinstance(q, FixedQuota):
        out = np.full(days, q.per_week, dtype=float)
    elif isinstance(q, SteppedQuota):
        out = np.zeros(days)
        for start, value in sorted(q.steps):
            out[[d >= start for d in dates]] = value
    elif isinstance(q, RampQuota):
        frac = np.clip(weeks / q.ramp_weeks, 0, 1)
        out = q.start_per_week + (q.end_per_week - q.start_per_week) * frac
    elif isinstance(q, PathQuota):
        path = np.asarray(q.per_week, dtype=float)
        out = path[np.clip(weeks, 0, len(path) - 1)]
    elif isinstance(q, ConditionalQuota):
        out = np.full(days, q.start_per_week, dtype=float)
    else:  # pragma: no cover - the schema admits no other kind
        raise TypeError(type(q))
    return np.where(_in_force(scenario, dates), out, 0.0)


DAYS_IN_MONTH = np.array([31, 28.2425, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31])  # 28.2425: leap years averaged


def seasonal_profile(seasonal) -> np.ndarray:
    """The monthly profile scaled so that its mean over a calendar year, day by day, is 1.

    Scaling over the calendar year rather than over the horizon keeps the level a yearly mean
    whatever the horizon, so the forecast for a given week does not depend on how many weeks are
    asked for (issue 14).
    """
    s = np.asarray(seasonal, dtype=float)
    return s / (np.dot(s, DAYS_IN_MONTH) / DAYS_IN_MONTH.sum())


@dataclass
class Inputs:
    """The arrays handed to :func:`smallboats.model.kernel.run_block` (see its module for the layouts)."""

    config: np.ndarray
    daily: np.ndarray
    params: np.ndarray
    state: np.ndarray


def _config(scenario: Scenario) -> np.ndarray:
    c, s, d = scenario.crossings, scenario.scheme, scenario.deterrence
    cond = s.quota if isinstance(s.quota, ConditionalQuota) else None
    # the first day's weather starts from the chain's stationary share for the starting month
    month = scenario.start.month - 1
    a, b = c.p_cross_after_calm[month], c.p_cross_after_cross[month]
    values = {
        "scheme_on": float(s.enabled),
        "rule": k.RULES.index(s.selection),
        "conditional": float(cond is not None),
        "cond_step": cond.step if cond else 0.0,
        "cond_weeks": cond.weeks if cond else 0.0,
        "cond_max": cond.max_per_week if cond else 0.0,
        "detention_places": s.places(),
        "limit_days": s.limit_days,
        "first_return_day": (s.first_return - scenario.start).days,
        "announced_day": (d.announced - scenario.start).days,
        "threshold_width": d.threshold_width,
        "stationary_crossable": a / (1 - b + a) if (1 - b + a) > 0 else 0.5,
        "ppb_max": c.ppb_max,
    }
    return np.array([values[name] for name in k.CONFIG], dtype=float)


def _daily(scenario: Scenario, dates: list[dt.date]) -> np.ndarray:
    c, s = scenario.crossings, scenario.scheme
    months = np.array([d.month - 1 for d in dates])
    weeks = np.array([(d - s.in_force).days // 7 for d in dates])
    seasonal = seasonal_profile(c.seasonal)
    series = {
        "p_cross_after_calm": np.asarray(c.p_cross_after_calm)[months],
        "p_cross_after_cross": np.asarray(c.p_cross_after_cross)[months],
        "season": seasonal[months],
        "base_quota": quota_by_day(scenario, dates),
        "active": _in_force(scenario, dates),
        "new_week": np.r_[True, weeks[1:] != weeks[:-1]],
        "applying": np.array([d >= s.in_force for d in dates]) & s.enabled,
    }
    return np.ascontiguousarray(np.stack([np.asarray(series[name], dtype=float) for name in k.DAILY]))


def _form(choice: str) -> str:
    """The kernel's response form for a deterrence choice: ``fitted`` is the elasticity form, fitted."""
    return "elasticity" if choice == "fitted" else choice


def _params(scenario: Scenario, pr: dict[str, np.ndarray]) -> np.ndarray:
    form = scenario.deterrence.form
    admin, chal, win = pr["scheme.p_admin_fail"], pr["scheme.p_challenge"], pr["scheme.p_challenge_success"]
    won = chal * win
    lost = np.divide(chal * (1 - win), 1 - won, out=np.zeros_like(won), where=(1 - won) > 0)
    values = {
        "inflow_per_day": pr["crossings.inflow_per_day"],
        "daily_trend": (1 + pr["crossings.trend_per_year"]) ** (1 / 365.25),
        "people_per_boat": pr["crossings.people_per_boat"],
        "daily_ppb_growth": (1 + pr["crossings.ppb_growth_per_year"]) ** (1 / 365.25),
        "p_leave_coast": pr["crossings.p_leave_coast"],
        "p_launch": pr["crossings.p_launch"],
        "p_prevent": pr["crossings.p_prevent"],
        "p_exempt": pr["scheme.p_exempt"],
        "nationality_share": pr["scheme.nationality_share"],
        "rel_quota": pr["scheme.rel_quota"],
        "p_recross": pr["scheme.p_recross"],
        "deflection_share": pr["deterrence.deflection_share"],
        "announcement_drop": pr["deterrence.announcement_drop"],
        "announcement_days": pr["deterrence.announcement_days"],
        "perception_alpha": 1 - 0.5 ** (1 / pr["deterrence.halflife_days"]),
        "lag_days": np.round(pr["deterrence.lag_days"]),
        "form": pr["deterrence.form_index"] if form == "mixture" else np.full(len(admin), k.FORMS.index(_form(form))),
        "linear_slope": pr["deterrence.linear_slope"],
        "base_risk": pr["deterrence.base_risk"],
        "elasticity": pr["deterrence.elasticity"],
        "threshold": pr["deterrence.threshold"],
        "threshold_drop": pr["deterrence.threshold_drop"],
        "dur_process_days": np.round(pr["scheme.dur_process_days"]),
        "dur_challenge_days": pr["scheme.dur_challenge_days"],
        "p_admin_fail": admin,
        "p_won_given_not_failed": won,
        "p_lost_given_neither": lost,
        "admissions_per_day": pr["scheme.admissions_per_week"] / 7,
        "p_admission_pass": pr["scheme.p_admission_pass"],
        "dur_admission_days": np.round(pr["scheme.dur_admission_days"]),
        "admission_balance": np.round(pr["scheme.admission_balance"]),
        "threshold_s0": 1 / (1 + np.exp(pr["deterrence.threshold"] / scenario.deterrence.threshold_width)),
        "p_no_applications": np.exp(-pr["scheme.admissions_per_week"] / 7),
        "log_p_stay": np.where(pr["crossings.p_leave_coast"] <= 0.5, np.log1p(-pr["crossings.p_leave_coast"]), 1.0),
        "launch_shock_cv": pr["crossings.launch_shock_cv"],
        "level_drift_per_year": pr["crossings.level_drift_per_year"],
        "p_prevented_give_up": pr["crossings.p_prevented_give_up"],
        "level_noise_sd": pr["crossings.level_noise_sd"],
        "level_noise_days": pr["crossings.level_noise_days"],
    }
    return np.ascontiguousarray(np.stack([np.asarray(values[name], dtype=float) for name in k.PARAMS]))


def scenario_inputs(scenario: Scenario) -> tuple[np.ndarray, np.ndarray]:
    """What every run of a scenario shares: its settings and its day-by-day series."""
    return _config(scenario), _daily(scenario, horizon(scenario))


def run_inputs(scenario: Scenario, priors: dict[str, np.ndarray]) -> tuple[np.ndarray, np.ndarray]:
    """Each run's parameters and starting state, from its priors (runs are independent of each other)."""
    runs = len(priors["deterrence.form_index"])
    state = np.zeros((runs, len(k.STATE)))
    state[:, k.S_COAST] = np.round(priors["crossings.inflow_per_day"] * 3)
    state[:, k.S_TREND] = 1.0
    state[:, k.S_PPB_TREND] = 1.0
    return _params(scenario, priors), state


def make_inputs(scenario: Scenario, priors: dict[str, np.ndarray]) -> Inputs:
    """Everything the loop reads: settings, daily series, per-run parameters and the starting state."""
    config, daily = scenario_inputs(scenario)
    params, state = run_inputs(scenario, priors)
    return Inputs(config=config, daily=daily, params=params, state=state)
