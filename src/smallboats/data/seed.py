"""Where the bundled dataset lives and how a store is filled from it.

Kept apart from :mod:`smallboats.data.bundle` (which opens and seeds the default store, and
rebuilds the bundle) so that the store module's compatibility path can fill a store without the
store and the bundle importing each other. Nothing here opens a store: the caller passes one.
"""

from __future__ import annotations

from importlib import resources
from pathlib import Path

from smallboats.data.importers import read_file

BUNDLE_NAME = "observations.csv.gz"


def bundled_path() -> Path:
    """Where the bundled tidy CSV lives inside the installed package."""
    return Path(str(resources.files("smallboats.data") / "bundled" / BUNDLE_NAME))


def load_bundled(store) -> None:
    """Fill a store (opened for writing) with the bundled releases, in one transaction."""
    store.load(read_file(bundled_path()), origin=f"bundled:{BUNDLE_NAME}")
