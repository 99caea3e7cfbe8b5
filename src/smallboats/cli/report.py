"""`smallboats report`: the self-contained HTML report with its charts."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from smallboats.cli.common import AsOfOpt, StoreOpt, open_store
from smallboats.cli.output import console, err_console


def report(
    out: Annotated[Path, typer.Option("--out", "-o", help="Folder to write report.html and charts/ to.")] = Path(
        "smallboats-report"
    ),
    as_of_release: AsOfOpt = None,
    store: StoreOpt = None,
) -> None:
    """Write the report: one self-contained HTML file, and each chart as PNG, SVG and CSV.

    Works offline on the bundled data. Open report.html in any browser.

    Example: smallboats report --out report
    """
    from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn

    from smallboats.report.build import build_report

    out.mkdir(parents=True, exist_ok=True)
    with (
        open_store(store) as st,
        Progress(
            TextColumn("{task.description:<40}"),
            BarColumn(),
            TextColumn("{task.completed}/{task.total}"),
            TimeElapsedColumn(),
            console=err_console,
        ) as bar,
    ):
        task = bar.add_task("Starting", total=20)

        def step(label: str) -> None:
            bar.update(task, description=label, advance=1)

        summary = build_report(st, out, as_of=as_of_release, on_step=step)
        bar.update(task, completed=bar.tasks[0].total)
    if summary["reused"]:
        err_console.print(
            f"Reused {len(summary['reused'])} cached results (simulations and fits on unchanged data); "
            "delete the cache folder to recompute them"
        )
    console.print(
        f"Wrote {summary['report']} with {len(summary['charts'])} charts (PNG, SVG, CSV and HTML in {out / 'charts'})"
    )
