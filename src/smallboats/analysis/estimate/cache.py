"""Fits cached on disk, so a second report, server or command reuses them.

The cache lives in the user cache directory (platformdirs) or ``$SMALLBOATS_CACHE``. A fit's key hashes
the model version, the data release ids, the options and the very numbers fitted, so a new release, a
changed option or a new model version makes a new fit and never reads a stale one. Each fit is two files
(``KEY.npz`` draws, ``KEY.json`` the rest), written to a temporary name and then renamed, so a reader never
sees half a fit. The directory is safe to delete.
"""

from __future__ import annotations

import hashlib
import json
import os
import threading
from pathlib import Path

import numpy as np
import platformdirs

from smallboats.analysis.estimate.bayes import MODEL_VERSION, Fit


def cache_dir() -> Path:
    """``$SMALLBOATS_CACHE`` or the user cache directory, with a ``fits`` folder inside."""
    env = os.environ.get("SMALLBOATS_CACHE")
    base = Path(env) if env else Path(platformdirs.user_cache_dir("smallboats", appauthor=False))
    return base / "fits"


def key(kind: str, releases: list[str], options: dict, arrays: list[np.ndarray | None]) -> str:
    """The fit's cache key: a hash of the model version, releases, options and data."""
    h = hashlib.sha256()
    h.update(json.dumps([MODEL_VERSION, kind, sorted(releases), options], sort_keys=True, default=str).encode())
    for a in arrays:
        h.update(b"none" if a is None else np.ascontiguousarray(a, dtype=np.float64).tobytes())
    return f"{kind}-{h.hexdigest()[:24]}"


def load(name: str) -> Fit | None:
    """The cached fit, or None when there is none (or it cannot be read: it is then refitted)."""
    d = cache_dir()
    try:
        meta = json.loads((d / f"{name}.json").read_text())
        with np.load(d / f"{name}.npz") as z:
            draws = {k: z[k] for k in z.files}
    except (OSError, ValueError, KeyError):
        return None
    return Fit(draws=draws, diagnostics=meta["diagnostics"], warnings=meta["warnings"], covariates=meta["covariates"])


def save(name: str, fit: Fit) -> Path:
    """Write a fit under its key; returns the draws' path."""
    d = cache_dir()
    d.mkdir(parents=True, exist_ok=True)
    tmp = d / f".{name}.{os.getpid()}.{threading.get_ident()}"  # two threads may fit the same at once
    with open(f"{tmp}.npz", "wb") as f:
        np.savez_compressed(f, **fit.draws)
    meta = {"diagnostics": fit.diagnostics, "warnings": fit.warnings, "covariates": fit.covariates}
    Path(f"{tmp}.json").write_text(json.dumps(meta))
    os.replace(f"{tmp}.npz", d / f"{name}.npz")
    os.replace(f"{tmp}.json", d / f"{name}.json")
    return d / f"{name}.npz"
