"""The app's settings and its named dependencies: the store, the simulation slot, the caps.

The store is opened read-only for each request and closed after it, so no server process holds
the database while idle: ``smallboats data import`` can write while the dashboard runs, and the
next request sees the new release. Cached results are keyed by the store file's fingerprint.
"""

from __future__ import annotations

import os
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Annotated

from fastapi import Depends, HTTPException, Request

from smallboats.data.bundle import open_default_store
from smallboats.data.store import ReleaseStore, default_path

READ_LOCK_TIMEOUT_S = 5.0  # a request waits this long for an import to finish, then gets 503
MAX_BODY_BYTES = 64 * 1024  # the largest request body accepted (what-if bodies are a few hundred bytes)


@dataclass(frozen=True)
class Settings:
    """What a server was started with.

    Attributes:
        store_path: the DuckDB store (None: the user's).
        max_runs: the largest ensemble a request may ask for.
        max_years: the longest horizon a request may ask for.
        budget_seconds: a simulation still waiting or running after this is cancelled (503).
    """

    store_path: Path | None = None
    max_runs: int = 2000
    max_years: float = 3.0
    budget_seconds: float = 30.0

    @property
    def path(self) -> Path:
        """The store file."""
        return Path(self.store_path) if self.store_path else default_path()


def fingerprint(path: Path) -> tuple[int, int]:
    """The store file's modification time and size: a new import changes it, so caches refresh."""
    try:
        st = os.stat(path)
    except FileNotFoundError:
        return (0, 0)
    return (st.st_mtime_ns, st.st_size)


class SimulationTimeout(Exception):
    """The simulation ran past its time budget."""


@dataclass
class SimulationSlot:
    """One simulation at a time per process, within a budget that counts the wait as well as the run.

    Concurrent compiled runs only slow each other on a small machine; run more server processes
    (``smallboats serve --workers N``) to use more cores.
    """

    budget_seconds: float
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def run(self, fn: Callable[[Callable[[float], None]], object]):
        """Call ``fn(check)`` holding the slot; ``check`` raises when the budget has run out."""
        deadline = time.monotonic() + self.budget_seconds

        def check(_share: float) -> None:
            if time.monotonic() > deadline:
                raise SimulationTimeout

        if not self._lock.acquire(timeout=self.budget_seconds):
            raise self.refused()
        try:
            return fn(check)
        except SimulationTimeout:
            raise self.refused() from None
        finally:
            self._lock.release()

    def refused(self) -> HTTPException:
        """The 503 for a simulation that did not finish within the budget."""
        return HTTPException(
            503,
            f"the simulation did not finish within its {self.budget_seconds:g} s budget (waiting included) and "
            "was cancelled; ask for fewer runs or a shorter horizon, or try again shortly",
            headers={"Retry-After": str(max(1, round(self.budget_seconds / 2)))},
        )


def get_settings(request: Request) -> Settings:
    """The settings the app was made with."""
    return request.app.state.settings


SettingsDep = Annotated[Settings, Depends(get_settings)]


def get_store(settings: SettingsDep) -> Iterator[ReleaseStore]:
    """The store, opened read-only for this request."""
    store = open_default_store(settings.store_path, read_only=True, lock_timeout_s=READ_LOCK_TIMEOUT_S)
    try:
        yield store
    finally:
        store.close()


StoreDep = Annotated[ReleaseStore, Depends(get_store)]


def get_slot(request: Request) -> SimulationSlot:
    """The process's simulation slot."""
    return request.app.state.slot


SlotDep = Annotated[SimulationSlot, Depends(get_slot)]


def get_cache(request: Request, settings: SettingsDep) -> dict:
    """Results cached for the store as it is now (emptied when the store file changes)."""
    state = request.app.state
    key = fingerprint(settings.path)
    if state.cache_key != key:
        state.cache, state.cache_key = {}, key
    return state.cache


CacheDep = Annotated[dict, Depends(get_cache)]
