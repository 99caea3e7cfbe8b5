"""The bundled dataset is what the project's importers make of the official files today."""

from __future__ import annotations

import datetime as dt
import gzip
import json

from smallboats.data.bundle import build_bundled, bundled_path


def test_bundle_is_up_to_date(shared_data, tmp_path):
    summary = build_bundled(shared_data, tmp_path, today=dt.date.today())
    built = gzip.decompress((tmp_path / "observations.csv.gz").read_bytes()).decode()
    shipped = gzip.decompress(bundled_path().read_bytes()).decode()
    assert built == shipped, "the bundled data is stale: run python scripts/build_bundled.py"
    prov = json.loads((bundled_path().parent / "PROVENANCE.json").read_text())
    assert prov["n_observations"] == summary["n_observations"]
    assert summary["newest_date"] == "2026-08-20"


def test_bundle_holds_every_series_the_issue_asks_for(store):
    held = {s for r in store.status()["releases"] for s in r["series"]}
    for needed in (
        "sb_people",
        "sb_boats",
        "sb_week_prevented_people",
        "agreement_returned",
        "agreement_admitted",
        "returns_enforced",
        "ons_immigration",
        "ons_emigration",
        "ons_net_migration",
        "sb_year_people",
        "exit_checks_visas_expired",
    ):
        assert needed in held
