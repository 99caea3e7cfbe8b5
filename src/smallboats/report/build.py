"""Assemble the report from the store: every number in it is computed here, none typed in.

``build_report`` gathers the figures, builds the charts, renders ``templates/report.html.j2``
and writes ``report.html`` plus ``charts/NAME.{png,svg,csv}``.
"""

from __future__ import annotations

import datetime as dt
import html
from collections.abc import Callable
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path

import jinja2
import pandas as pd

from smallboats import __version__
from smallboats.claims.engine import check_claims
from smallboats.claims.render import to_html as claims_html
from smallboats.claims.schema import load_claims
from smallboats.data import queries as q
from smallboats.data.store import Store
from smallboats.errors import StoreError
from smallboats.provenance import attribution
from smallboats.viz import charts
from smallboats.viz.style import ChartSpec, pct, thousands

ANNOUNCED_QUOTA_PER_WEEK = 50  # reported at the announcement on 10 July 2025 (not confirmed officially)
FIRST_RETURN = dt.date(2025, 9, 18)  # first removal flight under the agreement (press reports)


@dataclass
class Section:
    """One section of the report: a heading, paragraphs, tables (HTML) and charts."""

    id: str
    heading: str
    paragraphs: list[str] = field(default_factory=list)
    charts: list[ChartSpec] = field(default_factory=list)
    tables: list[str] = field(default_factory=list)


def _table(df: pd.DataFrame, caption: str = "", num_cols: tuple = ()) -> str:
    head = "".join(f"<th>{html.escape(str(c))}</th>" for c in df.columns)
    body = []
    for row in df.itertuples(index=False):
        cells = []
        for c, v in zip(df.columns, row, strict=True):
            cls = ' class="num"' if c in num_cols else ""
            cells.append(f"<td{cls}>{html.escape(str(v))}</td>")
        body.append("<tr>" + "".join(cells) + "</tr>")
    cap = f"<caption>{html.escape(caption)}</caption>" if caption else ""
    return f'<table class="data">{cap}<thead><tr>{head}</tr></thead><tbody>{"".join(body)}</tbody></table>'


