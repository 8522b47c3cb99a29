"""`jiuzhu evaluate FILE`: one household's decision, with or without Typer.

`jiuzhu evaluate` of one household runs as a new process, where importing and starting Typer
took a third of the time (issue #14: under 1 s). So `main` runs a well-formed invocation
(`evaluate FILE [--as-of DATE] [--explain]`, in any order) here, without importing Typer or
Rich, and leaves everything else (help, a missing or unknown option) to the Typer command,
which calls the same `decide`: the same decision, message and exit code 2 either way.
"""

from __future__ import annotations

import datetime as dt
import json
import sys
from pathlib import Path
from typing import Any

USAGE_ERROR = 2


class Refused(Exception):
    """A user's input the command refuses: exit 2 with this one line."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


def as_of_date(value: str | None) -> dt.date:
    if value is None:
        return dt.date.today()
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise Refused(f"--as-of: {value!r} is not a date YYYY-MM-DD") from None


def decide(file: str, as_of: str | None, explain: bool) -> dict[str, Any]:
    """The decision JSON of the household in `file` (- for standard input); Refused naming
    the field and the household's ref when it cannot be made."""
    from jiuzhu.rules.errors import RulesError
    from jiuzhu.rules.evaluate import Evaluator
    from jiuzhu.rules.household import loads_json, parse_household

    day = as_of_date(as_of)
    try:
        text = sys.stdin.read() if file == "-" else Path(file).read_text("utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise Refused(f"cannot read {file}: {exc}") from None
    try:
        raw = loads_json(text)
    except json.JSONDecodeError as exc:
        raise Refused(
            f"{file}: not valid JSON: {exc.msg} (line {exc.lineno}, column {exc.colno})"
        ) from None
    try:
        return Evaluator().evaluate(parse_household(raw), day, explain=explain)
    except RulesError as exc:
        raise Refused(str(exc)) from None


def emit(data: Any) -> None:
    sys.stdout.write(json.dumps(data, ensure_ascii=False, indent=2) + "\n")


def error(message: str) -> None:
    """The one line a refusal prints on standard error."""
    from rich.console import Console
    from rich.markup import escape

    Console(stderr=True).print(
        f"[bold red]error:[/] {escape(message)}", highlight=False, soft_wrap=True
    )


def plain_arguments(args: list[str]) -> tuple[str, str | None, bool] | None:
    """(file, as-of, explain) of `evaluate`'s arguments when they are exactly a file and at
    most one of each option; None for anything else, which Typer then handles (or refuses)."""
    file: str | None = None
    as_of: str | None = None
    explain = False
    rest = iter(args)
    for arg in rest:
        if arg == "--explain" and not explain:
            explain = True
        elif arg == "--as-of" and as_of is None:
            as_of = next(rest, None)
            if as_of is None or as_of.startswith("-"):
                return None
        elif arg.startswith("--as-of=") and as_of is None:
            as_of = arg.removeprefix("--as-of=")
        elif file is None and (arg == "-" or not arg.startswith("-")):
            file = arg
        else:
            return None
    return (file, as_of, explain) if file is not None else None


def run(file: str, as_of: str | None, explain: bool) -> int:
    """The command without Typer: the decision on standard output, else the refusal."""
    try:
        emit(decide(file, as_of, explain))
    except Refused as exc:
        error(exc.message)
        return USAGE_ERROR
    return 0
