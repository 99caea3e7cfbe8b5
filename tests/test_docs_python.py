"""docs/python.md runs as written: its code blocks are executed in order, in one namespace."""

from __future__ import annotations

import re
from pathlib import Path

DOC = Path(__file__).resolve().parents[1] / "docs" / "python.md"


def test_the_python_guide_runs(home, capsys):
    blocks = re.findall(r"```python\n(.*?)```", DOC.read_text(encoding="utf-8"), re.S)
    assert len(blocks) >= 5
    namespace: dict = {}
    for code in blocks:
        exec(compile(code, str(DOC), "exec"), namespace)  # noqa: S102 - the project's own documentation
    out = capsys.readouterr().out
    assert "ho-small-boats-timeseries@" in out and "holds" in out
