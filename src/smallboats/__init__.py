"""smallboats: official figures, checked claims and policy simulation for Channel small-boat crossings."""

from __future__ import annotations

import functools

__all__ = ["__version__"]


@functools.cache
def _installed_version() -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("smallboats")
    except PackageNotFoundError:  # running from a source tree that was never installed
        return "0.0.0+unknown"


def __getattr__(name: str) -> str:
    """``__version__``, read from the installed package's metadata when first asked for.

    Reading it imports :mod:`importlib.metadata`, which costs a command that never shows the
    version (``smallboats --help``) more than the rest of its own start.
    """
    if name == "__version__":
        return _installed_version()
    raise AttributeError(f"module 'smallboats' has no attribute {name!r}")
