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


def test_build_bundled_command_reproduces_the_bundle(shared_data, tmp_path, cli):
    r = cli("data", "build-bundled", "--from", shared_data, "--out", tmp_path)
    assert r.code == 0, r.err
    built = gzip.decompress((tmp_path / "observations.csv.gz").read_bytes())
    assert built == gzip.decompress(bundled_path().read_bytes())
    assert (tmp_path / "PROVENANCE.json").read_text() == (bundled_path().parent / "PROVENANCE.json").read_text()


def test_build_bundled_names_the_missing_official_files(tmp_path, cli):
    r = cli("data", "build-bundled", "--from", tmp_path, "--out", tmp_path / "out")
    assert r.code == 2 and "official files missing" in " ".join(r.err.split())
    assert not (tmp_path / "out").exists()
