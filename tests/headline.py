"""The headline figures of the regression baseline, computed on a fresh bundled store.

Shared by ``tests/test_baseline.py`` and ``scripts/update_baseline.py`` so that the test and the
script that refreshes it can never compute different things.
"""

from __future__ import annotations

import datetime as dt
import tempfile
from pathlib import Path


def headline_figures() -> dict[str, float | str]:
    """Figures from the data layer, the claims and a small simulation, keyed by a readable name."""
    from smallboats.analysis.scenarios import build_scenario
    from smallboats.claims import check_bundled_claims
    from smallboats.data import queries as q
    from smallboats.data.bundle import open_default_store
    from smallboats.model import simulate

    out: dict[str, float | str] = {}
    with tempfile.TemporaryDirectory() as d:
        with open_default_store(Path(d) / "s.duckdb") as st:
            daily = st.daily()
            for row in q.so_far(daily, dt.date(2025, 7, 9)).itertuples():
                out[f"so_far_2025-07-09.{row.year}.people"] = float(row.people)
            for row in q.annual(daily).itertuples():
                out[f"annual.{row.year}.people"] = float(row.people)
            for c in check_bundled_claims(st):
                out[f"claim.{c['id']}.verdict"] = c["verdict"]
                out[f"claim.{c['id']}.computed"] = None if c["computed"] is None else round(float(c["computed"]), 6)
            sc, meta = build_scenario("pilot-50", st, years=1)
            s = simulate(sc, runs=200, seed=7, meta=meta).summary()
            for y in s["years"]:
                key = f"simulate.pilot-50.{y['variable']}.year{y['year']}"
                out[f"{key}.median"] = round(float(y["median"]), 6)
                out[f"{key}.effect_median"] = round(float(y["effect"]["median"]), 6)
    return out
