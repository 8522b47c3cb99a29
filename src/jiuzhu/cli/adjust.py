"""`jiuzhu adjust`: standard adjustments (P-05 动态调整, issue #6).

    jiuzhu adjust --region CODE --from DATE [--first-payment YYYY-MM] [--out FILE] [--json]
    jiuzhu adjust approve ID --by USER
    jiuzhu adjust apply ID [--by USER]

The JSON printed with `--json` is the public contract of docs/cli.md. Exit codes: 0 done;
2 for anything the user can fix (a malformed date, an unknown region, the preparer
approving, an adjustment in the wrong state) with one `error:` line and nothing written.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer
from rich.progress import Progress, SpinnerColumn, TextColumn, TimeElapsedColumn
from rich.table import Table

from jiuzhu.cli.payments import By, _actor, _call, _emit, _fail, _setup, err, out

adjust_app = typer.Typer(
    help="Standard adjustments (P-05): re-determine a region's households under new "
    "parameters, the diff, approve (a second person), apply with back pay.",
)
AsJson = Annotated[bool, typer.Option("--json", help="Print JSON (docs/cli.md).")]
OUT_SUFFIXES = (".xlsx", ".csv", ".parquet")


def _show(data: dict[str, Any]) -> None:
    table = Table(title=f"adjustment #{data['adjustment_id']}", title_justify="left")
    table.add_column("")
    table.add_column("", justify="right")
    for key in ("region", "effective", "first_payment", "status", "households"):
        table.add_row(key, str(data[key]))
    for key, value in (data["summary"].get("totals") or {}).items():
        table.add_row(key, str(value))
    for key, value in (data.get("result") or {}).items():
        if not isinstance(value, list):
            table.add_row(key, str(value))
    out.print(table)


@adjust_app.callback(invoke_without_command=True)
def adjust(
    ctx: typer.Context,
    region: Annotated[
        str | None, typer.Option("--region", help="Region code (county or above).")
    ] = None,
    effective: Annotated[
        str | None,
        typer.Option("--from", help="Date the new parameters apply from, YYYY-MM-DD."),
    ] = None,
    first_payment: Annotated[
        str | None,
        typer.Option(
            "--first-payment",
            help="First month paid at the new amounts, YYYY-MM (default: the --from month); "
            "the months between are back pay.",
        ),
    ] = None,
    out_file: Annotated[
        Path | None, typer.Option("--out", help="The diff as .xlsx, .csv or .parquet.")
    ] = None,
    by: By = None,
    as_json: AsJson = False,
    quiet: Annotated[bool, typer.Option("--quiet", help="No progress display.")] = False,
) -> None:
    """Prepare an adjustment: every household of the region being paid is determined again
    as of --from; the diff is stored (status prepared) and summarized."""
    if ctx.invoked_subcommand is not None:
        return
    if not region or not effective:
        _fail("--region and --from are required (or a command: approve, apply)")
    import datetime as dt

    try:
        day = dt.date.fromisoformat(effective)
    except ValueError:
        _fail(f"--from: {effective!r} is not a date YYYY-MM-DD")
    if out_file is not None:
        if out_file.suffix.lower() not in OUT_SUFFIXES:
            _fail(f"--out: {out_file.name!r} is not one of {', '.join(OUT_SUFFIXES)}")
        if not out_file.parent.is_dir():
            _fail(f"--out: no directory {str(out_file.parent)!r}")
    _setup()
    from jiuzhu.benefits.adjustments import adjustment_json, adjustment_prepare, write_diff
    from jiuzhu.benefits.payments import parse_month
    from jiuzhu.registry.errors import ServiceError

    first = None
    if first_payment is not None:
        try:
            first = parse_month(first_payment)
        except ServiceError:
            _fail(f"--first-payment: {first_payment!r} is not a month YYYY-MM")
    actor = _actor(by)
    progress = Progress(
        SpinnerColumn(), TextColumn("{task.description}"), TimeElapsedColumn(),
        console=err, disable=quiet,
    )  # fmt: skip
    with progress:
        task = progress.add_task("adjustment", total=None)
        prepared = _call(
            adjustment_prepare,
            actor,
            region=region,
            effective=day,
            first_payment=first,
            progress=lambda step: progress.update(task, description=f"adjustment: {step}"),
        )
    data = adjustment_json(prepared.adjustment)
    if out_file is not None:
        partial = out_file.with_name(out_file.name + ".partial" + out_file.suffix)
        write_diff(prepared.diff, partial)
        partial.replace(out_file)  # the file appears whole or not at all
        data["file"] = str(out_file)
    _emit(data) if as_json else _show(data)


@adjust_app.command("approve")
def approve(
    adjustment: Annotated[int, typer.Argument(help="Adjustment id.", min=1)],
    by: By = None,
    as_json: AsJson = False,
) -> None:
    """Approve a prepared adjustment: by a user other than whoever prepared it (F-01)."""
    _setup()
    from jiuzhu.benefits.adjustments import adjustment_approve, adjustment_json

    actor = _actor(by, required=True)
    done = _call(adjustment_approve, actor, adjustment_id=adjustment)
    data = adjustment_json(done)
    _emit(data) if as_json else _show(data)


@adjust_app.command("apply")
def apply(
    adjustment: Annotated[int, typer.Argument(help="Adjustment id.", min=1)],
    by: By = None,
    as_json: AsJson = False,
) -> None:
    """Apply an approved adjustment: entitlements change from the first payment month, back
    pay is a one-off payment of that month's batch. Applying again changes nothing."""
    _setup()
    from jiuzhu.benefits.adjustments import adjustment_apply

    result = _call(adjustment_apply, _actor(by), adjustment_id=adjustment)
    if as_json:
        _emit(result)
    else:
        table = Table(title=f"adjustment #{adjustment} applied", title_justify="left")
        table.add_column("")
        table.add_column("", justify="right")
        for key, value in result.items():
            table.add_row(key, str(value))
        out.print(table)
