"""Shared fixtures: the official data folder, throw-away stores and a CLI runner."""

from __future__ import annotations

import json
import shutil
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest

from smallboats.cli import main
from smallboats.data.bundle import open_default_store
from smallboats.data.store import ReleaseStore

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared" / "data"


@pytest.fixture(scope="session")
def shared_data() -> Path:
    """The official files (../shared/data); tests that need them skip when it is absent."""
    if not (SHARED / "PROVENANCE.md").is_file():
        pytest.skip(f"the official data folder {SHARED} is absent (it sits beside the project)")
    return SHARED


@pytest.fixture(scope="session", autouse=True)
def own_cache(tmp_path_factory):
    """Cached fits and results go to a folder of this test session, never the user's cache."""
    mp = pytest.MonkeyPatch()
    mp.setenv("SMALLBOATS_CACHE", str(tmp_path_factory.mktemp("cache")))
    yield
    mp.undo()


@pytest.fixture(scope="module", autouse=True)
def no_background_work_left():
    """After each test file, wait for any server's background computation to end.

    A background fit outlives the server that started it, and NumPyro keeps one global handler stack:
    a fit left running would share it with the next file's fits.
    """
    yield
    slow = sys.modules.get("smallboats.web.slow")
    if slow is not None:
        assert slow.wait_idle(1800), "a background computation was still running after 30 minutes"


@pytest.fixture(scope="session")
def bundled_template(tmp_path_factory) -> Path:
    """A store filled with the bundled data once per session, copied for each test."""
    d = tmp_path_factory.mktemp("template")
    open_default_store(d / "smallboats.duckdb").close()
    return d / "smallboats.duckdb"


@pytest.fixture
def home(tmp_path, monkeypatch, bundled_template) -> Path:
    """A fresh SMALLBOATS_HOME holding a copy of the bundled store."""
    h = tmp_path / "home"
    h.mkdir()
    shutil.copy(bundled_template, h / "smallboats.duckdb")
    monkeypatch.setenv("SMALLBOATS_HOME", str(h))
    monkeypatch.delenv("SMALLBOATS_STORE", raising=False)
    return h


@pytest.fixture
def store(home) -> ReleaseStore:
    s = open_default_store(home / "smallboats.duckdb")
    yield s
    s.close()


@dataclass
class Result:
    code: int
    out: str
    err: str

    def json(self):
        return json.loads(self.out)


@pytest.fixture
def cli(capsys):
    """Run the program in-process; returns exit code, stdout and stderr."""

    def run(*args: str) -> Result:
        capsys.readouterr()
        code = main([str(a) for a in args])
        cap = capsys.readouterr()
        return Result(code, cap.out, cap.err)

    return run
