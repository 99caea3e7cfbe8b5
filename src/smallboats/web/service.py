"""What the routes call: what-if simulations and the official charts, cached per store state."""

from __future__ import annotations

import logging
import threading
from collections import OrderedDict

from fastapi.responses import PlainTextResponse, Response

from smallboats import __version__
from smallboats.analysis.official import CHARTS, OfficialFigures
from smallboats.analysis.whatif import WhatIf, whatif_scenario
from smallboats.serialize import records
from smallboats.viz.style import ChartSpec
from smallboats.vocab import FAN_BANDS
from smallboats.web.deps import SimulationSlot

LOG = logging.getLogger("smallboats.web")  # says when a what-if waits for a Bayesian fit (once per data release)
ANSWERS_KEPT = 256  # what-if answers kept per store state (each a few tens of kB)
_SHELVES = threading.Lock()  # guards the shelves' bookkeeping, never a computation
MEDIA = {"png": "image/png", "svg": "image/svg+xml", "csv": "text/csv", "html": "text/html"}


def remembered(cache: dict, shelf: str, key, make, keep: int = ANSWERS_KEPT):
    """``make()`` once per key on a bounded shelf of the cache (least recently used goes first)."""
    with _SHELVES:
        entries = cache.setdefault(shelf, OrderedDict())
        if key in entries:
            entries.move_to_end(key)
            return entries[key]
    value = make()  # outside the lock: two first requests may both compute; the answers are equal
    with _SHELVES:
        entries[key] = value
        while len(entries) > keep:
            entries.popitem(last=False)
    return value


def scenario_for(store, cache: dict, preset: str, years: float, what_if: WhatIf | None):
    """The what-if's scenario and meta, built once per store state."""
    key = (preset, years, what_if.model_dump_json() if what_if else "")
    return remembered(
        cache, "scenarios", key, lambda: whatif_scenario(preset, store, what_if, years=years, on_fit=LOG.warning)
    )


def simulate_whatif(
    store, cache: dict, slot: SimulationSlot, *, scenario: str, runs: int, seed: int, years: float, what_if
) -> dict:
    """Run a what-if and its paired no-scheme world: the yearly summary, weekly bands and the settings used.

    An identical request (a share link opened twice) is answered from the cache of the store's
    current state; the cache keeps the newest :data:`ANSWERS_KEPT` answers.
    """
    key = (scenario, runs, seed, years, what_if.model_dump_json() if what_if else "")
    return remembered(cache, "answers", key, lambda: _run(store, cache, slot, scenario, runs, seed, years, what_if))


def _run(store, cache, slot, scenario, runs, seed, years, what_if) -> dict:
    from smallboats.model import simulate

    sc, meta = scenario_for(store, cache, scenario, years, what_if)
    r = slot.run(lambda check: simulate(sc, runs=runs, seed=seed, meta=meta, on_progress=check, records=False))
    weekly = {"scenario": records(r.band("arrivals", "week")[["period_start", *FAN_BANDS]])}
    if sc.scheme.enabled:
        weekly["no_scheme"] = records(r.band("arrivals", "week", arm="counterfactual")[["period_start", *FAN_BANDS]])
    observed = remembered(cache, "observed", (sc.start.isoformat(), sc.days), lambda: observed_weeks(store, sc))
    return r.summary() | {"weekly": weekly, "observed": observed, "what_if": meta["what_if"]}


def observed_weeks(store, sc) -> list[dict]:
    """Observed arrivals in the simulation's seven-day blocks that the data cover in full (drawn over the fan)."""
    import pandas as pd

    from smallboats.data import queries as q

    d = q.daily_series(store).frame
    start = pd.Timestamp(sc.start)
    seen = d[(d.date >= start) & (d.date < start + pd.Timedelta(days=sc.days))]
    block = (seen.date - start).dt.days // 7
    g = seen.groupby(block.values).people.agg(["sum", "count"])
    return [
        {"period_start": (start + pd.Timedelta(days=7 * int(k))).date().isoformat(), "people": float(row["sum"])}
        for k, row in g.iterrows()
        if row["count"] == 7
    ]


def official_chart(store, cache: dict, name: str) -> ChartSpec:
    """An official chart by name; all are built together once per store state, while the store is open."""
    if "charts" not in cache:
        figures = OfficialFigures(store)
        cache["charts"] = {n: figures.chart(n) for n in CHARTS}
    return cache["charts"][name]


def fan_source(seed: int, runs: int, data_release: str) -> str:
    """The source line of a what-if fan chart."""
    return f"smallboats {__version__} simulation, seed {seed}, {runs} runs; baseline fitted to {data_release}"


def chart_response(spec: ChartSpec, fmt: str, stem: str | None = None) -> Response:
    """A chart as a download in one format."""
    body = spec.render(fmt)
    headers = {"Content-Disposition": f'attachment; filename="{stem or spec.name}.{fmt}"'}
    if fmt in ("csv", "html"):
        return PlainTextResponse(body, media_type=MEDIA[fmt], headers=headers)
    return Response(body, media_type=MEDIA[fmt], headers=headers)
