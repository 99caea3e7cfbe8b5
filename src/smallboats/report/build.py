"""Assemble the report and write it: ``report.html`` and ``charts/NAME.{png,svg,csv}``.

The numbers come from :mod:`smallboats.analysis` (official figures, the outlook, the backtest and
the pilot's evaluation) and the claims engine; their wording lives in :mod:`smallboats.report.sections`.
This module only runs those steps in order, renders the template and writes the files.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from importlib import resources
from pathlib import Path

import jinja2

from smallboats import __version__
from smallboats.analysis import report_runs as R
from smallboats.analysis.official import OfficialFigures
from smallboats.report import sections as S


def _reuse(step) -> Callable[[str], None]:
    return lambda name: step(f"Reusing {name}")


def _estimated_pilot(fig: OfficialFigures, step) -> dict:
    """The effect estimated from the record (both methods) and the elasticity, cached by release."""
    return R.estimated_pilot_job(fig).run(_reuse(step))


def _outlook(fig: OfficialFigures, step):
    return R.outlook_job(fig).run(_reuse(step))


def _forecasting(fig: OfficialFigures, step) -> S.Section:
    bt = R.backtest_job(fig).run(_reuse(step))
    sim = R.simulated_pilot_job(fig).run(_reuse(step))
    return S.forecasting(bt, _estimated_pilot(fig, step), sim, fig)


def _could(fig: OfficialFigures, step) -> S.Section:
    return S.what_it_could_do(_outlook(fig, step), fig)


def _findings(fig: OfficialFigures, step) -> S.Section:
    return S.findings(fig, _outlook(fig, step), _estimated_pilot(fig, step))


def _claims(fig: OfficialFigures) -> S.Section:
    from smallboats.claims import check_bundled_claims
    from smallboats.claims.render import to_html

    results = check_bundled_claims(fig.store, as_of=fig.as_of)
    return S.claims(results, to_html(results))


def _changed(fig: OfficialFigures) -> S.Section:
    from smallboats.data.changes import changes_between

    return S.what_changed(changes_between(fig.store, new=fig.as_of) if fig.as_of else changes_between(fig.store))


def sections(fig: OfficialFigures, step: Callable[[str], None]) -> list[S.Section]:
    """Every section, in order, reporting each step as it starts."""
    plan = (
        ("the answer first (simulating)", lambda: _findings(fig, step)),
        ("where things stand", lambda: S.where_things_stand(fig)),
        ("the scheme in proportion", lambda: S.in_proportion(fig)),
        ("what the scheme did", lambda: S.scheme_delivery(fig)),
        ("what it could do (simulating)", lambda: _could(fig, step)),
        ("backtest and pilot (simulating)", lambda: _forecasting(fig, step)),
        ("figures checked", lambda: _claims(fig)),
        ("what changed", lambda: _changed(fig)),
        ("sources", lambda: S.sources(fig.store.releases(), fig.daily.newest_release, fig.as_of)),
    )
    out = []
    for name, make in plan:
        step(f"Building {name}")
        out.append(make())
    return out


def build_report(store, out: Path, *, as_of: str | None = None, on_step: Callable[[str], None] | None = None) -> dict:
    """Write ``out/report.html`` and ``out/charts/*``; return a summary of what was written."""
    reused: list[str] = []

    def step(label: str) -> None:
        if label.startswith("Reusing "):
            reused.append(label.removeprefix("Reusing "))
        if on_step:
            on_step(label)

    fig = OfficialFigures(store, as_of)
    secs = sections(fig, step)
    chart_dir = Path(out) / "charts"
    rendered = {}
    for sec in secs:
        for c in sec.charts:
            step(f"Rendering {c.name}")
            written = c.save_all(chart_dir)
            rendered[c.name] = written["svg"].read_text(encoding="utf-8")
    step("Writing report.html")
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(str(resources.files("smallboats.report") / "templates")),
        autoescape=jinja2.select_autoescape(["html", "j2"]),
    )
    page = env.get_template("report.html.j2").render(
        sections=secs,
        svgs=rendered,
        version=__version__,
        newest=fig.newest,
        release=fig.daily.newest_release,
        generated=dt.date.today(),
        as_of=as_of,
    )
    (Path(out) / "report.html").write_text(page, encoding="utf-8")
    return {
        "report": str(Path(out) / "report.html"),
        "charts": sorted(rendered),
        "newest_date": fig.newest.isoformat(),
        "data_release": fig.daily.newest_release,
        "reused": sorted(set(reused)),
    }
