"""The answer first: the findings the report and the dashboard open with, each worded from results.

Each finding carries its source and the date its figures run to. Nothing here reads the store or runs
a model; the results come from :mod:`smallboats.analysis.official` (quick) and
:mod:`smallboats.analysis.report_runs` (slow, cached). No number is typed in.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import asdict, dataclass

import pandas as pd

from smallboats import __version__
from smallboats.analysis.estimate.summary import ordinal
from smallboats.analysis.official import OfficialFigures
from smallboats.formats import pct, thousands
from smallboats.vocab import STEADY, year_label

# The findings in the order they are shown, with their headings.
LABELS = {
    "returned": "Returned so far",
    "effect": "Estimated effect so far",
    "could": "What a larger quota could do",
    "cannot_tell": "What the data cannot tell",
}


@dataclass(frozen=True)
class Finding:
    """One finding: a heading, a one-line answer, its sentences, its source and the date its figures run to.

    Attributes:
        id: a short name (``returned``, ``effect``, ``could``, ``cannot_tell``).
        label: the heading.
        headline: the answer in one sentence (where space is short, as on a phone).
        text: the answer in full, with its intervals.
        source: the full source line, licences included.
        brief_source: who made the figures, in a few words.
        date: the date its figures run to (or were published).
        date_label: what the date is (``figures to``, ``data published``).
    """

    id: str
    label: str
    headline: str
    text: str
    source: str
    brief_source: str
    date: dt.date
    date_label: str

    @property
    def dated(self) -> str:
        """``figures to 31 July 2026``."""
        return f"{self.date_label} {_date(self.date)}"

    def to_dict(self) -> dict:
        """Plain data for JSON."""
        return asdict(self) | {"date": self.date.isoformat(), "dated": self.dated}


def _date(d) -> str:
    return f"{pd.Timestamp(d):%-d %B %Y}"


def returned_so_far(fig: OfficialFigures) -> Finding:
    """How many have been returned and admitted under the agreement, and what share of arrivals that is."""
    dl = fig.delivery
    text = (
        f"From {_date(dl.start)} to {_date(dl.end)}, {thousands(dl.returned)} people were returned to France under "
        f"the agreement and {thousands(dl.admitted)} admitted from France, while {thousands(dl.arrivals)} crossed: "
        f"returns were {pct(dl.returned_share_of_arrivals * 100)} of arrivals, and "
        f"{pct(dl.returned_share_of_quota * 100, 0)} of a steady {fig.quota_per_week:.0f} a week from the first return."
    )
    headline = (
        f"{thousands(dl.returned)} people returned to France to {_date(dl.end)}, "
        f"{pct(dl.returned_share_of_arrivals * 100)} of the {thousands(dl.arrivals)} who crossed."
    )
    return Finding("returned", LABELS["returned"], headline, text, dl.source, "Home Office", dl.end, "figures to")


def _signed_pct(x: float) -> str:
    return f"{x * 100:+.0f}%"


def _against(x: float) -> str:
    """A relative difference in words: ``46% below``, ``27% above``."""
    return f"{abs(x) * 100:.0f}% {'below' if x < 0 else 'above'}"


def estimated_effect(est: dict, fig: OfficialFigures) -> Finding:
    """The effect so far estimated from the record, with its interval, and what the cross-check says.

    Args:
        est: :func:`smallboats.analysis.estimate.evaluate_pilot`'s record.
        fig: the official figures (for the data's licence).
    """
    e = est["effect"]
    t, cross = e["totals"]["bayes"], e["totals"]["its"]["relative_effect"]
    rel, cf = t["relative_effect"], t["counterfactual"]
    text = (
        f"From {_date(e['until'])} to {_date(e['end'])}, {thousands(t['observed'])} people crossed; fitted to the "
        f"record before the agreement, the Bayesian model expected {thousands(cf['median'])} without the scheme "
        f"(95% interval {thousands(cf['p025'])} to {thousands(cf['p975'])}), so the observed figure sits at the "
        f"{ordinal(t['observed_percentile'])} percentile: an estimated effect of {_signed_pct(rel['median'])} "
        f"(90% interval {_signed_pct(rel['p05'])} to {_signed_pct(rel['p95'])})."
    )
    if rel["p05"] < 0 < rel["p95"]:
        text += " The data cannot tell this effect from none."
    text += (
        f" The interrupted time series, a second method, gives {_signed_pct(cross['median'])} "
        f"({_signed_pct(cross['p05'])} to {_signed_pct(cross['p95'])})."
    )
    if e["warnings"]:
        text += " Fit warnings: " + " ".join(e["warnings"])
    source = (
        f"smallboats {__version__}: Bayesian model (NumPyro) and interrupted time series fitted to the weeks "
        f"before {_date(e['until'])}, data releases {', '.join(e['data_releases'])}. {fig.daily.attribution}"
    )
    headline = (
        f"Arrivals {_against(rel['median'])} the estimated no-scheme world (90% interval {_against(rel['p05'])} "
        f"to {_against(rel['p95'])})"
        + (": the data cannot tell this from none." if rel["p05"] < 0 < rel["p95"] else ".")
    )
    end = dt.date.fromisoformat(e["end"])
    by = "smallboats' Bayesian model of Home Office figures"
    return Finding("effect", LABELS["effect"], headline, text, source, by, end, "weeks to")


def _difference(x: float) -> str:
    """A difference in arrivals in words: ``120 fewer``, ``80 more``."""
    if round(x) == 0:
        return "no difference"
    return f"{thousands(abs(x))} {'fewer' if x < 0 else 'more'}"


def quota_by_year(out) -> str:
    """The top quota's median cut in each scheme year, under the deterrence form that cuts most there, in words."""
    top = max(out.grid)
    at_top = out.curve[(out.curve.weekly_quota == top) & (out.curve.year != STEADY)]
    form = at_top.groupby("assumption").cut_median.max().idxmax()
    rows = at_top[at_top.assumption == form]
    years = ", ".join(f"{pct(r.cut_median * 100)} in year {r.year}" for r in rows.itertuples())
    return f"at {thousands(top)} a week under '{form}' the median cut is {years}"


def larger_quota(out, fig: OfficialFigures, scenarios=("pilot-50", "ramp-up")) -> Finding:
    """What the quota as announced and a larger one could do to arrivals, by scheme year (from the simulator).

    Args:
        out: :class:`~smallboats.analysis.outlook.Outlook`.
        fig: the official figures (for the data's publication date and licence).
        scenarios: the outlook's scenarios to word, in order.
    """
    parts = []
    for name in scenarios:
        eff = out.effects[name]
        years = "; ".join(
            f"scheme year {i + 1} (from {_date(eff.loc[i, 'period_start'])}) {_difference(eff.loc[i, 'median'])} "
            f"(90% of runs: {_difference(eff.loc[i, 'p05'])} to {_difference(eff.loc[i, 'p95'])})"
            for i in range(len(eff))
        )
        parts.append(f"at {out.quotas.get(name, name)} ({name}): {years}")
    text = (
        "Simulated against the same world without the scheme, arrivals " + ". And ".join(parts) + ". Across weekly "
        f"quotas from {thousands(min(out.grid))} to {thousands(max(out.grid))}, the largest median cut in "
        f"{year_label(out.curve_year)} under any deterrence assumption is {pct(out.best_cut * 100)}; "
        f"{quota_by_year(out)}."
    )
    source = (
        f"smallboats {__version__} simulation: {out.runs} runs a scenario, seed {out.seed}; baseline fitted to "
        f"{out.data_release}. {fig.daily.attribution}"
    )
    published = fig.daily.sources[out.data_release].release_date if out.data_release in fig.daily.sources else None
    headline = "; ".join(
        f"at {out.quotas.get(name, name)}, "
        + ", ".join(
            f"{_difference(m)} arrivals in scheme year {i + 1}" for i, m in enumerate(out.effects[name]["median"])
        )
        for name in scenarios
    )
    headline = headline[0].upper() + headline[1:] + " (medians of the simulated runs)."
    by = "smallboats' simulation of Home Office figures"
    date = published or fig.newest
    return Finding("could", LABELS["could"], headline, text, source, by, date, "data published")


def cannot_tell(est: dict, fig: OfficialFigures) -> Finding:
    """What the data can and cannot tell about deterrence (the elasticity, prior beside posterior)."""
    d = est["deterrence"]
    source = (
        f"smallboats {__version__}: dose model fitted to the whole record; data releases "
        f"{', '.join(est['effect']['data_releases'])}. {fig.daily.attribution}"
    )
    post = d["elasticity"]["posterior"]
    if post["p05"] < 0 < post["p95"]:
        headline = "Whether returns deter crossings: the data cannot tell a deterrent effect from none."
    else:
        side = "deter crossings" if post["p95"] <= 0 else "go with more crossings, not fewer"
        headline = f"Within the estimate's 90% interval, returns {side}."
    end = dt.date.fromisoformat(est["effect"]["end"])
    by = "smallboats' dose model of Home Office figures"
    return Finding("cannot_tell", LABELS["cannot_tell"], headline, d["statement"], source, by, end, "weeks to")
