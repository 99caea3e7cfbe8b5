"""Scenario parameters: every field has a unit, an allowed range and a source.

Uncertain quantities are :class:`Range` priors drawn afresh in every run (uniform between ``low``
and ``high``); a range with ``low == high`` is a fixed value. Each field carries its documentation
as data (``json_schema_extra``: unit, source, kind), from which ``docs/parameters.md`` is made.
Unknown keys are errors that list the valid keys.
"""

from __future__ import annotations

import datetime as dt
import math
from pathlib import Path
from typing import Annotated, Literal, Union

import numpy as np
from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_serializer, model_validator

from smallboats import facts
from smallboats.errors import DataError
from smallboats.files import read_toml
from smallboats.vocab import DeterrenceChoice

OFFICIAL, STUDY, ASSUMPTION, FITTED = "official", "study", "assumption", "fitted"

# Sources used by several fields
HO_TIME_SERIES = "Home Office, 'Migrants detected crossing the English Channel in small boats', time series"
HO_AGREEMENT_TABLE = (
    "Home Office, 'Transfers into and returns from the United Kingdom under the UK-France agreement', "
    "monthly table (Border Security Commander's annual report data, 16 Jul 2026)"
)
REPORTED_RATE = (
    "Assumption: the starting rate reported at the UK-France summit (BBC and others, 10 Jul 2025), "
    "not confirmed by the government"
)
NO_RULE = "Assumption: an illustrative rule; no rule for raising the quota has been published"


def P(default, *, unit: str, source: str, kind: str, ge=None, le=None, **kw):  # noqa: N802 - reads as a declaration
    """A documented parameter field."""
    return Field(default, ge=ge, le=le, json_schema_extra={"unit": unit, "source": source, "kind": kind}, **kw)


class _Strict(BaseModel):
    # every number must be finite: a NaN or an infinity is refused where it is read, naming its key
    model_config = ConfigDict(extra="forbid", validate_assignment=True, allow_inf_nan=False)


# Checked item by item, so that the error names the position of the bad value
Probability = Annotated[float, Field(ge=0, le=1)]
WeeklyQuota = Annotated[float, Field(ge=0, le=10_000)]  # the bound of every other quota field
# A month's factor relative to the yearly mean: above zero (a month with no crossings at all would
# stop the inflow for good), and at most 100 (a guard: a month holding a whole year's arrivals is
# about 13)
SeasonalFactor = Annotated[float, Field(gt=0, le=100)]


class Range(_Strict):
    """A prior: uniform between ``low`` and ``high`` (equal for a fixed value), or posterior draws.

    A range fitted by a statistical model carries its posterior ``draws`` and a ``source`` naming the
    model and the data release; each run then takes one draw, chosen by the run's own uniform, and
    ``low`` and ``high`` are the draws' least and greatest (for documents and bounds checks).
    """

    low: float
    high: float
    draws: list[float] | None = None
    source: str = ""

    @model_validator(mode="after")
    def _ordered(self):
        if self.high < self.low:
            raise ValueError(f"high ({self.high}) is below low ({self.low})")
        if self.draws is not None:
            if not self.draws:
                raise ValueError("draws: a posterior needs at least one draw")
            if (self.low, self.high) != (min(self.draws), max(self.draws)):
                raise ValueError(
                    f"low and high ({self.low}, {self.high}) must be the least and greatest of the draws "
                    f"({min(self.draws)}, {max(self.draws)}); to replace the posterior, give low and high only"
                )
        return self

    @model_serializer(mode="wrap")
    def _plain(self, handler):
        # a plain range is written as ``{low, high}`` alone, as before posteriors existed
        out = handler(self)
        return {k: v for k, v in out.items() if k in ("low", "high") or v not in (None, "")}

    @classmethod
    def of(cls, low: float, high: float | None = None) -> Range:
        """A range, or a fixed value when ``high`` is omitted."""
        return cls(low=low, high=low if high is None else high)

    @classmethod
    def posterior(cls, draws, source: str) -> Range:
        """A prior that is a fitted model's posterior: one draw a run."""
        values = [float(x) for x in draws]
        return cls(low=min(values), high=max(values), draws=values, source=source)

    def at(self, u):
        """The values at uniforms ``u`` (one a run): the inverse of the uniform, or the ``u``-th draw."""
        u = np.asarray(u, dtype=float)
        if self.draws is None:
            return self.low + (self.high - self.low) * u
        d = np.asarray(self.draws, dtype=float)
        return d[np.minimum((u * len(d)).astype(np.int64), len(d) - 1)]


