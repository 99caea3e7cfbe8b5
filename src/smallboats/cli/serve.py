"""`smallboats serve`: the dashboard and HTTP API on this machine."""

from __future__ import annotations

import json
import math
import os
from typing import Annotated

import typer

from smallboats.cli.common import StoreOpt
from smallboats.cli.output import err_console
from smallboats.errors import UsageError


def serve(
    host: Annotated[
        str, typer.Option(help="Address to listen on (localhost only unless you change it).")
    ] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port.")] = 8050,
    max_runs: Annotated[int, typer.Option(min=1, help="Largest ensemble a request may ask for.")] = 2000,
    budget: Annotated[float, typer.Option(help="Seconds a simulation may take before it is cancelled (503).")] = 30.0,
    workers: Annotated[int, typer.Option(help="Server processes (simulations are CPU-bound: one a core).")] = 1,
    store: StoreOpt = None,
) -> None:
    """Serve the dashboard (/) and the JSON API (/api/v1, schema at /openapi.json).

    Example: smallboats serve --port 8050
    """
    import uvicorn

    from smallboats.web.app import create_app

    if not 1 <= port <= 65535:
        raise UsageError(f"--port must be between 1 and 65535, not {port}")
    if host not in ("127.0.0.1", "localhost", "::1"):
        err_console.print(f"[yellow]warning:[/yellow] listening on {host}: other machines may reach this server")
    if workers < 1:
        raise UsageError("--workers must be at least 1")
    if not (math.isfinite(budget) and budget > 0):
        raise UsageError(f"--budget must be a number of seconds above 0, not {budget:g}")
    err_console.print(f"smallboats dashboard at http://{host}:{port}/ (Ctrl+C to stop)")
    if workers == 1:
        app = create_app(store, max_runs=max_runs, budget_seconds=budget, warm=True)
        uvicorn.run(app, host=host, port=port, log_level="warning")
        return
    # several processes each build the app from these settings (the store is opened read-only)
    os.environ["SMALLBOATS_SERVE"] = json.dumps(
        {"store": str(store) if store else None, "max_runs": max_runs, "budget_seconds": budget}
    )
    uvicorn.run(
        "smallboats.web.app:app_from_environment",
        factory=True,
        host=host,
        port=port,
        workers=workers,
        log_level="warning",
    )
