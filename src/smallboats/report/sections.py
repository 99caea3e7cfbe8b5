"""The report's wording: each section's sentences and tables, built from computed results.

Nothing here reads the store or runs a model: every function takes results from
:mod:`smallboats.analysis` (or the claims engine) and words them. No number is typed in.
"""

from __future__ import annotations

import html
from dataclasses import dataclass, field

import pandas as pd

from smallboats import __version__, facts
from smallboats.analysis import findings as F
from smallboats.analysis import report_runs as R
from smallboats.analysis.official import Delivery, OfficialFigures
from smallboats.analysis.outlook import CUT_PROBABILITY, Outlook
from smallboats.analysis.threshold import CONSTRAINTS, year_label
from smallboats.data import queries as q
from smallboats.formats import pct, thousands
from smallboats.viz.style import ChartSpec


@dataclass
class Section:
    """One section of the report: a heading, paragraphs, tables (HTML) and charts."""

    id: str
    heading: str
    paragraphs: list[str] = field(default_factory=list)
    charts: list[ChartSpec] = field(default_factory=list)
    tables: list[str] = field(default_factory=list)
    items: list[str] = field(default_factory=list)  # findings shown as a boxed list above the paragraphs


def table_html(df: pd.DataFrame, caption: str = "", num_cols: tuple = ()) -> str:
    """An HTML table, numeric columns right-aligned."""
    head = "".join(f"<th>{html.escape(str(c))}</th>" for c in df.columns)
    body = []
    for row in df.itertuples(index=False):
        cells = []
        for c, v in zip(df.columns, row, strict=True):
            cls = ' class="num"' if c in num_cols else ""
            text = html.escape(str(v))
            if isinstance(v, str) and v.startswith(("https://", "http://")):
                text = f'<a href="{text}">{text}</a>'  # source addresses are links
            cells.append(f"<td{cls}>{text}</td>")
        body.append("<tr>" + "".join(cells) + "</tr>")
    cap = f"<caption>{html.escape(caption)}</caption>" if caption else ""
    return f'<table class="data">{cap}<thead><tr>{head}</tr></thead><tbody>{"".join(body)}</tbody></table>'


def _date(d) -> str:
    return f"{d:%-d %B %Y}"


def findings(fig: OfficialFigures, out: Outlook, effect: dict | None = None) -> Section:
    """The answer first: what the scheme has done, what it did to arrivals, what more could do, what is unknown.

    The same findings open the dashboard (:mod:`smallboats.analysis.findings` words them both).

    Args:
        fig: the official figures.
        out: the outlook runs (what a larger quota could do, by year).
        effect: the estimated pilot (:func:`smallboats.analysis.estimate.evaluate_pilot`), if run.
    """
    found = [F.returned_so_far(fig)]
    if effect is not None:
        found.append(F.estimated_effect(effect, fig))
    found.append(F.larger_quota(out, fig))
    if effect is not None:
        found.append(F.cannot_tell(effect, fig))
    items = [f"{f.label}: {f.text} Source: {f.source}; {f.dated}." for f in found]
    return Section("findings", "The answer first", items=items)


def where_things_stand(fig: OfficialFigures) -> Section:
    """Arrivals so far against every year, weekly arrivals, people per boat."""
    sf, rec = fig.so_far(), fig.record_year()
    table = sf.assign(
        people=sf.people.map(thousands),
        boats=sf.boats.map(thousands),
        pct_change=[("–" if pd.isna(v) else f"{v:+.1f}%") for v in sf["pct_change"]],
    )[["year", "to_date", "people", "boats", "pct_change"]]
    table.columns = ["Year", "1 January to", "People", "Boats", f"{fig.newest.year} against that year"]
    sec = Section(
        "stand",
        "Where things stand",
        [
            f"The newest daily figure is for {_date(fig.newest)}. From 1 January to that date "
            f"{thousands(sf.people.iloc[-1])} people crossed in {thousands(sf.boats.iloc[-1])} boats. "
            f"The record year remains {rec.year} with {thousands(rec.people)} people.",
        ],
    )
    sec.tables.append(
        table_html(table, "Arrivals from 1 January to the same date, every year", num_cols=tuple(table.columns[2:]))
    )
    sec.charts = [fig.chart(n) for n in ("arrivals_so_far", "weekly_arrivals", "people_per_boat")]
    return sec


