"""Errors that reach the user as a clear message and exit code 2."""

from __future__ import annotations


class SmallboatsError(Exception):
    """Base class: anything the user can fix by changing their input."""

    exit_code = 2


class DataError(SmallboatsError):
    """A file broke a rule: names the file, the place in it and the rule.

    Args:
        file: the file's name or path as the user gave it.
        where: the row, cell or field (e.g. ``SB_01!B45`` or ``row 12, column people``).
        rule: the rule broken, in plain words.
    """

    def __init__(self, file: str, where: str, rule: str):
        self.file, self.where, self.rule = str(file), where, rule
        super().__init__(f"{self.file}: {where}: {rule}")


class StoreError(SmallboatsError):
    """The store cannot answer: a missing series, an unknown release, a date outside the data."""


class StoreBusyError(StoreError):
    """Another process held the store's lock for longer than the wait allowed: try again later.

    A server can answer it with 503 and ``Retry-After`` rather than as a missing resource.
    """


class UsageError(SmallboatsError):
    """An argument is out of range or of the wrong form."""


def validation_error(file: str, exc, where=None, rule=None, prefix: str = "") -> DataError:
    """One pydantic ``ValidationError`` as a :class:`DataError` naming the file, the key and the rule.

    The one translation every reader of user files uses (scenarios, claims, requests).

    Args:
        file: the file (or request) the values came from.
        exc: the ``pydantic.ValidationError``.
        where: optional ``f(loc) -> str`` naming the place (default: the key path joined by dots).
        rule: optional ``f(error) -> str | None`` giving a better rule (the valid keys of an unknown key).
        prefix: put before the place (``claim 'my-01'``, say).
    """
    err = exc.errors()[0]
    place = where(err["loc"]) if where else ".".join(str(p) for p in err["loc"])
    place = ": ".join(x for x in (prefix, place) if x) or "file"
    text = (rule(err) if rule else None) or err["msg"]
    value = err.get("input")
    if err["type"] != "extra_forbidden" and not isinstance(value, dict | list):
        text = f"{text} (value {value!r})"
    return DataError(file, place, text)
