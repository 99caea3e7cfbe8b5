"""The app's settings and its named dependencies: the store, the simulation queue, the caps.

The store is opened read-only for each request and closed after it, so no server process holds
the database while idle: ``smallboats data import`` can write while the dashboard runs, and the
next request sees the new release. Cached results are keyed by the store file's fingerprint.

A simulation's budget runs from the moment its request arrived (stamped by the app's guard), so
time spent waiting anywhere counts against it; see :class:`SimulationQueue` for when a request is
refused, and :meth:`SimulationSlot.answer` for the answer by the deadline.
"""

from __future__ import annotations

import math
import os
import shutil
import tempfile
import threading
import time
from collections import deque
from collections.abc import AsyncIterator, Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Annotated

import anyio
from fastapi import Depends, HTTPException, Request

from smallboats.data.bundle import open_default_store
from smallboats.data.store import ReleaseStore, default_path
from smallboats.web.answers import default_folder

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
        answers_dir: the folder of finished what-if answers shared by the server's processes
            (None: ``answers`` in the user cache directory; see :mod:`smallboats.web.answers`).
    """

    store_path: Path | None = None
    max_runs: int = 2000
    max_years: float = 3.0
    budget_seconds: float = 30.0
    answers_dir: Path | None = None

    @property
    def path(self) -> Path:
        """The store file."""
        return Path(self.store_path) if self.store_path else default_path()

    @property
    def answers(self) -> Path:
        """The folder of finished what-if answers."""
        return Path(self.answers_dir) if self.answers_dir else default_folder()


def fingerprint(path: Path) -> tuple[int, int]:
    """The store file's modification time and size: a new import changes it, so caches refresh."""
    try:
        st = os.stat(path)
    except FileNotFoundError:
        return (0, 0)
    return (st.st_mtime_ns, st.st_size)


class SimulationTimeout(Exception):
    """The simulation ran past its time budget."""


ARRIVED = "smallboats.arrived"  # the ASGI scope key holding when a request arrived (time.monotonic)
# Simulations admitted per server process, running or waiting; more are refused at once. How long the
# line may be in time is the budget's rule (SimulationQueue.admit); this bounds the threads it holds,
# below the 40 of anyio's pool. Assumption: the dashboard's what-ifs (a few hundred runs over a year,
# a fraction of a second each alone) behind 32 others still end within the default 30 s budget,
# so that 20 people changing sliders at once are all answered, none refused.
QUEUE_LENGTH = 32
FIRST_GUESS_S = 0.5  # a simulation's seconds before one has been timed (assumption: a few hundred runs, a year)
# The simulations' thread runs at this lower scheduling priority (Linux nice; the background fits of
# web.slow run at 10), so that on a busy machine the event loop, which answers the health check and
# refuses what cannot be run, always gets a core first. Assumption: 5 leaves the what-ifs well
# ahead of the fits and well behind the loop.
SIMULATION_NICENESS = 5
_RUNNER: list[ThreadPoolExecutor] = []
_RUNNER_MADE = threading.Lock()


def _lower_priority() -> None:
    try:  # Linux sets the priority per thread; a server started at a lower priority keeps its own
        me = threading.get_native_id()
        os.setpriority(os.PRIO_PROCESS, me, max(os.getpriority(os.PRIO_PROCESS, me), SIMULATION_NICENESS))
    except (AttributeError, OSError):  # elsewhere the thread keeps the process's priority
        pass


def simulation_runner() -> ThreadPoolExecutor:
    """The process's one simulation thread, at :data:`SIMULATION_NICENESS` (made on first use).

    One thread for the process, whichever app asks: each app's queue lets one simulation run at a
    time, and a raised niceness cannot be lowered again without privileges, so the thread is kept.
    """
    with _RUNNER_MADE:
        if not _RUNNER:
            runner = ThreadPoolExecutor(1, thread_name_prefix="smallboats-simulation", initializer=_lower_priority)
            _RUNNER.append(runner)
        return _RUNNER[0]


def busy(detail: str, retry_s: float) -> HTTPException:
    """A 503 that says when to try again."""
    return HTTPException(503, detail, headers={"Retry-After": str(max(1, math.ceil(retry_s)))})