def in_proportion(fig: OfficialFigures) -> Section:
    """The quota against weekly arrivals and yearly flows, on one linear axis."""
    quota = fig.quota_per_week
    year_quota = quota * q.WEEKS_PER_YEAR
    df, _ = fig.proportion
    w = fig.last_52_weeks()
    table = pd.DataFrame(
        {
            "Yearly figure": df.label,
            "People a year": df.value.map(thousands),
            f"{thousands(year_quota)} as a share": df.pct.map(pct),
        }
    )
    sec = Section(
        "proportion",
        "The scheme in proportion",
        [
            f"The scheme was announced at about {quota:.0f} returns a week, {thousands(year_quota)} a year. "
            f"In the {q.WEEKS_PER_YEAR} weeks to {_date(fig.newest)} an average of "
            f"{thousands(w['people_per_week'])} people crossed each week, so {quota:.0f} a week is "
            f"{pct(quota / w['people_per_week'] * 100)} of weekly arrivals.",
            "The Home Office's asylum-related enforced returns, the comparison often quoted, are not in the "
            "official files held; enforced returns for every reason are shown instead.",
        ],
    )
    sec.charts = [fig.chart("quota_vs_weekly_arrivals"), fig.chart("quota_in_proportion")]
    sec.tables.append(
        table_html(table, "A year of the announced quota against yearly flows", num_cols=tuple(table.columns[1:]))
    )
    return sec


def scheme_delivery(fig: OfficialFigures) -> Section:
    """Published returns and admissions against a steady quota path."""
    dl: Delivery = fig.delivery
    sec = Section(
        "delivery",
        "What the scheme did",
        [
            f"From the agreement's start on {_date(dl.start)} to {_date(dl.end)}, {thousands(dl.returned)} people "
            f"were returned to France and {thousands(dl.admitted)} were admitted from France, while "
            f"{thousands(dl.arrivals)} people crossed: returns were {pct(dl.returned_share_of_arrivals * 100)} "
            "of arrivals.",
        ],
    )
    sec.charts = [fig.chart("scheme_delivery")]
    t = dl.monthly.assign(month=dl.monthly.month_end.dt.strftime("%b %Y"))
    table = pd.DataFrame(
        {
            "Month": t.month,
            "Returned": t.returned_in_month.map(thousands),
            "Admitted": t.admitted_in_month.map(thousands),
            "Returned, cumulative": t.returned.map(thousands),
            f"{fig.quota_per_week:.0f} a week from the first return": t.quota_path.map(thousands),
        }
    )
    sec.tables.append(
        table_html(table, "Monthly transfers under the UK-France agreement", num_cols=tuple(table.columns[1:]))
    )
    return sec


def _effect_rows(out: Outlook) -> pd.DataFrame:
    rows = []
    for name, eff in out.effects.items():
        ret = out.returned[name]
        for i in range(len(eff)):
            rows.append(
                {
                    "Scenario": name,
                    "Year": i + 1,
                    "Difference in arrivals (median)": thousands(eff.loc[i, "median"]),
                    "90% interval": f"{thousands(eff.loc[i, 'p05'])} to {thousands(eff.loc[i, 'p95'])}",
                    "Returned (median)": thousands(ret.loc[i, "median"]),
                }
            )
    return pd.DataFrame(rows)


