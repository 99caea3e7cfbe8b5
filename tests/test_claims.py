"""The claims engine: the thirteen figures of July 2025, bad claims files, and new claims."""

from __future__ import annotations

import subprocess
import sys

import pytest
from hypothesis import given
from hypothesis import strategies as st

from smallboats.claims.engine import compare

EXPECTED = {
    "01-arrivals-2025-so-far": "holds",
    "02-above-every-earlier-year": "holds",
    "03-arrivals-on-the-day": "holds",
    "04-weekly-average-since-march": "holds",
    "05-fifty-a-week-in-proportion": "holds",
    "06-people-per-boat-record": "holds",
    "07-boats-a-week": "does-not-hold",
    "08-forced-returns-2024": "cannot-check",
    "09-record-year": "holds",
    "10-visa-overstayers": "does-not-hold",
    "11-net-migration-halved": "holds",
    "12-scheme-against-migration": "holds",
    "13-most-common-route": "holds",
}


@pytest.fixture
def results(home, cli):
    r = cli("claims", "check", "--format", "json")
    assert r.code == 0, r.err
    return {x["id"]: x for x in r.json()}


def test_all_thirteen_are_evaluated_with_the_documented_fields(results):
    assert list(results) == list(EXPECTED)
    for x in results.values():
        assert {"id", "stated", "computed", "verdict", "reason", "sources"} <= set(x)
        assert x["verdict"] in {"holds", "does-not-hold", "cannot-check"}
        assert x["reason"]
        if x["verdict"] != "cannot-check":
            assert x["sources"], x["id"]
            for s in x["sources"]:
                assert s["publisher"] and s["release_date"] and s["licence"] and s["url"]


def test_verdicts_follow_the_data(results):
    assert {k: v["verdict"] for k, v in results.items()} == EXPECTED


def test_figures_recomputed(results):
    assert results["01-arrivals-2025-so-far"]["computed"] == 21690
    assert results["03-arrivals-on-the-day"]["computed"] == 573
    assert results["06-people-per-boat-record"]["computed"] == pytest.approx(5170 / 80, abs=0.01)
    assert results["09-record-year"]["computed"] == 45755
    assert results["10-visa-overstayers"]["computed"] == pytest.approx(83600)
    assert results["11-net-migration-halved"]["computed"] == pytest.approx(431 / 860, abs=1e-4)
    assert "returns_asylum_related_enforced" in results["08-forced-returns-2024"]["reason"]
    # the claim with no window states which windows would make it hold
    assert "June 2025: 18.67 (holds)" in results["07-boats-a-week"]["reason"]
    # figures are checked as published at the time; the later revision is reported beside
    alt = results["11-net-migration-halved"]["alternatives"][0]
    assert alt["label"] == "as revised in later releases" and alt["holds"] is False


def test_as_of_an_older_release(home, cli):
    r = cli("claims", "check", "--as-of-release", "ho-small-boats-timeseries@2025-12-12", "--format", "json")
    assert r.code == 0
    got = {x["id"]: x for x in r.json()}
    assert got["01-arrivals-2025-so-far"]["computed"] == 21690
    daily_sources = {s["release_id"] for s in got["01-arrivals-2025-so-far"]["sources"]}
    assert daily_sources == {"ho-small-boats-timeseries@2025-12-12"}


@pytest.mark.parametrize(
    "fmt, marker", [("markdown", "| 07-boats-a-week |"), ("html", "<table"), ("csv", "id,stated"), ("table", "holds")]
)
def test_other_formats(home, cli, fmt, marker):
    r = cli("claims", "check", "--format", fmt)
    assert r.code == 0 and marker in r.out


