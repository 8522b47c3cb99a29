"""The `jiuzhu` command: evaluate households, route temporary aid, inspect parameters.

Every error a user can cause exits with code 2 and one line naming the field and the
household ref — never a traceback. The JSON printed is the public contract of docs/cli.md.
"""

from __future__ import annotations

import datetime as dt
import json
import sys
from decimal import Decimal
from pathlib import Path
from typing import Annotated, Any, NoReturn

import typer
from rich.console import Console
from rich.markup import escape
from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn

from jiuzhu.rules.errors import RulesError

app = typer.Typer(
    name="jiuzhu",
    help="jiuzhu (救助): social assistance rules, decisions and tools.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
params_app = typer.Typer(help="Policy parameters: show what is in force, check the files.")
schema_app = typer.Typer(help="JSON Schemas of the input formats.")
app.add_typer(params_app, name="params")
app.add_typer(schema_app, name="schema")

err = Console(stderr=True)
USAGE_ERROR = 2


def fail(message: str) -> NoReturn:
    err.print(f"[bold red]error:[/] {escape(message)}", highlight=False, soft_wrap=True)
    raise typer.Exit(USAGE_ERROR)


def emit(data: Any) -> None:
    sys.stdout.write(json.dumps(data, ensure_ascii=False, indent=2) + "\n")


def parse_as_of(value: str | None) -> dt.date:
    if value is None:
        return dt.date.today()
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        fail(f"--as-of: {value!r} is not a date YYYY-MM-DD")


AsOf = Annotated[
    str | None, typer.Option("--as-of", help="Evaluation date YYYY-MM-DD (default: today).")
]


@app.command()
def evaluate(
    file: Annotated[str, typer.Argument(help="Household JSON file, or - for standard input.")],
    as_of: AsOf = None,
    explain: Annotated[
        bool, typer.Option("--explain", help="Add every step's explanation.")
    ] = False,
) -> None:
    """Evaluate one household and print the decision as JSON."""
    from jiuzhu.rules.evaluate import Evaluator
    from jiuzhu.rules.household import loads_json, parse_household

    day = parse_as_of(as_of)
    try:
        text = sys.stdin.read() if file == "-" else Path(file).read_text("utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        fail(f"cannot read {file}: {exc}")
    try:
        raw = loads_json(text)
    except json.JSONDecodeError as exc:
        fail(f"{file}: not valid JSON: {exc.msg} (line {exc.lineno}, column {exc.colno})")
    try:
        household = parse_household(raw)
        decision = Evaluator().evaluate(household, day, explain=explain)
    except RulesError as exc:
        fail(str(exc))
    emit(decision)


@app.command("evaluate-bulk")
def evaluate_bulk(
    input: Annotated[Path, typer.Argument(help="Households as JSON Lines (.jsonl) or Parquet.")],
    out: Annotated[
        Path, typer.Option("--out", help="Decisions as Parquet, one row per household.")
    ],
    as_of: AsOf = None,
    errors: Annotated[
        Path | None,
        typer.Option("--errors", help="CSV of households left out (default: OUT.errors.csv)."),
    ] = None,
    quiet: Annotated[bool, typer.Option("--quiet", help="No progress bar.")] = False,
) -> None:
    """Evaluate a caseload; bad households go to the errors file, the rest are decided."""
    from jiuzhu.rules.bulk import read_jsonl, read_parquet, write_errors
    from jiuzhu.rules.evaluate import Evaluator

    day = parse_as_of(as_of)
    if not input.is_file():
        fail(f"{input}: no such file")
    errors_path = errors or out.with_name(out.name + ".errors.csv")
    try:
        evaluator = Evaluator()
    except RulesError as exc:
        fail(str(exc))
    progress = Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        TextColumn("{task.completed}/{task.total}"),
        TimeElapsedColumn(),
        console=err,
        disable=quiet,
        transient=False,
    )
    with progress:
        reading = progress.add_task("reading", total=None)
        try:
            if input.suffix.lower() in (".parquet", ".pq"):
                caseload, lines, bad = read_parquet(input, evaluator.regions)
            else:
                caseload, lines, bad = read_jsonl(
                    input, evaluator.regions, progress=lambda k: progress.advance(reading, k)
                )
        except RulesError as exc:
            fail(str(exc))
        progress.update(reading, total=1, completed=1)
        steps = progress.add_task("evaluating", total=len(evaluator.engine.steps))
        frame, more_bad = evaluator.evaluate_caseload(
            caseload, day, lines=lines, on_step=lambda _s: progress.advance(steps)
        )
        writing = progress.add_task("writing", total=1)
        out.parent.mkdir(parents=True, exist_ok=True)
        frame.write_parquet(out)
        all_bad = sorted(bad + more_bad, key=lambda e: e.line)
        write_errors(errors_path, all_bad)
        progress.advance(writing)
    emit(
        {
            "households": frame.height + len(all_bad),
            "evaluated": frame.height,
            "errors": len(all_bad),
            "out": str(out),
            "errors_file": str(errors_path),
            "as_of": day.isoformat(),
        }
    )


@app.command("route-temporary-aid")
def route_temporary_aid(
    region: Annotated[str, typer.Option("--region", help="County-level or finer region code.")],
    amount: Annotated[str, typer.Option("--amount", help="Aid amount in yuan.")],
    as_of: AsOf = None,
) -> None:
    """Who approves a temporary-aid amount (A-06): township, county or committee."""
    from jiuzhu.rules.money import parse_yuan
    from jiuzhu.rules.routing import route_temporary_aid as route

    day = parse_as_of(as_of)
    try:
        yuan = parse_yuan(amount)
    except ValueError as exc:
        fail(f"--amount: {exc}")
    if yuan <= Decimal(0):
        fail(f"--amount: must be more than 0 (got {amount})")
    try:
        emit(route(region=region, amount=yuan, as_of=day))
    except RulesError as exc:
        fail(str(exc))


@params_app.command("show")
def params_show(
    region: Annotated[str, typer.Option("--region", help="Region code.")],
    as_of: AsOf = None,
) -> None:
    """Every parameter in force for a region on a date, and where it comes from."""
    from jiuzhu.rules.params import default_parameters
    from jiuzhu.rules.regions import NATION

    day = parse_as_of(as_of)
    try:
        pset = default_parameters()
        code = (
            region if region == NATION or region in pset.regions else pset.regions.leaf_of(region)
        )
        place = pset.regions.get(code) if code != NATION else None
    except RulesError as exc:
        fail(str(exc))
    values: dict[str, Any] = {}
    missing: list[str] = []
    for name in pset.names():
        try:
            values[name] = pset.resolve(name, code, day).as_dict()
        except RulesError:
            missing.append(name)
    emit(
        {
            "region": code,
            "name": place.name if place else "全国",
            "as_of": day.isoformat(),
            "parameters": values,
            "not_in_force": missing,
        }
    )


@params_app.command("check")
def params_check(
    root: Annotated[
        Path | None, typer.Option("--root", help="Parameter folder (default: packaged).")
    ] = None,
) -> None:
    """Load and cross-check every parameter file; exit 2 naming the first problem."""
    from jiuzhu.rules.params import load_parameters
    from jiuzhu.rules.validation import validate_parameters

    try:
        pset = load_parameters(root)
        validate_parameters(pset)
    except RulesError as exc:
        fail(str(exc))
    files = {p.file for per in pset.by_name.values() for p in per.values()}
    assumed = sorted(
        f"{p.region}:{p.name}"
        for per in pset.by_name.values()
        for p in per.values()
        if any(v.assumed for v in p.values)
    )
    emit(
        {
            "ok": True,
            "files": len(files),
            "parameters": len(pset.names()),
            "regions": len(pset.declared_regions()),
            "assumed": len(assumed),
        }
    )


@schema_app.command("household")
def schema_household() -> None:
    """Print the household JSON Schema."""
    from jiuzhu.rules.household import household_schema

    emit(household_schema())


def main() -> None:  # pragma: no cover - console entry
    app()
