"""The house style for charts: colour-blind-safe palette, number and date formats, source line.

The palette is Okabe and Ito's (2008), distinguishable with the common forms of colour blindness.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import altair as alt
import pandas as pd
import vl_convert as vlc

from smallboats.formats import pct, thousands  # noqa: F401 - the chart builders' number formats

OKABE_ITO = ["#0072B2", "#E69F00", "#009E73", "#D55E00", "#CC79A7", "#56B4E9", "#F0E442", "#000000"]
HIGHLIGHT = "#D55E00"
MUTED = "#B8B8B8"
FONT = "Liberation Sans, Arial, sans-serif"
WIDTH, HEIGHT = 640, 300
DATE_AXIS = "%b %Y"  # "Jul 2025"
NUMBER = ",.0f"
FORMATS = ("svg", "png", "csv", "html")  # every chart is written in each
CSV_DECIMALS = 2  # the CSV beside a chart carries what is drawn, not float noise


@dataclass
class ChartSpec:
    """A finished chart: the Altair object, the numbers behind it and its identity.

    Attributes:
        name: file stem (``arrivals_so_far``).
        title: the finding, in words.
        chart: the Altair chart (source line included).
        data: the numbers drawn, written beside the chart as CSV.
        source: the attribution line.
    """

    name: str
    title: str
    chart: alt.TopLevelMixin
    data: pd.DataFrame
    source: str

    def spec(self) -> dict:
        """The Vega-Lite specification."""
        return self.chart.to_dict()

    def svg(self) -> str:
        """Render to SVG (offline, with vl-convert)."""
        return vlc.vegalite_to_svg(self.spec())

    def png(self, scale: float = 2.0) -> bytes:
        """Render to PNG (offline, with vl-convert)."""
        return vlc.vegalite_to_png(self.spec(), scale=scale)

    def csv(self) -> str:
        """The numbers drawn, as CSV: a first line ``# Source: ...`` (with the licence), values rounded.

        Read it with ``pandas.read_csv(path, comment="#")``.
        """
        data = self.data.copy()
        for c in data.columns:
            if pd.api.types.is_float_dtype(data[c]):
                data[c] = data[c].round(CSV_DECIMALS)
        return f"# {self.source}\n" + data.to_csv(index=False)

    def html(self, bundle_url: str | None = None) -> str:
        """An embeddable snippet: the chart as inline SVG with its finding and source, no script needed.

        Args:
            bundle_url: where a page can load Vega, Vega-Lite and vega-embed (a smallboats server's
                ``/static/vega-bundle.js``, never a CDN); when given, the snippet also carries the chart's
                specification and draws it interactively (tooltips), the SVG staying as the fallback.
        """
        import json
        from html import escape

        element = f"smallboats-{self.name}".replace("_", "-")
        script = ""
        if bundle_url:
            spec = json.dumps(self.spec()).replace("</", "<\\/")  # cannot close the script element early
            script = (
                f'<script src="{escape(bundle_url)}"></script>'
                f'<script>vegaEmbed("#{element}", {spec}, {{renderer: "svg", actions: false}});</script>'
            )
        return (
            f'<figure class="smallboats-chart" data-chart="{escape(self.name)}" style="max-width:100%;margin:0">'
            f'<div id="{element}" role="img" aria-label="{escape(self.title)}" style="overflow-x:auto">{self.svg()}'
            f'</div><figcaption style="font:12px sans-serif;color:#555">{escape(self.title)}. {escape(self.source)}'
            f"</figcaption>{script}</figure>\n"
        )

    def render(self, fmt: str) -> str | bytes:
        """The chart in one of :data:`FORMATS` (``svg``, ``png``, ``csv`` or ``html``)."""
        if fmt not in FORMATS:
            raise ValueError(f"unknown chart format {fmt!r}; formats: {', '.join(FORMATS)}")
        return {"svg": self.svg, "png": self.png, "csv": self.csv, "html": self.html}[fmt]()

    def save(self, path: Path) -> Path:
        """Write the chart to ``path``; its suffix (``.svg``, ``.png`` or ``.csv``) picks the format."""
        path = Path(path)
        body = self.render(path.suffix.lower().lstrip("."))
        if isinstance(body, bytes):
            path.write_bytes(body)
        else:
            path.write_text(body, encoding="utf-8")
        return path

    def save_all(self, folder: Path) -> dict[str, Path]:
        """Write ``NAME.svg``, ``NAME.png``, ``NAME.csv`` and ``NAME.html`` into ``folder``."""
        folder = Path(folder)
        folder.mkdir(parents=True, exist_ok=True)
        return {fmt: self.save(folder / f"{self.name}.{fmt}") for fmt in FORMATS}


def finish(chart: alt.TopLevelMixin, title: str, subtitle: str, source: str) -> alt.TopLevelMixin:
    """Apply the house style: the finding as title, a subtitle, the source line under the chart."""
    wrapped = _wrap(source, 110)
    return (
        chart.properties(
            title=alt.Title(
                text=title,
                subtitle=[subtitle, *wrapped] if subtitle else wrapped,
                anchor="start",
                fontSize=16,
                subtitleFontSize=11,
                subtitleColor="#555",
                orient="top",
            )
        )
        .configure(font=FONT)
        .configure_view(stroke=None)
        .configure_axis(labelFontSize=11, titleFontSize=12, gridColor="#eee")
        .configure_legend(orient="top", labelFontSize=11, titleFontSize=11)
    )


def _wrap(text: str, width: int) -> list[str]:
    words, lines, line = text.split(), [], ""
    for w in words:
        if len(line) + len(w) + 1 > width:
            lines.append(line)
            line = w
        else:
            line = f"{line} {w}".strip()
    if line:
        lines.append(line)
    return lines
