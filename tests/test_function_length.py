"""House rule: no function over 60 lines outside the compiled kernel without a comment saying why.

The reason is written as a comment beginning ``# long:`` on the line above the ``def`` (or its
decorators), so a reader meets it before the function.
"""

from __future__ import annotations

import ast
from pathlib import Path

SRC = Path(__file__).resolve().parents[1] / "src" / "smallboats"
LIMIT = 60
EXEMPT = {SRC / "model" / "kernel.py"}  # Numba's one-file rule: the compiled loop stays together


def long_functions(path: Path) -> list[str]:
    """Functions of a file longer than the limit and not explained."""
    lines = path.read_text(encoding="utf-8").splitlines()
    out = []
    for node in ast.walk(ast.parse("\n".join(lines))):
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            length = node.end_lineno - node.lineno + 1
            first = min([node.lineno, *(d.lineno for d in node.decorator_list)])
            block, i = [], first - 2
            while i >= 0 and lines[i].strip().startswith("#"):  # the comment block just above
                block.append(lines[i].strip())
                i -= 1
            if length > LIMIT and not any(c.startswith("# long:") for c in block):
                out.append(f"{path.relative_to(SRC)}:{node.lineno} {node.name} ({length} lines)")
    return out


def test_no_unexplained_long_functions():
    found = [f for p in sorted(SRC.rglob("*.py")) if p not in EXEMPT for f in long_functions(p)]
    assert not found, "functions over 60 lines need splitting or a '# long:' reason above them:\n" + "\n".join(found)


def test_the_length_check_can_fail(tmp_path):
    body = "\n".join(f"    x{i} = {i}" for i in range(LIMIT + 1))
    probe = tmp_path / "p.py"
    probe.write_text(f"def f():\n{body}\n")
    assert long_functions_at(probe) == ["f"]


def long_functions_at(path: Path) -> list[str]:
    tree = ast.parse(path.read_text())
    return [n.name for n in ast.walk(tree) if isinstance(n, ast.FunctionDef) and n.end_lineno - n.lineno + 1 > LIMIT]
