"""Results worth keeping between runs (the report's simulations and backtest), cached on disk.

A result's key hashes its kind, the data releases it read, the package version, the package's own
source code and its options, so a new release, a changed option or changed code computes afresh and
never reads a stale result.
The cache lives beside the fits (``$SMALLBOATS_CACHE`` or the user cache directory), in ``results/``;
each entry is written to a temporary name and renamed, so a reader never sees half of one. The
folder is safe to delete.
"""

from __future__ import annotations

import functools
import hashlib
import json
import os
import pickle
import threading
from collections.abc import Callable
from pathlib import Path

from smallboats import __version__


def cache_root() -> Path:
    """``$SMALLBOATS_CACHE`` or the user cache directory."""
    env = os.environ.get("SMALLBOATS_CACHE")
    if env:
        return Path(env)
    import platformdirs

    return Path(platformdirs.user_cache_dir("smallboats", appauthor=False))


@functools.cache
def code_fingerprint() -> str:
    """A hash of the installed package's source: a changed model or analysis never reads an old result.

    The version alone would not do during development, when the code changes between releases.
    """
    h = hashlib.sha256()
    root = Path(__file__).resolve().parents[1]
    for path in sorted(root.rglob("*.py")):
        h.update(path.relative_to(root).as_posix().encode())
        h.update(path.read_bytes())
    return h.hexdigest()[:16]


def result_key(kind: str, releases: list[str], options: dict) -> str:
    """The entry's name: the kind and a hash of the version, the code, the releases and the options."""
    text = json.dumps([__version__, code_fingerprint(), kind, sorted(releases), options], sort_keys=True, default=str)
    return f"{kind}-{hashlib.sha256(text.encode()).hexdigest()[:24]}"


def stored(kind: str, releases: list[str], options: dict):
    """The cached result for this key, or None when there is none (or it cannot be read)."""
    path = cache_root() / "results" / f"{result_key(kind, releases, options)}.pickle"
    try:
        with path.open("rb") as f:
            return pickle.load(f)  # noqa: S301 - the project's own cache folder, written by :func:`cached`
    except (OSError, pickle.UnpicklingError, EOFError, AttributeError, ImportError):
        return None


def cached(kind: str, releases: list[str], options: dict, compute: Callable[[], object], on_reuse=None):
    """The cached result for this key, or ``compute()`` stored under it.

    Args:
        kind: what is cached (``backtest``, ``outlook``...).
        releases: the data release ids the result read.
        options: every option that changes the result.
        compute: makes the result when it is not cached (it must pickle, and never be None).
        on_reuse: called with the entry's name when a cached result is used.
    """
    folder = cache_root() / "results"
    name = result_key(kind, releases, options)
    value = stored(kind, releases, options)
    if value is not None:
        if on_reuse:
            on_reuse(name)
        return value
    value = compute()
    try:
        folder.mkdir(parents=True, exist_ok=True)
        tmp = folder / f".{name}.{os.getpid()}.{threading.get_ident()}"
        with tmp.open("wb") as f:
            pickle.dump(value, f, protocol=pickle.HIGHEST_PROTOCOL)
        os.replace(tmp, folder / f"{name}.pickle")
    except OSError:
        pass  # a cache that cannot be written costs time, never the result
    return value
