"""Reading the project's own input files (TOML), with errors that name the file."""

from __future__ import annotations

import tomllib
from pathlib import Path

from smallboats.errors import DataError


def read_toml(path: str | Path) -> dict:
    """Parse a TOML file; a missing file or a syntax error raises :class:`DataError` naming it."""
    path = Path(path)
    try:
        return tomllib.loads(path.read_text(encoding="utf-8"))
    except (FileNotFoundError, IsADirectoryError):
        raise DataError(str(path), "path", "no such file") from None
    except tomllib.TOMLDecodeError as e:
        raise DataError(str(path), "TOML", str(e)) from None
    except UnicodeDecodeError as e:
        raise DataError(str(path), "whole file", f"is not UTF-8 text: {e}") from None
