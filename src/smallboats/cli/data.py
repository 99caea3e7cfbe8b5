"""`smallboats data`: import, status, revisions, export and the bundled dataset."""

from __future__ import annotations

import contextlib
import datetime as dt
import os
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from smallboats.cli.common import AsOfOpt, FormatOpt, StoreOpt, open_store, parse_date, spinner
from smallboats.cli.output import Format, console, emit, emit_object, err_console
from smallboats.data import LOCK_TIMEOUT_S
from smallboats.data import series as series_mod
from smallboats.data.importers.limits import MAX_CELLS, MAX_DECOMPRESSED_BYTES, MAX_FILE_BYTES, ImportLimits
from smallboats.errors import UsageError
from smallboats.provenance import OGL, Source

if TYPE_CHECKING:
    import pandas as pd

app = typer.Typer(help="Load, inspect and export the official figures.", no_args_is_help=True)


LockTimeoutOpt = Annotated[
    float,
    typer.Option(
        "--lock-timeout",
        min=0,
        help="Seconds to wait while another process (a reader, or another import) holds the store's lock.",
    ),
]


@app.command("import")
def import_(
    file: Annotated[Path, typer.Argument(help="An ODS/XLSX workbook, a saved gov.uk HTML page or a CSV.")],
    release_date: Annotated[
        str | None, typer.Option(help="The publication date (YYYY-MM-DD), when the file does not say it.")
    ] = None,
    publisher: Annotated[str | None, typer.Option(help="Publisher, for a tidy CSV without source columns.")] = None,
    title: Annotated[str | None, typer.Option(help="Publication title, for a tidy CSV.")] = None,
    url: Annotated[str | None, typer.Option(help="Publication address, for a tidy CSV.")] = None,
    licence: Annotated[str, typer.Option(help="Licence, for a tidy CSV.")] = OGL,
    max_bytes: Annotated[int, typer.Option(min=1, help="Largest file accepted, in bytes.")] = MAX_FILE_BYTES,
    max_decompressed_bytes: Annotated[
        int, typer.Option(min=1, help="Largest decompressed size of a .gz file or a workbook's zip, in bytes.")
    ] = MAX_DECOMPRESSED_BYTES,
    max_cells: Annotated[int, typer.Option(min=1, help="Most cells a workbook sheet may span.")] = MAX_CELLS,
    lock_timeout: LockTimeoutOpt = LOCK_TIMEOUT_S,
    store: StoreOpt = None,
    format: FormatOpt = Format.table,
) -> None:
    """Import a file as a new release; nothing already stored is changed.

    The format is detected. The file's size, decompressed size and cell count are checked before it
    is parsed; then it is validated (dates parse, are unique and in order, counts are finite, whole,
    not negative and below a ceiling, boats never exceed people, no date in the future or after the
    release date) and loaded in one transaction: on any error the store is exactly as it was. The
    store is opened only once the file has been read, and the import waits for its lock if another
    process holds it. A file re-publishing part of a stored release with identical figures is a no-op.

    Example: smallboats data import data_small_boats_time_series.ods
    """
    import pandas as pd

    from smallboats.data.bundle import open_default_store

    rdate = parse_date(release_date, "--release-date") if release_date else None
    source = None
    if publisher or title or url:
        if not (publisher and title and url and rdate):
            raise UsageError("--publisher, --title, --url and --release-date go together")
        source = Source(publisher, title, rdate, url, licence)
    from smallboats.data.importers import read_file

    limits = ImportLimits(max_bytes, max_decompressed_bytes, max_cells)
    with spinner() as bar:
        task = bar.add_task(f"Reading {file.name}", total=None)
        releases = read_file(file, release_date=rdate, source=source, limits=limits)
        bar.update(task, description="Waiting for the store" if lock_timeout else "Opening the store")
        with open_default_store(store, lock_timeout_s=lock_timeout) as st:
            bar.update(task, description="Validating and storing")
            result = st.load(
                releases, origin=str(file), on_step=lambda rid: bar.update(task, description=f"Stored {rid}")
            )
    rows = [{"release_id": r, "status": "added"} for r in result.added]
    rows += [{"release_id": r, "status": "already stored, identical"} for r in result.unchanged]
    rows += [
        {"release_id": r, "status": "already stored: the file re-publishes part of it, every figure identical"}
        for r in result.republished
    ]
    emit(pd.DataFrame(rows), format, title=f"Imported {file.name}")


