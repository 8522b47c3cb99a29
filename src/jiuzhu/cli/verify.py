"""`jiuzhu verify`: the departments' data sources and importing their files (V-02).

Exit codes: 0 when the file was imported (even with bad rows: they are reported with line
and reason); 2 when the file is refused whole (not what it claims, wrong header, a batch key
already used for other content) or an option is wrong.
"""

from __future__ import annotations

import datetime as dt
import json
import sys
import time
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.markup import escape
from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

verify_app = typer.Typer(help="Verification: department data sources and their imports.")
err = Console(stderr=True)
out = Console()
SHOWN_ERRORS = 20


def _fail(message: str) -> None:
    err.print(f"[bold red]error:[/] {escape(message)}", highlight=False, soft_wrap=True)
    raise typer.Exit(2)


def _emit(data: Any) -> None:
    sys.stdout.write(json.dumps(data, ensure_ascii=False, indent=2) + "\n")


@verify_app.command("sources")
def sources(
    as_json: Annotated[bool, typer.Option("--json", help="JSON instead of tables.")] = False,
) -> None:
    """The departments' data sources with each field's type, unit and sensitivity."""
    from jiuzhu.verification.sources import SOURCES_LIST

    if as_json:
        _emit([s.as_dict() for s in SOURCES_LIST])
        return
    for source in SOURCES_LIST:
        table = Table(
            title=f"{source.code}  {source.name_zh} / {source.name_en}  ({source.department_zh})",
            title_justify="left",
        )
        for column in ("field", "名称", "name", "type", "required", "sensitivity", "stored as"):
            table.add_column(column)
        for f in source.fields:
            kind = f"{f.type}" + (f" [{'|'.join(f.choices)}]" if f.choices else "")
            kind += f" ({f.unit})" if f.unit else ""
            table.add_row(
                f.name,
                f.label_zh,
                f.label_en,
                escape(kind),
                "yes" if f.required else "",
                str(f.sensitivity),
                str(f.column),
            )
        out.print(table)


def _summary(result: Any, seconds: float) -> dict[str, Any]:
    from jiuzhu.verification.selectors import batch_errors

    batch = result.batch
    return {
        "batch_id": batch.pk,
        "source": batch.source,
        "batch_key": batch.batch_key,
        "as_of": batch.as_of.isoformat(),
        "file": batch.file_name,
        "status": batch.status,
        "rows": batch.rows_total,
        "rows_ok": batch.rows_ok,
        "rows_bad": batch.rows_bad,
        "added": result.added,
        "already_imported": result.already_complete,
        "resumed_at_row": result.resumed_at,
        "warnings": list(batch.warnings),
        "errors": [
            {"line": e.line, "field": e.field, "reason": e.reason}
            for e in batch_errors(batch, limit=10_000)
        ],
        "seconds": round(seconds, 2),
    }


def _print_summary(summary: dict[str, Any]) -> None:
    if summary["already_imported"]:
        out.print(f"batch {escape(summary['batch_key'])} was imported already: nothing added")
    table = Table(title=f"{summary['source']} — {escape(summary['file'])}", title_justify="left")
    table.add_column("")
    table.add_column("", justify="right")
    for label in ("rows", "rows_ok", "rows_bad", "added", "resumed_at_row", "seconds"):
        table.add_row(label, f"{summary[label]:,}")
    out.print(table)
    for warning in summary["warnings"]:
        out.print(f"[yellow]warning:[/] {escape(warning)}")
    for e in summary["errors"][:SHOWN_ERRORS]:
        out.print(f"line {e['line']}: {escape(e['field'])}: {escape(e['reason'])}")
    if len(summary["errors"]) > SHOWN_ERRORS:
        out.print(f"… {len(summary['errors']) - SHOWN_ERRORS} more (--json lists them all)")


