"""What the routes call: what-if simulations and the official charts, cached per store state."""

from __future__ import annotations

import json
import logging
import threading
from collections import OrderedDict

from fastapi.responses import JSONResponse, PlainTextResponse, Response

from smallboats import __version__
from smallboats.analysis.official import CHARTS, OfficialFigures
from smallboats.analysis.results_cache import code_fingerprint
from smallboats.analysis.whatif import WhatIf, whatif_scenario
from smallboats.viz.style import ChartSpec
from smallboats.vocab import FAN_BANDS
from smallboats.web import answers
from smallboats.web.deps import STORE_STATE, Settings, SimulationSlot, cache_for, snapshot

LOG = logging.getLogger("smallboats.web")  # says when a what-if waits for a Bayesian fit (once per data release)
ANSWERS_KEPT = 256  # what-if answers kept per store state (each a few tens of kB)
# no-scheme arms kept per store state: each holds the per-run totals of one world, seed, runs and
# horizon (about 120 kB for the dashboard's 200 runs over a year, under 3 MB for the largest request
# of 2,000 runs over three years); the dashboard's worlds differ only by prevention
ARMS_KEPT = 64
_SHELVES = threading.Lock()  # guards the shelves' bookkeeping, never a computation
MEDIA = {"png": "image/png", "svg": "image/svg+xml", "csv": "text/csv", "html": "text/html"}


def remembered(cache: dict, shelf: str, key, make, keep: int = ANSWERS_KEPT):
    """``make()`` once per key on a bounded shelf of the cache (least recently used goes first)."""
    value = shelved(cache, shelf, key)
    if value is None:
        value = make()  # outside the lock: two first requests may both compute; the answers are equal
        shelve(cache, shelf, key, value, keep)
    return value


def shelved(cache: dict, shelf: str, key):
    """What a shelf of the cache keeps under ``key`` (now the most recently used), or None."""
    with _SHELVES:
        entries = cache.setdefault(shelf, OrderedDict())
        if key in entries:
            entries.move_to_end(key)
            return entries[key]
    return None


def shelve(cache: dict, shelf: str, key, value, keep: int = ANSWERS_KEPT) -> None:
    """Keep ``value`` on a shelf of the cache, the least recently used going first past ``keep``."""
    with _SHELVES:
        entries = cache.setdefault(shelf, OrderedDict())
        entries[key] = value
        while len(entries) > keep:
            entries.popitem(last=False)


def _scenario_key(preset: str, years: float, what_if: WhatIf | None) -> tuple:
    return (preset, years, what_if.model_dump_json() if what_if else "")


def scenario_for(store, cache: dict, preset: str, years: float, what_if: WhatIf | None):
    """The what-if's scenario and meta, built once per store state (the baseline fitted once for all)."""
    key = _scenario_key(preset, years, what_if)
    memo = cache.setdefault("fits", {})
    return remembered(
        cache,
        "scenarios",
        key,
        lambda: whatif_scenario(preset, store, what_if, years=years, memo=memo, on_fit=LOG.warning),
    )


def store_opener(settings: Settings):
    """A function that opens a snapshot of the store (``deps.snapshot``), for a route that may not need it.

    A what-if may have to fit its baseline (a minute, once per data release), so it reads a private
    copy and never holds the user's store that long. A what-if that is already answered, or whose
    scenario is already built, opens nothing.
    """
    return lambda: snapshot(settings)


def what_if_name(settings: Settings, cache: dict, *, scenario: str, runs: int, seed: int, years: float, what_if) -> str:
    """The name of a what-if's answer for the store state of ``cache`` (see :func:`web.answers.answer_name`)."""
    request = {
        "scenario": scenario,
        "runs": runs,
        "seed": seed,
        "years": float(years),
        "what_if": what_if.model_dump(mode="json") if what_if is not None else None,
    }
    return answers.answer_name(settings.path, cache[STORE_STATE], request)


def kept_answer(settings: Settings, cache: dict, name: str) -> bytes | None:
    """A what-if's finished answer (its JSON body) if this process or another has kept it, else None.

    This process's memory first, then the folder the server's processes share; an answer read
    from the folder is kept in memory too. Nothing is computed, no store opened, no thread taken.
    """
    body = shelved(cache, "answers", name)
    if body is None:
        body = answers.read(settings.answers, name)
        if body is not None:
            shelve(cache, "answers", name, body)
    return body


