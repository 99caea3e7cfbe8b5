"""The command line: help everywhere, the documented JSON shapes, exports."""

from __future__ import annotations

import json
import subprocess
import sys

import pandas as pd
import pytest
import typer

from smallboats.cli import app


def _commands(group, prefix=()):
    for name, cmd in group.commands.items():
        if hasattr(cmd, "commands"):
            yield from _commands(cmd, prefix + (name,))
        else:
            yield prefix + (name,), cmd


def test_every_command_has_help_with_an_example():
    root = typer.main.get_command(app)
    found = list(_commands(root))
    assert len(found) >= 10
    missing = [" ".join(p) for p, c in found if "Example:" not in (c.help or "")]
    assert not missing, f"commands without an example in --help: {missing}"


def test_the_root_lists_each_command_by_its_own_first_line():
    """``smallboats --help`` shows first lines kept beside the list of commands: they are the commands' own."""
    from smallboats.cli import COMMANDS

    root = typer.main.get_command(app)
    assert list(root.list_commands(None)) == list(COMMANDS)
    for name, (_, line) in COMMANDS.items():
        assert (root.commands[name].help or "").split("\n\n")[0] == line, name


@pytest.mark.parametrize("args", [["--help"], ["data", "--help"], ["query", "so-far", "--help"]])
def test_help_runs(cli, args):
    r = cli(*args)
    assert r.code == 0 and "Usage" in r.out


HEAVY = ("pandas", "numpy", "duckdb", "numba", "altair", "jax", "pydantic", "scipy", "fastapi", "pyarrow")


def _run_and_list_modules(args: list[str]) -> tuple[str, set[str]]:
    """Run ``smallboats ARGS`` in a fresh interpreter: its standard output and every module it imported."""
    code = (
        "import json, runpy, sys\n"
        f"sys.argv = ['smallboats', *{args!r}]\n"
        "try:\n    runpy.run_module('smallboats', run_name='__main__')\n"
        "except SystemExit as e:\n    assert not e.code, e.code\n"
        "print(json.dumps(sorted(sys.modules)), file=sys.stderr)\n"
    )
    p = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert p.returncode == 0, p.stderr
    return p.stdout, set(json.loads(p.stderr.strip().splitlines()[-1]))


@pytest.mark.parametrize(
    "args, allowed",
    [
        (["--help"], ()),
        (["--version"], ()),
        (["query", "--help"], ()),
        (["query", "so-far", "--help"], ()),
        (["simulate", "--help"], ()),
    ],
)
def test_help_imports_nothing_heavy(args, allowed):
    """``smallboats --help`` starts at once: no data frame, database, compiler, chart or schema library."""
    _, loaded = _run_and_list_modules(args)
    assert "smallboats.cli" in loaded  # the program did run
    heavy = sorted(m for m in loaded if m.split(".")[0] in set(HEAVY) - set(allowed))
    assert not heavy, f"{' '.join(args)} imported {', '.join(heavy[:10])}"
    own = {"smallboats.claims.schema", "smallboats.model", "smallboats.data.store", "smallboats.analysis"}
    assert not own & loaded, sorted(own & loaded)


@pytest.mark.parametrize("fmt", ["table", "json", "csv"])
def test_so_far_imports_no_frame_library(home, fmt):
    """``query so-far`` answers in SQL: no pandas, NumPy, compiler, chart or schema library (and Rich only for a table).

    Nor the DuckDB package's Python layer: the store talks to its engine, ``_duckdb``, directly.
    """
    out, loaded = _run_and_list_modules(["query", "so-far", "--date", "2025-07-09", "--format", fmt])
    assert "21117" in out.replace(",", "")
    heavy = sorted(m for m in loaded if m.split(".")[0] in HEAVY)
    assert not heavy, f"query so-far --format {fmt} imported {', '.join(heavy[:10])}"
    assert ("rich" in {m.split(".")[0] for m in loaded}) == (fmt == "table")
    assert not {"smallboats.data.queries", "smallboats.model", "smallboats.analysis"} & loaded
    assert "_duckdb" in loaded


