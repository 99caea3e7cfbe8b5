"""The root command group, which imports a command's module only when that command runs.

``smallboats --help`` lists every command but needs only their names and first lines, so the
command modules (and what they import) wait until one is asked for. The first lines are kept in
:data:`smallboats.cli.COMMANDS`; ``tests/test_cli.py`` checks that they match the commands' own help.

Typer (0.2x) checks every option's value with a pydantic ``TypeAdapter``, and importing pydantic
costs more than the rest of a query's start-up. :class:`QuickCheck` takes plain values (a string, a
whole number in range, one of a format's names) without it; any other value goes to Typer's own
check, so what is accepted and every message about a bad value are exactly Typer's.
"""

from __future__ import annotations

import importlib
import math
import re
from collections.abc import MutableMapping
from enum import Enum
from pathlib import Path
from typing import Any

from typer import Typer
from typer.core import TyperGroup
from typer.main import get_group

try:  # Typer 0.2x carries its own copy of Click
    from typer._click import Command
    from typer._click.utils import make_default_short_help
except ImportError:  # older Typer: Click itself
    from click import Command
    from click.utils import make_default_short_help

_WHOLE = re.compile(r"[+-]?[0-9]{1,18}", re.ASCII)
_DECIMAL = re.compile(r"[+-]?[0-9]{1,15}(\.[0-9]{1,15})?", re.ASCII)  # exactly rounded by any parser


class QuickCheck:
    """An option's check and conversion without pydantic for plain values; Typer's own for the rest.

    It takes the place Typer fills lazily on the option (``_runtime_param``), and has its interface.
    """

    def __init__(self, descriptor):
        self.descriptor = descriptor
        self._typer = None

    def coerce(self, value: Any, param, ctx) -> Any:
        """The value as Typer would give it."""
        multiple = param.multiple or param.nargs == -1
        if value is None:
            return () if multiple else None
        if not multiple:
            ok, out = self._plain(value, param, ctx)
            if ok:
                return out
        if self._typer is None:
            from typer._coercion import build_runtime_param

            self._typer = build_runtime_param(self.descriptor)
        return self._typer.coerce(value, param=param, ctx=ctx)

    def _plain(self, value: Any, param, ctx) -> tuple[bool, Any]:
        """``(True, converted)`` for a plain value of a plain type; ``(False, None)`` to ask Typer."""
        d = self.descriptor
        info, kind = d.parameter_info, d.annotation
        if info.parser is not None or d.file_annotation is not None or not isinstance(kind, type):
            return False, None
        if kind is bool or kind is str:
            return isinstance(value, kind), value
        if kind is int or kind is float:
            return self._number(value, kind, info)
        if issubclass(kind, Enum):
            from typer._param_types import coerce_cli_choice

            try:
                return True, coerce_cli_choice(value, choices=tuple(kind), case_sensitive=info.case_sensitive, ctx=ctx)
            except ValueError:
                return False, None
        if issubclass(kind, Path) and info.path_type is None and isinstance(value, str) and value:
            from typer._click.exceptions import BadParameter
            from typer._param_types import coerce_cli_path

            try:
                return True, coerce_cli_path(Path(value), info, path_type=kind, param=param, ctx=ctx)
            except BadParameter:
                return False, None
        return False, None

    @staticmethod
    def _number(value: Any, kind: type, info) -> tuple[bool, Any]:
        if isinstance(value, bool):
            return False, None
        if isinstance(value, str):
            if not (_WHOLE if kind is int else _DECIMAL).fullmatch(value):
                return False, None
            value = kind(value)
        elif isinstance(value, int) or (kind is float and isinstance(value, float)):
            value = kind(value)
        else:
            return False, None
        in_range = (info.min is None or value >= info.min) and (info.max is None or value <= info.max)
        return (in_range and not info.clamp and math.isfinite(value)), value


