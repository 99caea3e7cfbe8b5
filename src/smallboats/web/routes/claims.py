"""The bundled claims, checked."""

from __future__ import annotations

from fastapi import APIRouter

from smallboats.claims import check_bundled_claims
from smallboats.web.deps import CacheDep, StoreDep
from smallboats.web.models import ERRORS

router = APIRouter(prefix="/api/v1", tags=["claims"], responses=ERRORS)


@router.get("/claims")
def claims(store: StoreDep, cache: CacheDep) -> list[dict]:
    """The bundled claims, each recomputed from the store with its verdict and sources."""
    if "claims" not in cache:
        cache["claims"] = check_bundled_claims(store)
    return cache["claims"]
