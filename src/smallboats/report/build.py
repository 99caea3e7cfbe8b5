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
from smallboats.analysis.official import OfficialFigures
from smallboats.report import sections as S


def _forecasting(fig: OfficialFigures, runs: int = 300, seed: int = 7) -> S.Section:
    from smallboats.analysis.forecast import backtest, backtest_summary, evaluate_pilot

    weekly = fig.store.observations(["sb_week_people", "sb_week_prevented_people"], as_of=fig.as_of)
    table = backtest(fig.daily.frame, weekly, runs=runs, seed=seed)
    pilot = evaluate_pilot(fig.store, runs=runs, seed=seed)
    return S.forecasting(backtest_summary(table), sorted(table.origin.unique()), pilot)


def _could(fig: OfficialFigures) -> S.Section:
    from smallboats.analysis.outlook import outlook

    return S.what_it_could_do(outlook(fig.store, as_of=fig.as_of), fig.quota_per_week)


def _claims(fig: OfficialFigures) -> S.Section:
    from smallboats.claims import check_bundled_claims
    from smallboats.claims.render import to_html

    results = check_bundled_claims(fig.store, as_of=fig.as_of)
    return S.claims(results, to_html(results))


def sections(fig: OfficialFigures, step: Callable[[str], None]) -> list[S.Section]:
    """Every section, in order, reporting each step as it starts."""
    plan = (
        ("where things stand", lambda: S.where_things_stand(fig)),
        ("the scheme in proportion", lambda: S.in_proportion(fig)),
        ("what the scheme did", lambda: S.scheme_delivery(fig)),
        ("what it could do (simulating)", lambda: _could(fig)),
        ("backtest and pilot (simulating)", lambda: _forecasting(fig)),
        ("figures checked", lambda: _claims(fig)),
        ("sources", lambda: S.sources(fig.store.releases(), fig.daily.newest_release, fig.as_of)),
    )
    out = []
    for name, make in plan:
        step(f"Building {name}")
        out.append(make())
    return out


def build_report(store, out: Path, *, as_of: str | None = None, on_step: Callable[[str], None] | None = None) -> dict:
    """Write ``out/report.html`` and ``out/charts/*``; return a summary of what was written."""
    step = on_step or (lambda _s: None)
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
    }
