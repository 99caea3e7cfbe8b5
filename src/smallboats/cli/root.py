"""The Typer application: the root group, its ``--version``, and every command, each imported on use."""

from __future__ import annotations

import typer

from smallboats.cli import COMMANDS
from smallboats.cli.lazy import LazyGroup


class _Root(LazyGroup):
    where = {name: where for name, (where, _) in COMMANDS.items()}
    lines = {name: line for name, (_, line) in COMMANDS.items()}


app = typer.Typer(
    name="smallboats",
    cls=_Root,
    help="Official figures, checked claims and policy simulation for Channel small-boat crossings.\n\n"
    "Example: smallboats query so-far --date 2025-07-10",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    rich_markup_mode=None,
)


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
