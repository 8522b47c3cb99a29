"""`jiuzhu reviews`, `jiuzhu prices` and `jiuzhu recoveries` (issue #6 parts 4, 6, 7): the
review calendar (D-01), the price indices of the price-linked subsidy (P-05), and the
recovery of overpayments (F-02, F-04). The JSON printed with `--json` is the public contract
of docs/cli.md.

Exit codes: 0 done; 2 for anything the user can fix (a malformed date, month or amount, an
unknown region, user or recovery, a step the user's role may not take) with one `error:`
line and nothing written.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from jiuzhu.cli.payments import _actor, _call, _emit, _fail, _setup, err, out

reviews_app = typer.Typer(help="Periodic reviews (D-01): open the review cases that are due.")
prices_app = typer.Typer(help="Price indices for the price-linked temporary subsidy (P-05).")
recoveries_app = typer.Typer(help="Recoveries of overpayments (F-02, F-04).")

By = Annotated[str | None, typer.Option("--by", help="Act as this user (their role and area).")]
AsJson = Annotated[bool, typer.Option("--json", help="Print JSON (docs/cli.md).")]


def _person(by: str | None, why: str) -> Any:
    if by is None:
        _fail(f"--by: a user is required ({why})")
    return _actor(by)


def _day(value: str, option: str) -> dt.date:
    try:
        return dt.date.fromisoformat(value.strip())
    except ValueError:
        _fail(f"{option}: {value!r} is not a date YYYY-MM-DD")


def _month(value: str) -> dt.date:
    return _month_named(value, "--month")


def _month_named(value: str, option: str) -> dt.date:
    _setup()  # parse_month's module reads the models
    from jiuzhu.benefits.payments import parse_month
    from jiuzhu.registry.errors import ServiceError

    try:
        return parse_month(value)
    except ServiceError:
        _fail(f"{option}: {value!r} is not a month YYYY-MM")


@reviews_app.command("schedule")
def schedule(
    as_of: Annotated[str, typer.Option("--as-of", help="The day, YYYY-MM-DD.")],
    by: By = None,
    region: Annotated[str, typer.Option("--region", help="Only this region (code prefix).")] = "",
    lead_days: Annotated[
        int, typer.Option("--lead-days", min=0, max=366, help="Open reviews due this soon.")
    ] = 0,
    as_json: AsJson = False,
    quiet: Annotated[bool, typer.Option("--quiet", help="No progress bar.")] = False,
) -> None:
    """Open a review case for every household whose next review (last decision or review
    + its period) falls by --as-of + --lead-days and that has no open review (idempotent)."""
    day = _day(as_of, "--as-of")
    if region and not region.isdigit():
        _fail(f"--region: {region!r} is not a region code")
    _setup()
    from jiuzhu.benefits.reviews import reviews_schedule

    actor = _person(by, "the caseworker or officer who opens the reviews")
    progress = Progress(
        TextColumn("reviews"), BarColumn(), TextColumn("{task.completed:,} households"),
        TimeElapsedColumn(), console=err, disable=quiet,
    )  # fmt: skip
    with progress:
        task = progress.add_task("schedule", total=None)
        result = _call(
            reviews_schedule, actor, as_of=day, region=region, lead_days=lead_days,
            on_total=lambda n: progress.update(task, total=n),
            progress=lambda n: progress.advance(task, n),
        )  # fmt: skip
    summary = {
        "as_of": day.isoformat(),
        "region": region or None,
        "lead_days": lead_days,
        "due": len(result.due),
        "opened": len(result.opened),
        "already_open": result.already_open,
        "refused": {str(k): v for k, v in result.refused.items()},
        "cases": result.opened,
    }
    if as_json:
        _emit(summary)
    else:
        out.print(
            f"{summary['due']} due, {summary['opened']} review cases opened, "
            f"{summary['already_open']} already open, {len(result.refused)} refused"
        )


@prices_app.command("set")
def prices_set(
    region: Annotated[str, typer.Option("--region", help="Region code the index is for.")],
    month: Annotated[str, typer.Option("--month", help="YYYY-MM.")],
    cpi: Annotated[str, typer.Option("--cpi", help="CPI, same month last year = 100.")],
    food: Annotated[str | None, typer.Option("--food", help="Food price index.")] = None,
    source: Annotated[str, typer.Option("--source", help="Where it was published.")] = "",
    by: By = None,
    as_json: AsJson = False,
) -> None:
    """Record a month's year-on-year price indices (the statistics bureau's figures)."""
    day = _month(month)
    _setup()
    from jiuzhu.benefits.subsidies import price_index_set
    from jiuzhu.rules.dynamic_management import price_trigger

    actor = _actor(by)
    index = _call(
        price_index_set, actor, region=region, month=day, cpi=cpi, food=food, source=source
    )
    trigger = price_trigger(index.region_code, day, index.cpi, index.food)
    data = {
        "region": index.region_code,
        "month": f"{day:%Y-%m}",
        "cpi": f"{index.cpi:.2f}",
        "food": f"{index.food:.2f}" if index.food is not None else None,
        "triggered": trigger.fired,
        "trigger_on": list(trigger.on),
    }
    if as_json:
        _emit(data)
    else:
        fired = "fires (" + ", ".join(trigger.on) + ")" if trigger.fired else "does not fire"
        out.print(f"{data['region']} {data['month']}: CPI {data['cpi']}; P-05 trigger {fired}")


@prices_app.command("import")
def prices_import(
    file: Annotated[Path, typer.Argument(help="CSV: region,month,cpi,food,source (UTF-8).")],
    by: By = None,
    as_json: AsJson = False,
) -> None:
    """Record many indices at once: every line is checked first; a bad line stores none."""
    if not file.is_file():
        _fail(f"FILE: no file {str(file)!r}")
    try:
        text = file.read_text("utf-8")
    except UnicodeDecodeError:
        _fail("FILE: not UTF-8 text")
    _setup()
    from jiuzhu.benefits.subsidies import price_indices_import

    actor = _actor(by)
    stored = _call(price_indices_import, actor, text=text)
    data = {
        "stored": len(stored),
        "indices": [
            {"region": i.region_code, "month": f"{i.month:%Y-%m}", "cpi": f"{i.cpi:.2f}",
             "food": f"{i.food:.2f}" if i.food is not None else None}
            for i in stored
        ],
    }  # fmt: skip
    _emit(data) if as_json else out.print(f"{len(stored)} price indices stored")


def _recovery_table(rows: list[dict[str, Any]]) -> Table:
    table = Table(title="recoveries", title_justify="left")
    for column in ("id", "household", "cause", "staff", "credit", "owed", "repaid", "status"):
        table.add_column(column)
    for r in rows:
        table.add_row(
            str(r["recovery_id"]), str(r["household_id"]), r["cause"],
            "yes" if r["staff_at_fault"] else "no", "yes" if r["credit_flag"] else "no",
            r["amount_owed"], r["repaid"], r["status"],
        )  # fmt: skip
    return table


@recoveries_app.command("list")
def recoveries_list_command(
    by: By = None,
    status: Annotated[
        str | None, typer.Option("--status", help="open, partial, repaid or written_off.")
    ] = None,
    region: Annotated[str, typer.Option("--region", help="Region code prefix.")] = "",
    as_json: AsJson = False,
) -> None:
    """Recoveries with their correction's cause and whether staff were at fault (F-04)."""
    if status is not None and status not in ("open", "partial", "repaid", "written_off"):
        _fail(f"--status: {status!r} is not open, partial, repaid or written_off")
    _setup()
    from jiuzhu.benefits.corrections import recoveries_list

    actor = _actor(by)
    rows = _call(lambda actor, **kw: recoveries_list(**kw), actor, status=status, region=region)
    _emit(rows) if as_json else out.print(_recovery_table(rows))


