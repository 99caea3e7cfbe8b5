"""The bundled dataset and the default store: opened, created and seeded from the bundle here.

``open_default_store`` is the one place that creates a store and fills it from the bundle on first
use; :class:`~smallboats.data.store.ReleaseStore` itself only connects.

``build_bundled`` reads the official files listed in :data:`OFFICIAL_FILES` (paths relative to a
data folder such as ``../shared/data``) with the importers, validates them in a scratch store and
writes every release, with its source, as one tidy CSV (``bundled/observations.csv.gz``) plus a
provenance note. ``load_bundled`` fills a new store from that file through the same tidy-CSV
importer and the same validation as any user import.
"""

from __future__ import annotations

import datetime as dt
import json
import tempfile
from importlib import resources
from pathlib import Path

from smallboats.data.store import LOCK_TIMEOUT_S, ReleaseStore, default_path
from smallboats.errors import DataError

BUNDLE_NAME = "observations.csv.gz"

# The official files the bundle is built from, oldest vintage first.
OFFICIAL_FILES = [
    "home_office_small_boats_rvaughan/12_December_2025_Small_boats_-_time_series.ods",
    "home_office_small_boats_thenational/data_small_boats_time_series.ods",
    "uk_france_returns/ho_uk_france_agreement_transfers_and_returns_monthly_2025-08_to_2026-06.csv",
    "home_office_quarterly_stats_webtrackerxy/small_boat_arrivals_annual_IER_02a_jun2026.csv",
    "derived/uk_returns_by_type_quarterly_2004Q1_2025Q4.csv",
    "derived/irregular_arrivals_by_method_2018_2023Q3_from_Irr_D01.csv",
    "ons_net_migration/ons_ltim_headline_figures_by_release.csv",
    "official_headline_figures/home_office_other_headline_figures.csv",
]


def bundled_path() -> Path:
    """Where the bundled tidy CSV lives inside the installed package."""
    return Path(str(resources.files("smallboats.data") / "bundled" / BUNDLE_NAME))


def load_bundled(store: ReleaseStore) -> None:
    """Fill a store (opened for writing) with the bundled releases, in one transaction."""
    from smallboats.data.importers import read_file

    store.load(read_file(bundled_path()), origin=f"bundled:{BUNDLE_NAME}")


def open_default_store(
    path: str | Path | None = None, *, read_only: bool = False, lock_timeout_s: float = LOCK_TIMEOUT_S
) -> ReleaseStore:
    """Open the store at ``path`` (default: the user's), creating it and filling it from the bundle on first use.

    A store that exists is only connected to, so a reader opened per request costs a connection
    and nothing more. Use it as a context manager (``with open_default_store(p, read_only=True) as st``)
    so that the lock is released as soon as the block ends.
    """
    path = Path(path) if path else default_path()
    if read_only and path.exists():
        return ReleaseStore(path, read_only=True, lock_timeout_s=lock_timeout_s)
    store = ReleaseStore.create(path, lock_timeout_s=lock_timeout_s)
    try:
        if store.is_empty():
            load_bundled(store)
    except BaseException:
        store.close()
        raise
    if not read_only:
        return store
    store.close()
    return ReleaseStore(path, read_only=True, lock_timeout_s=lock_timeout_s)


def build_bundled(data_dir: Path, out_dir: Path, *, today: dt.date | None = None) -> dict:
    """Rebuild the bundled dataset from the official files in ``data_dir``.

    Returns:
        A summary: files read, releases written, rows, newest daily date.
    """
    data_dir, out_dir = Path(data_dir), Path(out_dir)
    missing = [f for f in OFFICIAL_FILES if not (data_dir / f).is_file()]
    if missing:
        raise DataError(str(data_dir), "folder", f"official files missing: {', '.join(missing)}")
    from smallboats.data.importers import read_file

    with tempfile.TemporaryDirectory() as tmp:
        store = ReleaseStore.create(Path(tmp) / "build.duckdb")
        for f in OFFICIAL_FILES:
            store.load(read_file(data_dir / f), origin=f, today=today)
        frame = store.export_frame(all_releases=True)
        status = store.status()
        store.close()
    out_dir.mkdir(parents=True, exist_ok=True)
    frame.to_csv(out_dir / BUNDLE_NAME, index=False, compression={"method": "gzip", "mtime": 0})
    summary = {
        "built_from": OFFICIAL_FILES,
        "n_releases": status["n_releases"],
        "n_observations": len(frame),
        "newest_date": status["newest_date"],
        "releases": [
            {k: r[k] for k in ("release_id", "origin", "series")} | {"source": r["source"]} for r in status["releases"]
        ],
    }
    (out_dir / "PROVENANCE.json").write_text(json.dumps(summary, indent=2) + "\n")
    return summary
