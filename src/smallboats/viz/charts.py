"""Chart builders for the official figures. Each returns a :class:`ChartSpec`; none writes files.

Titles state the finding and are computed from the data passed in.
"""

from __future__ import annotations

import datetime as dt

import altair as alt
import pandas as pd

from smallboats.data import queries as q
from smallboats.viz.style import (
    DATE_AXIS,
    HEIGHT,
    HIGHLIGHT,
    MUTED,
    NUMBER,
    OKABE_ITO,
    WIDTH,
    ChartSpec,
    finish,
    pct,
    thousands,
)


def so_far_lines(daily: pd.DataFrame, source: str) -> ChartSpec:
    """Cumulative arrivals by day of the year, one line a year, the newest year highlighted."""
    d = daily.copy()
    d["year"] = d.date.dt.year
    d["cum_people"] = d.groupby("year").people.cumsum()
    # plot every year on a common calendar so that 1 March lines up in leap and other years
    d["day"] = pd.to_datetime("2000-" + d.date.dt.strftime("%m-%d"))
    newest = d.date.max().date()
    sf = q.so_far(daily, newest)
    cur = sf.iloc[-1]
    prev = sf.iloc[-2]
    change = (cur.people / prev.people - 1) * 100 if prev.people else float("nan")
    direction = "above" if change >= 0 else "below"
    title = f"{cur.year} arrivals to {newest:%-d %B} are {pct(abs(change))} {direction} the same point of {prev.year}"
    d["series"] = d.year.astype(str)
    d["is_current"] = d.year == newest.year
    data = d[["date", "year", "day", "cum_people", "is_current"]]
    base = alt.Chart(data).encode(
        x=alt.X("day:T", title=None, axis=alt.Axis(format="%b", tickCount=12)),
        y=alt.Y("cum_people:Q", title="People arrived since 1 January", axis=alt.Axis(format=NUMBER)),
        detail="year:N",
        tooltip=[alt.Tooltip("date:T", format="%-d %b %Y"), alt.Tooltip("cum_people:Q", format=NUMBER)],
    )
    lines = base.mark_line(strokeWidth=1.5).encode(
        color=alt.condition(alt.datum.is_current, alt.value(HIGHLIGHT), alt.value(MUTED)),
        strokeWidth=alt.condition(alt.datum.is_current, alt.value(3), alt.value(1.5)),
    )
    ends = d.groupby("year").tail(1)
    labels = (
        alt.Chart(ends)
        .mark_text(align="left", dx=4, fontSize=10)
        .encode(
            x="day:T",
            y="cum_people:Q",
            text="series:N",
            color=alt.condition(alt.datum.is_current, alt.value(HIGHLIGHT), alt.value("#777")),
        )
    )
    chart = (lines + labels).properties(width=WIDTH, height=HEIGHT)
    sub = "Cumulative small-boat arrivals from 1 January, by year; the newest year in orange"
    return ChartSpec("arrivals_so_far", title, finish(chart, title, sub, source), data, source)


def whole_weeks(daily: pd.DataFrame, since: dt.date) -> pd.DataFrame:
    """People and boats by week ending Sunday, whole weeks only, from ``since``."""
    g = daily.set_index("date").resample("W-SUN")
    w = g.agg({"people": "sum", "boats": "sum"})
    w["days"] = g.size()
    w = w[(w.days == 7) & (w.index >= pd.Timestamp(since))]
    return w.reset_index().rename(columns={"date": "week_ending"})


def weekly_bars(w: pd.DataFrame) -> alt.Chart:
    """Bars of people a week (weeks ending Sunday), with the week's figures as a tooltip."""
    tips = [alt.Tooltip("week_ending:T", format="%-d %b %Y")]
    tips += [alt.Tooltip(f"{c}:Q", format=NUMBER) for c in ("people", "boats", "quota") if c in w]
    return (
        alt.Chart(w)
        .mark_bar(color=OKABE_ITO[0], opacity=0.85)
        .encode(
            x=alt.X("week_ending:T", title=None, axis=alt.Axis(format=DATE_AXIS)),
            y=alt.Y("people:Q", title="People a week", axis=alt.Axis(format=NUMBER)),
            tooltip=tips,
        )
    )