def _binding_words(out: Outlook) -> str:
    """What holds returns below the quota at each quota of the grid, in the year the curve is read at."""
    rows = out.curve[(out.curve.year == out.curve_year) & (out.curve.assumption == out.curve.assumption.iloc[0])]
    parts = [
        f"{thousands(r.weekly_quota)} a week: mostly {CONSTRAINTS[r.binding]} "
        f"({thousands(r.returned_median)} returned of {thousands(r.quota_offered)} offered; short by "
        f"{pct(r.short_pool * 100, 0)} for want of eligible arrivals, {pct(r.short_places * 100, 0)} for want "
        f"of places, {pct(r.short_casework * 100, 0)} in casework; {thousands(r.detention_places)} detention places)"
        for r in rows.itertuples()
    ]
    return (
        f"What holds returns below the quota in {year_label(out.curve_year)}, under '{rows.assumption.iloc[0]}': "
        + "; ".join(parts)
        + "."
    )


def _needed_rows(out: Outlook) -> pd.DataFrame:
    top = thousands(max(out.grid))
    return pd.DataFrame(
        [
            {
                "Cut": f"{r['target']:.0%}",
                "Deterrence": r["assumption"],
                f"Smallest weekly quota ({CUT_PROBABILITY:.0%} of runs)": f"not reached up to {top}"
                if r["weekly_quota"] is None
                else thousands(r["weekly_quota"]),
                "Share of arrivals returned": "–" if r["returns_share"] is None else pct(r["returns_share"] * 100),
                "What holds returns back": "–" if r["binding"] is None else CONSTRAINTS[r["binding"]],
            }
            for r in out.needed
        ]
    )


def what_it_could_do(out: Outlook, fig: OfficialFigures) -> Section:
    """Fan charts of the scenarios, the yearly difference, and the quota a cut needs."""
    best = pct(out.best_cut * 100)
    sec = Section(
        "could",
        "What it could do",
        [
            f"Each scenario is run {out.runs} times against its own no-scheme world with the same random draws; "
            "every uncertain parameter, deterrence above all, is drawn afresh in each run. Under 'mixture' each "
            "run takes one of four responses: none, linear, constant elasticity or a threshold.",
            f"Across quotas from {thousands(min(out.grid))} to {thousands(max(out.grid))} a week the largest "
            f"median cut in arrivals in {year_label(out.curve_year)} under any deterrence assumption is {best}. "
            f"The first year is mostly start-up: {F.quota_by_year(out)}.",
            _binding_words(out),
        ],
    )
    sec.charts = [R.outlook_fan(out, fig), R.quota_curve(out, fig)]
    t = _effect_rows(out)
    sec.tables.append(
        table_html(t, "Difference from the no-scheme world, by year of the horizon", num_cols=tuple(t.columns[2:]))
    )
    nt = _needed_rows(out)
    sec.tables.append(
        table_html(
            nt,
            f"Smallest weekly quota that cuts arrivals in {year_label(out.curve_year)} by the target in "
            f"{CUT_PROBABILITY:.0%} of runs",
            num_cols=tuple(nt.columns[2:]),
        )
    )
    return sec


def _backtest_words(summary: pd.DataFrame, diffs: pd.DataFrame, targets: pd.DataFrame, origins: list) -> list[str]:
    """The backtest in words: the model's scores, who beats it and by how much, and its calibration."""
    methods = [m for m in summary.method.unique() if m != "model"]
    model = summary[summary.method == "model"].set_index("horizon_weeks")
    first = (
        f"Forecasts were made from every month-end from {origins[0]} to {origins[-1]} ({len(origins)} origins), "
        "each seeing only the data up to that day, and scored week by week against the model's rivals: "
        f"{', '.join(methods)}. A month ahead (weeks 1-4) the model's CRPS, which scores the whole "
        f"forecast distribution, is {thousands(model.loc['1-4', 'crps'])}."
    )
    parts = []
    for label, d in diffs.groupby("horizons", sort=False):
        better = d[d.high < 0]
        tied = d[(d.low <= 0) & (d.high >= 0)]
        words = [
            f"{r.method} is better by {thousands(-r.difference)} (95% interval {thousands(-r.high)} to "
            f"{thousands(-r.low)})"
            for r in better.itertuples()
        ]
        if tied.difference.lt(0).any():
            close = tied[tied.difference < 0]
            words.append(
                "the data cannot tell the model from "
                + ", ".join(close.method)
                + " (their intervals include no difference)"
            )
        when = f"{label} weeks ahead"
        parts.append(f"{when}: " + ("; ".join(words) if words else "no baseline beats the model on CRPS"))
    second = "On CRPS, " + ". ".join(parts) + "."
    t = targets[targets.season == "all"].set_index("level")
    cov = ", ".join(f"the {lv}% band held {pct(t.loc[lv, 'coverage'] * 100, 0)}" for lv in t.index)
    missed = targets[~targets.met]
    third = f"Over weeks 1-4 {cov} of weeks." + (
        " Outside the promised range: "
        + "; ".join(f"{r.level}% band, {r.season} origins, {pct(r.coverage * 100, 0)}" for r in missed.itertuples())
        + "."
        if len(missed)
        else " Every band kept its promise in every season."
    )
    return [first, second, third]