@app.command()
def status(store: StoreOpt = None, format: FormatOpt = Format.table) -> None:
    """What the store holds: newest daily date and every release with its source.

    Example: smallboats data status --format json
    """
    import pandas as pd

    with open_store(store) as st:
        info = st.status()
    if format == Format.json:
        emit_object(info, format)
        return
    df = pd.DataFrame(
        [
            {
                "release_id": r["release_id"],
                "publisher": r["source"]["publisher"],
                "published": r["source"]["release_date"],
                "newest period": r["newest_period"],
                "figures": r["n_obs"],
                "series": len(r["series"]),
            }
            for r in info["releases"]
        ]
    )
    if format == Format.csv:
        emit(df, format)
        return
    console.print(f"Store: {info['store']}\nNewest daily figure: [bold]{info['newest_date']}[/bold]")
    emit(df, format, title="Releases held (never overwritten)")


@app.command()
def revisions(
    dataset: Annotated[
        str | None, typer.Option(help="Publication (dataset) to compare; default the Home Office daily time series.")
    ] = None,
    old: Annotated[str | None, typer.Option(help="Older release id (default: second newest).")] = None,
    new: Annotated[str | None, typer.Option(help="Newer release id (default: newest).")] = None,
    store: StoreOpt = None,
    format: FormatOpt = Format.table,
) -> None:
    """What a newer release changed: every figure revised up or down, added or dropped.

    Example: smallboats data revisions --old ho-small-boats-timeseries@2025-12-12
    """
    with open_store(store) as st:
        df = st.revisions(dataset, old, new)
    if df.empty:
        err_console.print("No figure in the overlap was revised.")
    compared = f"{df.old_release.iloc[0]} against {df.new_release.iloc[0]}" if len(df) else "the two releases"
    emit(df, format, title=f"Revisions: {compared}")


@app.command()
def changes(
    old: Annotated[
        str | None, typer.Option(help="Older release id (default: the second newest with daily figures).")
    ] = None,
    new: Annotated[str | None, typer.Option(help="Newer release id (default: the newest with daily figures).")] = None,
    store: StoreOpt = None,
    format: FormatOpt = Format.table,
) -> None:
    """What changed in the daily figures between two releases: days added and figures revised.

    Compares the store as it stood at each release, so a "last 7 days" page that extends a workbook
    shows as days added, whichever publication each release came from.

    Example: smallboats data changes --format json
    """
    import pandas as pd

    from smallboats.data.changes import changes_between

    with open_store(store) as st:
        ch = changes_between(st, old, new)
    rows = pd.concat(
        [ch.added.assign(kind="added"), ch.revised.rename(columns={"new_value": "value"}).assign(kind="revised")],
        ignore_index=True,
    )
    title = f"Changes from {ch.old} to {ch.new}: {ch.to_dict()['days_added']} days added, {len(ch.revised)} revised"
    emit(rows, format, title=title, payload=ch.to_dict())


