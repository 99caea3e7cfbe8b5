"""One translation from a what-if (the dashboard's sliders, an API body) to a runnable scenario.

Every face that changes a preset by a few settings goes through :func:`whatif_overrides`, so the
same what-if gives the same scenario whichever face asked.

Detention places are an explicit input. When neither the what-if nor the preset gives any, the
model's default rule (:func:`smallboats.model.params.detention_places_for`, at the quota's peak)
applies, and the value used is reported with the result.
"""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field

from smallboats import facts
from smallboats.model.params import Scheme, detention_places_for
from smallboats.vocab import DeterrenceChoice


def _upper(model, name: str) -> float:
    """A field's upper bound as the model declares it, so a what-if can never allow more than a scenario."""
    return next(m.le for m in model.model_fields[name].metadata if getattr(m, "le", None) is not None)


MAX_QUOTA_PER_WEEK = 5000.0
MAX_PLACES = _upper(Scheme, "detention_places")
RAMP_WEEKS = 52


def default_detention_places(quota_per_week: float) -> float:
    """Detention places for a weekly quota when none are given: the model's one rule.

    See :func:`smallboats.model.params.detention_places_for` (an assumption, with its reason); a
    scenario that gives no places uses the same rule at its quota's peak, so a what-if, a sweep, a
    threshold search and a scenario file agree.
    """
    return detention_places_for(quota_per_week)


class WhatIf(BaseModel):
    """Changes to a preset, as the dashboard's sliders set them (all optional)."""

    model_config = ConfigDict(extra="forbid")
    quota_per_week: float | None = Field(
        None, ge=0, le=MAX_QUOTA_PER_WEEK, description="Fixed weekly quota (people a week)"
    )
    ramp_to_per_week: float | None = Field(
        None,
        ge=0,
        le=MAX_QUOTA_PER_WEEK,
        description=f"Ramp the quota linearly from quota_per_week (or the preset's) to this over {RAMP_WEEKS} weeks",
    )
    detention_places: float | None = Field(
        None, ge=0, le=MAX_PLACES, description="Detention places (default: the documented rule)"
    )
    p_challenge: float | None = Field(None, ge=0, le=1, description="Share of cases legally challenged")
    p_prevent: float | None = Field(None, ge=0, le=0.95, description="Share of attempts prevented in France")
    deterrence: DeterrenceChoice | None = Field(
        None, description="Deterrence response ('fitted': the elasticity's posterior from the dose fit of the record)"
    )

    def is_empty(self) -> bool:
        """True when the what-if changes nothing."""
        return all(v is None for v in self.model_dump().values())


def _quota(w: WhatIf, preset_quota: float) -> dict | None:
    if w.ramp_to_per_week is not None:
        start = w.quota_per_week if w.quota_per_week is not None else preset_quota
        return {
            "kind": "ramp",
            "start_per_week": start,
            "end_per_week": w.ramp_to_per_week,
            "ramp_weeks": RAMP_WEEKS,
        }
    if w.quota_per_week is not None:
        return {"kind": "fixed", "per_week": w.quota_per_week}
    return None


def whatif_overrides(w: WhatIf | None, preset_quota: float = float(facts.ANNOUNCED_QUOTA_PER_WEEK.value)) -> dict:
    """Scenario overrides for a what-if: ranges set to the fixed values chosen.

    Args:
        w: the what-if (None changes nothing).
        preset_quota: the weekly quota a ramp starts from when the what-if gives none.
    """
    if w is None:
        return {}
    out: dict = {}
    scheme: dict = {}
    quota = _quota(w, preset_quota)
    if quota is not None:
        scheme["quota"] = quota
    if w.detention_places is not None:
        scheme["detention_places"] = w.detention_places
    if w.p_challenge is not None:
        scheme["p_challenge"] = {"low": w.p_challenge, "high": w.p_challenge}
    if scheme:
        out["scheme"] = scheme
    if w.p_prevent is not None:
        out["crossings"] = {"p_prevent": {"low": w.p_prevent, "high": w.p_prevent}}
    if w.deterrence is not None:
        out["deterrence"] = {"form": w.deterrence}
    return out


def whatif_scenario(
    preset: str,
    store,
    whatif: WhatIf | None,
    *,
    years: float | None = None,
    as_of=None,
    memo: dict | None = None,
    on_fit=None,
):
    """The preset with the what-if applied, built and validated once; returns ``(scenario, meta)``.

    ``meta["what_if"]`` records the settings used, detention places included; ``memo`` keeps the
    fits made (see :func:`~smallboats.analysis.scenarios.build_scenario`). ``deterrence =
    "fitted"`` draws the elasticity from the dose fit; ``on_fit`` is told before a Bayesian fit runs
    (the cache did not hold it).
    """
    from smallboats.analysis.scenarios import build_scenario, read_scenario_dict

    raw, _ = read_scenario_dict(preset)
    # the presets are the project's own files, so their quota tables are well formed
    preset_quota = float(
        raw.get("scheme", {}).get("quota", {}).get("per_week", 0.0) or facts.ANNOUNCED_QUOTA_PER_WEEK.value
    )
    overrides = whatif_overrides(whatif, preset_quota)
    sc, meta = build_scenario(preset, store, years=years, as_of=as_of, overrides=overrides, memo=memo, on_fit=on_fit)
    used = whatif.model_dump() if whatif else {}
    used["detention_places"] = sc.scheme.places()
    meta["what_if"] = used
    return sc, meta