PRIOR_KEYS = frozenset(Range.model_fields)


def is_prior_table(value) -> bool:
    """True for a prior written as a table (``low``/``high`` or ``draws``): an override replaces it whole."""
    return isinstance(value, dict) and bool(value) and set(value) <= PRIOR_KEYS and bool({"low", "draws"} & set(value))


def R(low: float, high: float | None = None, *, unit: str, source: str, kind: str, lo: float, hi: float):  # noqa: N802
    """A documented prior whose bounds must lie within ``lo``..``hi``."""
    return Field(
        default_factory=lambda: Range.of(low, high),
        json_schema_extra={"unit": unit, "source": source, "kind": kind, "allowed": [lo, hi]},
    )


# --- quota schedules --------------------------------------------------------------------------


class FixedQuota(_Strict):
    """The same quota every week."""

    kind: Literal["fixed"]
    per_week: float = P(
        50,
        unit="people/week",
        source=(
            "Assumption: the starting rate reported at the UK-France summit (BBC and others, 10 Jul 2025), "
            "not confirmed by the government"
        ),
        kind=ASSUMPTION,
        ge=0,
        le=10_000,
    )


class SteppedQuota(_Strict):
    """Quota changes on given dates: ``steps = [[date, per_week], ...]``."""

    kind: Literal["stepped"]
    steps: list[tuple[dt.date, WeeklyQuota]] = Field(min_length=1)


class RampQuota(_Strict):
    """A linear ramp from ``start_per_week`` to ``end_per_week`` over ``ramp_weeks``."""

    kind: Literal["ramp"]
    start_per_week: float = P(50, unit="people/week", source=REPORTED_RATE, kind=ASSUMPTION, ge=0, le=10_000)
    end_per_week: float = P(
        250, unit="people/week", source="Assumption: a five-fold 'ramp up'", kind=ASSUMPTION, ge=0, le=10_000
    )
    ramp_weeks: int = P(
        52,
        unit="weeks",
        source="Assumption: over a year; no timetable has been published",
        kind=ASSUMPTION,
        ge=1,
        le=520,
    )


class ConditionalQuota(_Strict):
    """Raise the quota by ``step`` whenever the past ``weeks`` weeks all met it, up to ``max_per_week``."""

    kind: Literal["conditional"]
    start_per_week: float = P(50, unit="people/week", source=REPORTED_RATE, kind=ASSUMPTION, ge=0, le=10_000)
    step: float = P(25, unit="people/week", source=NO_RULE, kind=ASSUMPTION, ge=0, le=1_000)
    weeks: int = P(4, unit="weeks", source=NO_RULE, kind=ASSUMPTION, ge=1, le=52)
    max_per_week: float = P(500, unit="people/week", source=NO_RULE, kind=ASSUMPTION, ge=0, le=10_000)


class PathQuota(_Strict):
    """An explicit weekly path from the scheme's start; the last value holds after it."""

    kind: Literal["path"]
    per_week: list[WeeklyQuota] = Field(min_length=1)
    source: str = ""


Quota = Annotated[
    Union[FixedQuota, SteppedQuota, RampQuota, ConditionalQuota, PathQuota],  # noqa: UP007
    Field(discriminator="kind"),
]


def peak_per_week(quota: Quota) -> float:
    """The highest weekly quota a schedule can reach (a conditional schedule's ceiling)."""
    if isinstance(quota, FixedQuota):
        return quota.per_week
    if isinstance(quota, SteppedQuota):
        return max(v for _, v in quota.steps)
    if isinstance(quota, RampQuota):
        return max(quota.start_per_week, quota.end_per_week)
    if isinstance(quota, ConditionalQuota):
        return max(quota.start_per_week, quota.max_per_week)
    return max(quota.per_week)


