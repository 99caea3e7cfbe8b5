"""`smallboats report`: the self-contained HTML report with its charts."""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Annotated

import typer

from smallboats.cli.common import AsOfOpt, StoreOpt, open_store
from smallboats.cli.output import console, err_console
from smallboats.errors import UsageError


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
    made = _report_folder(out)
    try:
        summary = _build(out, as_of_release, store)
    except BaseException:
        if made:  # a folder this run made holds nothing worth keeping
            shutil.rmtree(out, ignore_errors=True)
        raise
    if summary["reused"]:
        err_console.print(
            f"Reused {len(summary['reused'])} cached results (simulations and fits on unchanged data); "
            "delete the cache folder to recompute them"
        )
    console.print(
        f"Wrote {summary['report']} with {len(summary['charts'])} charts (PNG, SVG, CSV and HTML in {out / 'charts'})"
    )


def _report_folder(out: Path) -> bool:
    """Make the report's folder (whether it was made now), or say why ``--out`` cannot be one."""
    if out.exists() and not out.is_dir():
        raise UsageError(f"--out {out} is a file, not a folder; give a folder for the report")
    if out.is_dir():
        return False
    try:
        out.mkdir(parents=True)
    except OSError as e:
        raise UsageError(f"--out {out}: cannot make the report's folder: {e.strerror or e}") from None
    return True


def _build(out: Path, as_of_release: str | None, store) -> dict:
    from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn

    from smallboats.report.build import build_report

    with (
        open_store(store) as st,
        Progress(
            TextColumn("{task.description:<40}"),
            BarColumn(),
            TextColumn("{task.completed}/{task.total}"),
            TimeElapsedColumn(),
            console=err_console.rich,
        ) as bar,
    ):
        task = bar.add_task("Starting", total=20)

        def step(label: str) -> None:
            bar.update(task, description=label, advance=1)

        summary = build_report(st, out, as_of=as_of_release, on_step=step)
        bar.update(task, completed=bar.tasks[0].total)
    return summary
