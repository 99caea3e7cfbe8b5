"""The app factory: settings in, a FastAPI app out (routers by topic, errors as one message).

Everything is served from this process: the Vega bundle comes from vl-convert, not a CDN. Request
bodies are validated with pydantic (``extra="forbid"``) and capped in size; runs and horizon are
capped; a simulation that would exceed its time budget, waiting included, is refused or cancelled
with 503 and ``Retry-After``; no file path from a request reaches the filesystem; errors never show
a stack trace.
"""

from __future__ import annotations

import gc
import json
import os
import threading
import time
from contextlib import asynccontextmanager
from pathlib import Path

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse

from smallboats import __version__
from smallboats.errors import SmallboatsError, StoreBusyError, StoreError
from smallboats.web.deps import ARRIVED, MAX_BODY_BYTES, Settings, SimulationQueue
from smallboats.web.routes import charts, claims, data, findings, pages, scenarios

SECURITY_HEADERS = {
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "no-referrer",
    # Only the page's own assets; Vega compiles chart expressions, hence 'unsafe-eval'.
    "Content-Security-Policy": "default-src 'self'; script-src 'self' 'unsafe-eval'; "
    "style-src 'self' 'unsafe-inline'; img-src 'self' data: blob:; frame-ancestors 'none'",
}


def create_app(
    store_path: str | Path | None = None,
    *,
    max_runs: int = 2000,
    max_years: float = 3.0,
    budget_seconds: float = 30.0,
    warm: bool = False,
    answers_dir: str | Path | None = None,
) -> FastAPI:
    """Build the app for a store and the request caps (see :class:`~smallboats.web.deps.Settings`).

    With ``warm`` the baseline is fitted and the kernel loaded in the background at once (a server
    does this; a test client need not), so the first what-if does not wait for them. Finished
    what-if answers are shared through ``answers_dir`` (default: in the user cache directory).
    """
    settings = Settings(
        Path(store_path) if store_path else None,
        max_runs,
        max_years,
        budget_seconds,
        Path(answers_dir) if answers_dir else None,
    )
    app = FastAPI(
        title="smallboats",
        version=__version__,
        description="Official figures, checked claims and "
        "what-if simulation of Channel small-boat crossings and the UK-France scheme.",
        docs_url=None,  # served by routes.pages from the bundled Swagger UI, offline
        redoc_url=None,
        lifespan=_lifespan,
    )
    app.state.settings = settings
    app.state.slot = SimulationQueue(budget_seconds)
    app.state.cache, app.state.cache_key = {}, None
    app.include_router(data.router)
    app.include_router(claims.router)
    app.include_router(findings.router)
    app.include_router(scenarios.router(settings))  # before charts: /charts/fan.* is a what-if
    app.include_router(charts.router)
    app.include_router(pages.router)
    _errors(app)
    _middleware(app)
    if warm:
        from smallboats.web.service import warm as warm_up

        app.state.warming = threading.Thread(target=_quietly, args=(warm_up, app.state, settings), daemon=True)
        app.state.warming.start()
    return app


def _quietly(fn, *args) -> None:
    """Run ``fn``; a failure is left to the first request, which reports it as the error it is."""
    try:
        fn(*args)
    except Exception:  # noqa: BLE001, S110 - warming is an optimisation; the request path reports errors
        pass


@asynccontextmanager
async def _lifespan(app: FastAPI):
    """Before the first request: load the compiled simulator, then take what is loaded out of the collector.

    A full collection walks every object the libraries made (some 200 ms measured), stalling the
    event loop, and so the health check, whichever thread sets it off. Frozen, the collector walks
    only what requests make.
    """
    from smallboats.model import Scenario, simulate

    simulate(Scenario(years=1 / 52), runs=1, seed=0)  # loads (or compiles) the kernel now, not in a request
    gc.collect()
    gc.freeze()
    yield


def _errors(app: FastAPI) -> None:
    @app.exception_handler(StoreBusyError)
    async def _busy(request: Request, exc: StoreBusyError):
        return JSONResponse({"detail": str(exc)}, status_code=503, headers={"Retry-After": "5"})

    @app.exception_handler(SmallboatsError)
    async def _user_error(request: Request, exc: SmallboatsError):
        # no figures for what was asked (a date outside the data, a missing series) is "not found"
        return JSONResponse({"detail": str(exc)}, status_code=404 if isinstance(exc, StoreError) else 422)

    @app.exception_handler(Exception)
    async def _server_error(request: Request, exc: Exception):
        return JSONResponse({"detail": "internal error; the server log has the details"}, status_code=500)

    @app.exception_handler(RequestValidationError)
    async def _invalid(request: Request, exc: RequestValidationError):
        errs = [{"loc": list(e["loc"]), "msg": e["msg"]} for e in exc.errors()]
        first = errs[0] if errs else {"loc": [], "msg": "invalid request"}
        return JSONResponse(
            {"detail": f"{'.'.join(map(str, first['loc']))}: {first['msg']}", "errors": errs}, status_code=422
        )