def quick_checks(params) -> None:
    """Give each Typer option not yet checked a :class:`QuickCheck` (other Typer versions: nothing)."""
    for p in params:
        if hasattr(p, "type_descriptor") and getattr(p, "_runtime_param", ...) is None:
            p._runtime_param = QuickCheck(p.type_descriptor)


def _quick_tree(command: Command, ctx) -> None:
    """Quick checks for a command and, for a group, every command under it (with a context: --help too)."""
    quick_checks(command.get_params(ctx) if ctx is not None else command.params)
    for sub in getattr(command, "commands", {}).values():
        _quick_tree(sub, ctx)


def load(name: str, where: str) -> Command:
    """The command ``name`` from ``module:attribute``: a Typer group or a command function."""
    module, attr = where.split(":")
    target = getattr(importlib.import_module(module), attr)
    holder = Typer(rich_markup_mode=None, pretty_exceptions_enable=False, add_completion=False)
    if isinstance(target, Typer):
        holder.add_typer(target, name=name)
    else:
        holder.command(name)(target)
    return get_group(holder).commands[name]


class _Commands(MutableMapping):
    """A group's commands by name: every name known at once, each command made when first asked for."""

    def __init__(self, made: dict, where: dict[str, str], lines: dict[str, str], on_made):
        self._made, self._where, self._lines, self._on_made = dict(made), where, lines, on_made

    def __getitem__(self, name: str) -> Command:
        if name not in self._made:
            if name not in self._where:
                raise KeyError(name)
            self._made[name] = self._on_made(load(name, self._where[name]))
        return self._made[name]

    def __setitem__(self, name: str, command: Command) -> None:
        self._made[name] = command

    def __delitem__(self, name: str) -> None:
        self._made.pop(name)
        self._where.pop(name, None)

    def __iter__(self):
        return iter(dict.fromkeys([*self._where, *self._made]))

    def __len__(self) -> int:
        return len(set(self._where) | set(self._made))

    def first_line(self, name: str):
        """The command, or a stand-in holding only its first line of help when it is not made yet."""
        return self._made.get(name) or _FirstLine(self._lines[name])


class LazyGroup(TyperGroup):
    """The root group: commands listed from :attr:`where` and :attr:`lines`, each module imported on use.

    Subclassed with both filled in (Typer makes the group from its class).
    """

    where: dict[str, str] = {}  # name: "module:attribute"
    lines: dict[str, str] = {}  # name: the first paragraph of its help

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self._ctx = None
        self.commands = _Commands(self.commands, dict(self.where), self.lines, self._checked)

    def _checked(self, command: Command) -> Command:
        _quick_tree(command, self._ctx)
        return command

    def get_params(self, ctx):
        """The root's options, with quick checks."""
        params = super().get_params(ctx)
        quick_checks(params)
        return params

    def get_command(self, ctx, cmd_name: str) -> Command | None:
        """The command, its module imported now."""
        self._ctx = ctx
        return self.commands.get(cmd_name)

    def list_commands(self, ctx) -> list[str]:
        """Every command's name in the order of :attr:`where`, without importing any."""
        return list(self.commands)

    def format_commands(self, ctx, formatter) -> None:
        """The list of commands with their first lines, importing none of them."""
        stand_ins = _StandIns(self.commands)
        TyperGroup.format_commands(stand_ins, ctx, formatter)


class _FirstLine:
    """A command not yet imported, as the list of commands shows it."""

    hidden = False

    def __init__(self, line: str):
        self.line = line

    def get_short_help_str(self, limit: int = 45) -> str:
        """The line shortened as Click shortens a command's help."""
        return make_default_short_help(self.line, limit)


class _StandIns:
    """What :meth:`TyperGroup.format_commands` reads of a group, answered from the first lines."""

    def __init__(self, commands: _Commands):
        self.commands = commands

    def list_commands(self, ctx) -> list[str]:
        return list(self.commands)

    def get_command(self, ctx, name: str) -> Command:
        return self.commands.first_line(name)