@dataclass
class SimulationQueue:
    """One simulation at a time per server process, behind a short queue, each within its budget.

    Concurrent compiled runs only slow each other on a small machine; run more server processes
    (``smallboats serve --workers N``) to use more cores. A request's budget runs from when it
    arrived, so the time it waits (for a worker thread, then for the slot) counts against it. A
    request is refused with 503 and ``Retry-After`` at once, before it opens the store or takes a
    thread, when :data:`QUEUE_LENGTH` simulations are already admitted, or when the simulations
    ahead of it and its own, at the mean time of those timed so far, would not end within its budget.
    """

    budget_seconds: float
    length: int = QUEUE_LENGTH
    _books: threading.Lock = field(default_factory=threading.Lock)  # guards the counts below
    admitted: int = 0
    mean_s: float = FIRST_GUESS_S  # a simulation's seconds: a moving mean of those timed
    # the slot itself, handed out first come, first served (a plain lock favours no one, so a request
    # could wait out its budget while later ones pass it, and the queue's wait could not be foretold)
    _turns: threading.Condition = field(default_factory=threading.Condition)
    _line: deque = field(default_factory=deque)
    _running: bool = False

    def full(self) -> HTTPException | None:
        """The 503 that :meth:`admit` would give a request arriving now, or None (read without the lock: a hint).

        The app's guard asks this before routing, so that under overload a refusal costs next to nothing.
        """
        wait = self.admitted * self.mean_s
        if self.admitted >= self.length:
            return busy(f"the server is busy: {self.admitted} simulations are running or waiting", wait)
        if wait + self.mean_s > self.budget_seconds:
            return busy(
                f"the server is busy: the simulations ahead would not leave this one time to finish within "
                f"its {self.budget_seconds:g} s budget (waiting included)",
                wait,
            )
        return None

    def admit(self, arrived: float) -> SimulationSlot:
        """A ticket for a request that arrived at ``arrived``, or the 503 that refuses it now."""
        deadline = arrived + self.budget_seconds
        with self._books:
            wait = self.admitted * self.mean_s
            if self.admitted >= self.length:
                raise busy(f"the server is busy: {self.admitted} simulations are running or waiting", wait)
            if time.monotonic() + wait + self.mean_s > deadline:
                raise busy(
                    f"the server is busy: the simulations ahead would not leave this one time to finish within "
                    f"its {self.budget_seconds:g} s budget (waiting included)",
                    wait,
                )
            self.admitted += 1
        return SimulationSlot(self, deadline)

    def take(self, timeout: float) -> bool:
        """Wait in line for the slot, at most ``timeout`` seconds; whether it was got."""
        me = object()
        with self._turns:
            self._line.append(me)
            got = self._turns.wait_for(lambda: not self._running and self._line[0] is me, max(0.0, timeout))
            self._line.remove(me)
            if got:
                self._running = True
            else:
                self._turns.notify_all()  # the one behind may be first now
            return got

    def give(self) -> None:
        """Hand the slot to the next in line."""
        with self._turns:
            self._running = False
            self._turns.notify_all()

    def leave(self) -> None:
        """An admitted request is done (answered, refused or answered from the cache)."""
        with self._books:
            self.admitted -= 1

    def timed(self, seconds: float) -> None:
        """Fold one simulation's seconds into the mean (newer runs weigh more: the load changes)."""
        with self._books:
            self.mean_s += 0.3 * (seconds - self.mean_s)


