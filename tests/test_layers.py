"""The house's layers: imports point down, and no face imports another (read from the code with ast).

faces      cli  ->  web, report        (the CLI may start the web app or the report)
middle     analysis, claims
ground     model, data, viz            (model imports neither data nor viz)
bottom     provenance, facts, vocab, serialize, errors, files
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

SRC = Path(__file__).resolve().parents[1] / "src" / "smallboats"
BOTTOM = {
    "provenance",
    "facts",
    "vocab",
    "serialize",
    "formats",
    "errors",
    "files",
    "__init__",
    "__main__",
    "__version__",
}
FACES = {"cli", "web", "report"}
# what each part may import, besides the bottom layer and itself
ALLOWED = {
    "model": set(),
    "data": set(),
    "viz": {"data"},
    "claims": {"data", "viz"},
    "analysis": {"data", "model", "viz"},
    "report": {"analysis", "claims", "data", "model", "viz"},
    "web": {"analysis", "claims", "data", "model", "viz"},
    "cli": {"analysis", "claims", "data", "model", "viz", "web", "report"},
}


def part_of(path: Path) -> str:
    rel = path.relative_to(SRC)
    return rel.parts[0] if len(rel.parts) > 1 else rel.stem


def imported_parts(path: Path) -> set[tuple[str, int]]:
    """The smallboats parts a module imports (at any depth, functions included), with line numbers."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    out = set()
    for node in ast.walk(tree):
        names = []
        if isinstance(node, ast.Import):
            names = [a.name for a in node.names]
        elif isinstance(node, ast.ImportFrom):
            if node.level:  # relative: resolve against the module's package
                pkg = list(path.relative_to(SRC).parts[:-1])
                base = pkg[: len(pkg) - (node.level - 1)] if node.level > 1 else pkg
                names = [".".join(["smallboats", *base, *([node.module] if node.module else [])])]
            elif node.module:
                names = [node.module] + [f"{node.module}.{a.name}" for a in node.names]
        for n in names:
            bits = n.split(".")
            if bits[0] == "smallboats" and len(bits) > 1:
                out.add((bits[1], node.lineno))
    return out


MODULES = sorted(p for p in SRC.rglob("*.py"))


def test_every_part_is_known():
    parts = {part_of(p) for p in MODULES}
    assert parts <= set(ALLOWED) | BOTTOM, f"a new part needs a place in the layers: {parts - set(ALLOWED) - BOTTOM}"


@pytest.mark.parametrize("path", MODULES, ids=lambda p: str(p.relative_to(SRC)))
def test_imports_point_down(path):
    me = part_of(path)
    may = BOTTOM | {me} | (ALLOWED.get(me, set()) if me not in BOTTOM else set())
    if me in BOTTOM and me not in ("__init__", "__main__"):
        may = BOTTOM
    if me == "__main__":
        may = BOTTOM | {"cli"}
    bad = sorted((p, line) for p, line in imported_parts(path) if p not in may)
    assert not bad, f"{path.relative_to(SRC)} ({me}) imports above or beside itself: {bad}"


def test_the_layers_test_can_fail(tmp_path):
    """A module importing a face from below is caught (the check is not vacuous)."""
    probe = tmp_path / "probe.py"
    probe.write_text("def f():\n    from smallboats.web.app import create_app\n    import smallboats.cli\n")
    assert {p for p, _ in imported_parts(probe)} == {"web", "cli"}
