"""The command-line program: a thin shell over the library (parse, call, render)."""

from __future__ import annotations

import sys

import typer

from smallboats.cli import claims, data, query
from smallboats.cli.analysis import backtest, calibrate, forecast
from smallboats.cli.estimate import estimate_effect as estimate_effect_cmd
from smallboats.cli.estimate import evaluate_pilot as evaluate_pilot_cmd
from smallboats.cli.output import err_console
from smallboats.cli.report import report
from smallboats.cli.serve import serve
from smallboats.cli.simulate import scenario_app, sensitivity_cmd, simulate_cmd, sweep_cmd, threshold_cmd
from smallboats.errors import SmallboatsError

app = typer.Typer(
    name="smallboats",
    help="Official figures, checked claims and policy simulation for Channel small-boat crossings.\n\n"
    "Example: smallboats query so-far --date 2025-07-10",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    rich_markup_mode=None,
)
app.add_typer(data.app, name="data")
app.add_typer(query.app, name="query")
app.add_typer(claims.app, name="claims")
app.command()(report)
app.command("simulate")(simulate_cmd)
app.command("threshold")(threshold_cmd)
app.command("sweep")(sweep_cmd)
app.command("sensitivity")(sensitivity_cmd)
app.command()(serve)
app.command()(calibrate)
app.command()(forecast)
app.command()(backtest)
app.command("estimate-effect")(estimate_effect_cmd)
app.command("evaluate-pilot")(evaluate_pilot_cmd)
app.add_typer(scenario_app, name="scenario")


def _version(value: bool) -> None:
    if value:
        from smallboats import __version__

        print(f"smallboats {__version__}")
        raise typer.Exit()


@app.callback()
def _root(
    version: bool = typer.Option(
        False, "--version", callback=_version, is_eager=True, help="Print the version and exit."
    ),
) -> None:
    """Official figures, checked claims and policy simulation for Channel small-boat crossings."""


def main(argv: list[str] | None = None) -> int:
    """Run the program; a user error prints one clear message and exits with code 2.

    Usage errors (a missing option, a value not among the choices) are reported by the
    command-line parser itself, also with exit code 2.
    """
    try:
        app(args=argv, prog_name="smallboats", standalone_mode=True)
    except SmallboatsError as e:
        _error(str(e))
        return e.exit_code
    except OSError as e:  # an output path that cannot be written, a file that vanished
        where = f"{e.filename}: " if e.filename else ""
        _error(f"{where}{e.strerror or e}")
        return 2
    except KeyboardInterrupt:
        _error("interrupted; nothing was written")
        return 130
    except SystemExit as e:
        return e.code if isinstance(e.code, int) else (0 if e.code is None else 1)
    return 0


def _error(text: str) -> None:
    from rich.markup import escape

    err_console.print(f"[bold red]error:[/bold red] {escape(text)}", highlight=False, soft_wrap=True)


def entry() -> None:
    """Console-script entry point."""
    sys.exit(main())
