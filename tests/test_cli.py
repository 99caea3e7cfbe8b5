"""The command line: help everywhere, the documented JSON shapes, exports."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest
import typer

from smallboats.cli.root import app


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


@pytest.mark.parametrize(
    "args",
    [
        ["--date", "2025-07-09", "--format", "table"],
        ["--date", "2025-07-09", "--format", "json"],
        ["--date", "2025-07-09", "--format", "csv"],
        ["--date=2025-07-09", "-f", "json"],
    ],
)
def test_so_far_imports_no_frame_library_nor_typer(home, args):
    """``query so-far`` answers in SQL before Typer is imported, with DuckDB's engine alone (and Rich only for a table).

    No pandas, NumPy, compiler, chart or schema library, no Typer or Click, and not the ``duckdb``
    package's Python layer.
    """
    out, loaded = _run_and_list_modules(["query", "so-far", *args])
    assert "21117" in out.replace(",", "")
    tops = {m.split(".")[0] for m in loaded}
    heavy = sorted(tops & {*HEAVY, "typer", "click"})
    assert not heavy, f"query so-far {' '.join(args)} imported {', '.join(heavy)}"
    assert "_duckdb" in tops
    assert ("rich" in tops) == ("table" in args)
    assert not {"smallboats.data.queries", "smallboats.model", "smallboats.analysis", "smallboats.cli.root"} & loaded


def test_so_far_without_typer_reads_the_commands_own_options():
    """The options :mod:`smallboats.cli.quick` reads are so-far's: names, defaults, variable and checks."""
    from smallboats.cli import quick
    from smallboats.cli.output import Format

    command = typer.main.get_command(app).commands["query"].commands["so-far"]
    params = {p.name: p for p in command.params}
    assert {o: p.name for p in params.values() for o in [*p.opts, *p.secondary_opts]} == quick.SO_FAR_OPTIONS
    assert {name: p.default for name, p in params.items()} == quick.SO_FAR_DEFAULTS
    assert {name: p.envvar for name, p in params.items() if p.envvar} == quick.SO_FAR_ENVVARS
    for p in params.values():  # one value each, no callback, prompt or parser of its own
        assert p.nargs == 1 and not (p.multiple or p.is_flag or p.required or p.prompt or p.callback), p.name
        assert p.type_descriptor.parameter_info.parser is None, p.name
    kinds = {name: p.type_descriptor.annotation for name, p in params.items()}
    assert kinds == {"date": str, "as_of_release": str, "store": Path, "format": Format}
    store = params["store"].type_descriptor.parameter_info  # a path that need not exist, and is read if it does
    assert store.readable and not (store.exists or store.writable or store.resolve_path or store.allow_dash)
    assert params["format"].type_descriptor.parameter_info.case_sensitive


@pytest.mark.parametrize("fmt", ["table", "json", "csv"])
def test_so_far_in_sql_prints_what_the_frame_prints(store, capsys, fmt):
    """The SQL answer, printed, is byte for byte the frame's answer as the command's frame path prints it."""
    import datetime as dt

    from smallboats.cli.output import Format, emit
    from smallboats.cli.quick import emit_so_far, so_far_title
    from smallboats.data import queries as q
    from smallboats.data import quick

    daily = q.daily_series(store)
    for day in (dt.date(2025, 7, 9), dt.date(2024, 2, 29), dt.date(2018, 1, 1), daily.newest):
        capsys.readouterr()
        emit_so_far(quick.so_far(store, day), Format(fmt))
        sql = capsys.readouterr().out
        frame = q.so_far(daily.frame, day).assign(release=daily.release)
        emit(frame, Format(fmt), title=so_far_title(day), source=daily.attribution)
        assert capsys.readouterr().out == sql, day


STORE, FOLDER = "<the test's store>", "<a folder>"


def _fill(value: str, home: Path, folder: Path) -> str:
    """A case's value with the test's own paths in place of STORE and FOLDER."""
    return {STORE: str(home / "smallboats.duckdb"), FOLDER: str(folder)}.get(value, value)


@pytest.mark.parametrize(
    "args, env, answered",
    [
        (["--date", "2025-07-09"], {}, 0),
        ([], {}, 0),
        (["--date", "latest", "--format", "json"], {}, 0),
        (["--date=2024-02-29", "--format=csv"], {}, 0),
        (["-f", "json", "--date", "2018-01-01"], {}, 0),
        (["--as-of-release", "ho-small-boats-timeseries@2025-12-12", "-f", "csv"], {}, 0),
        (["--date", "2025-07-09", "--store", STORE], {}, 0),
        (["--date", "2025-07-09", "-f", "json"], {"SMALLBOATS_STORE": STORE}, 0),
        (["--date", "2025-07-09"], {"SMALLBOATS_STORE": ""}, 0),
        (["--date", "2025-07-09", "--as-of-release", "nope@2020-01-01"], {}, "raised"),
        (["--date", "2025-07-09"], {"SMALLBOATS_STORE": FOLDER}, "raised"),
        (["--date", "2030-01-01"], {}, None),
        (["--date", "10/07/2025", "-f", "json"], {}, None),
        (["--format", "JSON"], {}, None),
    ],
)
def test_so_far_prints_the_same_with_or_without_typer(home, cli, monkeypatch, tmp_path, args, env, answered):
    """Every byte and the exit code are the Typer command's, whether the answer came before Typer or not."""
    from smallboats.cli import quick

    args = ["query", "so-far", *(_fill(a, home, tmp_path) for a in args)]
    for name, value in env.items():
        monkeypatch.setenv(name, _fill(value, home, tmp_path))
    seen, run = [], quick.run

    def recorded(argv):
        try:
            seen.append(run(argv))
        except Exception:
            seen.append("raised")
            raise
        return seen[-1]

    monkeypatch.setattr(quick, "run", recorded)
    fast = cli(*args)
    assert seen == [answered]
    monkeypatch.setattr(quick, "run", lambda argv: None)
    assert cli(*args) == fast


@pytest.mark.parametrize(
    "args",
    [
        ["--help"],
        ["-fjson"],
        ["-f=json"],
        ["--date", "2025-07-09", "--date", "2024-07-09"],
        ["--date="],
        ["--date"],
        ["--date", "-1"],
        ["--date", "--format", "json"],
        ["--dat", "2025-07-09"],
        ["--store", ""],
        ["extra"],
        ["--", "--date", "2025-07-09"],
    ],
)
def test_so_far_leaves_any_other_form_of_its_options_to_typer(home, capsys, args):
    """An option not written plainly is Typer's to read (and to refuse), before the store is opened."""
    from smallboats.cli import quick

    assert quick.run(["query", "so-far", *args]) is None
    assert capsys.readouterr() == ("", "")


def test_so_far_leaves_shell_completion_to_typer(home, monkeypatch):
    from smallboats.cli import quick

    monkeypatch.setenv(quick.COMPLETE_VAR, "bash_complete")
    assert quick.run(["query", "so-far", "--date", "2025-07-09"]) is None


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