def weekly_arrivals(daily: pd.DataFrame, source: str, since: dt.date | None = None) -> ChartSpec:
    """Weekly arrivals (bars) and boats (line), weeks ending Sunday."""
    since = since or dt.date(daily.date.max().year - 2, 1, 1)
    w = whole_weeks(daily, since)
    top = w.loc[w.people.idxmax()]
    title = (
        f"The busiest week since {since:%B %Y} brought {thousands(top.people)} people, "
        f"week ending {top.week_ending:%-d %b %Y}"
    )
    bars = weekly_bars(w)
    boats = (
        alt.Chart(w)
        .mark_line(color=OKABE_ITO[1], strokeWidth=2)
        .encode(x="week_ending:T", y=alt.Y("boats:Q", title="Boats a week (orange line)", axis=alt.Axis(format=NUMBER)))
    )
    chart = alt.layer(bars, boats).resolve_scale(y="independent").properties(width=WIDTH, height=HEIGHT)
    sub = "People (blue bars, left axis) and boats (orange line, right axis) detected each week ending Sunday"
    return ChartSpec("weekly_arrivals", title, finish(chart, title, sub, source), w, source)


def per_boat(daily: pd.DataFrame, source: str) -> ChartSpec:
    """People per boat by month, with each record marked."""
    pb = q.per_boat_by_month(daily)
    pb = pb[pb.month >= "2019-01"].copy()
    pb["month_start"] = pd.to_datetime(pb.month + "-01")
    pb["through"] = pd.to_datetime(pb.through)  # a date column cannot go into a Vega-Lite spec
    last_record = pb[pb.is_record].iloc[-1]
    when = pd.Timestamp(last_record.month_start)
    title = f"Boats carried {last_record.people_per_boat:.0f} people on average in {when:%B %Y}, a record"
    line = (
        alt.Chart(pb)
        .mark_line(color=OKABE_ITO[0], strokeWidth=2)
        .encode(
            x=alt.X("month_start:T", title=None, axis=alt.Axis(format=DATE_AXIS)),
            y=alt.Y("people_per_boat:Q", title="People per boat (monthly average)"),
            tooltip=["month:N", alt.Tooltip("people_per_boat:Q", format=".1f"), alt.Tooltip("boats:Q", format=NUMBER)],
        )
    )
    recs = (
        alt.Chart(pb[pb.is_record])
        .mark_point(color=HIGHLIGHT, filled=True, size=45)
        .encode(x="month_start:T", y="people_per_boat:Q")
    )
    chart = (line + recs).properties(width=WIDTH, height=HEIGHT)
    sub = "People divided by boats each month; orange dots mark months that set a new record"
    last = pb.iloc[-1]
    if last.partial:
        first = pd.Timestamp(last.month_start)
        sub += f"; {first:%B %Y} covers only 1–{last.through.day} {first:%B} (not a record until complete)"
    return ChartSpec(
        "people_per_boat", title, finish(chart, title, sub, source), pb.drop(columns="month_start"), source
    )


def quota_in_proportion(rows: pd.DataFrame, source: str, quota_per_week: float) -> ChartSpec:
    """A year of the quota against annual flows, on one linear axis so small looks small.

    Args:
        rows: columns ``label, short, value`` (people a year) and ``pct`` (the quota's share of it).
        source: attribution line.
        quota_per_week: the weekly quota.
    """
    year_quota = quota_per_week * q.WEEKS_PER_YEAR
    big = rows.loc[rows.value.idxmax()]
    name = big.get("short", big.label) if hasattr(big, "get") else big.label
    share = pct(year_quota / big.value * 100)
    title = f"A year of {quota_per_week:.0f} returns a week ({thousands(year_quota)}) is {share} of {name}"
    data = pd.concat(
        [
            pd.DataFrame(
                [
                    {
                        "label": f"The scheme: {quota_per_week:.0f} a week for a year",
                        "value": year_quota,
                        "pct": 100.0,
                        "is_scheme": True,
                    }
                ]
            ),
            rows.assign(is_scheme=False),
        ],
        ignore_index=True,
    )
    chart = (
        alt.Chart(data)
        .mark_bar()
        .encode(
            y=alt.Y("label:N", title=None, sort=None, axis=alt.Axis(labelLimit=320)),
            x=alt.X("value:Q", title="People a year (one linear scale)", axis=alt.Axis(format=NUMBER)),
            color=alt.condition(alt.datum.is_scheme, alt.value(HIGHLIGHT), alt.value(OKABE_ITO[0])),
            tooltip=["label:N", alt.Tooltip("value:Q", format=NUMBER), alt.Tooltip("pct:Q", format=".2f")],
        )
        .properties(width=WIDTH - 200, height=28 * len(data))
    )
    text = chart.mark_text(align="left", dx=4, fontSize=10, color="#333").encode(
        text=alt.Text("value:Q", format=NUMBER), color=alt.value("#333")
    )
    sub = "Returns under the scheme for a year at the announced rate, beside yearly flows"
    return ChartSpec("quota_in_proportion", title, finish(chart + text, title, sub, source), data, source)


