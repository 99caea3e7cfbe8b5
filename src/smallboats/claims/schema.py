"""The claims file: claims as data, validated with pydantic (unknown keys are errors).

A claim states a figure, a comparison and the date it speaks of, and says how to compute the
figure from the store with a small expression: a query (``so-far``, ``window``, ``day``,
``per-boat``, ``annual-record``), a published ``value`` of a series, or arithmetic on other
expressions (``ratio``, ``share``, ``sum``, ``product``, ``difference``, ``min``, ``max``).
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Annotated, Literal, Union

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from smallboats.errors import validation_error
from smallboats.files import read_toml


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class Constant(_Strict):
    """A figure taken as given (e.g. the scheme's 50 a week)."""

    kind: Literal["constant"]
    value: float
    label: str = ""


class SoFar(_Strict):
    """Arrivals from 1 January to ``date``: the total, or the smallest rise on any earlier year."""

    kind: Literal["so-far"]
    date: dt.date
    measure: Literal["people", "boats"] = "people"
    statistic: Literal["total", "min_increase_pct", "increase_pct_on"] = "total"
    since_year: int = 2018
    against: int | None = Field(None, description="With increase_pct_on: the year compared with (same dates)")

    @model_validator(mode="after")
    def _named_year(self):
        if (self.statistic == "increase_pct_on") != (self.against is not None):
            raise ValueError("increase_pct_on needs against = YEAR, and against goes only with it")
        return self


class Day(_Strict):
    """Arrivals on one day."""

    kind: Literal["day"]
    date: dt.date
    measure: Literal["people", "boats"] = "people"


class Window(_Strict):
    """A total or average over ``start``..``end`` inclusive."""

    kind: Literal["window"]
    start: dt.date
    end: dt.date
    statistic: Literal["people", "boats", "people_per_week", "boats_per_week", "people_per_boat"]


class PerBoat(_Strict):
    """People per boat in one month; ``record_margin`` is how far it is above every earlier month."""

    kind: Literal["per-boat"]
    month: str = Field(pattern=r"^\d{4}-\d{2}$")
    statistic: Literal["value", "record_margin"] = "value"


class AnnualRecord(_Strict):
    """The highest complete calendar year of the daily series: its total or its year."""

    kind: Literal["annual-record"]
    measure: Literal["people", "boats"] = "people"
    statistic: Literal["value", "year"] = "value"


class Value(_Strict):
    """One published figure of a series: a calendar ``year`` or the period ending ``end``."""

    kind: Literal["value"]
    series: str
    year: int | None = None
    end: dt.date | None = None
    published_by: dt.date | None = Field(
        None,
        description="Read only releases published on or before this date (the figure as it "
        "stood when the claim was made).",
    )

    @model_validator(mode="after")
    def _one_period(self):
        if (self.year is None) == (self.end is None):
            raise ValueError("give exactly one of year or end")
        return self


class Total(_Strict):
    """The total of any series over a window: every period that lies inside ``start``..``end``."""

    kind: Literal["total"]
    series: str
    start: dt.date
    end: dt.date
    published_by: dt.date | None = None


class Rank(_Strict):
    """Where a period ranks by arrivals (1 = the busiest), among every complete period or the same month.

    ``at`` names the period: a day (``2022-09-03``), the week ending on a date, a month (``2025-06``) or a
    year (``2022``). With ``among = "same-month"`` a month ranks among the same month of every year
    ("the highest June").
    """

    kind: Literal["rank"]
    period: Literal["day", "week", "month", "year"]
    at: str
    measure: Literal["people", "boats"] = "people"
    among: Literal["all", "same-month"] = "all"

    @model_validator(mode="after")
    def _same_month_is_monthly(self):
        if self.among == "same-month" and self.period != "month":
            raise ValueError("among = 'same-month' ranks months only")
        return self


class Ratio(_Strict):
    """``numerator / denominator`` (times 100 with ``percent``)."""

    kind: Literal["ratio"]
    numerator: Expr
    denominator: Expr
    percent: bool = False


class Share(_Strict):
    """A rate as a percentage of another, both turned into yearly rates first (a week = 1/52 year)."""

    kind: Literal["share"]
    value: Expr
    per: Literal["day", "week", "year"]
    of: Expr
    of_per: Literal["day", "week", "year"]


class Combine(_Strict):
    """Arithmetic on several expressions."""

    kind: Literal["sum", "product", "min", "max"]
    terms: list[Expr] = Field(min_length=1)


class Difference(_Strict):
    """``a - b``."""

    kind: Literal["difference"]
    a: Expr
    b: Expr


Expr = Annotated[
    Union[Constant, SoFar, Day, Window, PerBoat, AnnualRecord, Value, Total, Rank, Ratio, Share, Combine, Difference],  # noqa: UP007, E501
    Field(discriminator="kind"),
]
for _m in (Ratio, Share, Combine, Difference):
    _m.model_rebuild()

Comparison = Literal["at-least", "more-than", "less-than", "at-most", "about", "equals"]


class Check(_Strict):
    """One figure and how it compares with what the data give."""

    text: str = Field(min_length=3, description="The claim in the project's own words.")
    stated: float
    comparison: Comparison
    tolerance_pct: float = Field(0.0, ge=0, le=100, description="For 'about': the allowed gap, in percent.")
    unit: str = ""
    compute: Expr


class Alternative(_Strict):
    """Another way to compute a claim's figure, reported beside the main one."""

    label: str
    compute: Expr


class Claim(Check):
    """A published claim: its main check, further checks that must all hold, and alternatives."""

    id: str = Field(pattern=r"^[A-Za-z0-9_.-]+$")
    date: dt.date = Field(description="The date the claim speaks of.")
    also: list[Check] = []
    alternatives: list[Alternative] = []
    note: str = ""


class ClaimsFile(_Strict):
    """A file of claims about one story."""

    title: str
    about: str = ""
    claim: list[Claim] = Field(min_length=1)

    @model_validator(mode="after")
    def _unique_ids(self):
        ids = [c.id for c in self.claim]
        dup = {i for i in ids if ids.count(i) > 1}
        if dup:
            raise ValueError(f"claim ids must be unique; repeated: {', '.join(sorted(dup))}")
        return self


def _where(loc: tuple) -> str:
    parts = []
    for p in loc:
        if isinstance(p, int):
            parts[-1] = f"{parts[-1]}[{p}]" if parts else f"[{p}]"
        elif p in {
            "constant",
            "so-far",
            "day",
            "window",
            "per-boat",
            "annual-record",
            "value",
            "ratio",
            "share",
            "sum",
            "product",
            "min",
            "max",
            "difference",
        }:
            continue  # the discriminator's branch name, not a field
        else:
            parts.append(str(p))
    return ".".join(parts) or "file"


def load_claims(path: str | Path) -> ClaimsFile:
    """Read and validate a claims file (TOML); raise :class:`DataError` naming the field."""
    path = Path(path)
    data = read_toml(path)
    try:
        return ClaimsFile.model_validate(data)
    except ValidationError as e:
        raise validation_error(str(path), e, where=_where) from None
