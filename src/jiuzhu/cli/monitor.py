"""`jiuzhu monitor`: hardship signals, the monitoring scan and the escalation of overdue
tasks (M-01, M-02).

Exit codes: 0 on success (an import with bad rows too: they are reported with line and
reason); 2 when an argument is wrong (a date, a kind, a region code) or a file is refused
whole — and then nothing is written.
"""

from __future__ import annotations

import datetime as dt
import json
import re
import sys
import time
from pathlib import Path
from typing import Annotated, Any, NoReturn

import typer
from rich.console import Console
from rich.markup import escape
from rich.progress import Progress, SpinnerColumn, TextColumn, TimeElapsedColumn
from rich.table import Table

monitor_app = typer.Typer(help="Monitoring: hardship signals, scans, escalation (M-01, M-02).")
err = Console(stderr=True)
out = Console()
REGION = re.compile(r"^([0-9]{2}){0,3}([0-9]{3}){0,2}$")


def _fail(message: str) -> NoReturn:
    err.print(f"[bold red]error:[/] {escape(message)}", highlight=False, soft_wrap=True)
    raise typer.Exit(2)


def _emit(data: Any) -> None:
    sys.stdout.write(json.dumps(data, ensure_ascii=False, indent=2, default=str) + "\n")


def _date(value: str | None, option: str = "--as-of") -> dt.date:
    if value is None:
        return dt.date.today()
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        _fail(f"{option}: {value!r} is not a date YYYY-MM-DD")


def _region(value: str) -> str:
    """A region code or prefix of 2, 4, 6, 9 or 12 digits ("" everything); 000000 = all."""
    if value in ("", "000000"):
        return ""
    if not REGION.match(value) or len(value) not in (2, 4, 6, 9, 12):
        _fail(f"--region: {value!r} is not a region code (2, 4, 6, 9 or 12 digits)")
    return value.rstrip("0") if len(value) == 6 and value.endswith("00") else value


@monitor_app.command("kinds")
def kinds(
    as_json: Annotated[bool, typer.Option("--json", help="JSON instead of tables.")] = False,
) -> None:
    """The signal kinds and their record schemas (docs/monitoring.md)."""
    from jiuzhu.monitoring.signals import SIGNALS_LIST

    if as_json:
        _emit([s.as_dict() for s in SIGNALS_LIST])
        return
    for kind in SIGNALS_LIST:
        table = Table(title=f"{kind.code}  {kind.name_zh} / {kind.name_en}", title_justify="left")
        for column in ("field", "名称", "type", "required", "sensitivity", "stored as"):
            table.add_column(column)
        for f in kind.fields:
            shown = f"{f.type}" + (f" [{'|'.join(f.choices)}]" if f.choices else "")
            table.add_row(
                f.name,
                f.label_zh,
                escape(shown),
                "yes" if f.required else "",
                str(f.sensitivity),
                str(f.column),
            )
        out.print(table)


@monitor_app.command("import")
def import_command(
    kind: Annotated[str, typer.Argument(help="Signal kind (jiuzhu monitor kinds).")],
    file: Annotated[Path, typer.Argument(help="The department's file: .csv, .xlsx or .parquet.")],
    as_of: Annotated[
        str | None, typer.Option("--as-of", help="The data's as-of date (default: today).")
    ] = None,
    batch: Annotated[
        str | None, typer.Option("--batch", help="The department's batch id (default: SHA-256).")
    ] = None,
    region: Annotated[str, typer.Option("--region", help="Area the batch belongs to.")] = "",
    as_json: Annotated[bool, typer.Option("--json", help="Print the summary as JSON.")] = False,
    quiet: Annotated[bool, typer.Option("--quiet", help="No progress bar.")] = False,
) -> None:
    """Import a department's signal file: bad rows reported (line, field, reason), the rest
    stored; the same batch twice adds nothing."""
    from jiuzhu.cli.platform import setup_django
    from jiuzhu.monitoring.signals import get_signal

    if get_signal(kind) is None:
        _fail(f"KIND: unknown signal kind {kind!r} (see `jiuzhu monitor kinds`)")
    day = _date(as_of)
    _region(region)  # checked; the batch keeps the code as given
    area = "" if region == "000000" else region
    if batch is not None and not (
        0 < len(batch) <= 100 and batch.isascii() and batch.isprintable()
    ):
        _fail("--batch: 1 to 100 printable ASCII characters")
    setup_django()
    from jiuzhu.cli.verify import run_import
    from jiuzhu.monitoring.services import signals_import_file

    run_import(
        lambda **kw: signals_import_file(kind=kind, region_code=area, **kw),
        file=file,
        day=day,
        batch=batch,
        label=f"importing {kind}",
        scope="cli monitor import",
        quiet=quiet,
        as_json=as_json,
    )


def scan_json(result: Any, seconds: float) -> dict[str, Any]:
    """The public contract of `jiuzhu monitor scan --json` (docs/cli.md), but for its
    `warnings`: `warning_lines` gives them, each already JSON."""
    return {
        "as_of": result.as_of.isoformat(),
        "region": result.region,
        "households": result.households,
        "signals": result.signals,
        "matched_signals": result.matched_signals,
        "candidates": result.candidates,
        "new_warnings": result.new.height,
        "by_kind": result.by_kind,
        "by_level": result.by_level,
        "risk_changed": result.risk_changed,
        "seconds": round(seconds, 2),
    }