BAD = {
    "unknown_key.toml": (
        'title="t"\n[[claim]]\nid="a"\ntext="abc"\ndate=2025-01-01\nstated=1\n'
        'comparison="about"\ncompute={kind="day", date=2025-01-01, colour="red"}\n',
        "claim[0].compute.colour",
        "Extra inputs are not permitted",
    ),
    "bad_comparison.toml": (
        'title="t"\n[[claim]]\nid="a"\ntext="abc"\ndate=2025-01-01\nstated=1\n'
        'comparison="roughly"\ncompute={kind="day", date=2025-01-01}\n',
        "claim[0].comparison",
        "roughly",
    ),
    "bad_kind.toml": (
        'title="t"\n[[claim]]\nid="a"\ntext="abc"\ndate=2025-01-01\nstated=1\n'
        'comparison="about"\ncompute={kind="guess"}\n',
        "claim[0].compute",
        "guess",
    ),
    "duplicate_ids.toml": (
        'title="t"\n'
        + (
            '[[claim]]\nid="a"\ntext="abc"\ndate=2025-01-01\nstated=1\n'
            'comparison="about"\ncompute={kind="day", date=2025-01-01}\n'
        )
        * 2,
        "file",
        "repeated: a",
    ),
    "syntax.toml": ('title="t\n', "TOML", ""),
}


@pytest.mark.parametrize("name", sorted(BAD))
def test_bad_claims_files(name, tmp_path, home, cli):
    text, where, words = BAD[name]
    f = tmp_path / name
    f.write_text(text)
    r = cli("claims", "check", f)
    assert r.code == 2
    msg = " ".join(r.err.split())
    assert name in msg and where in msg and words in msg, msg


def test_a_series_missing_from_the_store_is_cannot_check(tmp_path, home, cli):
    f = tmp_path / "c.toml"
    f.write_text(
        'title="t"\n[[claim]]\nid="a"\ntext="abc"\ndate=2025-01-01\nstated=1\ncomparison="about"\n'
        'compute={kind="value", series="ons_immigration", year=1990}\n'
    )
    r = cli("claims", "check", f, "--format", "json")
    assert r.code == 0
    (x,) = r.json()
    assert x["verdict"] == "cannot-check" and "1990" in x["reason"]


def test_claims_new_asks_and_writes_a_valid_file(home, tmp_path):
    out = tmp_path / "mine.toml"
    answers = (
        "\n".join(
            [
                "my-01",
                "More than 5,000 crossed in June 2025",
                "5000",
                "more-than",
                "2025-07-01",
                "window",
                "2025-06-01",
                "2025-06-30",
                "people",
            ]
        )
        + "\n"
    )
    p = subprocess.run(
        [sys.executable, "-m", "smallboats", "claims", "new", "--out", str(out)],
        input=answers,
        capture_output=True,
        text=True,
    )
    assert p.returncode == 0, p.stderr
    p = subprocess.run(
        [sys.executable, "-m", "smallboats", "claims", "check", str(out), "--format", "json"],
        capture_output=True,
        text=True,
    )
    assert p.returncode == 0, p.stderr
    import json

    (x,) = json.loads(p.stdout)
    assert x["computed"] == 5170 and x["verdict"] == "holds"


def test_claims_new_refuses_a_bad_claim_and_writes_nothing(home, tmp_path):
    out = tmp_path / "mine.toml"
    p = subprocess.run(
        [
            sys.executable,
            "-m",
            "smallboats",
            "claims",
            "new",
            "--out",
            str(out),
            "--id",
            "bad id!",
            "--text",
            "abc",
            "--stated",
            "1",
            "--comparison",
            "more-than",
            "--date",
            "2025-01-01",
            "--kind",
            "day",
        ],
        input="2025-01-01\n",
        capture_output=True,
        text=True,
    )
    assert p.returncode == 2
    assert "mine.toml" in p.stderr and "bad id!" in p.stderr
    assert not out.exists()


@given(st.floats(1, 1e6), st.floats(0.1, 50))
def test_about_accepts_inside_the_tolerance_and_refuses_outside(x, tol):
    for sign in (-1, 1):
        assert compare(x * (1 + sign * tol / 200), x, "about", tol)
        assert not compare(x * (1 + sign * tol / 50), x, "about", tol)
