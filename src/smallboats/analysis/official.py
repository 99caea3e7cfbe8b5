"""The official figures the report and the dashboard show, computed once, as frames and numbers.

Faces word and draw these; none of them reads the store or sums a series itself. Dated facts of the
scheme (its start, the first return, the announced quota) come from :mod:`smallboats.facts`.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from functools import cached_property

import pandas as pd

from smallboats import facts
from smallboats.data import queries as q
from smallboats.errors import StoreError
from smallboats.provenance import attribution
from smallboats.viz import charts
from smallboats.viz.style import ChartSpec

# The official charts a face may ask for by name (the dashboard draws and exports these).
CHARTS = (
    "arrivals_so_far",
    "weekly_arrivals",
    "people_per_boat",
    "quota_vs_weekly_arrivals",
    "quota_in_proportion",
    "scheme_delivery",
)
YEARLY_FLOWS = (
    ("ons_immigration", "Immigration (ONS)"),
    ("ons_emigration", "Emigration (ONS)"),
    ("ons_net_migration", "Net migration (ONS)"),
)


@dataclass
class Delivery:
    """What the agreement delivered: monthly transfers, totals to the newest month, and arrivals beside them."""

    monthly: pd.DataFrame  # month_end, returned_in_month, admitted_in_month, returned, admitted, quota_path
    source: str
    returned: float
    admitted: float
    arrivals: float  # people who crossed from the agreement's start to the newest month's end
    start: dt.date
    end: dt.date

    @property
    def returned_share_of_arrivals(self) -> float:
        """Returns as a share of arrivals over the same period."""
        return self.returned / self.arrivals if self.arrivals else float("nan")

    @property
    def returned_share_of_quota(self) -> float:
        """Returns as a share of a steady announced quota from the first return."""
        last = float(self.monthly.quota_path.iloc[-1])
        return self.returned / last if last else float("nan")


class OfficialFigures:
    """The official figures of one store, as of one release (the newest when ``as_of`` is None)."""

    def __init__(self, store, as_of: str | None = None):
        self.store, self.as_of = store, as_of
        self.daily = q.daily_series(store, as_of)
        self.quota_per_week = float(facts.ANNOUNCED_QUOTA_PER_WEEK.value)

    @property
    def newest(self) -> dt.date:
        """The newest daily figure's date."""
        return self.daily.newest

    def so_far(self) -> pd.DataFrame:
        """Arrivals from 1 January to the newest day, that year and every earlier one."""
        return q.so_far(self.daily.frame, self.newest)

    def record_year(self) -> pd.Series:
        """The calendar year with the most arrivals."""
        annual = q.annual(self.daily.frame)
        return annual[annual.is_record].iloc[0]

    def last_52_weeks(self) -> dict:
        """Totals and weekly averages over the 52 weeks to the newest day."""
        return q.window(self.daily.frame, self.newest - dt.timedelta(days=7 * q.WEEKS_PER_YEAR - 1), self.newest)

    def _latest_yearly(self, series: str) -> pd.Series:
        obs = self.store.observations(series, as_of=self.as_of)
        obs = obs[[(r.period_end - r.period_start).days >= 360 for r in obs.itertuples()]]
        if obs.empty:
            raise StoreError(f"no yearly figure of {series}")
        return obs.sort_values("period_end").iloc[-1]

    @cached_property
    def proportion(self) -> tuple[pd.DataFrame, str]:
        """A year of the announced quota against yearly flows: ``label, short, value, pct, release_id``."""
        annual = q.annual(self.daily.frame)
        full = annual[annual.complete].iloc[-1]
        rows = [
            {
                "label": f"Small-boat arrivals in {full.year}",
                "short": f"small-boat arrivals in {full.year}",
                "value": float(full.people),
                "release_id": self.daily.newest_release,
            }
        ]
        ret = self.store.observations("returns_enforced", as_of=self.as_of)
        last_year = max(d.year for d in ret.period_end if d.month == 12)
        r = q.period_value(ret, year=last_year)
        rows.append(
            {
                "label": f"Enforced returns from the UK, every reason, {last_year}",
                "short": f"enforced returns in {last_year}",
                "value": float(r.value),
                "release_id": r.release_id,
            }
        )
        for sid, label in YEARLY_FLOWS:
            o = self._latest_yearly(sid)
            rows.append(
                {
                    "label": f"{label}, year to {o.period_end:%b %Y}",
                    "short": f"{label.split(' (')[0].lower()} in the year to {o.period_end:%B %Y}",
                    "value": float(o.value),
                    "release_id": o.release_id,
                }
            )
        df = pd.DataFrame(rows)
        df["pct"] = self.quota_per_week * q.WEEKS_PER_YEAR / df.value * 100
        return df, self._attribution(df.release_id)

    @cached_property
    def delivery(self) -> Delivery:
        """Monthly returns and admissions under the agreement, with a steady quota path from the first return."""
        obs = self.store.observations(["agreement_returned", "agreement_admitted"], as_of=self.as_of)
        if obs.empty:
            raise StoreError("the store holds no figures of the UK-France agreement")
        wide = obs.pivot_table(index="period_end", columns="series", values="value").sort_index()
        m = pd.DataFrame(
            {
                "month_end": pd.to_datetime(wide.index),
                "returned_in_month": wide.agreement_returned.values,
                "admitted_in_month": wide.agreement_admitted.values,
            }
        )
        m["returned"] = m.returned_in_month.cumsum()
        m["admitted"] = m.admitted_in_month.cumsum()
        first = facts.FIRST_RETURN.value
        m["quota_path"] = [self.quota_per_week * max((d.date() - first).days + 1, 0) / 7 for d in m.month_end]
        start, end = facts.IN_FORCE.value, m.month_end.iloc[-1].date()
        d = self.daily.frame
        arrivals = float(d[(d.date >= pd.Timestamp(start)) & (d.date <= pd.Timestamp(end))].people.sum())
        last = m.iloc[-1]
        source = self._attribution(obs.release_id)
        return Delivery(m, source, float(last.returned), float(last.admitted), arrivals, start, end)

    def _attribution(self, release_ids) -> str:
        return attribution([self.store.source(r) for r in sorted(set(release_ids))])

    def chart(self, name: str) -> ChartSpec:
        """One official chart by name (see :data:`CHARTS`)."""
        src, d = self.daily.attribution, self.daily.frame
        if name == "arrivals_so_far":
            return charts.so_far_lines(d, src)
        if name == "weekly_arrivals":
            return charts.weekly_arrivals(d, src)
        if name == "people_per_boat":
            return charts.per_boat(d, src)
        if name == "quota_vs_weekly_arrivals":
            return charts.quota_vs_weekly(d, src, self.quota_per_week, dt.date(self.newest.year - 1, 1, 1))
        if name == "quota_in_proportion":
            rows, source = self.proportion
            return charts.quota_in_proportion(rows[["label", "short", "value", "pct"]], source, self.quota_per_week)
        if name == "scheme_delivery":
            dl = self.delivery
            cols = ["month_end", "returned", "admitted", "quota_path"]
            return charts.scheme_delivery(dl.monthly[cols], dl.source, self.quota_per_week)
        raise StoreError(f"no chart {name!r}; charts: {', '.join(CHARTS)}")