@verify_app.command("import")
def import_command(
    file: Annotated[Path, typer.Argument(help="The department's file: .csv, .xlsx or .parquet.")],
    source: Annotated[str, typer.Option("--source", help="Source code (jiuzhu verify sources).")],
    as_of: Annotated[
        str | None,
        typer.Option("--as-of", help="The data's as-of date YYYY-MM-DD (default: today)."),
    ] = None,
    batch: Annotated[
        str | None,
        typer.Option("--batch", help="The department's batch id (default: the file's SHA-256)."),
    ] = None,
    region: Annotated[
        str, typer.Option("--region", help="Region code of the area the batch belongs to.")
    ] = "",
    as_json: Annotated[bool, typer.Option("--json", help="Print the summary as JSON.")] = False,
    quiet: Annotated[bool, typer.Option("--quiet", help="No progress bar.")] = False,
) -> None:
    """Import a department file: bad rows are reported (line, field, reason), the rest go
    in; the same batch twice adds nothing; an interrupted import is completed by running
    the command again."""
    from jiuzhu.cli.platform import setup_django

    setup_django()
    from jiuzhu.verification.importing import import_file
    from jiuzhu.verification.sources import get_source

    if get_source(source) is None:
        _fail(f"--source: unknown source {source!r} (see `jiuzhu verify sources`)")
    try:
        day = dt.date.fromisoformat(as_of) if as_of else dt.date.today()
    except ValueError:
        _fail(f"--as-of: {as_of!r} is not a date YYYY-MM-DD")
        return
    if batch is not None and not (
        0 < len(batch) <= 100 and batch.isascii() and batch.isprintable()
    ):
        _fail("--batch: 1 to 100 printable ASCII characters")
    run_import(
        lambda **kw: import_file(source=source, region_code=region, **kw),
        file=file,
        day=day,
        batch=batch,
        label="importing",
        scope="cli verify import",
        quiet=quiet,
        as_json=as_json,
    )


def run_import(
    importer: Any,
    *,
    file: Path,
    day: dt.date,
    batch: str | None,
    label: str,
    scope: str,
    quiet: bool,
    as_json: bool,
) -> None:
    """Run one file import (`importer(actor=, path=, as_of=, batch_key=, progress=,
    on_total=)`) with a progress bar in the system scope and print its summary: the body
    of `verify import` and `monitor import`. A refused file exits 2 naming the file."""
    from jiuzhu.regions.scope import system_scope
    from jiuzhu.verification.errors import RefusedFile

    progress = Progress(
        TextColumn(label),
        BarColumn(),
        TextColumn("{task.completed:,} rows"),
        TimeElapsedColumn(),
        console=err,
        disable=quiet,
    )
    started = time.perf_counter()
    with progress, system_scope(scope):
        task = progress.add_task("import", total=None)
        try:
            result = importer(
                actor=None,
                path=file,
                as_of=day,
                batch_key=batch,
                progress=lambda rows: progress.advance(task, rows),
                on_total=lambda total: progress.update(task, total=total),
            )
        except RefusedFile as exc:
            _fail(f"{file}: {exc.message}")
            return
        progress.update(task, total=result.batch.rows_total, completed=result.batch.rows_total)
        summary = _summary(result, time.perf_counter() - started)
    if as_json:
        _emit(summary)
    else:
        _print_summary(summary)


@verify_app.command("export")
def export_command(
    department: Annotated[
        str, typer.Option("--department", help="The source whose department gets the results.")
    ],
    out_path: Annotated[Path, typer.Option("--out", help="The file: .csv, .xlsx or .parquet.")],
    as_of: Annotated[
        str | None,
        typer.Option("--as-of", help="Decisions made on or before YYYY-MM-DD (default: today)."),
    ] = None,
    region: Annotated[
        str, typer.Option("--region", help="Only households of this region code (a prefix).")
    ] = "",
    as_user: Annotated[
        str | None, typer.Option("--as", help="Run as this user (their area is the scope).")
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print the summary as JSON.")] = False,
) -> None:
    """The determination results for the people a department's data concerned, to share
    back with it (V-03): masked ID, household, case, category decided, decision date, and
    whether the department's record was decisive (docs/verification.md)."""
    from jiuzhu.cli.platform import setup_django
    from jiuzhu.cli.reverify import acting, check_out, parse_day

    day = parse_day(as_of)
    check_out(out_path)
    setup_django()
    from jiuzhu.verification.sharing import determinations, write_frame
    from jiuzhu.verification.sources import get_source

    if get_source(department) is None:
        _fail(f"--department: unknown source {department!r} (see `jiuzhu verify sources`)")
    with acting(as_user, region, "cli verify export"):
        frame = determinations(department, day, region)
    write_frame(frame, out_path)
    summary = {
        "source": department,
        "as_of": day.isoformat(),
        "region": region,
        "rows": frame.height,
        "households": frame["household"].n_unique(),
        "decisive": int(frame["decisive"].sum()),
        "out": str(out_path),
        "columns": frame.columns,
    }
    if as_json:
        _emit(summary)
    else:
        out.print(
            f"{summary['rows']:,} rows ({summary['households']:,} households, "
            f"{summary['decisive']:,} decisive) written to {escape(str(out_path))}"
        )
