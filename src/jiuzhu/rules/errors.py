"""Errors of the rules core, each carrying a message fit to show a user as it is."""

from __future__ import annotations


class RulesError(Exception):
    """Base of every error the rules core raises on purpose."""


class ParameterError(RulesError):
    """A policy parameter file is malformed or violates a rule-book constraint.

    The message names the file, the parameter and the offending value.
    """


class InputError(RulesError):
    """A household given to the engine is not valid; the message names the field and the ref."""

    def __init__(self, message: str, *, ref: str | None = None, field: str | None = None) -> None:
        self.ref = ref
        self.field = field
        self.reason = message
        prefix = f"household {ref!r}: " if ref is not None else ""
        where = f"{field}: " if field else ""
        super().__init__(f"{prefix}{where}{message}")