@dataclass
class SimulationSlot:
    """One admitted request's claim on its process's simulation queue, with the request's deadline."""

    queue: SimulationQueue
    deadline: float
    _left: bool = False

    @property
    def budget_seconds(self) -> float:
        """The budget each request has, from its arrival."""
        return self.queue.budget_seconds

    def run(self, fn: Callable[[Callable[[float], None]], object]):
        """Call ``fn(check)`` holding the slot; ``check`` raises when the request's deadline has passed.

        The slot is waited for only until the deadline, and a simulation is not started when the mean
        simulation would end past it: both are answered at once with 503. ``fn`` runs on the
        process's simulation thread (:func:`simulation_runner`), at a lower priority than the loop.
        """
        q = self.queue

        def check(_share: float) -> None:
            if time.monotonic() > self.deadline:
                raise SimulationTimeout

        if not q.take(self.deadline - q.mean_s - time.monotonic()):  # past that it would not be started
            raise self.refused()
        try:
            if time.monotonic() + q.mean_s > self.deadline:  # would not end in time: do not start it
                raise SimulationTimeout
            started = time.monotonic()
            try:
                return simulation_runner().submit(fn, check).result()
            finally:
                q.timed(time.monotonic() - started)  # a cancelled run's time too: at least that long
        except SimulationTimeout:
            raise self.refused() from None
        finally:
            q.give()

    async def answer(self, fn: Callable[[], object]):
        """``fn()`` on a worker thread, answered by the deadline whatever the thread is doing.

        Opening the store, waiting for a worker thread or for the slot, and the run itself all count
        against the budget; when it runs out the request gets its 503 at once, and the thread, left
        behind, stops at the simulation's next check (or its wait for the slot ends).
        """
        try:
            with anyio.fail_after(max(0.0, self.deadline - time.monotonic())):
                return await anyio.to_thread.run_sync(fn, abandon_on_cancel=True)
        except TimeoutError:
            raise self.refused() from None

    def leave(self) -> None:
        """Give the place in the queue back (once)."""
        if not self._left:
            self._left = True
            self.queue.leave()

    def refused(self) -> HTTPException:
        """The 503 for a simulation that could not finish within the budget."""
        q = self.queue
        return busy(
            f"the simulation could not finish within its {q.budget_seconds:g} s budget (waiting included) and "
            "was cancelled; ask for fewer runs or a shorter horizon, or try again shortly",
            q.admitted * q.mean_s,
        )


async def get_settings(request: Request) -> Settings:
    """The settings the app was made with (async: it needs no worker thread)."""
    return request.app.state.settings


SettingsDep = Annotated[Settings, Depends(get_settings)]


@contextmanager
def reading(settings: Settings) -> Iterator[ReleaseStore]:
    """The store, opened read-only for one use and closed after it."""
    store = open_default_store(settings.store_path, read_only=True, lock_timeout_s=READ_LOCK_TIMEOUT_S)
    try:
        yield store
    finally:
        store.close()


@contextmanager
def snapshot(settings: Settings) -> Iterator[ReleaseStore]:
    """A private copy of the store, read-only, for work that may take long (a baseline fit).

    The user's store is held only while it is copied, under the read lock (so no import is half
    written), not for the minute a fit can take: `smallboats data import` can write meanwhile.
    """
    with tempfile.TemporaryDirectory(prefix="smallboats-snapshot-") as folder:
        copy = Path(folder) / settings.path.name
        with reading(settings):
            shutil.copyfile(settings.path, copy)
            wal = settings.path.with_name(settings.path.name + ".wal")
            if wal.exists():
                shutil.copyfile(wal, copy.with_name(copy.name + ".wal"))
        with reading(Settings(copy)) as store:
            yield store


def get_store(settings: SettingsDep) -> Iterator[ReleaseStore]:
    """The store, opened read-only for this request."""
    with reading(settings) as store:
        yield store


StoreDep = Annotated[ReleaseStore, Depends(get_store)]


@contextmanager
def admitted(request: Request) -> Iterator[SimulationSlot]:
    """A place in the process's simulation queue for this request, given back after, or a 503 at once."""
    slot = request.app.state.slot.admit(request.scope.get(ARRIVED, time.monotonic()))
    try:
        yield slot
    finally:
        slot.leave()


async def get_slot(request: Request) -> AsyncIterator[SimulationSlot]:
    """A place in the process's simulation queue, or a 503 at once (on the event loop: no thread waits).

    Declare it before the store in a route, so that a refused request never opens the store.
    """
    with admitted(request) as slot:
        yield slot


SlotDep = Annotated[SimulationSlot, Depends(get_slot)]


STORE_STATE = "store_state"  # the key of a cache holding the fingerprint of the store it was made for


def cache_for(state, settings: Settings) -> dict:
    """The app's results cached for the store as it is now: emptied when the store file changes.

    The cache holds the fingerprint it was made for under :data:`STORE_STATE`, so that what is
    computed from it is filed under the state it was read from, even if an import ends meanwhile.
    """
    key = fingerprint(settings.path)
    if state.cache_key != key:
        state.cache, state.cache_key = {STORE_STATE: key}, key
    return state.cache


async def get_cache(request: Request, settings: SettingsDep) -> dict:
    """Results cached for the store as it is now (emptied when the store file changes)."""
    return cache_for(request.app.state, settings)


CacheDep = Annotated[dict, Depends(get_cache)]