def what_if_answer(open_store, settings: Settings, cache: dict, slot: SimulationSlot, **run) -> bytes:
    """A what-if's answer as its JSON body: kept (:func:`kept_answer`), or computed, then kept on both shelves.

    The answer holds the yearly summary, weekly bands and the settings used. The no-scheme world
    does not depend on the scheme or the response (common random numbers), so it is simulated once
    per world, seed, runs and horizon and paired with every what-if that shares them. This process
    keeps the newest :data:`ANSWERS_KEPT` answers in memory.
    """
    name = what_if_name(settings, cache, **run)
    body = kept_answer(settings, cache, name)
    if body is None:
        # the bytes JSONResponse would send; the two first requests of one what-if may both compute
        body = JSONResponse(_run(open_store, cache, slot, **run)).body
        shelve(cache, "answers", name, body)
        answers.write(settings.answers, name, body)
    return body


def simulate_whatif(open_store, settings: Settings, cache: dict, slot: SimulationSlot, **run) -> dict:
    """A what-if's answer (:func:`what_if_answer`) as plain values."""
    return json.loads(what_if_answer(open_store, settings, cache, slot, **run))


def _run(open_store, cache, slot, *, scenario, runs, seed, years, what_if) -> dict:
    from smallboats.model import simulate
    from smallboats.model.engine import no_scheme_key

    sc, meta, observed = _prepared(open_store, cache, scenario, years, what_if)
    key = (no_scheme_key(sc, runs, seed, records=False), meta["data_release"], __version__)

    def both(check):
        arm = no_scheme_for(cache, key, sc, runs, seed, check) if sc.scheme.enabled else None
        return simulate(sc, runs=runs, seed=seed, meta=meta, on_progress=check, records=False, no_scheme=arm)

    r = slot.run(both)
    weekly = {"scenario": weekly_band(r, "scenario")}
    if sc.scheme.enabled:  # the no-scheme world's band is the same for every what-if that shares it
        weekly["no_scheme"] = remembered(
            cache, "no_scheme_weekly", key, lambda: weekly_band(r, "counterfactual"), keep=ARMS_KEPT
        )
    return r.summary() | {"weekly": weekly, "observed": observed, "what_if": meta["what_if"]}


def weekly_band(r, arm: str) -> list[dict]:
    """Weekly arrivals of one arm, median and fan bands, as the page draws them."""
    return r.band_rows("arrivals", "week", arm, FAN_BANDS)


class _StoreOnUse:
    """The store, opened the first time it is read and closed by :meth:`close`.

    A what-if whose baseline fit and observed weeks are kept reads nothing from the store, and
    opening it costs as long as the rest of the answer.
    """

    def __init__(self, open_store):
        self._open, self._opened, self._store = open_store, None, None

    def __getattr__(self, name: str):
        if self._store is None:
            self._opened = self._open()
            self._store = self._opened.__enter__()
        return getattr(self._store, name)

    def close(self) -> None:
        if self._opened is not None:
            self._opened.__exit__(None, None, None)


def _prepared(open_store, cache: dict, scenario: str, years: float, what_if):
    """The what-if's scenario, meta and observed weeks, opening the store only if something must be read."""
    store = _StoreOnUse(open_store)
    try:
        sc, meta = scenario_for(store, cache, scenario, years, what_if)
        observed = remembered(cache, "observed", (sc.start.isoformat(), sc.days), lambda: observed_weeks(store, sc))
    finally:
        store.close()
    return sc, meta, observed


def no_scheme_for(cache: dict, key: tuple, sc, runs: int, seed: int, check):
    """The scenario's no-scheme arm, simulated once per ``key``: world, seed, runs, horizon, data release, version."""
    from smallboats.model.engine import no_scheme_arm

    return remembered(
        cache,
        "no_scheme",
        key,
        lambda: no_scheme_arm(sc, runs, seed, records=False, on_block=lambda done, blocks: check(done / blocks)),
        keep=ARMS_KEPT,
    )


def warm(state, settings: Settings, preset: str = "pilot-50") -> None:
    """Fit the baseline and load the compiled kernel before the first what-if, which then waits for neither.

    Run in the background by a server as it starts (``create_app(..., warm=True)``); the fit is
    kept in the cache of the store's state, as a request would keep it.
    """
    from smallboats.model import simulate

    cache = cache_for(state, settings)  # as the requests' cache dependency does
    code_fingerprint()  # hashed here, not on the event loop by the first what-if (answers are named with it)
    with store_opener(settings)() as store:
        sc, _ = scenario_for(store, cache, preset, 1.0, None)
    simulate(sc, runs=1, seed=0, records=False)


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
