"""`jiuzhu payments`: monthly payment batches per county (issue #6) — run, approve, export
the bank file, reconcile the bank's return file, reissue or cancel held payments, and the
control report. The JSON printed with `--json` is the public contract of docs/cli.md.

Exit codes: 0 done; 2 for anything the user can fix (a malformed month, an unknown county,
an unknown batch, a batch in the wrong state, the preparer approving) with one `error:`
line and nothing written.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Annotated, Any, NoReturn

import typer
from rich.console import Console
from rich.markup import escape
from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

payments_app = typer.Typer(help="Monthly payment batches: run, approve, export, reconcile.")
err = Console(stderr=True)
out = Console()

County = Annotated[str, typer.Option("--county", help="County-level region code (6 digits).")]
Month = Annotated[str, typer.Option("--month", help="The month paid, YYYY-MM.")]
BatchId = Annotated[int, typer.Option("--batch", help="Batch id.", min=1)]
By = Annotated[
    str | None,
    typer.Option("--by", help="Act as this user (their role and area); default: the system."),
]
AsJson = Annotated[bool, typer.Option("--json", help="Print JSON (docs/cli.md).")]


def _fail(message: str) -> NoReturn:
    err.print(f"[bold red]error:[/] {escape(message)}", highlight=False, soft_wrap=True)
    raise typer.Exit(2)


def _emit(data: Any) -> None:
    sys.stdout.write(json.dumps(data, ensure_ascii=False, indent=2) + "\n")


def _setup() -> None:
    from jiuzhu.cli.platform import setup_django

    setup_django()


def _actor(username: str | None, required: bool = False) -> Any:
    from jiuzhu.accounts.models import User

    if username is None:
        if required:
            _fail("--by: the approving user is required (approver ≠ preparer, F-01)")
        return None
    user = User.objects.select_related("area").filter(username=username, is_active=True).first()
    if user is None:
        _fail(f"--by: no active user {username!r}")
    return user


def _scope(actor: Any) -> Any:
    from jiuzhu.regions.scope import Scope, system_scope, using_scope

    if actor is None:
        return system_scope("cli payments")
    return using_scope(Scope(actor.area.scope_prefix if actor.area else "\0"))


def _call(function: Any, actor: Any, **kwargs: Any) -> Any:
    from jiuzhu.registry.errors import ServiceError

    try:
        with _scope(actor):
            return function(actor=actor, **kwargs)
    except ServiceError as exc:
        _fail(f"{exc.field}: {exc.message}" if exc.field else exc.message)


def batch_json(batch: Any) -> dict[str, Any]:
    return {
        "batch_id": batch.pk,
        "county": batch.region_code,
        "month": f"{batch.month:%Y-%m}",
        "kind": batch.kind,
        "status": batch.status,
        "payments": batch.payment_count,
        "total": f"{batch.total_amount:.2f}",
        "prepared_by": batch.prepared_by_name,
        "approved_by": batch.approved_by.get_username() if batch.approved_by else None,
        "export_sha256": batch.export_sha256 or None,
    }


def _show(data: dict[str, Any], title: str) -> None:
    table = Table(title=title, title_justify="left")
    table.add_column("")
    table.add_column("", justify="right")
    for key, value in data.items():
        if not isinstance(value, list | dict):
            table.add_row(key, escape(str(value)))
    out.print(table)


@payments_app.command("run")
def run(
    county: County,
    month: Month,
    by: By = None,
    as_json: AsJson = False,
    quiet: Annotated[bool, typer.Option("--quiet", help="No progress bar.")] = False,
) -> None:
    """Prepare the county's batch for the month from its active entitlements: idempotent
    and resumable (run it again after an interruption: nobody is paid twice)."""
    _setup()
    from jiuzhu.benefits.payments import parse_month, payments_run
    from jiuzhu.registry.errors import ServiceError

    try:
        day = parse_month(month)
    except ServiceError:
        _fail(f"--month: {month!r} is not a month YYYY-MM")
    actor = _actor(by)
    progress = Progress(
        TextColumn("payments"),
        BarColumn(),
        TextColumn("{task.completed:,} entitlements"),
        TimeElapsedColumn(),
        console=err,
        disable=quiet,
    )
    with progress:
        task = progress.add_task("run", total=None)
        result = _call(
            payments_run,
            actor,
            county=county,
            month=day,
            progress=lambda n: progress.advance(task, n),
            on_total=lambda n: progress.update(task, total=n),
        )
    summary = {
        "county": county,
        "month": f"{day:%Y-%m}",
        "batch": batch_json(result.batch) if result.batch else None,
        "added": result.added,
        "entitlements": result.candidates,
        "chunks": result.chunks,
        "nothing_to_pay": result.batch is None,
    }
    if as_json:
        _emit(summary)
    elif result.batch is None:
        out.print(f"{county} {day:%Y-%m}: nothing to pay (every due entitlement is paid)")
    else:
        _show({**batch_json(result.batch), "added": result.added}, "payment batch")


@payments_app.command("approve")
def approve(batch: BatchId, by: By = None, as_json: AsJson = False) -> None:
    """Approve a prepared batch: by a user other than whoever prepared it (F-01)."""
    _setup()
    from jiuzhu.benefits.payments import batch_approve

    actor = _actor(by, required=True)
    done = _call(batch_approve, actor, batch_id=batch)
    _emit(batch_json(done)) if as_json else _show(batch_json(done), "approved")


@payments_app.command("export")
def export(
    batch: BatchId,
    file_format: Annotated[str, typer.Option("--format", help="csv or fixed (docs/payments.md).")],
    out_file: Annotated[Path, typer.Option("--out", help="The bank file to write.")],
    by: By = None,
    as_json: AsJson = False,
) -> None:
    """Write the bank disbursement file of an approved batch; every account number read
    for it is in the access log."""
    _setup()
    from jiuzhu.benefits.bank import FORMATS, batch_export

    if file_format not in FORMATS:
        _fail(f"--format: {file_format!r} is not one of {', '.join(FORMATS)}")
    if not out_file.parent.is_dir():
        _fail(f"--out: no directory {str(out_file.parent)!r}")
    actor = _actor(by)
    done = _call(batch_export, actor, batch_id=batch, file_format=file_format)
    partial = out_file.with_name(out_file.name + ".partial")
    partial.write_bytes(done.content)
    partial.replace(out_file)  # the file appears whole or not at all
    summary = {
        **batch_json(done.batch),
        "format": file_format,
        "file": str(out_file),
        "records": done.records,
        "file_total": done.total,
        "file_sha256": done.sha256,
    }
    _emit(summary) if as_json else _show(summary, "bank file")


@payments_app.command("reconcile")
def reconcile(
    file: Annotated[Path, typer.Argument(help="The bank's return file (CSV).")],
    batch: BatchId,
    by: By = None,
    as_json: AsJson = False,
) -> None:
    """Apply the bank's return file: paid, failed → held; unknown and repeated lines are
    reported; payments it does not mention stay at the bank."""
    _setup()
    from jiuzhu.benefits.bank import batch_reconcile

    if not file.is_file():
        _fail(f"{file}: no such file")
    actor = _actor(by)
    report = _call(batch_reconcile, actor, batch_id=batch, content=file.read_bytes())
    summary = report.as_dict()
    _emit(summary) if as_json else _show(summary, "reconciliation")
    if not as_json:
        for kind in ("unknown", "duplicates", "mismatched"):
            for line in summary[kind]:
                out.print(f"line {line['line']}: {kind} ({escape(line['reference'])})")


@payments_app.command("reissue")
def reissue(
    payment: Annotated[list[int], typer.Option("--payment", help="Held payment id (repeat).")],
    note: Annotated[str, typer.Option("--note")] = "",
    by: By = None,
    as_json: AsJson = False,
) -> None:
    """Put held payments into the month's reissue batch (then approve, export, reconcile)."""
    _setup()
    from jiuzhu.benefits.bank import payments_reissue

    done = _call(payments_reissue, _actor(by), payment_ids=payment, note=note)
    _emit(batch_json(done)) if as_json else _show(batch_json(done), "reissue batch")