def quota_vs_weekly(daily: pd.DataFrame, source: str, quota_per_week: float, since: dt.date) -> ChartSpec:
    """Weekly arrivals against the weekly quota."""
    w = whole_weeks(daily, since).drop(columns="boats")
    w["quota"] = quota_per_week
    above = (w.people > quota_per_week).mean() * 100
    title = f"Arrivals exceeded {quota_per_week:.0f} in {above:.0f}% of weeks since {since:%B %Y}"
    bars = weekly_bars(w)
    rule = alt.Chart(w).mark_rule(color=HIGHLIGHT, strokeWidth=2).encode(y="mean(quota):Q")
    chart = (bars + rule).properties(width=WIDTH, height=HEIGHT)
    sub = f"Weekly arrivals (bars) and the announced {quota_per_week:.0f} returns a week (orange line)"
    return ChartSpec("quota_vs_weekly_arrivals", title, finish(chart, title, sub, source), w, source)


def scheme_delivery(monthly: pd.DataFrame, source: str, quota_per_week: float) -> ChartSpec:
    """Cumulative returns and admissions under the agreement against a cumulative quota path.

    Args:
        monthly: columns ``month_end, returned, admitted, quota_path`` (cumulative).
        source: attribution line.
        quota_per_week: the steady weekly quota the path assumes.
    """
    last = monthly.iloc[-1]
    steady = f"{quota_per_week:.0f} a week"
    title = (
        f"By {last.month_end:%-d %B %Y}, {thousands(last.returned)} people were returned to France, "
        f"{pct(last.returned / last.quota_path * 100, 0)} of a steady {steady}"
    )
    long = monthly.melt(
        id_vars="month_end", value_vars=["returned", "admitted", "quota_path"], var_name="measure", value_name="people"
    )
    names = {
        "returned": "Returned to France",
        "admitted": "Admitted from France",
        "quota_path": f"{steady} from the first return",
    }
    long["measure"] = long.measure.map(names)
    chart = (
        alt.Chart(long)
        .mark_line(point=True, strokeWidth=2)
        .encode(
            x=alt.X("month_end:T", title=None, axis=alt.Axis(format=DATE_AXIS)),
            y=alt.Y("people:Q", title="People, cumulative", axis=alt.Axis(format=NUMBER)),
            color=alt.Color(
                "measure:N",
                title=None,
                scale=alt.Scale(domain=list(names.values()), range=[OKABE_ITO[0], OKABE_ITO[2], HIGHLIGHT]),
            ),
            strokeDash=alt.condition(alt.datum.measure == names["quota_path"], alt.value([5, 4]), alt.value([1, 0])),
            tooltip=[alt.Tooltip("month_end:T", format="%b %Y"), "measure:N", alt.Tooltip("people:Q", format=NUMBER)],
        )
        .properties(width=WIDTH, height=HEIGHT)
    )
    sub = "Cumulative people returned and admitted under the UK-France agreement, by month"
    return ChartSpec("scheme_delivery", title, finish(chart, title, sub, source), monthly, source)


def model_vs_published(monthly: pd.DataFrame, source: str) -> ChartSpec:
    """The model's cumulative returns and admissions (median and 90% band) beside the published ones, by month.

    Args:
        monthly: one row per month (``month`` as ``YYYY-MM``) with ``model_{returned,admitted}_cumulative_``
            ``median/p05/p95`` and ``published_{returned,admitted}_cumulative`` (missing after the table ends).
        source: attribution line.
    """
    rows = []
    for what, label in (("returned", "Returned to France"), ("admitted", "Admitted from France")):
        for r in monthly.itertuples():
            rows.append(
                {
                    "month": pd.Timestamp(r.month + "-01") + pd.offsets.MonthEnd(0),  # cumulative to the month's end
                    "measure": label,
                    "model": getattr(r, f"model_{what}_cumulative_median"),
                    "low": getattr(r, f"model_{what}_cumulative_p05"),
                    "high": getattr(r, f"model_{what}_cumulative_p95"),
                    "published": getattr(r, f"published_{what}_cumulative"),
                }
            )
    data = pd.DataFrame(rows)
    last = data.dropna(subset=["published"]).groupby("measure").last()
    ret, adm = last.loc["Returned to France"], last.loc["Admitted from France"]
    when = data.dropna(subset=["published"]).month.max()
    title = (
        f"To {when:%-d %B %Y} the model returned {thousands(ret.model)} and admitted {thousands(adm.model)}; "
        f"the Home Office published {thousands(ret.published)} and {thousands(adm.published)}"
    )
    x = alt.X("month:T", title=None, axis=alt.Axis(format=DATE_AXIS))
    colour = alt.Color("measure:N", title=None, scale=alt.Scale(range=[OKABE_ITO[0], OKABE_ITO[2]]))
    band = alt.Chart(data).mark_area(opacity=0.2).encode(x=x, y="low:Q", y2="high:Q", color=colour)
    model = (
        alt.Chart(data)
        .mark_line(strokeWidth=2)
        .encode(x=x, y=alt.Y("model:Q", title="People, cumulative", axis=alt.Axis(format=NUMBER)), color=colour)
    )
    published = (
        alt.Chart(data.dropna(subset=["published"]))
        .mark_point(filled=True, size=50, color="black")
        .encode(
            x=x,
            y="published:Q",
            shape=alt.Shape("measure:N", title="Published"),
            tooltip=[alt.Tooltip("month:T", format="%b %Y"), "measure:N", "published:Q", "model:Q"],
        )
    )
    chart = (band + model + published).properties(width=WIDTH, height=HEIGHT)
    sub = "Model: median (line) and 90% of runs (band), 'actual' scenario; points: the Home Office monthly table"
    return ChartSpec("model_vs_published", title, finish(chart, title, sub, source), data, source)


