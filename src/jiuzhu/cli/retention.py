"""`jiuzhu retention run` (SECURITY.md 25): anonymise the households closed longer than the
retention period, with their members, supporters, payee accounts and case files; statistics
and the audit chain stay. Idempotent and resumable (one transaction per chunk, already anonymised
households skipped); a progress bar on standard error, the JSON summary on standard output.
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated

import typer
from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn

from jiuzhu.cli.payments import _emit, _fail, _setup, err

retention_app = typer.Typer(help="Retention: anonymise closed households past the period.")


def _years_before(day: dt.date, years: int) -> dt.date:
    try:
        return day.replace(year=day.year - years)
    except ValueError:  # 29 February
        return day.replace(year=day.year - years, day=28)


@retention_app.command("run")
def retention_run(
    years: Annotated[
        int | None,
        typer.Option("--years", min=1, max=100, help="Default: JIUZHU_RETENTION_YEARS."),
    ] = None,
    as_of: Annotated[str | None, typer.Option("--as-of", help="Today, YYYY-MM-DD.")] = None,
    dry_run: Annotated[bool, typer.Option("--dry-run", help="Count only.")] = False,
    quiet: Annotated[bool, typer.Option("--quiet", help="No progress bar.")] = False,
) -> None:
    """Households closed more than N years before the day are anonymised."""
    try:
        today = dt.date.fromisoformat(as_of) if as_of else dt.date.today()
    except ValueError:
        _fail(f"--as-of: {as_of!r} is not a date YYYY-MM-DD")
    _setup()
    from django.conf import settings

    from jiuzhu.benefits.accounts import payee_accounts_erase
    from jiuzhu.cases.documents import case_documents_erase
    from jiuzhu.regions.scope import system_scope
    from jiuzhu.registry.retention import chunks, households_anonymise, retention_due

    period = years if years is not None else int(settings.JIUZHU_RETENTION_YEARS)
    cutoff = _years_before(today, period)
    totals = {"households": 0, "members": 0, "supporters": 0, "other_records": 0}
    with system_scope():
        due = retention_due(closed_before=cutoff)
        if not dry_run:
            with Progress(
                TextColumn("匿名化 / anonymising"),
                BarColumn(),
                TextColumn("{task.completed}/{task.total}"),
                TimeElapsedColumn(),
                console=err,
                disable=quiet,
            ) as progress:
                task = progress.add_task("", total=len(due))
                for chunk in chunks(due):
                    done = households_anonymise(
                        actor="retention", household_ids=chunk, today=today,
                        also=(payee_accounts_erase, case_documents_erase),
                    )  # fmt: skip
                    for key in totals:
                        totals[key] += done[key]
                    progress.advance(task, len(chunk))
    _emit(
        {
            "as_of": today.isoformat(),
            "years": period,
            "closed_before": cutoff.isoformat(),
            "due": len(due),
            "dry_run": dry_run,
            **({} if dry_run else totals),
        }
    )
