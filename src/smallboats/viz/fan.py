"""Fan charts: median and 50/80/95% bands of simulated series, one colour a scenario."""

from __future__ import annotations

import altair as alt
import pandas as pd

from smallboats.viz.style import DATE_AXIS, HEIGHT, NUMBER, OKABE_ITO, WIDTH, ChartSpec, finish

LABELS = {"arrivals": "People arriving", "returned": "People returned", "admitted": "People admitted", "boats": "Boats"}


# long: a documented signature and one Altair specification, layer by layer
def fan_chart(
    bands: dict[str, pd.DataFrame],
    var: str,
    period: str,
    *,
    source: str,
    title: str = "",
    subtitle: str = "",
    colours: dict[str, str] | None = None,
    overlay: bool = False,
    observed: pd.DataFrame | None = None,
    name: str | None = None,
) -> ChartSpec:
    """Draw one or more scenarios' bands on one chart.

    Args:
        bands: scenario name -> frame from :meth:`Results.band`.
        var: the variable drawn.
        period: day, week, month or year.
        source: the attribution line.
        title: the finding; a plain description when empty.
        subtitle: more detail.
        colours: a colour for each scenario (default: the palette in order).
        overlay: draw every scenario on one panel (as the dashboard does) rather than one panel each.
        observed: ``period_start, people``: what was observed, drawn as a black line over the bands.
        name: the file stem (default ``fan_VAR_PERIOD``).
    """
    frames = []
    for label, b in bands.items():
        frames.append(b.assign(scenario=label, period_start=pd.to_datetime(b.period_start)))
    data = pd.concat(frames, ignore_index=True)
    names = list(bands)
    domain = names + (["Observed"] if observed is not None and len(observed) else [])
    palette = [(colours or {}).get(n, OKABE_ITO[i % len(OKABE_ITO)]) for i, n in enumerate(names)]
    palette += ["#000000"] * (len(domain) - len(names))
    colour = alt.Color("scenario:N", title=None, scale=alt.Scale(domain=domain, range=palette))
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
    if observed is not None and len(observed):
        seen = observed.assign(scenario="Observed", period_start=pd.to_datetime(observed.period_start))
        layers.append(alt.Chart(seen).mark_line(strokeWidth=1.5, point=True).encode(x=x, y="people:Q", color=colour))
    if len(names) > 1 and not overlay:
        chart = (
            alt.layer(*layers, data=data)
            .properties(width=WIDTH // 2 - 20, height=HEIGHT // 2)
            .facet(facet=alt.Facet("scenario:N", title=None, sort=names), columns=2)
        )
    else:
        chart = alt.layer(*layers, data=data).properties(width=WIDTH, height=HEIGHT)
    title = title or f"{LABELS.get(var, var)} a {period}: median and 50/80/95% bands"
    subtitle = subtitle or "Shaded bands hold 50%, 80% and 95% of runs; the line is the median"
    if observed is not None and len(observed):
        data = pd.concat([data, observed.assign(scenario="Observed")], ignore_index=True)
    return ChartSpec(name or f"fan_{var}_{period}", title, finish(chart, title, subtitle, source), data, source)


def results_fan_chart(results, var: str = "arrivals", period: str = "week") -> ChartSpec:
    """A fan chart (median, 50/80/95% bands) of one simulation's variable (was ``Results.plot``)."""
    from smallboats import __version__

    return fan_chart(
        {results.scenario.name: results.band(var, period)},
        var,
        period,
        source=f"smallboats {__version__} simulation, seed {results.seed}, {results.runs} runs",
    )