@recoveries_app.command("record-repayment")
def record_repayment(
    recovery: Annotated[int, typer.Option("--recovery", min=1, help="Recovery id.")],
    amount: Annotated[str, typer.Option("--amount", help="Yuan repaid, e.g. 200.00.")],
    by: By = None,
    paid_on: Annotated[str | None, typer.Option("--paid-on", help="YYYY-MM-DD (today).")] = None,
    note: Annotated[str, typer.Option("--note")] = "",
    as_json: AsJson = False,
) -> None:
    """Record a repayment: posted to the ledger (recovery: paid → fund)."""
    day = _day(paid_on, "--paid-on") if paid_on else None
    _setup()
    from django.utils import timezone

    from jiuzhu.benefits.corrections import recovery_record_repayment

    actor = _person(by, "the officer who records the repayment")
    done = _call(
        recovery_record_repayment, actor, recovery_id=recovery, amount=amount,
        paid_on=day or timezone.localdate(), note=note,
    )  # fmt: skip
    data = {
        "recovery_id": done.pk,
        "amount_owed": f"{done.amount_owed:.2f}",
        "repaid": f"{done.repaid:.2f}",
        "outstanding": f"{done.amount_owed - done.repaid:.2f}",
        "status": done.status,
    }
    _emit(data) if as_json else out.print(data)