@payments_app.command("cancel")
def cancel(
    payment: Annotated[list[int], typer.Option("--payment", help="Held payment id (repeat).")],
    reason: Annotated[str, typer.Option("--reason")],
    by: By = None,
    as_json: AsJson = False,
) -> None:
    """Cancel held payments (the money goes back to the fund), with the reason."""
    _setup()
    from jiuzhu.benefits.bank import payments_cancel

    done = _call(payments_cancel, _actor(by), payment_ids=payment, reason=reason)
    summary = {"cancelled": [p.pk for p in done], "reason": reason.strip()}
    _emit(summary) if as_json else out.print(f"cancelled {len(done)} payment(s)")


@payments_app.command("control")
def control(county: County, month: Month, by: By = None, as_json: AsJson = False) -> None:
    """The control report: totals by status and ledger balances per batch; `balanced` says
    whether ledger and payments agree to the cent (exit 1 when they do not)."""
    _setup()
    from jiuzhu.benefits.ledger import control_report
    from jiuzhu.benefits.payments import county_checked, parse_month

    def report(actor: Any, county: str, month: str) -> dict[str, Any]:
        return control_report(county_checked(actor, county), parse_month(month))

    summary = _call(report, _actor(by), county=county, month=month)
    if as_json:
        _emit(summary)
    else:
        table = Table(title=f"{county} {summary['month']}", title_justify="left")
        for column in ("batch", "status", "accrued", *summary["by_status"], "balanced"):
            table.add_column(column, justify="right")
        for b in summary["batches"]:
            amounts = [b["by_status"][s]["amount"] for s in summary["by_status"]]
            table.add_row(
                str(b["batch_id"]), b["status"], b["accrued"], *amounts, str(b["balanced"])
            )
        table.add_row(
            "total",
            "",
            summary["accrued"],
            *summary["by_status"].values(),
            str(summary["balanced"]),
        )
        out.print(table)
    if not summary["balanced"]:
        raise typer.Exit(1)
