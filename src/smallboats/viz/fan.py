"""Fan charts: median and 50/80/95% bands of simulated series, one colour a scenario."""

from __future__ import annotations

import altair as alt
import pandas as pd

from smallboats.viz.style import DATE_AXIS, HEIGHT, NUMBER, OKABE_ITO, WIDTH, ChartSpec, finish

LABELS = {"arrivals": "People arriving", "returned": "People returned", "admitted": "People admitted", "boats": "Boats"}


def fan_chart(
    bands: dict[str, pd.DataFrame], var: str, period: str, *, source: str, title: str = "", subtitle: str = ""
) -> ChartSpec:
    """Draw one or more scenarios' bands on one chart.

    Args:
        bands: scenario name -> frame from :meth:`Results.band`.
        var: the variable drawn.
        period: day, week, month or year.
        source: the attribution line.
        title: the finding; a plain description when empty.
        subtitle: more detail.
    """
    frames = []
    for name, b in bands.items():
        frames.append(b.assign(scenario=name, period_start=pd.to_datetime(b.period_start)))
    data = pd.concat(frames, ignore_index=True)
    names = list(bands)
    colour = alt.Color("scenario:N", title=None, scale=alt.Scale(domain=names, range=OKABE_ITO[: len(names)]))
    x = alt.X("period_start:T", title=None, axis=alt.Axis(format=DATE_AXIS))
    base = alt.Chart()
    layers = [
        base.mark_area(opacity=op).encode(x=x, y=alt.Y(f"{lo}:Q"), y2=f"{hi}:Q", color=colour)
        for lo, hi, op in (("p025", "p975", 0.12), ("p10", "p90", 0.18), ("p25", "p75", 0.28))
    ]
    layers.append(
        base.mark_line(strokeWidth=2).encode(
            x=x,
            y=alt.Y("median:Q", title=f"{LABELS.get(var, var)} a {period}", axis=alt.Axis(format=NUMBER)),
            color=colour,
            tooltip=[
                "scenario:N",
                alt.Tooltip("period_start:T", format="%-d %b %Y"),
                alt.Tooltip("median:Q", format=NUMBER),
                alt.Tooltip("p05:Q", format=NUMBER),
                alt.Tooltip("p95:Q", format=NUMBER),
            ],
        )
    )
    if len(names) > 1:
        chart = (
            alt.layer(*layers, data=data)
            .properties(width=WIDTH // 2 - 20, height=HEIGHT // 2)
            .facet(facet=alt.Facet("scenario:N", title=None, sort=names), columns=2)
        )
    else:
        chart = alt.layer(*layers, data=data).properties(width=WIDTH, height=HEIGHT)
    title = title or f"{LABELS.get(var, var)} a {period}: median and 50/80/95% bands"
    subtitle = subtitle or "Shaded bands hold 50%, 80% and 95% of runs; the line is the median"
    return ChartSpec(f"fan_{var}_{period}", title, finish(chart, title, subtitle, source), data, source)


def results_fan_chart(results, var: str = "arrivals", period: str = "week") -> ChartSpec:
    """A fan chart (median, 50/80/95% bands) of one simulation's variable (was ``Results.plot``)."""
    from smallboats import __version__

    return fan_chart(
        {results.scenario.name: results.band(var, period)},
        var,
        period,
        source=f"smallboats {__version__} simulation, seed {results.seed}, {results.runs} runs",
    )