@recoveries_app.command("write-off")
def write_off(
    recovery: Annotated[int, typer.Option("--recovery", min=1, help="Recovery id.")],
    reason: Annotated[str, typer.Option("--reason", help="Why it cannot be recovered.")],
    by: By = None,
    as_json: AsJson = False,
) -> None:
    """Write off what cannot be recovered, with the reason."""
    _setup()
    from jiuzhu.benefits.corrections import recovery_write_off

    actor = _person(by, "the officer who writes it off")
    done = _call(recovery_write_off, actor, recovery_id=recovery, reason=reason)
    data = {"recovery_id": done.pk, "status": done.status, "reason": done.status_note}
    _emit(data) if as_json else out.print(data)


corrections_app = typer.Typer(help="Corrections of entitlements with their cause (F-04).")


@corrections_app.command("record")
def correction_record(
    entitlement: Annotated[int, typer.Option("--entitlement", min=1, help="Entitlement id.")],
    cause: Annotated[
        str,
        typer.Option("--cause", help="shared_data_error, concealment, staff_error or other."),
    ],
    month_from: Annotated[str, typer.Option("--from", help="First month affected, YYYY-MM.")],
    month_to: Annotated[str, typer.Option("--to", help="Last month affected, YYYY-MM.")],
    correct_amount: Annotated[
        str, typer.Option("--correct-amount", help="What was due each month (yuan).")
    ],
    note: Annotated[str, typer.Option("--note", help="What was wrong.")],
    by: By = None,
    instalments: Annotated[int, typer.Option("--instalments", help="Recovery instalments.")] = 1,
    credit_flag: Annotated[
        bool | None,
        typer.Option("--credit-flag/--no-credit-flag", help="Default: on for concealment."),
    ] = None,
    as_json: AsJson = False,
) -> None:
    """Correct an entitlement's past months: the cause recorded (F-04) and what was
    overpaid owed back as a recovery (F-02)."""
    first, last = _month_named(month_from, "--from"), _month_named(month_to, "--to")
    _setup()
    from jiuzhu.benefits.corrections import entitlement_correct

    actor = _person(by, "the officer who records the correction")
    done = _call(
        entitlement_correct, actor, entitlement_id=entitlement, cause=cause, month_from=first,
        month_to=last, correct_amount=correct_amount, note=note, instalments=instalments,
        credit_flag=credit_flag,
    )  # fmt: skip
    recovery = getattr(done, "recovery", None) if done.overpaid > 0 else None
    data = {
        "correction_id": done.pk,
        "entitlement_id": done.entitlement_id,
        "cause": done.cause,
        "staff_at_fault": done.staff_at_fault,
        "credit_flag": done.credit_flag,
        "months": [f"{done.month_from:%Y-%m}", f"{done.month_to:%Y-%m}"],
        "overpaid": f"{done.overpaid:.2f}",
        "underpaid": f"{done.underpaid:.2f}",
        "recovery_id": recovery.pk if recovery is not None else None,
    }
    _emit(data) if as_json else out.print(data)