# The default rule for detention places (an assumption: none are published). A case is held at
# most the agreement's three months (``limit_days``), so that many weeks of the quota in detention
# can never run out: the quota, not the places, binds, unless a scenario sets fewer places to test
# a tighter limit. The floor keeps a tiny quota from being limited by a handful of places.
MIN_PLACES = 200.0
DEFAULT_LIMIT_DAYS = 92


def detention_places_for(quota_per_week: float, limit_days: int = DEFAULT_LIMIT_DAYS) -> float:
    """Detention places when a scenario gives none: the quota for as many weeks as a case may be held, at least 200."""
    places = quota_per_week * limit_days / 7
    if not math.isfinite(places):  # only past validation (a constructed scenario): never let it break the run
        places = MIN_PLACES if math.isnan(places) or places < 0 else 1e12
    return float(max(MIN_PLACES, round(min(places, 1e12))))


# --- the model's parts ------------------------------------------------------------------------


class Crossings(_Strict):
    """The no-scheme world: inflow to the coast, crossable days, launches, prevention, boats."""

    inflow_per_day: Range = R(
        114,
        unit="people/day",
        kind=FITTED,
        lo=0,
        hi=50_000,
        source=(
            "Fitted: each run's level is a posterior draw of the Bayesian model of weekly arrivals "
            "(smallboats.analysis.estimate) at the last week before the start, a yearly mean over the share "
            "arriving; the release is named in the scenario's fit ("
            f"{HO_TIME_SERIES}, SB_01). The default shown is a fallback. "
            "With --level-prior uniform: the last 52 weeks' mean within exp(+/-s), s the record's yearly swing"
        ),
    )
    trend_per_year: Range = R(
        -0.05,
        0.05,
        unit="relative change/year",
        kind=ASSUMPTION,
        lo=-0.9,
        hi=2,
        source="Assumption: no known trend; a few per cent a year either way",
    )
    seasonal: list[SeasonalFactor] = Field(
        default_factory=lambda: [0.35, 0.45, 0.75, 0.8, 0.95, 1.25, 1.2, 1.4, 1.6, 1.35, 1.1, 0.8],
        min_length=12,
        max_length=12,
        json_schema_extra={
            "unit": "relative to the yearly mean",
            "kind": FITTED,
            "source": f"Fitted: monthly shares of arrivals ({HO_TIME_SERIES}, SB_01)",
        },
    )
    p_cross_after_calm: list[Probability] = Field(
        default_factory=lambda: [0.12, 0.14, 0.2, 0.24, 0.3, 0.35, 0.36, 0.38, 0.36, 0.3, 0.22, 0.15],
        min_length=12,
        max_length=12,
        json_schema_extra={
            "unit": "probability",
            "kind": FITTED,
            "source": f"Fitted: P(arrivals today | none yesterday) by month ({HO_TIME_SERIES}, SB_01)",
        },
    )
    p_cross_after_cross: list[Probability] = Field(
        default_factory=lambda: [0.35, 0.4, 0.45, 0.5, 0.55, 0.6, 0.6, 0.62, 0.6, 0.55, 0.45, 0.38],
        min_length=12,
        max_length=12,
        json_schema_extra={
            "unit": "probability",
            "kind": FITTED,
            "source": f"Fitted: P(arrivals today | arrivals yesterday) by month ({HO_TIME_SERIES}, SB_01)",
        },
    )
    p_launch: Range = R(
        0.5,
        0.9,
        unit="share of coast stock/crossable day",
        kind=ASSUMPTION,
        lo=0.01,
        hi=1,
        source="Assumption: most people waiting try on a calm day; no count of launches is published",
    )
    p_prevent: Range = R(
        0.30,
        0.38,
        unit="share of attempts",
        kind=FITTED,
        lo=0,
        hi=0.95,
        source=(
            "Fitted: prevented/(prevented+arrived) by week, French estimates as published in the "
            f"{HO_TIME_SERIES} (SB_02)"
        ),
    )
    p_leave_coast: Range = R(
        0.0,
        0.01,
        unit="share of coast stock/day",
        kind=ASSUMPTION,
        lo=0,
        hi=0.2,
        source="Assumption: a few give up or move on each day",
    )
    people_per_boat: Range = R(
        62,
        unit="people/boat",
        kind=FITTED,
        lo=1,
        hi=200,
        source=(
            "Fitted: the trend of monthly people per boat (log-linear, weighted by boats) over the three "
            f"years to the newest data ({HO_TIME_SERIES}, SB_01), read at the scenario's start; its 90% interval"
        ),
    )
    ppb_growth_per_year: Range = R(
        0.0,
        0.08,
        unit="relative change/year",
        kind=FITTED,
        lo=-0.5,
        hi=1,
        source=f"Fitted: the slope of the same trend ({HO_TIME_SERIES}, SB_01); its 90% interval",
    )
    ppb_max: float = P(
        120,
        unit="people/boat",
        kind=ASSUMPTION,
        ge=1,
        le=300,
        source="Assumption: a ceiling on the trend, well above the highest monthly average on record (in the 80s)",
    )
    launch_shock_cv: Range = R(
        0.0,
        unit="coefficient of variation of the day's launch share",
        kind=ASSUMPTION,
        lo=0,
        hi=5,
        source=(
            "Assumption until calibrated: none by default (each calm day launches the same share); "
            "`calibrate` fits it so that the simulated weeks vary as the record's do"
        ),
    )
    level_drift_per_year: Range = R(
        0.0,
        unit="standard deviation of the log inflow level's change in a year",
        kind=FITTED,
        lo=0,
        hi=10,
        source=(
            "Fitted: each run's step scale of the level's random walk is a posterior draw of the Bayesian "
            "model's (its 4-weekly scale, per year); the release is named in the scenario's fit ("
            f"{HO_TIME_SERIES}, SB_01). "
            "With --level-prior uniform: the record's year-on-year swing of 12-month totals. The default "
            "shown (no drift) is a fallback"
        ),
    )
    p_prevented_give_up: Range = R(
        0.0,
        0.3,
        unit="share of prevented people",
        kind=ASSUMPTION,
        lo=0,
        hi=1,
        source=(
            "Assumption: nobody publishes what becomes of those stopped (French figures count "
            "attempts prevented, not people); most try again, some are detained or give up; 0-30% "
            "spans 'almost all retry' to a large minority"
        ),
    )
    level_noise_sd: Range = R(
        0.0,
        unit="standard deviation of the log inflow level's passing deviation",
        kind=ASSUMPTION,
        lo=0,
        hi=2,
        source=(
            "Assumption until calibrated: none by default; `calibrate` fits it with launch_shock_cv "
            "so that the simulated weeks vary, and hold their level from week to week, as the record's do"
        ),
    )
    level_noise_days: Range = R(
        28,
        unit="days (correlation time)",
        kind=ASSUMPTION,
        lo=1,
        hi=365,
        source="Assumption: a month runs above or below its season for about a month",
    )
    fit: dict = Field(
        default_factory=dict,
        json_schema_extra={
            "unit": "-",
            "kind": FITTED,
            "source": f"Fitted: where the fitted values came from (the release of the {HO_TIME_SERIES}, window)",
        },
    )


