"""smallboats: official figures, checked claims and policy simulation for Channel small-boat crossings."""

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("smallboats")
except PackageNotFoundError:  # running from a source tree that was never installed
    __version__ = "0.0.0+unknown"

__all__ = ["__version__"]