def _backtest_table(summary: pd.DataFrame) -> str:
    t = summary.copy()
    cov = [c for c in t.columns if c.startswith("coverage_")]
    for c in cov:
        t[c] = [("–" if pd.isna(v) else pct(v * 100, 0)) for v in t[c]]
    t = t.rename(
        columns={
            "horizon_weeks": "Weeks ahead",
            "method": "Method",
            "mae": "MAE",
            "crps": "CRPS",
            "logs": "Log score",
            "error": "Bias",
            "n": "Weeks scored",
        }
        | {c: f"{c.split('_')[1]}% held" for c in cov}
    )
    for c in ("MAE", "CRPS", "Bias"):
        t[c] = t[c].map(thousands)
    t["Log score"] = t["Log score"].map(lambda v: f"{v:.2f}")
    return table_html(t, "Backtest: mean scores over every origin (weekly arrivals)", num_cols=tuple(t.columns[2:]))


def _estimated_table(est: dict) -> str:
    rows = []
    for r in est["summary"]:
        rows.append(
            {k.replace("_", " "): (thousands(v) if isinstance(v, float) and abs(v) >= 100 else v) for k, v in r.items()}
        )
    return table_html(pd.DataFrame(rows), "The pilot, estimated from the record: both methods side by side")


def forecasting(bt: dict, est: dict, sim: dict, fig: OfficialFigures) -> Section:
    """How well the model forecasts (the backtest) and what the pilot did, estimated and simulated."""
    sec = Section(
        "forecasting",
        "How well it forecasts, and did the pilot work?",
        [
            *_backtest_words(bt["summary"], bt["diffs"], bt["targets"], bt["origins"]),
            est["statement"],
            "The simulator's view, under each deterrence assumption it draws from: " + pilot_words(sim),
        ],
    )
    sec.charts = [
        R.counterfactual_fan(est, fig),
        R.forecast_pit(bt, fig),
        R.forecast_coverage(bt, fig),
        R.model_vs_published(sim, fig),
    ]
    sec.tables.append(_backtest_table(bt["summary"]))
    sec.tables.append(_estimated_table(est))
    rows = [
        {
            "Deterrence": a["assumption"],
            "Model arrivals (median)": thousands(a["scenario_arrivals"]["median"]),
            "95% range": " to ".join(thousands(a["scenario_arrivals"][k]) for k in ("p025", "p975")),
            "Observed at percentile": f"{a['observed_percentile']:g}",
            "Effect of the scheme (median)": thousands(a["effect"]["median"]),
        }
        for a in sim["assumptions"]
    ]
    caption = (
        f"The pilot in the simulator, {sim['start']} to {sim['end']}: observed {thousands(sim['observed_arrivals'])}"
    )
    sec.tables.append(table_html(pd.DataFrame(rows), caption))
    keep = ["month", "model_returned_median", "published_returned", "model_admitted_median", "published_admitted"]
    m = pd.DataFrame(sim["monthly_returns_and_admissions"])[keep].fillna("–")
    sec.tables.append(
        table_html(m, "Returns and admissions each month: the model (no deterrence) and the published figures")
    )
    return sec