class Scheme(_Strict):
    """The returns agreement: screening, selection, detention, casework and admissions."""

    enabled: bool = True
    in_force: dt.date = P(dt.date(2025, 8, 6), unit="date", kind=OFFICIAL, source=facts.IN_FORCE.source)
    first_return: dt.date = P(
        dt.date(2025, 9, 18),
        unit="date",
        kind=OFFICIAL,
        source=(
            "First removal flight, 18 Sep 2025 (press reports); the Home Office monthly table has the "
            "first returns in September 2025"
        ),
    )
    end: dt.date | None = P(
        None, unit="date", kind=ASSUMPTION, source="Assumption: runs to the end of the horizon unless given"
    )
    quota: Quota = Field(default_factory=lambda: FixedQuota(kind="fixed"))
    rel_quota: Range = R(
        1.0,
        unit="multiplier",
        kind=ASSUMPTION,
        lo=0,
        hi=100,
        source="Assumption: 1 keeps the quota path as scheduled; a range makes the path uncertain (sensitivity)",
    )
    selection: Literal["random", "first-come", "by-boat", "by-nationality"] = P(
        "random", unit="rule", kind=ASSUMPTION, source="Assumption: the Home Office has not said how it selects"
    )
    nationality_share: Range = R(
        0.4,
        0.7,
        unit="share of arrivals",
        kind=ASSUMPTION,
        lo=0,
        hi=1,
        source=(
            "Assumption: groups France accepts back; the five commonest nationalities are about two "
            "thirds of small-boat arrivals (Home Office, Irregular migration to the UK)"
        ),
    )
    detention_places: float | None = P(
        None,
        unit="people",
        kind=ASSUMPTION,
        ge=0,
        le=100_000,
        source=(
            "Assumption: the Home Office publishes no count of places set aside for the scheme. Unset, "
            "the rule of detention_places_for: the highest weekly quota for as many weeks as a case may "
            "be held (the three-month limit), at least 200, so that the quota rather than the places binds"
        ),
    )
    p_exempt: Range = R(
        0.10,
        0.30,
        unit="share of arrivals",
        kind=ASSUMPTION,
        lo=0,
        hi=1,
        source="Assumption: unaccompanied children and pending protection claims",
    )
    dur_process_days: Range = R(
        14,
        35,
        unit="days",
        kind=ASSUMPTION,
        lo=1,
        hi=92,
        source="Assumption: the first return came 6 weeks after entry into force",
    )
    p_admin_fail: Range = R(
        0.05,
        0.30,
        unit="share of cases",
        kind=ASSUMPTION,
        lo=0,
        hi=1,
        source="Assumption: France declines, documents missing",
    )
    p_challenge: Range = R(
        0.50,
        0.73,
        unit="share of cases",
        kind=ASSUMPTION,
        lo=0,
        hi=1,
        source=(
            "Assumption: legal challenges and modern-slavery referrals are common where removal is "
            "imminent, but no rate is published for this scheme; a wide range around a half"
        ),
    )
    p_challenge_success: Range = R(
        0.1,
        0.5,
        unit="share of challenges",
        kind=ASSUMPTION,
        lo=0,
        hi=1,
        source="Assumption: few public outcomes; wide range",
    )
    dur_challenge_days: Range = R(
        14,
        60,
        unit="days (mean)",
        kind=ASSUMPTION,
        lo=0,
        hi=365,
        source="Assumption: injunctions and referrals delay removal weeks to months",
    )
    limit_days: int = P(
        DEFAULT_LIMIT_DAYS,
        unit="days",
        kind=OFFICIAL,
        ge=1,
        le=365,
        source=(
            "UK-France Agreement on the Prevention of Dangerous Journeys (in force 6 Aug 2025): the "
            "whole process within three months of arrival"
        ),
    )
    p_recross: Range = R(
        0.004,
        0.065,
        unit="share of returned",
        kind=ASSUMPTION,
        lo=0,
        hi=1,
        source=(
            "Assumption resting on press reports (The Guardian and The Times, Nov 2025) that a second "
            "person returned under the agreement had crossed again when about 94 had been returned: "
            "the range is the 90% binomial interval of 2 in 94"
        ),
    )
    admissions_per_week: Range = R(
        75,
        500,
        unit="applicants ready/week",
        kind=ASSUMPTION,
        lo=0,
        hi=10_000,
        source=(
            "Assumption: how many apply is not published; at least as many as were admitted in the "
            f"busiest month, June 2026 ({HO_AGREEMENT_TABLE}), and up to several times that"
        ),
    )
    p_admission_pass: Range = R(
        0.6,
        0.95,
        unit="share",
        kind=ASSUMPTION,
        lo=0,
        hi=1,
        source="Assumption: security and family-link checks; no refusal rate is published",
    )
    dur_admission_days: Range = R(
        42,
        56,
        unit="days",
        kind=OFFICIAL,
        lo=0,
        hi=365,
        source=(
            f"The first admissions came in the last days of September 2025, seven to eight weeks after "
            f"entry into force ({HO_AGREEMENT_TABLE})"
        ),
    )
    admission_balance: Range = R(
        -24,
        62,
        unit="people (admitted less returned)",
        kind=FITTED,
        lo=-10_000,
        hi=10_000,
        source=(
            "Fitted: the smallest and largest month-end gaps between people admitted and people returned "
            f"({HO_AGREEMENT_TABLE}); refitted from the store when a scenario is built"
        ),
    )

    def places(self) -> float:
        """The detention places used: the scenario's, or the default rule at the quota's peak."""
        if self.detention_places is not None:
            return self.detention_places
        return detention_places_for(peak_per_week(self.quota) * self.rel_quota.high, self.limit_days)


