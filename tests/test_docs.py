"""The README stays true: its set-up commands, its generated figures, and lint."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
README = (ROOT / "README.md").read_text()


def _setup_commands() -> list[str]:
    setup = README.split("## Set-up", 1)[1].split("\n## ", 1)[0]
    return re.findall(r"```sh\n(.+?)\n```", setup)


def test_readme_has_two_setup_commands_and_ci_runs_the_test_one():
    cmds = _setup_commands()
    assert len(cmds) == 2
    assert "smallboats report" in cmds[0]
    ci = (ROOT / ".ci" / "run").read_text()
    assert cmds[1] in ci.splitlines()


@pytest.mark.parametrize("name", ["so-far", "claims", "quota"])
def test_generated_readme_blocks_are_current(name, home):
    sys.path.insert(0, str(ROOT / "scripts"))
    import update_readme

    block = re.search(rf"<!-- gen:{name} -->\n(.*?)\n<!-- /gen:{name} -->", README, re.S).group(1)
    assert block == update_readme.GENERATORS[name](), f"README block {name} is stale: run scripts/update_readme.py"


def test_ruff_lint_and_format():
    for args in (["check", "."], ["format", "--check", "."]):
        p = subprocess.run([sys.executable, "-m", "ruff", *args], cwd=ROOT, capture_output=True, text=True)
        assert p.returncode == 0, p.stdout + p.stderr