def test_simulate_loads_the_kernel_without_scipy_linear_algebra(home):
    """``simulate`` keeps Numba from importing ``scipy.linalg`` (0.3 s) and prints what it printed before."""
    args = ["simulate", "pilot-50", "--runs", "40", "--years", "0.5", "--level-prior", "uniform", "--format", "json"]
    out, loaded = _run_and_list_modules(args)
    assert "numba.np.arraymath" in loaded and "scipy.linalg" not in loaded
    plain = subprocess.run(
        [
            sys.executable,
            "-c",
            "import sys, scipy.linalg, runpy; sys.argv = ['smallboats', *sys.argv[1:]]; "
            "runpy.run_module('smallboats', run_name='__main__')",
            *args,
        ],
        capture_output=True,
        text=True,
    )
    assert plain.returncode == 0, plain.stderr
    assert json.loads(out) == json.loads(plain.stdout)  # the same numbers with SciPy's BLAS seen


def test_status_json(home, cli):
    r = cli("data", "status", "--format", "json")
    assert r.code == 0
    d = r.json()
    assert d["newest_date"] == "2026-08-20"
    assert d["releases"]
    for rel in d["releases"]:
        src = rel["source"]
        assert {"publisher", "title", "release_date", "url", "licence"} <= set(src)
    assert any(r["source"]["publisher"] == "Office for National Statistics" for r in d["releases"])


def test_so_far_json_shape(home, cli):
    r = cli("query", "so-far", "--date", "2025-07-09", "--format", "json")
    assert r.code == 0
    rows = r.json()
    assert [x["year"] for x in rows] == list(range(2018, 2026))
    for x in rows:
        assert {"year", "people", "boats", "pct_change"} <= set(x)
    by = {x["year"]: x for x in rows}
    assert by[2025]["people"] == 21117
    assert by[2024]["pct_change"] == round((21117 / by[2024]["people"] - 1) * 100, 1)


def test_queries_in_every_format(home, cli):
    for args in (
        ["query", "window", "--start", "2025-03-01", "--end", "2025-07-10", "--by", "week"],
        ["query", "per-boat", "--records"],
        ["query", "day", "--date", "2025-07-10"],
        ["query", "annual"],
        ["query", "series", "agreement_returned"],
        ["query", "share", "50", "--against", "arrivals", "--start", "2025-03-01", "--end", "2025-07-10"],
        ["data", "revisions"],
        ["data", "series"],
    ):
        for fmt in ("table", "json", "csv"):
            r = cli(*args, "--format", fmt)
            assert r.code == 0, (args, fmt, r.err)
            if fmt == "json":
                json.loads(r.out)


def test_share_against_a_series(home, cli):
    r = cli(
        "query",
        "share",
        "50",
        "--per",
        "week",
        "--against",
        "ons_immigration",
        "--end",
        "2024-12-31",
        "--format",
        "json",
    )
    assert r.code == 0
    d = r.json()
    assert d["against_per_year"] == 948000 and d["percent"] == round(2600 / 948000 * 100, 3)


def test_export_csv_and_parquet(home, cli, tmp_path):
    assert cli("data", "export", "--format", "csv", "--out", tmp_path / "f.csv").code == 0
    assert cli("data", "export", "--format", "parquet", "--out", tmp_path / "f.parquet").code == 0
    a = pd.read_csv(tmp_path / "f.csv")
    b = pd.read_parquet(tmp_path / "f.parquet")
    assert len(a) == len(b) > 3000
    assert {"series", "value", "publisher", "licence", "release_id"} <= set(a.columns)
    assert cli("data", "export", "--format", "xls", "--out", tmp_path / "f.xls").code == 2


def test_exported_csv_reimports_as_identical_releases(home, cli, tmp_path):
    """The tidy layout round-trips: an export of all releases imports as 'already stored'."""
    f = tmp_path / "all.csv"
    assert cli("data", "export", "--all-releases", "--out", f).code == 0
    r = cli("data", "import", f, "--format", "json")
    assert r.code == 0
    assert {x["status"] for x in r.json()} == {"already stored, identical"}


def test_installed_program_runs(tmp_path):
    env = {"SMALLBOATS_HOME": str(tmp_path), "PATH": __import__("os").environ["PATH"]}
    p = subprocess.run(
        [sys.executable, "-m", "smallboats", "query", "day", "--date", "2025-07-10", "--format", "json"],
        capture_output=True,
        text=True,
        env=env,
    )
    assert p.returncode == 0, p.stderr
    assert json.loads(p.stdout)["people"] == 573
    p = subprocess.run(
        [sys.executable, "-m", "smallboats", "query", "day", "--date", "2031-01-01"],
        capture_output=True,
        text=True,
        env=env,
    )
    assert p.returncode == 2 and "outside the daily data" in p.stderr
