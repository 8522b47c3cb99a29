"""`jiuzhu verify-all`: re-verify every recipient household and list those whose verified
situation no longer fits their category (V-01, V-03); optionally open review cases.

Runs as the system (everything) or, with `--as USER`, as that user: their area is the scope
and they are the actor of the review cases. Exit 2, nothing written, for a bad option.
"""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.markup import escape
from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from jiuzhu.cli.verify import _emit, _fail

err = Console(stderr=True)
out = Console()
FORMATS = (".csv", ".xlsx", ".parquet")


def parse_day(value: str | None, option: str = "--as-of") -> dt.date:
    if value is None:
        return dt.date.today()
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        _fail(f"{option}: {value!r} is not a date YYYY-MM-DD")
        raise  # unreachable: _fail exits


def check_out(path: Path | None) -> None:
    if path is None:
        return
    if path.suffix.lower() not in FORMATS:
        _fail(f"--out: {path.name}: the file must end in .csv, .xlsx or .parquet")
    if not path.parent.is_dir():
        _fail(f"--out: {path.parent} is not a directory")


@contextmanager
def acting(as_user: str | None, region: str, label: str) -> Iterator[Any]:
    """The scope of the run: the system, or `--as USER`'s area (the user is yielded).
    `--region` must be a known region code, inside the user's area."""
    from jiuzhu.accounts.models import User
    from jiuzhu.regions.models import Region
    from jiuzhu.regions.scope import Scope, system_scope, using_scope

    if region and not (region.isdigit() and Region.objects.filter(code=region).exists()):
        _fail(f"--region: {region!r} is not a known region code (区划代码)")
    if as_user is None:
        with system_scope(label):
            yield None
        return
    user = User.objects.filter(username=as_user, is_active=True).select_related("area").first()
    if user is None or user.area is None:
        _fail(f"--as: no active user {as_user!r} with an area (所属区域)")
        return
    prefix = user.area.scope_prefix
    if region and not region.startswith(prefix):
        _fail(f"--region: {region} is outside the area of {as_user} ({user.area.code})")
    with using_scope(Scope(prefix, f"{label} as {as_user}")):
        yield user


def summary_of(result: Any, reviews: Any, out_path: Path | None, seconds: float) -> dict[str, Any]:
    from jiuzhu.verification.reverify import reverification_summary

    summary = reverification_summary(result)
    households = summary.pop("households")
    return {
        **summary,
        "out": str(out_path) if out_path else None,
        "reviews": None
        if reviews is None
        else {
            "opened": [c.number for c in reviews.cases],
            "already_open": reviews.already_open,
            "refused": [{"household": h, "reason": r} for h, r in reviews.refused.items()],
        },
        "households": [
            {**h, "decided_on": h["decided_on"].isoformat() if h["decided_on"] else None}
            for h in households
        ],
        "seconds": round(seconds, 2),
    }


def _print(summary: dict[str, Any]) -> None:
    from jiuzhu.verification.reverify import REASONS

    table = Table(title=f"re-verification 核对复查 as of {summary['as_of']}", title_justify="left")
    table.add_column("")
    table.add_column("", justify="right")
    waiting = sum(w["households"] for w in summary["waiting"])
    for label, value in (
        ("recipients 在保家庭", summary["recipients"]),
        ("verified 已核对", summary["verified"]),
        ("waiting for a source 待核对", waiting),
        ("with findings 有差异", summary["with_findings"]),
        ("no longer fit 不再符合", summary["no_longer_fit"]),
        ("not evaluated 无法测算", len(summary["errors"])),
    ):
        table.add_row(label, f"{value:,}")
    for reason, n in summary["by_reason"].items():
        table.add_row(f"  {reason} {REASONS[reason][0]}", f"{n:,}")
    out.print(table)
    for w in summary["waiting"]:
        out.print(f"[yellow]waiting:[/] {w['region']}: {', '.join(w['missing'])}")
    if summary["reviews"] is not None:
        r = summary["reviews"]
        out.print(
            f"review cases 复审案件: {len(r['opened'])} opened, {len(r['already_open'])} "
            f"already open, {len(r['refused'])} refused"
        )
    if summary["out"]:
        out.print(f"list written to {escape(summary['out'])}")


def verify_all(
    as_of: Annotated[
        str | None, typer.Option("--as-of", help="Re-verify as of YYYY-MM-DD (default: today).")
    ] = None,
    region: Annotated[
        str, typer.Option("--region", help="Only households of this region code (a prefix).")
    ] = "",
    out_path: Annotated[
        Path | None,
        typer.Option("--out", help="The households listed, as .csv, .xlsx or .parquet."),
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print the result as JSON.")] = False,
    open_reviews: Annotated[
        bool,
        typer.Option("--open-reviews", help="Open a review case for each listed household."),
    ] = False,
    as_user: Annotated[
        str | None,
        typer.Option("--as", help="Run as this user: their area, and the actor of the reviews."),
    ] = None,
    quiet: Annotated[bool, typer.Option("--quiet", help="No progress bar.")] = False,
) -> None:
    """Re-verify every recipient household against the departments' data (V-01) and list
    those whose verified situation no longer fits their category, with the reasons."""
    from jiuzhu.cli.platform import setup_django

    day = parse_day(as_of)
    check_out(out_path)
    if open_reviews and as_user is None:
        _fail("--open-reviews needs --as USER: the caseworker who opens the review cases")
    setup_django()
    from jiuzhu.accounts.roles import Can
    from jiuzhu.verification.reverify import STAGES, reverify
    from jiuzhu.verification.services import reviews_open
    from jiuzhu.verification.sharing import write_frame

    started = time.perf_counter()
    progress = Progress(
        TextColumn("re-verifying {task.fields[stage]}"),
        BarColumn(),
        TimeElapsedColumn(),
        console=err,
        disable=quiet,
    )
    with acting(as_user, region, "cli verify-all") as actor:
        if open_reviews and not actor.can(Can.HANDLE_CASES):
            _fail(f"--as: {as_user} may not open cases (handle_cases)")
        with progress:
            task = progress.add_task("verify", total=len(STAGES), stage="")

            def stage(name: str) -> None:
                progress.update(task, advance=1, stage=name)

            result = reverify(day, region, on_stage=stage)
        reviews = None
        if open_reviews:
            reviews = reviews_open(actor=actor, listed=result.listed.to_dicts())
    if out_path is not None:
        write_frame(result.listed.drop("household_id"), out_path)
    summary = summary_of(result, reviews, out_path, time.perf_counter() - started)
    if as_json:
        _emit(summary)
    else:
        _print(summary)
