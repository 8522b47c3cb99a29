"""The `jiuzhu` rules commands: evaluate households, route temporary aid, inspect parameters.

Every error a user can cause exits with code 2 and one line naming the field and the
household ref — never a traceback. The JSON printed is the public contract of docs/cli.md.
This module imports neither Django nor Rich nor the platform commands (main.py adds those):
`jiuzhu evaluate` of one household runs in a new process, where imports are most of its time
(a plain `jiuzhu evaluate FILE` does not even import this module: evaluate_one.py).
"""

from __future__ import annotations

import datetime as dt
import sys
from decimal import Decimal
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, NoReturn

import typer

from jiuzhu.cli import evaluate_one
from jiuzhu.cli.evaluate_one import USAGE_ERROR, Refused, emit
from jiuzhu.rules.errors import RulesError

if TYPE_CHECKING:
    from rich.progress import Progress

app = typer.Typer(
    name="jiuzhu",
    help="jiuzhu (救助): social assistance rules, decisions and tools.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
params_app = typer.Typer(help="Policy parameters: show what is in force, check the files.")
schema_app = typer.Typer(help="JSON Schemas of the input formats.")
synth_app = typer.Typer(help="Synthetic (never real) data for demos, tests and benchmarks.")
rules_app = typer.Typer(help="The rule catalogue: every step with its rule ID and parameters.")
app.add_typer(params_app, name="params")
app.add_typer(schema_app, name="schema")
app.add_typer(synth_app, name="synth")
app.add_typer(rules_app, name="rules")

__all__ = ["USAGE_ERROR", "app", "emit", "fail", "parse_as_of"]


def fail(message: str) -> NoReturn:
    evaluate_one.error(message)
    raise typer.Exit(USAGE_ERROR)


def parse_as_of(value: str | None) -> dt.date:
    try:
        return evaluate_one.as_of_date(value)
    except Refused as exc:
        fail(exc.message)


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
    try:
        emit(evaluate_one.decide(file, as_of, explain))
    except Refused as exc:
        fail(exc.message)


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
    chunk: Annotated[
        int | None,
        typer.Option(
            "--chunk",
            min=1,
            help="Households evaluated at a time, bounding memory (default: 500,000 from"
            " Parquet, 125,000 from JSON Lines).",
        ),
    ] = None,
    quiet: Annotated[bool, typer.Option("--quiet", help="No progress bar.")] = False,
    progress_bar: Annotated[
        bool,
        typer.Option(
            "--progress", help="Draw the progress bar even when standard error is not a terminal."
        ),
    ] = False,
) -> None:
    """Evaluate a caseload; bad households go to the errors file, the rest are decided."""
    from jiuzhu.rules.bulk import InputFile, run_bulk
    from jiuzhu.rules.evaluate import Evaluator

    day = parse_as_of(as_of)
    if not input.is_file():
        fail(f"{input}: no such file")
    errors_path = errors or out.with_name(out.name + ".errors.csv")
    try:
        evaluator = Evaluator()
        total = InputFile(input, evaluator.regions).total
    except (RulesError, OSError) as exc:
        fail(str(exc))
    with _bulk_progress(quiet=quiet, force=progress_bar) as progress:
        # JSON Lines: the bar follows the bytes read (the households are counted as they come)
        task = progress.add_task("evaluating", total=total, households="0 households")
        parquet = input.suffix.lower() in (".parquet", ".pq")

        def advance(households: int, done: int) -> None:
            counted = f"{households:,}/{total:,}" if parquet else f"{households:,}"
            progress.update(task, completed=done, households=f"{counted} households")

        try:
            summary = run_bulk(
                evaluator, input, out, errors_path, day, chunk=chunk, on_progress=advance
            )
        except RulesError as exc:
            fail(str(exc))
    emit(
        {
            "households": summary.households,
            "evaluated": summary.evaluated,
            "errors": len(summary.errors),
            "out": str(out),
            "errors_file": str(errors_path),
            "as_of": day.isoformat(),
        }
    )


def _bulk_progress(*, quiet: bool, force: bool) -> Progress:
    from rich.console import Console
    from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn

    console = Console(stderr=True, force_terminal=force or None, force_interactive=force or None)
    return Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        TextColumn("{task.fields[households]}"),
        TimeElapsedColumn(),
        console=console,
        disable=quiet,
    )


@app.command("deadline")
def deadline(
    start: Annotated[str, typer.Option("--from", help="Day the period starts from (not counted).")],
    working_days: Annotated[
        int, typer.Option("--working-days", min=0, max=400, help="Length in working days.")
    ],
) -> None:
    """The last day of a period of N working days on China's official calendar (A-05)."""
    from jiuzhu.rules.workdays import add_working_days

    day = parse_as_of(start)
    try:
        until = add_working_days(day, working_days)
    except RulesError as exc:
        fail(str(exc))
    emit(
        {
            "from": day.isoformat(),
            "working_days": working_days,
            "until": until.isoformat(),
            "rule": "A-05",
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
            "layers": [layer.as_dict() for _, layer in sorted(pset.layers.items())],
        }
    )


@synth_app.command("households")
def synth_households(
    out: Annotated[Path, typer.Option("--out", help="Output .parquet or .jsonl file.")],
    n: Annotated[int, typer.Option("--n", min=1, max=50_000_000, help="Households.")] = 1000,
    seed: Annotated[int, typer.Option("--seed", help="Random seed (same seed, same file).")] = 2024,
    as_of: AsOf = None,
) -> None:
    """Write N synthetic households (refs SYN-…) in the household schema; see
    docs/synthetic-data.md for the distributions."""
    from jiuzhu.synthetic.households import Shape, write_households

    day = parse_as_of(as_of) if as_of else Shape().as_of
    if out.suffix.lower() not in (".parquet", ".pq", ".jsonl", ".ndjson"):
        fail(f"--out: {out} must end in .parquet or .jsonl")
    write_households(out, n, seed=seed, shape=Shape(as_of=day))
    emit({"households": n, "out": str(out), "seed": seed, "synthetic": True})


@rules_app.command("list")
def rules_list(
    markdown: Annotated[bool, typer.Option("--markdown", help="Markdown (docs/rules.md).")] = False,
) -> None:
    """Every step of the engine with its rule ID, labels and parameters."""
    from jiuzhu.rules.catalogue_doc import catalogue_markdown, catalogue_rows
    from jiuzhu.rules.params import default_parameters

    if markdown:
        sys.stdout.write(catalogue_markdown(default_parameters()))
    else:
        emit(catalogue_rows())


@schema_app.command("household")
def schema_household() -> None:
    """Print the household JSON Schema."""
    from jiuzhu.rules.household import household_schema

    emit(household_schema())


@app.command(
    "manage",
    context_settings={"allow_extra_args": True, "ignore_unknown_options": True},
    add_help_option=False,
)
def manage_command(ctx: typer.Context) -> None:
    """Django's manage.py (migrate, createsuperuser is not used, collectstatic, …)."""
    from jiuzhu.cli.platform import manage

    manage(list(ctx.args))


@app.command("serve")
def serve_command(
    host: Annotated[str, typer.Option("--host")] = "127.0.0.1",
    port: Annotated[int, typer.Option("--port", min=1, max=65535)] = 8000,
    workers: Annotated[int, typer.Option("--workers", min=1, max=64)] = 2,
) -> None:
    """Serve the platform with gunicorn."""
    from jiuzhu.cli.platform import serve

    serve(host, port, workers)


def main() -> None:  # pragma: no cover - console entry
    app()