class ReportBuilder:
    """Builds the sections from one store, as of one release."""

    def __init__(self, store: Store, as_of: str | None = None):
        self.store, self.as_of = store, as_of
        self.daily = store.daily(as_of=as_of)
        people = store.observations("sb_people", as_of=as_of)
        self.daily_release = sorted(people.release_id.unique())[-1]
        self.daily_source = attribution([store.source(r) for r in sorted(people.release_id.unique())])
        self.newest = self.daily.date.max().date()

    def where_things_stand(self) -> Section:
        """Section 1: arrivals so far against every year, weekly arrivals, people per boat."""
        sf = q.so_far(self.daily, self.newest)
        table = sf.assign(
            people=sf.people.map(thousands),
            boats=sf.boats.map(thousands),
            pct_change=[("–" if pd.isna(v) else f"{v:+.1f}%") for v in sf["pct_change"]],
        )[["year", "to_date", "people", "boats", "pct_change"]]
        table.columns = ["Year", "1 January to", "People", "Boats", f"{self.newest.year} against that year"]
        annual = q.annual(self.daily)
        rec = annual[annual.is_record].iloc[0]
        sec = Section(
            "stand",
            "Where things stand",
            [
                f"The newest daily figure is for {self.newest:%-d %B %Y}. From 1 January to that date "
                f"{thousands(sf.people.iloc[-1])} people crossed in {thousands(sf.boats.iloc[-1])} boats. "
                f"The record year remains {rec.year} with {thousands(rec.people)} people.",
            ],
        )
        sec.tables.append(
            _table(table, "Arrivals from 1 January to the same date, every year", num_cols=tuple(table.columns[2:]))
        )
        sec.charts = [
            charts.so_far_lines(self.daily, self.daily_source),
            charts.weekly_arrivals(self.daily, self.daily_source),
            charts.per_boat(self.daily, self.daily_source),
        ]
        return sec

    def _latest(self, series: str) -> pd.Series:
        obs = self.store.observations(series, as_of=self.as_of)
        obs = obs[[(r.period_end - r.period_start).days >= 360 for r in obs.itertuples()]]
        if obs.empty:
            raise StoreError(f"no yearly figure of {series}")
        return obs.sort_values("period_end").iloc[-1]

    def in_proportion(self) -> Section:
        """Section 2: the quota against weekly arrivals and yearly flows, on one linear axis."""
        quota = ANNOUNCED_QUOTA_PER_WEEK
        year_quota = quota * q.WEEKS_PER_YEAR
        annual = q.annual(self.daily)
        full = annual[annual.complete].iloc[-1]
        rows = [
            {
                "label": f"Small-boat arrivals in {full.year}",
                "short": f"small-boat arrivals in {full.year}",
                "value": float(full.people),
                "release_id": self.daily_release,
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
        for sid, label in (
            ("ons_immigration", "Immigration (ONS)"),
            ("ons_emigration", "Emigration (ONS)"),
            ("ons_net_migration", "Net migration (ONS)"),
        ):
            o = self._latest(sid)
            rows.append(
                {
                    "label": f"{label}, year to {o.period_end:%b %Y}",
                    "short": f"{label.split(' (')[0].lower()} in the year to {o.period_end:%B %Y}",
                    "value": float(o.value),
                    "release_id": o.release_id,
                }
            )
        df = pd.DataFrame(rows)
        df["pct"] = year_quota / df.value * 100
        source = attribution([self.store.source(r) for r in sorted(set(df.release_id))])
        table = pd.DataFrame(
            {
                "Yearly figure": df.label,
                "People a year": df.value.map(thousands),
                f"{thousands(year_quota)} as a share": df.pct.map(pct),
            }
        )
        w = q.window(self.daily, self.newest - dt.timedelta(days=364), self.newest)
        sec = Section(
            "proportion",
            "The scheme in proportion",
            [
                f"The scheme was announced at about {quota} returns a week, {thousands(year_quota)} a year. "
                f"In the 52 weeks to {self.newest:%-d %B %Y} an average of {thousands(w['people_per_week'])} people "
                f"crossed each week, so {quota} a week is {pct(quota / w['people_per_week'] * 100)} "
                "of weekly arrivals.",
                "The Home Office's asylum-related enforced returns, the comparison often quoted, are not in the "
                "official files held; enforced returns for every reason are shown instead.",
            ],
        )
        sec.charts = [
            charts.quota_vs_weekly(self.daily, self.daily_source, quota, dt.date(2025, 1, 1)),
            charts.quota_in_proportion(df[["label", "short", "value", "pct"]], source, quota),
        ]
        sec.tables.append(
            _table(table, "A year of the announced quota against yearly flows", num_cols=tuple(table.columns[1:]))
        )
        return sec

    def scheme_delivery(self) -> Section:
        """Section 3: published returns and admissions against a steady quota path."""
        obs = self.store.observations(["agreement_returned", "agreement_admitted"], as_of=self.as_of)
        if obs.empty:
            raise StoreError("the store holds no figures of the UK-France agreement")
        wide = obs.pivot_table(index="period_end", columns="series", values="value").sort_index()
        monthly = pd.DataFrame(
            {
                "month_end": pd.to_datetime(wide.index),
                "returned_in_month": wide.agreement_returned.values,
                "admitted_in_month": wide.agreement_admitted.values,
            }
        )
        monthly["returned"] = monthly.returned_in_month.cumsum()
        monthly["admitted"] = monthly.admitted_in_month.cumsum()
        days = [(max((d.date() - FIRST_RETURN).days + 1, 0)) for d in monthly.month_end]
        monthly["quota_path"] = [ANNOUNCED_QUOTA_PER_WEEK * n / 7 for n in days]
        source = attribution([self.store.source(r) for r in sorted(obs.release_id.unique())])
        last = monthly.iloc[-1]
        arrivals = self.daily[
            (self.daily.date >= pd.Timestamp(2025, 8, 6)) & (self.daily.date <= last.month_end)
        ].people.sum()
        sec = Section(
            "delivery",
            "What the scheme did",
            [
                f"From the agreement's start on 6 August 2025 to {last.month_end:%-d %B %Y}, "
                f"{thousands(last.returned)} people were returned to France and {thousands(last.admitted)} were "
                f"admitted from France, while {thousands(arrivals)} people crossed: returns were "
                f"{pct(last.returned / arrivals * 100)} of arrivals.",
            ],
        )
        sec.charts = [charts.scheme_delivery(monthly[["month_end", "returned", "admitted", "quota_path"]], source)]
        t = monthly.assign(month=monthly.month_end.dt.strftime("%b %Y"))
        table = pd.DataFrame(
            {
                "Month": t.month,
                "Returned": t.returned_in_month.map(thousands),
                "Admitted": t.admitted_in_month.map(thousands),
                "Returned, cumulative": t.returned.map(thousands),
                "50 a week from the first return": t.quota_path.map(thousands),
            }
        )
        sec.tables.append(
            _table(table, "Monthly transfers under the UK-France agreement", num_cols=tuple(table.columns[1:]))
        )
        return sec

    def what_it_could_do(self, runs: int = 500, seed: int = 7, years: float = 2.0) -> Section:
        """Section 4: fan charts of the scenarios, the yearly difference, and the quota a cut needs."""
        from smallboats.analysis.scenarios import build_scenario
        from smallboats.analysis.threshold import quota_curve, smallest_quota
        from smallboats.model import simulate
        from smallboats.viz.fan import fan_chart

        bands, rows, effects = {}, [], {}
        base = None
        for name in ("no-scheme", "pilot-50", "ramp-up", "deterrence-strong"):
            sc, meta = build_scenario(name, self.store, years=years, as_of=self.as_of)
            base = sc if name == "pilot-50" else base
            r = simulate(sc, runs=runs, seed=seed, meta=meta)
            bands[name] = r.band("arrivals", "week")
            eff = r.effect("arrivals", "year")
            effects[name] = eff
            ret = r.band("returned", "year")
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
        self.sim_meta = {"runs": runs, "seed": seed, "years": years}
        source = (
            f"smallboats {__version__} simulation: {runs} runs a scenario, seed {seed}; baseline fitted to "
            f"{self.daily_release}"
        )
        pilot_eff = float(effects["pilot-50"].loc[0, "median"])
        word = "fewer" if pilot_eff < 0 else "more"
        fan = fan_chart(
            bands,
            "arrivals",
            "week",
            source=source,
            title=f"At 50 returns a week the median run has {thousands(abs(pilot_eff))} {word} arrivals "
            "in the first year than without the scheme",
            subtitle="Weekly arrivals under each scenario: median and 50/80/95% bands",
        )
        curve = quota_curve(base, runs=250, seed=seed)
        best = curve.groupby("assumption").cut_median.max().max()
        needed = []
        for target in (0.10, 0.25, 0.50):
            for r in smallest_quota(curve, target, 0.8):
                needed.append(
                    {
                        "Cut": f"{target:.0%}",
                        "Deterrence": r["assumption"],
                        "Smallest weekly quota (80% of runs)": "not reached up to 4,000"
                        if r["weekly_quota"] is None
                        else thousands(r["weekly_quota"]),
                        "Share of arrivals returned": "–"
                        if r["returns_share"] is None
                        else pct(r["returns_share"] * 100),
                    }
                )
        sec = Section(
            "could",
            "What it could do",
            [
                f"Each scenario is run {runs} times against its own no-scheme world with the same random draws; every "
                "uncertain parameter, deterrence above all, is drawn afresh in each run. Under 'mixture' each run "
                "takes one of four responses: none, linear, constant elasticity or a threshold.",
                f"Across quotas from 50 to 4,000 a week the largest median cut in first-year arrivals under any "
                f"deterrence assumption is {pct(best * 100)}: returns are capped by exemptions, failed cases, "
                "successful challenges and the three-month limit, and by how long a rising risk takes to be seen.",
            ],
        )
        sec.charts = [fan, charts.quota_curve_chart(curve, source, pct(best * 100))]
        table = pd.DataFrame(rows)
        sec.tables.append(
            _table(
                table, "Difference from the no-scheme world, by year of the horizon", num_cols=tuple(table.columns[2:])
            )
        )
        nt = pd.DataFrame(needed)
        sec.tables.append(
            _table(
                nt,
                "Smallest weekly quota that cuts first-year arrivals by the target in 80% of runs",
                num_cols=tuple(nt.columns[2:]),
            )
        )
        return sec

    def forecasting(self, runs: int = 300, seed: int = 7) -> Section:
        """How well the model forecasts (the backtest) and whether the pilot worked."""
        from smallboats.analysis.forecast import backtest, backtest_summary, evaluate_pilot

        weekly = self.store.observations(["sb_week_people", "sb_week_prevented_people"], as_of=self.as_of)
        table = backtest_summary(backtest(self.daily, weekly, runs=runs, seed=seed))
        model = table[table.method == "model"].set_index("horizon_weeks")
        naive = table[table.method == "seasonal-naive"].set_index("horizon_weeks")
        beaten = [
            f"{m} at {h} weeks"
            for h in model.index
            for m in ("seasonal-naive", "AutoETS", "AutoARIMA", "mean-4-weeks")
            if table[(table.method == m) & (table.horizon_weeks == h)].mae.iloc[0] < model.loc[h, "mae"]
        ]
        pilot = evaluate_pilot(self.store, runs=runs, seed=seed)
        crps_model = ", ".join(thousands(model.loc[h, "crps"]) for h in model.index)
        crps_naive = ", ".join(thousands(naive.loc[h, "crps"]) for h in naive.index)
        held = ", ".join(pct(model.loc[h, "coverage_80"] * 100, 0) for h in model.index)
        mae_note = (
            ("On point error (MAE) it is beaten by " + ", ".join(beaten) + ".")
            if beaten
            else "No baseline beats it on point error (MAE)."
        )
        sec = Section(
            "forecasting",
            "How well it forecasts, and did the pilot work?",
            [
                "Rolling origins at the end of 2022, 2023, 2024 and 2025; weekly totals 4, 13 and 26 weeks ahead. "
                f"The model's CRPS (the whole forecast distribution) is {crps_model} against seasonal naive's "
                f"{crps_naive}; its 80% intervals held {held} of weeks. " + mae_note,
                pilot["statement"],
            ],
        )
        t = table.copy()
        for c in ("coverage_50", "coverage_80", "coverage_95"):
            t[c] = [("–" if pd.isna(v) else pct(v * 100, 0)) for v in t[c]]
        t = t.rename(
            columns={
                "horizon_weeks": "Weeks ahead",
                "method": "Method",
                "mae": "MAE",
                "crps": "CRPS",
                "coverage_50": "50% interval held",
                "coverage_80": "80% held",
                "coverage_95": "95% held",
            }
        )
        t["MAE"] = t["MAE"].map(thousands)
        t["CRPS"] = t["CRPS"].map(thousands)
        sec.tables.append(
            _table(t, "Backtest, mean over four origins (weekly arrivals)", num_cols=tuple(t.columns[2:]))
        )
        rows = [
            {
                "Deterrence": a["assumption"],
                "Model arrivals (median)": thousands(a["scenario_arrivals"]["median"]),
                "95% range": " to ".join(thousands(a["scenario_arrivals"][k]) for k in ("p025", "p975")),
                "Observed at percentile": f"{a['observed_percentile']:g}",
                "Effect of the scheme (median)": thousands(a["effect"]["median"]),
            }
            for a in pilot["assumptions"]
        ]
        caption = (
            f"The pilot, {pilot['start']} to {pilot['end']}: observed {thousands(pilot['observed_arrivals'])} arrivals"
        )
        sec.tables.append(_table(pd.DataFrame(rows), caption))
        m = pd.DataFrame(pilot["monthly_returns_and_admissions"]).fillna("–")
        sec.tables.append(
            _table(m, "Returns and admissions each month: the model (no deterrence) and the published figures")
        )
        return sec

    def claims(self) -> Section:
        """Section 5: the bundled claims, checked."""
        from smallboats.cli.claims import default_claims_file

        results = check_claims(self.store, load_claims(default_claims_file()), as_of=self.as_of)
        counts = pd.Series([r["verdict"] for r in results]).value_counts()
        sec = Section(
            "claims",
            "Figures checked",
            [
                f"{len(results)} figures from the coverage of the July 2025 announcement, recomputed from the "
                f"official data: {counts.get('holds', 0)} hold, {counts.get('does-not-hold', 0)} do not hold and "
                f"{counts.get('cannot-check', 0)} cannot be checked with the data held.",
            ],
        )
        sec.tables.append(claims_html(results))
        return sec

    def sources(self) -> Section:
        """Section 6: every release with publisher, date and licence; version and data release."""
        rel = self.store.releases()
        table = pd.DataFrame(
            {
                "Release": rel.release_id,
                "Publisher": rel.publisher,
                "Title": rel.title,
                "Published": rel.release_date.astype(str),
                "Licence": rel.licence,
                "Address": rel.url,
            }
        )
        sec = Section(
            "sources",
            "Method and sources",
            [
                f"Built by smallboats {__version__} on the data release {self.daily_release}"
                + (f" (as of release {self.as_of})" if self.as_of else "")
                + ". "
                "Daily figures are the Home Office's provisional operational data, revised from time to time; "
                "the quarterly official statistics are authoritative. Weeks end on Sunday. A year of a weekly "
                "figure is 52 weeks.",
            ],
        )
        sec.tables.append(_table(table, "Every release in the store"))
        return sec


def build_report(
    store: Store, out: Path, *, as_of: str | None = None, on_step: Callable[[str], None] | None = None
) -> dict:
    """Write ``out/report.html`` and ``out/charts/*``; return a summary of what was written."""
    step = on_step or (lambda _s: None)
    b = ReportBuilder(store, as_of)
    sections = []
    for name, fn in (
        ("where things stand", b.where_things_stand),
        ("the scheme in proportion", b.in_proportion),
        ("what the scheme did", b.scheme_delivery),
        ("what it could do (simulating)", b.what_it_could_do),
        ("backtest and pilot (simulating)", b.forecasting),
        ("figures checked", b.claims),
        ("sources", b.sources),
    ):
        step(f"Building {name}")
        sections.append(fn())
    chart_dir = out / "charts"
    chart_dir.mkdir(parents=True, exist_ok=True)
    rendered = {}
    for sec in sections:
        for c in sec.charts:
            step(f"Rendering {c.name}")
            svg = c.svg()
            (chart_dir / f"{c.name}.svg").write_text(svg)
            (chart_dir / f"{c.name}.png").write_bytes(c.png())
            c.data.to_csv(chart_dir / f"{c.name}.csv", index=False)
            rendered[c.name] = svg
    step("Writing report.html")
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(str(resources.files("smallboats.report") / "templates")),
        autoescape=jinja2.select_autoescape(["html", "j2"]),
    )
    page = env.get_template("report.html.j2").render(
        sections=sections,
        svgs=rendered,
        version=__version__,
        newest=b.newest,
        release=b.daily_release,
        generated=dt.date.today(),
        as_of=as_of,
    )
    (out / "report.html").write_text(page, encoding="utf-8")
    return {
        "report": str(out / "report.html"),
        "charts": sorted(rendered),
        "newest_date": b.newest.isoformat(),
        "data_release": b.daily_release,
    }
