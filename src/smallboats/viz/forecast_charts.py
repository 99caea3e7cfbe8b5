"""Charts of forecast calibration: the PIT histogram and band coverage by origin season.

Frames in (from :func:`smallboats.analysis.scoring.pit_histogram` and
:func:`smallboats.analysis.scoring.coverage_by_season`), charts out; titles are computed from them.
"""

from __future__ import annotations

import altair as alt
import pandas as pd

from smallboats.viz.style import HEIGHT, MUTED, OKABE_ITO, WIDTH, ChartSpec, finish, pct


def pit_chart(pit: pd.DataFrame, source: str, methods: list[str] | None = None) -> ChartSpec:
    """PIT histograms, one panel a method, with the flat line a calibrated forecast would give.

    A U shape means bands too narrow; a hump, too wide; a slope, a biased median.
    """
    methods = methods or list(dict.fromkeys(pit.method))
    data = pit[pit.method.isin(methods)].assign(bin_mid=lambda d: (d.bin_low + d.bin_high) / 2)
    flat = 1 / pit.groupby("method").size().max()
    bars = (
        alt.Chart()
        .mark_bar(color=OKABE_ITO[0], width=alt.RelativeBandSize(0.9))
        .encode(
            x=alt.X("bin_mid:Q", title="PIT (where the week fell in the forecast)", scale=alt.Scale(domain=[0, 1])),
            y=alt.Y("share:Q", title="Share of weeks", axis=alt.Axis(format=".0%")),
            tooltip=["method:N", alt.Tooltip("bin_low:Q", format=".1f"), alt.Tooltip("share:Q", format=".1%"), "n:Q"],
        )
    )
    rule = alt.Chart().mark_rule(color=MUTED, strokeDash=[4, 3]).encode(y=alt.datum(flat))
    chart = (
        alt.layer(bars, rule, data=data)
        .properties(width=WIDTH // 3 - 20, height=HEIGHT // 2)
        .facet(facet=alt.Facet("method:N", title=None, sort=methods), columns=3)
    )
    extremes = data[(data.bin_low == 0) | (data.bin_high == 1)].groupby("method").share.sum()
    worst = extremes.idxmax()
    title = f"{worst}: {pct(extremes[worst] * 100, 0)} of weeks fell in the outer fifth of its forecasts"
    subtitle = f"A calibrated forecast puts {pct(2 * flat * 100, 0)} there; the dashed line is flat"
    return ChartSpec("forecast_pit", title, finish(chart, title, subtitle, source), data, source)


def coverage_chart(coverage: pd.DataFrame, source: str, levels=(80, 95)) -> ChartSpec:
    """Share of weeks inside each band, by method and origin season, against the band's promise."""
    data = coverage[coverage.level.isin(levels) & (coverage.season != "all")].copy()
    data["band"] = data.level.astype(str) + "% band"
    data["promised"] = data.level / 100
    seasons = sorted(data.season.unique())
    colour = alt.Color("season:N", title=None, scale=alt.Scale(domain=seasons, range=OKABE_ITO[: len(seasons)]))
    points = (
        alt.Chart()
        .mark_point(filled=True, size=70)
        .encode(
            x=alt.X("coverage:Q", title="Share of weeks inside the band", axis=alt.Axis(format=".0%")),
            y=alt.Y("method:N", title=None),
            color=colour,
            tooltip=["method:N", "season:N", "band:N", alt.Tooltip("coverage:Q", format=".1%"), "n:Q"],
        )
    )
    promise = alt.Chart().mark_rule(color=MUTED, strokeDash=[4, 3]).encode(x="promised:Q")
    chart = (
        alt.layer(promise, points, data=data)
        .properties(width=WIDTH // 2 - 20, height=HEIGHT // 2)
        .facet(column=alt.Column("band:N", title=None))
    )
    model = data[data.method == "model"]
    if model.empty:
        title = "Band coverage by origin season"
    else:
        low = model.loc[(model.coverage - model.promised).idxmin()]
        title = f"The model's {low.band} held {pct(low.coverage * 100, 0)} of weeks from {low.season} origins"
    subtitle = "Dashed lines: the share each band promises"
    return ChartSpec("forecast_coverage", title, finish(chart, title, subtitle, source), data, source)
