"""Where chunks of work run: in this process, on a local Dask cluster, or on an existing one.

Tasks are plain top-level functions and picklable arguments. Results come back in task order, so
a computation gives the same answer whatever runs it. A task whose worker dies is run again by the
Dask scheduler; a task that raises is retried ``retries`` times.
"""

from __future__ import annotations

import contextlib
import time
import uuid
from collections.abc import Callable, Iterator

from smallboats.errors import UsageError


def timed(fn: Callable, task) -> float:
    """Seconds ``fn(task)`` takes, called a second time (the first call loads the compiled kernel)."""
    fn(task)
    start = time.perf_counter()
    fn(task)
    return time.perf_counter() - start


class SerialExecutor:
    """Runs tasks one after another in this process."""

    workers = 1
    slots = 1
    address = "in-process"

    def map(self, fn: Callable, tasks: list, *, retries: int = 2, on_done: Callable | None = None) -> list:
        """Apply ``fn`` to every task; results in task order."""
        out = []
        for i, t in enumerate(tasks):
            for attempt in range(retries + 1):
                try:
                    out.append(fn(t))
                    break
                except Exception:
                    if attempt == retries:
                        raise
            if on_done:
                on_done(i)
        return out

    def pilot(self, fn: Callable, task) -> list[float]:
        """Seconds ``fn(task)`` takes here (see :func:`timed`)."""
        return [timed(fn, task)]


class DaskExecutor:
    """Runs tasks on a Dask cluster (a new LocalCluster, or a scheduler's address).

    ``workers`` counts the worker processes and ``slots`` their threads: the tasks that can run at once.
    """

    def __init__(self, address: str, workers: int = 2, timeout: float = 10.0):
        from dask.distributed import Client, LocalCluster

        self.cluster = None
        try:
            if address == "local":
                self.cluster = LocalCluster(
                    n_workers=workers, threads_per_worker=1, processes=True, dashboard_address=None
                )
                self.client = Client(self.cluster)
            else:
                self.client = Client(address, timeout=f"{timeout}s")
        except (OSError, TimeoutError) as e:
            raise UsageError(f"cannot reach the Dask scheduler at {address}: {e}") from None
        self.address = address
        self.workers = len(self.client.scheduler_info()["workers"])
        self.slots = sum(self.client.nthreads().values())  # tasks that can run at once

    def map(self, fn: Callable, tasks: list, *, retries: int = 2, on_done: Callable | None = None) -> list:
        """Submit every task; gather results in task order."""
        from dask.distributed import as_completed

        tag = uuid.uuid4().hex[:8]
        futures = [
            self.client.submit(fn, t, retries=retries, pure=False, key=f"smallboats-{tag}-{i}")
            for i, t in enumerate(tasks)
        ]
        index = {f.key: i for i, f in enumerate(futures)}
        for f in as_completed(futures):
            f.result()  # raise here if a task failed after its retries
            if on_done:
                on_done(index[f.key])
        return self.client.gather(futures)

    def pilot(self, fn: Callable, task) -> list[float]:
        """Seconds ``fn(task)`` takes on each worker, timed there; this also loads the kernel on every worker."""
        futures = [
            self.client.submit(timed, fn, task, workers=[w], allow_other_workers=False, pure=False)
            for w in self.client.scheduler_info()["workers"]
        ]
        return self.client.gather(futures)

    def close(self) -> None:
        """Shut the client (and a cluster this executor started) down."""
        self.client.close()
        if self.cluster is not None:
            self.cluster.close()


@contextlib.contextmanager
def executor(dask: str | None, workers: int = 2, timeout: float = 10.0) -> Iterator[SerialExecutor | DaskExecutor]:
    """``None``/``"none"``: in this process; ``"local"``: a LocalCluster; ``tcp://host:port``: that cluster.

    ``workers`` is the size of a LocalCluster; ``timeout`` the seconds to wait for a scheduler.
    """
    if dask in (None, "none", ""):
        yield SerialExecutor()
        return
    if dask != "local" and not dask.startswith(("tcp://", "tls://", "inproc://")):
        raise UsageError(f"--dask must be none, local or a scheduler address such as tcp://host:8786, not {dask!r}")
    if workers < 1:
        raise UsageError("--workers must be at least 1")
    ex = DaskExecutor(dask, workers, timeout)
    try:
        yield ex
    finally:
        ex.close()
