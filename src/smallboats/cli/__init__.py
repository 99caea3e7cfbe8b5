"""The command-line program: a thin shell over the library (parse, call, render)."""

from __future__ import annotations

import sys

import typer

from smallboats import __version__
from smallboats.cli import data, query
from smallboats.cli.output import err_console
from smallboats.errors import SmallboatsError

app = typer.Typer(
    name="smallboats",
    help="Official figures, checked claims and policy simulation for Channel small-boat crossings.\n\n"
    "Example: smallboats query so-far --date 2025-07-10",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    rich_markup_mode="rich",
)
app.add_typer(data.app, name="data")
app.add_typer(query.app, name="query")


def _version(value: bool) -> None:
    if value:
        print(f"smallboats {__version__}")
        raise typer.Exit()


@app.callback()
def _root(
    version: bool = typer.Option(False, "--version", callback=_version, is_eager=True,
                                 help="Print the version and exit."),
) -> None:
    """Official figures, checked claims and policy simulation for Channel small-boat crossings."""


def main(argv: list[str] | None = None) -> int:
    """Run the program; a user error prints one clear message and exits with code 2."""
    try:
        app(args=argv, standalone_mode=False)
    except SmallboatsError as e:
        err_console.print(f"[bold red]error:[/bold red] {e}", highlight=False)
        return e.exit_code
    except KeyboardInterrupt:
        err_console.print("interrupted")
        return 130
    except SystemExit as e:  # typer.Exit and --help
        return int(e.code or 0)
    except Exception as e:  # click's usage errors
        import click

        if isinstance(e, click.exceptions.ClickException):
            e.show()
            return 2
        if isinstance(e, click.exceptions.Abort):
            return 1
        raise
    return 0


def entry() -> None:
    """Console-script entry point."""
    sys.exit(main())