class Deterrence(_Strict):
    """How the inflow to the coast responds to the perceived risk of return."""

    form: DeterrenceChoice = P(
        "mixture",
        unit="form",
        kind=ASSUMPTION,
        source=(
            "Assumption: no form is known, so 'mixture' draws one of the forms in each run; 'fitted' is the "
            "constant elasticity with the posterior of the dose fit (smallboats.analysis.estimate), set when "
            "a scenario is built from the store"
        ),
    )
    lag_days: Range = R(
        14,
        56,
        unit="days",
        kind=ASSUMPTION,
        lo=0,
        hi=365,
        source=(
            "Assumption: news of returns travels through migrants' networks within weeks; no "
            "measurement exists for the Channel; with form 'fitted', the dose fit's lag"
        ),
    )
    halflife_days: Range = R(
        14,
        42,
        unit="days",
        kind=ASSUMPTION,
        lo=1,
        hi=365,
        source="Assumption: perceived risk smooths recent weeks; with form 'fitted', matched to the dose fit's window",
    )
    linear_slope: Range = R(
        0.0,
        2.0,
        unit="relative drop per unit risk",
        kind=ASSUMPTION,
        lo=0,
        hi=10,
        source="Assumption: at 10% risk, up to a 20% drop",
    )
    elasticity: Range = R(
        -0.5,
        0.0,
        unit="elasticity",
        kind=ASSUMPTION,
        lo=-3,
        hi=0,
        source=(
            "Assumption: no study measures how crossings respond to the chance of return; studies of "
            "asylum applications against indices of policy toughness (Hatton 2009, The Economic Journal; "
            "Thielemann 2006) find modest responses, hence a range from none to a modest one; with form "
            "'fitted', the posterior of the dose fit of the record (smallboats.analysis.estimate)"
        ),
    )
    base_risk: Range = R(
        0.02,
        0.10,
        unit="probability",
        kind=ASSUMPTION,
        lo=0.001,
        hi=1,
        source=(
            "Assumption: chance of removal for small-boat arrivals before the scheme; with form 'fitted', "
            "the dose fit's base rate"
        ),
    )
    threshold: Range = R(
        0.1,
        0.5,
        unit="probability",
        kind=ASSUMPTION,
        lo=0,
        hi=1,
        source=(
            "Assumption: no study measures such a threshold; the Albanian fall after the UK-Albania "
            "returns arrangement (see threshold_drop) came with returns a large share of arrivals"
        ),
    )
    threshold_drop: Range = R(
        0.3,
        0.9,
        unit="share of inflow",
        kind=ASSUMPTION,
        lo=0,
        hi=1,
        source=(
            "Assumption: Albanian small-boat arrivals fell by about nine tenths from 2022 to 2023 (Home "
            "Office, Irregular migration to the UK, detailed dataset, year ending September 2023); a "
            "smaller fall is as likely for other groups"
        ),
    )
    threshold_width: float = P(
        0.03,
        unit="probability",
        kind=ASSUMPTION,
        ge=0.001,
        le=1,
        source="Assumption: the step is smoothed over a few points of risk",
    )
    announced: dt.date = P(dt.date(2025, 7, 10), unit="date", kind=OFFICIAL, source=facts.ANNOUNCED.source)
    announcement_drop: Range = R(
        0.0,
        0.1,
        unit="share of inflow",
        kind=ASSUMPTION,
        lo=0,
        hi=1,
        source="Assumption: a short-lived announcement effect; none with form 'fitted' (the dose fit has none apart)",
    )
    announcement_days: Range = R(
        0, 56, unit="days", kind=ASSUMPTION, lo=0, hi=365, source="Assumption: it fades within eight weeks"
    )
    deflection_share: Range = R(
        0.0,
        0.5,
        unit="share of those put off",
        kind=ASSUMPTION,
        lo=0,
        hi=1,
        source="Assumption: some go to another route or country instead",
    )