def pilot_words(p: dict) -> str:
    """The pilot's verdict in words, from the evaluation's numbers only."""
    cf, res = p["no_scheme_arrivals"], p["assumptions"]
    ranks = ", ".join(f"{r['assumption']} {r['observed_percentile']:g}" for r in res)
    effects = [r["effect"]["median"] for r in res]
    kept = [r["assumption"] for r in res if not r["ruled_out_at_95pct"]]
    head = (
        f"Observed arrivals from {p['start']} to {p['end']}: {thousands(p['observed_arrivals'])}; without the scheme "
        f"the model expected {thousands(cf['median'])} (90% range {thousands(cf['p05'])} to {thousands(cf['p95'])}), "
        f"so the observed figure sits at the {p['no_scheme_percentile']:g}th percentile of the no-scheme world "
        f"(with the scheme: {ranks}). The median effect of the scheme ranges from {thousands(min(effects))} to "
        f"{thousands(max(effects))} arrivals across the deterrence assumptions. "
    )
    if not kept:
        verdict = (
            "Every deterrence assumption is ruled out at 95%: arrivals fell further than the returns can explain "
            "under any of them, so something the model does not hold (the weather, French prevention, routes, or "
            "a baseline fitted too high) lowered them. "
        )
    elif len(kept) == 1:
        verdict = f"Only the {kept[0]} assumption fits the observed figure at 95%. "
    else:
        verdict = f"The data cannot tell these assumptions apart: {', '.join(kept)}. "
    return (
        head + verdict + f"Against the same weeks a year earlier ({thousands(p['observed_same_weeks_year_before'])}) "
        f"arrivals changed by {p['change']:+,.0f}."
    )


def claims(results: list[dict], rendered: str) -> Section:
    """The bundled claims, checked."""
    counts = pd.Series([r["verdict"] for r in results]).value_counts()
    sec = Section(
        "claims",
        "Figures checked",
        [
            f"{len(results)} figures from the coverage of the announcement on {_date(facts.ANNOUNCED.value)}, "
            f"recomputed from the official data: {counts.get('holds', 0)} hold, {counts.get('does-not-hold', 0)} "
            f"do not hold and {counts.get('cannot-check', 0)} cannot be checked with the data held.",
        ],
    )
    sec.tables.append(rendered)
    return sec


def what_changed(ch) -> Section:
    """Days added and figures revised by the newest release with daily figures, against the one before."""
    added = ch.added[ch.added.series == "sb_people"]
    span = f"{added.period_start.min()} to {added.period_end.max()}" if len(added) else "none"
    sec = Section(
        "changed",
        "What changed in the latest release",
        [
            f"Release {ch.new} against {ch.old}: {thousands(len(added))} days added ({span}) and "
            f"{thousands(len(ch.revised))} figures revised. The daily figures are provisional and the Home "
            "Office revises them; every release is kept, so any figure can be read as it stood before.",
        ],
    )
    if len(ch.revised):
        t = ch.revised.assign(change=ch.revised.change.map(lambda v: f"{v:+,.0f}"))
        t.columns = ["Series", "From", "To", "Before", "After", "Change"]
        sec.tables.append(table_html(t, "Figures revised", num_cols=("Before", "After", "Change")))
    return sec


def sources(releases: pd.DataFrame, data_release: str, as_of: str | None) -> Section:
    """Every release with publisher, date and licence; version and data release."""
    table = pd.DataFrame(
        {
            "Release": releases.release_id,
            "Publisher": releases.publisher,
            "Title": releases.title,
            "Published": releases.release_date.astype(str),
            "Licence": releases.licence,
            "Address": releases.url,
        }
    )
    sec = Section(
        "sources",
        "Method and sources",
        [
            f"Built by smallboats {__version__} on the data release {data_release}"
            + (f" (as of release {as_of})" if as_of else "")
            + ". Daily figures are the Home Office's provisional operational data, revised from time to time; "
            "the quarterly official statistics are authoritative. Weeks end on Sunday. A year of a weekly "
            f"figure is {q.WEEKS_PER_YEAR} weeks.",
        ],
    )
    sec.tables.append(table_html(table, "Every release in the store"))
    return sec
