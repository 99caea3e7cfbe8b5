"""Regression baseline: the headline figures do not move unless ``scripts/update_baseline.py`` says so."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from headline import headline_figures

BASELINE = Path(__file__).with_name("baseline.json")


@pytest.mark.slow
def test_headline_figures_match_the_baseline():
    expected = json.loads(BASELINE.read_text(encoding="utf-8"))
    got = headline_figures()
    assert set(got) == set(expected), "the set of headline figures changed; run scripts/update_baseline.py"

    def same(a, b) -> bool:  # numbers within float noise, words and missing values exactly
        if isinstance(a, int | float) and isinstance(b, int | float):
            return b == pytest.approx(a, rel=1e-9, abs=1e-9)
        return a == b

    moved = {k: (expected[k], got[k]) for k in expected if not same(expected[k], got[k])}
    assert not moved, f"headline figures moved (refresh deliberately with scripts/update_baseline.py): {moved}"