class Scenario(_Strict):
    """A what-if: the crossings world, the scheme and the deterrence assumptions.

    Use :meth:`from_toml` to read one; :meth:`no_scheme` gives its paired counterfactual.
    """

    name: str = "unnamed"
    description: str = ""
    start: dt.date = P(dt.date(2025, 8, 6), unit="date", kind=OFFICIAL, source=facts.IN_FORCE.source)
    years: float = P(
        3,
        unit="years",
        kind=ASSUMPTION,
        ge=1 / 52,
        le=10,
        source="Assumption: three years covers the pilot and two years of a scheme at its full rate",
    )
    crossings: Crossings = Field(default_factory=Crossings)
    scheme: Scheme = Field(default_factory=Scheme)
    deterrence: Deterrence = Field(default_factory=Deterrence)

    @model_validator(mode="after")
    def _ranges_within_allowed(self):
        for part in (self.crossings, self.scheme, self.deterrence):
            for name, info in type(part).model_fields.items():
                extra = info.json_schema_extra or {}
                value = getattr(part, name)
                if isinstance(value, Range) and "allowed" in extra:
                    lo, hi = extra["allowed"]
                    if value.low < lo or value.high > hi:
                        raise ValueError(
                            f"{type(part).__name__.lower()}.{name}: [{value.low}, {value.high}] is "
                            f"outside the allowed range [{lo}, {hi}]"
                        )
        return self

    @model_validator(mode="after")
    def _fitted_has_draws(self):
        if self.deterrence.form == "fitted" and self.deterrence.elasticity.draws is None:
            raise ValueError(
                "deterrence.form: 'fitted' needs deterrence.elasticity as posterior draws; a scenario built "
                "from the store (smallboats simulate, the API) takes them from the dose fit"
            )
        return self

    @property
    def days(self) -> int:
        """The horizon in days."""
        return int(round(self.years * 365.25))

    def no_scheme(self) -> Scenario:
        """The paired counterfactual: the same world without the scheme."""
        s = self.model_copy(deep=True)
        s.scheme.enabled = False
        s.name = f"{self.name} (no scheme)"
        return s

    @classmethod
    def from_toml(cls, path: str | Path, **overrides) -> Scenario:
        """Read a scenario file; a bad field raises :class:`DataError` naming its path and value."""
        return cls.from_dict(read_toml(path), file=str(path), **overrides)

    @classmethod
    def from_dict(cls, data: dict, file: str = "scenario", **overrides) -> Scenario:
        """Validate a scenario given as a dictionary (same errors as :meth:`from_toml`)."""
        data = _merge(data, overrides)
        try:
            return cls.model_validate(data)
        except ValidationError as e:
            raise DataError(file, *_explain(e)) from None