@app.command()
def update(
    page: Annotated[str, typer.Option(help="The publication page that links the time-series workbook.")] = "",
    last7: Annotated[str, typer.Option(help="The 'last 7 days' page ('' to skip).")] = "default",
    extra: Annotated[
        list[str] | None, typer.Option(help="Another file to fetch and import, e.g. the agreement's monthly table.")
    ] = None,
    timeout: Annotated[float, typer.Option(min=1, max=600, help="Seconds to wait for each address.")] = 30.0,
    lock_timeout: LockTimeoutOpt = LOCK_TIMEOUT_S,
    store: StoreOpt = None,
    format: FormatOpt = Format.table,
) -> None:
    """Fetch the newest official files from their published addresses and import each as a release.

    The Home Office's time-series workbook is found from its publication page (its address changes
    each week), the gov.uk "last 7 days" page is read, and any --extra file too. Every file is read
    and validated before anything is stored, then all are stored in one transaction. Reports the
    releases added and what they changed (days added, figures revised). Needs the internet: offline,
    it says so and changes nothing.

    Example: smallboats data update
    """
    import pandas as pd

    from smallboats.data import update as up
    from smallboats.data.bundle import open_default_store

    page = page or up.PUBLICATION_PAGE
    last7 = up.LAST7_PAGE if last7 == "default" else (last7 or None)
    with spinner() as bar:
        task = bar.add_task("Starting", total=None)
        result = up.update(
            lambda: open_default_store(store, lock_timeout_s=lock_timeout),
            page=page,
            last7=last7,
            extra=tuple(extra or ()),
            timeout=timeout,
            on_step=lambda label: bar.update(task, description=label),
        )
    rows = [{"release_id": r, "status": "added"} for r in result["added"]]
    rows += [{"release_id": r, "status": "already stored, identical"} for r in result["unchanged"]]
    ch = result["changes"]
    if ch:
        err_console.print(
            f"{ch['days_added']} days added and {ch['figures_revised']} figures revised "
            f"({ch['old_release']} -> {ch['new_release']}); see 'smallboats data changes'"
        )
    emit(pd.DataFrame(rows), format, title="Update from the published addresses", payload=result)


@app.command()
def export(
    out: Annotated[Path, typer.Option("--out", "-o", help="File to write.")],
    format: Annotated[str, typer.Option("--format", "-f", help="csv or parquet.")] = "csv",
    as_of_release: AsOfOpt = None,
    all_releases: Annotated[
        bool, typer.Option(help="Every figure of every release, not only the current ones.")
    ] = False,
    overwrite: Annotated[bool, typer.Option(help="Replace --out when it exists.")] = False,
    store: StoreOpt = None,
) -> None:
    """Export the figures, each with its release and source, as CSV or Parquet.

    Example: smallboats data export --format parquet --out figures.parquet
    """
    if format not in ("csv", "parquet"):
        raise UsageError(f"--format must be csv or parquet, not {format!r}")
    if out.exists() and not (overwrite and out.is_file()):
        what = "is a folder" if out.is_dir() else "exists (pass --overwrite to replace it)"
        raise UsageError(f"--out {out} {what}")
    with open_store(store) as st:
        df = st.export_frame(as_of=as_of_release, all_releases=all_releases)
    _write_atomically(df, out, format)
    err_console.print(f"Wrote {len(df):,} figures to {out}")


def _write_atomically(df: pd.DataFrame, out: Path, format: str) -> None:
    """Write beside ``out`` and rename, so a failed or interrupted export leaves no partial file."""
    part = out.with_name(f".{out.name}.part")
    try:
        out.parent.mkdir(parents=True, exist_ok=True)
        if format == "csv":
            df.to_csv(part, index=False)
        else:
            df.to_parquet(part, index=False)
        os.replace(part, out)
    except OSError as e:
        with contextlib.suppress(OSError):
            part.unlink(missing_ok=True)
        raise UsageError(f"--out {out} cannot be written: {e.strerror or e}") from None


@app.command("series")
def list_series(format: FormatOpt = Format.table) -> None:
    """List the series smallboats holds, with units and frequency.

    Example: smallboats data series
    """
    import pandas as pd

    df = pd.DataFrame([vars(s) for s in series_mod.SERIES.values()])
    emit(df, format, title="Series")


@app.command("build-bundled")
def build_bundled_cmd(
    from_: Annotated[Path, typer.Option("--from", help="Folder holding the official files.")] = Path("../shared/data"),
    out: Annotated[
        Path | None, typer.Option(help="Folder to write the bundle to (default: the package's own bundled folder).")
    ] = None,
) -> None:
    """Rebuild the bundled dataset from the official files, with the project's importers.

    Example: smallboats data build-bundled --from ../shared/data
    """
    from smallboats.data.bundle import build_bundled, bundled_path

    summary = build_bundled(from_, out or bundled_path().parent, today=dt.date.today())
    emit_object(
        {k: summary[k] for k in ("n_releases", "n_observations", "newest_date")},
        Format.table,
        title="Bundled dataset rebuilt",
    )
