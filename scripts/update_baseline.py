"""Write ``tests/baseline.json``: the headline figures the regression test compares against.

Run it only when a change to the figures is intended, and review the diff of the JSON in the same
commit: the test exists so that a refactor cannot move a published number unnoticed.

    python scripts/update_baseline.py
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))

from headline import headline_figures  # noqa: E402


def main() -> None:
    """Compute the headline figures on the bundled data and write them."""
    out = ROOT / "tests" / "baseline.json"
    figures = headline_figures()
    out.write_text(json.dumps(figures, indent=1, sort_keys=True) + "\n", encoding="utf-8")
    print(f"wrote {out} ({len(figures)} figures)")


if __name__ == "__main__":
    main()