def warning_lines(new: Any) -> list[str]:
    """Each new warning as a JSON object (id, household_id, region_code, kind, rule, level,
    category, amount, signal_ids, evidence, task {id, assigned_level, assigned_area,
    due_on}), encoded by Polars at once: a day's scan may raise hundreds of thousands."""
    import polars as pl

    if new.height == 0:
        return []
    head = pl.struct(
        "id", "household_id", "region_code", "kind", "rule", "level", "category", "amount"
    ).struct.json_encode()
    task = pl.struct(
        pl.col("task_id").alias("id"),
        "assigned_level",
        "assigned_area",
        pl.col("due_on").cast(pl.String),
    ).struct.json_encode()
    line = pl.concat_str(
        head.str.strip_suffix("}"),
        pl.lit(',"signal_ids":'),
        pl.col("signal_ids"),
        pl.lit(',"evidence":'),
        pl.col("evidence"),
        pl.lit(',"task":'),
        task,
        pl.lit("}"),
    )
    return new.select(line.alias("line"))["line"].to_list()  # type: ignore[no-any-return]


def _emit_scan(data: dict[str, Any], lines: list[str]) -> None:
    """The scan's JSON document: its figures indented, then `warnings`, one per line."""
    head = json.dumps(data, ensure_ascii=False, indent=2)
    body = ",\n".join("    " + line for line in lines)
    warnings = f"[\n{body}\n  ]" if lines else "[]"
    figures = head.removesuffix("\n}")
    sys.stdout.write(f'{figures},\n  "warnings": {warnings}\n}}\n')


@monitor_app.command("scan")
def scan_command(
    as_of: Annotated[str, typer.Option("--as-of", help="The day of the scan, YYYY-MM-DD.")],
    region: Annotated[str, typer.Option("--region", help="Region code (default: all).")] = "",
    policy: Annotated[
        bool, typer.Option("--policy/--no-policy", help="Also 政策找人 (the rules engine).")
    ] = True,
    as_json: Annotated[bool, typer.Option("--json", help="Print the result as JSON.")] = False,
    quiet: Annotated[bool, typer.Option("--quiet", help="No progress display.")] = False,
) -> None:
    """Scan the register against the signals and the warning rules; write new warnings,
    their tasks and risk grades. Idempotent: run again, it writes nothing."""
    day = _date(as_of)
    area = _region(region)
    if day > dt.date.today():
        _fail(f"--as-of: {as_of} is after today")
    from jiuzhu.cli.platform import setup_django

    setup_django()
    from jiuzhu.monitoring.scan import monitoring_scan
    from jiuzhu.regions.scope import system_scope

    labels = {"read": "reading the register and signals", "write": "writing", "done": "done"}
    progress = Progress(
        SpinnerColumn(), TextColumn("{task.description}"), TimeElapsedColumn(), console=err,
        disable=quiet,
    )  # fmt: skip
    started = time.perf_counter()
    with progress, system_scope("cli monitor scan"):
        task = progress.add_task("scan", total=None)
        result = monitoring_scan(
            actor=None,
            as_of=day,
            region=area,
            policy=policy,
            progress=lambda step: progress.update(task, description=labels[step]),
        )
        data = scan_json(result, time.perf_counter() - started)
    if as_json:
        _emit_scan(data, warning_lines(result.new))
        return
    table = Table(title=f"monitoring scan {day} {area or 'all'}", title_justify="left")
    table.add_column("")
    table.add_column("", justify="right")
    for label in ("households", "signals", "matched_signals", "candidates", "new_warnings"):
        table.add_row(label, f"{data[label]:,}")
    for kind, n in sorted(data["by_kind"].items()):
        table.add_row(f"  {kind}", f"{n:,}")
    for level, n in sorted(data["by_level"].items()):
        table.add_row(f"  {level}", f"{n:,}")
    table.add_row("risk grades changed", f"{data['risk_changed']:,}")
    out.print(table)


@monitor_app.command("escalate")
def escalate_command(
    as_of: Annotated[str, typer.Option("--as-of", help="The day, YYYY-MM-DD.")],
    region: Annotated[str, typer.Option("--region", help="Region code (default: all).")] = "",
) -> None:
    """Open tasks past their deadline go up one level: village → township → county (M-01);
    hotline calls still unanswered past their limit go to the county (M-03). Prints
    {as_of, region, to_township, to_county, overdue_at_county, calls_to_county,
    calls_overdue_at_county}."""
    day = _date(as_of)
    area = _region(region)
    if day > dt.date.today():
        _fail(f"--as-of: {as_of} is after today")
    from jiuzhu.cli.platform import setup_django

    setup_django()
    from jiuzhu.monitoring.hotline import hotline_escalate
    from jiuzhu.monitoring.services import tasks_escalate
    from jiuzhu.regions.scope import system_scope

    with system_scope("cli monitor escalate"):
        counts = tasks_escalate(actor=None, as_of=day, region=area)
        counts.update(hotline_escalate(actor=None, as_of=day, region=area))
    _emit({"as_of": day.isoformat(), "region": area, **counts})
