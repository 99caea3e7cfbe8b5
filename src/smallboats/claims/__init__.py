"""Published figures as declared data, recomputed from the store with a verdict."""

from __future__ import annotations

from importlib import resources
from pathlib import Path

BUNDLED_CLAIMS = "one_in_one_out_2025.toml"


def bundled_claims_file() -> Path:
    """The bundled claims of the July 2025 'one in, one out' coverage."""
    return Path(str(resources.files("smallboats.claims") / BUNDLED_CLAIMS))


def check_bundled_claims(store, as_of: str | None = None) -> list[dict]:
    """The bundled claims, each recomputed from the store with its verdict."""
    from smallboats.claims.engine import check_claims
    from smallboats.claims.schema import load_claims

    return check_claims(store, load_claims(bundled_claims_file()), as_of=as_of)