def _merge(base: dict, extra: dict) -> dict:
    out = dict(base)
    for k, v in extra.items():
        whole = is_prior_table(v) or not (isinstance(v, dict) and isinstance(out.get(k), dict))
        out[k] = v if whole else _merge(out[k], v)
    return out


def _explain(e: ValidationError) -> tuple[str, str]:
    err = e.errors()[0]
    loc = ".".join(str(p) for p in err["loc"] if p not in {"fixed", "stepped", "ramp", "conditional", "path"})
    value = err.get("input")
    msg = err["msg"]
    if err["type"] == "extra_forbidden":
        model = _model_at(err["loc"][:-1])
        valid = ", ".join(sorted(model.model_fields)) if model else ""
        msg = f"unknown key {err['loc'][-1]!r}" + (f"; valid keys: {valid}" if valid else "")
    elif msg.startswith("Value error, ") and not loc:
        loc, _, msg = msg.removeprefix("Value error, ").partition(": ")
    elif not isinstance(value, dict):
        msg = f"{msg} (value {value!r})"
    return loc or "file", msg


def _model_at(loc: tuple):
    model = Scenario
    for p in loc:
        if isinstance(p, int) or model is None:
            return None
        field = model.model_fields.get(p)
        if field is None:
            return {
                "fixed": FixedQuota,
                "stepped": SteppedQuota,
                "ramp": RampQuota,
                "conditional": ConditionalQuota,
                "path": PathQuota,
            }.get(p)
        ann = field.annotation
        model = ann if isinstance(ann, type) and issubclass(ann, BaseModel) else None
    return model
