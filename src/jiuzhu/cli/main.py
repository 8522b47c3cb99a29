"""The `jiuzhu` command: the rules commands (core.py) and the platform's (Django) commands.

The platform commands are added only when one of them (or the help) is asked for: a rules
command such as `jiuzhu evaluate` then imports neither them nor Django nor Rich; a plain
`jiuzhu evaluate FILE` (the command run once per household) not even Typer (evaluate_one.py).
"""

from __future__ import annotations

import sys
from functools import cache
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import typer

RULES_COMMANDS = frozenset(
    {
        "evaluate",
        "evaluate-bulk",
        "deadline",
        "route-temporary-aid",
        "params",
        "schema",
        "synth",
        "rules",
        "manage",
        "serve",
    }
)


@cache
def full_app() -> typer.Typer:
    """Every command: the rules commands and the platform's."""
    from jiuzhu.cli import core
    from jiuzhu.cli.adjust import adjust_app
    from jiuzhu.cli.monitor import monitor_app
    from jiuzhu.cli.payments import payments_app
    from jiuzhu.cli.platform import audit_app, db_app, demo_app, tokens_app, users_app, worker
    from jiuzhu.cli.retention import retention_app
    from jiuzhu.cli.reverify import verify_all
    from jiuzhu.cli.reviews import corrections_app, prices_app, recoveries_app, reviews_app
    from jiuzhu.cli.verify import verify_app

    app = core.app
    app.add_typer(demo_app, name="demo")
    app.add_typer(audit_app, name="audit")
    app.add_typer(db_app, name="db")
    app.add_typer(users_app, name="users")
    app.add_typer(tokens_app, name="tokens")
    app.add_typer(verify_app, name="verify")
    app.add_typer(payments_app, name="payments")
    app.add_typer(monitor_app, name="monitor")
    app.add_typer(reviews_app, name="reviews")
    app.add_typer(prices_app, name="prices")
    app.add_typer(recoveries_app, name="recoveries")
    app.add_typer(corrections_app, name="corrections")
    app.command("verify-all")(verify_all)
    app.add_typer(adjust_app, name="adjust")
    app.add_typer(retention_app, name="retention")
    app.command("worker")(worker)
    return app


def __getattr__(name: str) -> typer.Typer:
    if name == "app":  # `from jiuzhu.cli.main import app`: the whole command
        return full_app()
    raise AttributeError(name)


def main() -> None:  # pragma: no cover - console entry
    args = sys.argv[1:]
    if args[:1] == ["evaluate"]:
        from jiuzhu.cli import evaluate_one

        plain = evaluate_one.plain_arguments(args[1:])
        if plain is not None:
            sys.exit(evaluate_one.run(*plain))
    command = next((arg for arg in args if not arg.startswith("-")), None)
    if command in RULES_COMMANDS:
        from jiuzhu.cli.core import app

        app()
    else:
        full_app()()
