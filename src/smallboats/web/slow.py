"""The report's slow results for the web, computed in the background and never per request.

The outlook, the backtest and the estimated pilot take from half a minute to a minute or more. A
request asks :class:`Background` for one: a result already cached on disk (by the report, or by an
earlier server) is read at once; otherwise the store is read in the request, the computation starts in
a background thread and the request waits at most its budget, then gets 503 with ``Retry-After`` (or,
for the findings, a "still estimating" status). Bounds: one slow computation at a time per process,
run at a lower scheduling priority than the what-ifs; each result computed once per data release
(the key holds the releases, the options and the code); a failure is remembered for
:data:`RETRY_FAILED_S` before it is tried again, so a broken input cannot start a fit per request.
"""

from __future__ import annotations

import logging
import os
import threading
import time
from collections import OrderedDict
from concurrent.futures import Future
from typing import Annotated

from fastapi import Depends, HTTPException, Request

from smallboats.analysis.report_runs import Job

KEPT = 16  # results held in memory per process (each a few MB at most)
RETRY_FAILED_S = 300.0  # a failed computation is not started again before this
POLL_S = 5  # what a "still computing" answer tells the client to wait
NICENESS = 10  # the background thread yields the processor to the what-ifs
_CREATE = threading.Lock()
# One slow computation at a time in the whole process, whichever app asked: besides sharing a small
# machine, NumPyro keeps its effect handlers on one global stack, so two fits in two threads would
# corrupt each other.
_GATE = threading.Semaphore(1)
_BUSY = threading.Condition()  # counts background threads started and not yet finished
_busy = [0]
log = logging.getLogger("smallboats.web")


def wait_idle(timeout: float | None = None) -> bool:
    """Wait until no background computation is running or queued; False if ``timeout`` passed first.

    A process that goes on to fit models in its own thread (a test session) calls this after a server
    stops, since a background fit outlives the server that started it.
    """
    with _BUSY:
        return _BUSY.wait_for(lambda: _busy[0] == 0, timeout)


class Background:
    """Slow results by cache key: computed one at a time in a background thread, kept in memory."""

    def __init__(self) -> None:
        self._lock = threading.Lock()  # guards the bookkeeping only
        self._entries: OrderedDict[str, tuple[Future, float]] = OrderedDict()

    def future(self, job: Job) -> Future:
        """The job's result as a future: done at once when cached on disk, else computing in the background."""
        with self._lock:
            entry = self._entries.get(job.name)
            if entry is not None:
                fut, started = entry
                failed = fut.done() and fut.exception() is not None
                if not failed or time.monotonic() - started < RETRY_FAILED_S:
                    self._entries.move_to_end(job.name)
                    return fut
            fut = Future()
            self._entries[job.name] = (fut, time.monotonic())
            while len(self._entries) > KEPT:
                self._entries.popitem(last=False)
        self._start(job, fut)
        return fut

    def _start(self, job: Job, fut: Future) -> None:
        try:
            value = job.stored()
            if value is not None:
                fut.set_result(value)
                return
            compute = job.prepare()  # reads the store here, in the request that holds it open
        except BaseException as e:  # noqa: BLE001 - handed to every waiter, and logged
            log.exception("preparing %s failed", job.name)
            fut.set_exception(e)
            return
        with _BUSY:
            _busy[0] += 1
        threading.Thread(target=self._run, args=(job, compute, fut), name=f"smallboats-{job.kind}", daemon=True).start()

    def _run(self, job: Job, compute, fut: Future) -> None:
        try:  # Linux sets the priority per thread; threads this one starts (JAX's pool) inherit it
            os.setpriority(os.PRIO_PROCESS, threading.get_native_id(), NICENESS)
        except (AttributeError, OSError):
            pass
        try:
            with _GATE:
                fut.set_result(job.run(compute=compute))
        except BaseException as e:  # noqa: BLE001 - handed to every waiter, and logged
            log.exception("computing %s failed", job.name)
            fut.set_exception(e)
        finally:
            with _BUSY:
                _busy[0] -= 1
                _BUSY.notify_all()

    def result(self, job: Job, wait_s: float):
        """The job's result, waiting at most ``wait_s``; 503 with ``Retry-After`` if it is still computing."""
        fut = self.future(job)
        try:
            return fut.result(timeout=wait_s)
        except TimeoutError:
            raise still_computing(job) from None


def still_computing(job: Job) -> HTTPException:
    """The 503 for a result that is still being computed."""
    return HTTPException(
        503,
        f"the {job.kind} result for these data is being computed in the background (once per data release; "
        "it is then kept); try again shortly",
        headers={"Retry-After": str(POLL_S)},
    )


def get_background(request: Request) -> Background:
    """The process's background runner (made on first use)."""
    state = request.app.state
    with _CREATE:
        if getattr(state, "background", None) is None:
            state.background = Background()
    return state.background


BackgroundDep = Annotated[Background, Depends(get_background)]