def quota_curve_chart(curve: pd.DataFrame, source: str, best_label: str, year: str = "1") -> ChartSpec:
    """The cut in arrivals in one scheme year against the weekly quota, median and 50% band, per assumption.

    ``year`` is a scheme year (``"1"``, ``"2"``...) or ``"steady"`` (every year after the first); the
    title and axis say which.
    """
    from smallboats.vocab import year_label

    data = curve[curve.year == year].drop(columns=["cuts"], errors="ignore").copy()
    data["cut_median_pct"] = data.cut_median * 100
    data["cut_p25_pct"] = data.cut_p25 * 100
    data["cut_p75_pct"] = data.cut_p75 * 100
    when = year_label(year)
    top = thousands(data.weekly_quota.max())
    title = f"Even at {top} returns a week, the median cut in {when} is at most {best_label}"
    colour = alt.Color("assumption:N", title="Deterrence", scale=alt.Scale(range=OKABE_ITO))
    x = alt.X(
        "weekly_quota:Q", title="Weekly quota (log scale)", scale=alt.Scale(type="log"), axis=alt.Axis(format=NUMBER)
    )
    band = alt.Chart(data).mark_area(opacity=0.2).encode(x=x, y="cut_p25_pct:Q", y2="cut_p75_pct:Q", color=colour)
    line = (
        alt.Chart(data)
        .mark_line(point=True, strokeWidth=2)
        .encode(
            x=x,
            y=alt.Y("cut_median_pct:Q", title=f"Cut in arrivals, {when} (%)"),
            color=colour,
            tooltip=[
                "assumption:N",
                "weekly_quota:Q",
                alt.Tooltip("cut_median_pct:Q", format=".1f"),
                "binding:N",
                alt.Tooltip("detention_places:Q", format=NUMBER),
            ],
        )
    )
    chart = (band + line).properties(width=WIDTH, height=HEIGHT)
    sub = (
        f"Median cut (line) and middle half of runs (band) in {when}, against a paired no-scheme world, "
        "by deterrence form"
    )
    return ChartSpec("quota_curve", title, finish(chart, title, sub, source), data, source)


def sobol_chart(table: pd.DataFrame, source: str) -> ChartSpec:
    """Sobol indices ranked by total effect, with 95% intervals."""
    d = table.copy()
    d["ST_lo"] = (d.ST - d.ST_conf).clip(lower=0)
    d["ST_hi"] = d.ST + d.ST_conf
    top = d.iloc[0]
    title = f"{top.parameter} explains most of the uncertainty in the scheme's effect"
    y = alt.Y("parameter:N", sort=list(d.parameter), title=None, axis=alt.Axis(labelLimit=260))
    bars = (
        alt.Chart(d)
        .mark_bar(color=OKABE_ITO[0])
        .encode(
            y=y,
            x=alt.X("ST:Q", title="Total Sobol index (share of variance, with interactions)"),
            tooltip=["parameter:N", alt.Tooltip("ST:Q", format=".3f"), alt.Tooltip("S1:Q", format=".3f")],
        )
    )
    err = alt.Chart(d).mark_rule(color="#333").encode(y=y, x="ST_lo:Q", x2="ST_hi:Q")
    first = alt.Chart(d).mark_tick(color=HIGHLIGHT, thickness=3, size=14).encode(y=y, x="S1:Q")
    chart = (bars + err + first).properties(width=WIDTH - 220, height=16 * len(d))
    sub = "Bars: total index with 95% interval; orange ticks: first-order index; first-year cut in arrivals"
    return ChartSpec("sobol", title, finish(chart, title, sub, source), d, source)