def _middleware(app: FastAPI) -> None:
    app.add_middleware(Guard)


async def _buffered(receive):
    """The request body read whole into memory as a new ``receive``, or None when it passes the limit."""
    messages, size = [], 0
    while True:
        message = await receive()
        messages.append(message)
        if message["type"] != "http.request":
            break
        size += len(message.get("body", b""))
        if size > MAX_BODY_BYTES:
            return None
        if not message.get("more_body", False):
            break

    async def replay():
        return messages.pop(0) if messages else await receive()

    return replay


HEALTH_PATH = "/api/v1/health"
SIMULATION_PATHS = ("/api/v1/simulate", "/api/v1/charts/fan.")  # the routes that take a place in the queue
HEALTHY = JSONResponse({"status": "ok"})  # what routes.data's health route answers, made once


class Guard:
    """Every request: stamped with its arrival, body size capped, HEAD answered as GET, security headers.

    A plain ASGI middleware rather than ``@app.middleware("http")``: that one runs every request
    through extra tasks and streams on the event loop, which the health check shares. Two answers
    are given here, before routing, validation or a worker thread: the health check, and the 503 for
    a simulation asked while the queue is full. Under overload, clients that ask again at once are
    then refused for a few tens of microseconds each, and the loop stays free for the health check.
    """

    def __init__(self, app) -> None:
        self.app = app
        self.extra = [(k.lower().encode(), v.encode()) for k, v in SECURITY_HEADERS.items()]

    async def __call__(self, scope, receive, send) -> None:
        """Handle one request (anything but HTTP passes straight through)."""
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        head = scope["method"] == "HEAD"
        if head:  # HEAD is answered wherever GET is, without the body
            scope = dict(scope, method="GET")
        scope[ARRIVED] = time.monotonic()  # a simulation's budget counts from here
        quick = self._quick(scope)
        if quick is not None:
            await quick(scope, receive, self._send(send, head))
            return
        size = dict(scope["headers"]).get(b"content-length")
        if size is None:  # a body sent in chunks: read it up to the limit before anything parses it
            receive = await _buffered(receive)
        if receive is None or (size is not None and (not size.isdigit() or int(size) > MAX_BODY_BYTES)):
            too_big = JSONResponse({"detail": f"request body too large: at most {MAX_BODY_BYTES:,} bytes"}, 413)
            await too_big(scope, receive, self._send(send, head))
            return
        await self.app(scope, receive, self._send(send, head))

    @staticmethod
    def _quick(scope) -> JSONResponse | None:
        """The health check's answer, or a full queue's 503 for a simulation; None for anything else."""
        path = scope["path"]
        if path == HEALTH_PATH and scope["method"] == "GET":
            return HEALTHY
        if path.startswith(SIMULATION_PATHS):
            state = getattr(scope.get("app"), "state", None)
            refusal = state.slot.full() if getattr(state, "slot", None) is not None else None
            if refusal is not None:
                return JSONResponse({"detail": refusal.detail}, refusal.status_code, headers=refusal.headers)
        return None

    def _send(self, send, head: bool):
        async def wrapped(message) -> None:
            if message["type"] == "http.response.start":
                kept = [(k, v) for k, v in message.get("headers", []) if not (head and k == b"content-length")]
                message = {**message, "headers": kept + self.extra + ([(b"content-length", b"0")] if head else [])}
            elif message["type"] == "http.response.body" and head:
                message = {**message, "body": b""}
            await send(message)

        return wrapped


def app_from_environment() -> FastAPI:
    """The app for a multi-process server: settings from ``SMALLBOATS_SERVE`` (set by `smallboats serve`)."""
    cfg = json.loads(os.environ.get("SMALLBOATS_SERVE", "{}"))
    return create_app(
        cfg.get("store"),
        max_runs=cfg.get("max_runs", 2000),
        budget_seconds=cfg.get("budget_seconds", 30.0),
        warm=True,
    )
