"""The platform's commands (Django): manage, serve, demo, audit. Imported lazily, so the
rules commands never load Django."""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

DEFAULT_SETTINGS = "jiuzhu.config.settings.base"
err = Console(stderr=True)
out = Console()

demo_app = typer.Typer(help="Synthetic demo data and demo accounts (demo mode only).")
users_app = typer.Typer(help="Accounts: create users (with their TOTP device), disable them.")
tokens_app = typer.Typer(help="API tokens for other systems: create (shown once), revoke.")
audit_app = typer.Typer(help="The audit log: verify the hash chains against the checkpoints.")
db_app = typer.Typer(
    help="PostgreSQL roles: the owner migrates, the application only appends logs."
)


def setup_django() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", DEFAULT_SETTINGS)
    import django

    django.setup()


def manage(args: list[str]) -> None:
    """Django's manage.py, with jiuzhu's settings."""
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", DEFAULT_SETTINGS)
    from django.core.management import execute_from_command_line

    execute_from_command_line(["jiuzhu manage", *args])


def serve(host: str, port: int, workers: int) -> None:
    """The production server (gunicorn) on the configured settings."""
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", DEFAULT_SETTINGS)
    from gunicorn.app.wsgiapp import run

    sys.argv = [
        "gunicorn",
        "jiuzhu.config.wsgi:application",
        "--bind",
        f"{host}:{port}",
        "--workers",
        str(workers),
        "--access-logfile",
        "-",
        "--logger-class",
        "jiuzhu.web.gunicorn.MaskingLogger",
    ]
    run()


@demo_app.command("seed")
def demo_seed(
    households: Annotated[int, typer.Option("--households", min=0, max=1_000_000)] = 2000,
    if_empty: Annotated[
        bool, typer.Option("--if-empty", help="Only when no household exists.")
    ] = False,
    seed: Annotated[int, typer.Option("--seed")] = 2024,
    cases: Annotated[int, typer.Option("--cases", min=0, max=10_000)] = 60,
) -> None:
    """Demo regions (synthetic townships and villages), accounts, N households, reserve funds
    and synthetic cases at every stage of the procedure."""
    setup_django()
    from django.conf import settings

    from jiuzhu.demo.accounts import GD_COUNTY, IM_COUNTY, demo_accounts_create
    from jiuzhu.demo.households import seed_households
    from jiuzhu.regions.scope import system_scope
    from jiuzhu.regions.services import regions_generate_subdivisions
    from jiuzhu.registry.models import Household

    if not settings.DEMO_MODE:
        err.print("[red]error:[/] demo data only in demo mode (JIUZHU_DEMO=1 or the demo settings)")
        raise typer.Exit(2)
    with system_scope("demo seed"):
        for county in (GD_COUNTY, IM_COUNTY):
            regions_generate_subdivisions(county, townships=5, villages=6)
        demo_accounts_create()
        if if_empty and Household.unscoped.exists():
            err.print("households already present: not seeding")
            return
        with Progress(
            TextColumn("seeding households"),
            BarColumn(),
            TextColumn("{task.completed}/{task.total}"),
            TimeElapsedColumn(),
            console=err,
        ) as progress:
            task = progress.add_task("seed", total=households)
            seed_households(
                [GD_COUNTY, IM_COUNTY],
                households,
                seed=seed,
                progress=lambda k: progress.advance(task, k),
            )
        from jiuzhu.demo.cases import link_demo_applicant, seed_cases, seed_reserves

        link_demo_applicant(f"{GD_COUNTY}001001")
        from jiuzhu.demo.departments import seed_demo_departments

        delivered = seed_demo_departments(settings.DATA_DIR / "departments")
        err.print(
            f"departments: {delivered['records']} synthetic records delivered on "
            f"{', '.join(delivered['days'])}; verification example: household "
            f"{delivered['showcase']} (an undeclared car and wage record)"
        )
        for prefix, county in (("gd", GD_COUNTY), ("im", IM_COUNTY)):
            seed_reserves(prefix, county)
            made = seed_cases(prefix, county, cases)
            err.print(f"{prefix}: {made} synthetic cases at every stage of the procedure")
        from jiuzhu.demo.benefits import seed_payee_accounts, seed_payment_batch

        for county in (GD_COUNTY, IM_COUNTY):
            accounts = seed_payee_accounts(county)
            run = seed_payment_batch(county)
            err.print(
                f"{county}: {accounts} synthetic payee accounts; payment batch "
                f"{run.batch.pk if run.batch else '-'} with {run.added} payments"
            )
        from jiuzhu.demo.signals import seed_demo_signals

        monitored = seed_demo_signals(settings.DATA_DIR / "signals")
        err.print(
            f"monitoring: {monitored['signals']} synthetic signals ({monitored['planted']} "
            f"planted hardships) → {monitored['warnings']} warnings {monitored['by_kind']}; "
            "grid worker: gd-assistant → 预警任务"
        )
        from jiuzhu.demo.signals import seed_demo_calls

        calls = seed_demo_calls(GD_COUNTY)
        err.print(f"hotline: {calls} synthetic 12345 calls (gd-caseworker → 热线工单)")
    err.print(f"seeded {households} synthetic households")


@demo_app.command("load")
def demo_load(
    households: Annotated[int, typer.Option("--households", min=1, max=20_000_000)] = 400_000,
    seed: Annotated[int, typer.Option("--seed")] = 7,
) -> None:
    """Load N synthetic households with COPY (PostgreSQL; for benchmarks and load tests)."""
    import time

    setup_django()
    from django.conf import settings

    from jiuzhu.demo.accounts import GD_COUNTY, IM_COUNTY
    from jiuzhu.demo.bulk_load import bulk_load
    from jiuzhu.regions.scope import system_scope
    from jiuzhu.regions.services import regions_generate_subdivisions

    if not settings.DEMO_MODE:
        err.print("[red]error:[/] synthetic data only in demo mode (JIUZHU_DEMO=1)")
        raise typer.Exit(2)
    started = time.perf_counter()
    with system_scope("demo load"):
        for county in (GD_COUNTY, IM_COUNTY):
            regions_generate_subdivisions(county, townships=5, villages=6)
        try:
            counts = bulk_load(
                households, [GD_COUNTY, IM_COUNTY], seed=seed, progress=lambda m: err.print(m)
            )
        except RuntimeError as exc:
            err.print(f"[red]error:[/] {exc}")
            raise typer.Exit(2) from None
    counts["seconds"] = round(time.perf_counter() - started, 1)  # type: ignore[assignment]
    sys.stdout.write(json.dumps(counts) + "\n")


@demo_app.command("departments")
def demo_departments(
    out_dir: Annotated[Path, typer.Option("--out", help="Folder for the departments' files.")],
    seed: Annotated[int, typer.Option("--seed")] = 2024,
    share: Annotated[
        float,
        typer.Option("--discrepancy-share", min=0.0, max=1.0, help="Households with a plant."),
    ] = 0.05,
    decoys: Annotated[
        float, typer.Option("--decoy-share", min=0.0, max=1.0, help="Near-identical ID decoys.")
    ] = 0.01,
    fmt: Annotated[str, typer.Option("--format", help="csv, parquet or xlsx")] = "csv",
    households: Annotated[
        int,
        typer.Option(
            "--households", min=0, max=5_000_000, help="Without the database: N generated."
        ),
    ] = 0,
) -> None:
    """Synthetic department data (one file per source) for the demo population, with a
    documented share of planted discrepancies and ground_truth.csv (docs/verification.md)."""
    from jiuzhu.synthetic.departments import (
        DEFAULT_AS_OF,
        generate_departments,
        population,
        write_departments,
    )

    if fmt not in ("csv", "parquet", "xlsx"):
        _fail("--format: csv, parquet or xlsx")
    if households:
        persons = population(households, seed=seed)
    else:
        setup_django()
        from django.conf import settings

        from jiuzhu.demo.departments import demo_population
        from jiuzhu.regions.scope import system_scope

        if not settings.DEMO_MODE:
            _fail("the demo population is read only in demo mode (or give --households N)")
        with system_scope("demo departments"):
            persons = demo_population(DEFAULT_AS_OF)
        if persons.height == 0:
            _fail("no synthetic households: run `jiuzhu demo seed` first (or --households N)")
    data = generate_departments(
        persons, seed=seed, discrepancy_share=share, decoy_share=decoys, as_of=DEFAULT_AS_OF
    )
    counts = write_departments(data, out_dir, fmt=fmt)
    result = {
        "out": str(out_dir),
        "as_of": DEFAULT_AS_OF.isoformat(),
        "members": persons.height,
        "files": counts,
        "planted": data.truth.get_column("discrepancy").value_counts().sort("discrepancy").rows(),
        "synthetic": True,
    }
    sys.stdout.write(json.dumps(result, ensure_ascii=False, indent=2) + "\n")


@demo_app.command("accounts")
def demo_accounts() -> None:
    """The demo accounts with their password and current TOTP code."""
    setup_django()
    from django_otp.oath import totp
    from django_otp.plugins.otp_totp.models import TOTPDevice

    from jiuzhu.accounts.models import User
    from jiuzhu.demo.accounts import DEMO_PASSWORD

    table = Table(title="演示账户 / demo accounts (synthetic data only)")
    out.print(f"Demo password for every account: [bold]{DEMO_PASSWORD}[/]")
    for column in ("username", "role", "area", "TOTP now"):
        table.add_column(column)
    for user in User.objects.filter(demo=True).select_related("area").order_by("username"):
        device = TOTPDevice.objects.filter(user=user).first()
        code = (
            f"{totp(device.bin_key, step=device.step, digits=device.digits):06d}" if device else "-"
        )
        table.add_row(
            user.username, user.get_role_display(), user.area.name if user.area else "", code
        )
    out.print(table)
    out.print(
        "The TOTP code changes every 30 s: `jiuzhu demo accounts` again, or read it on the "
        "verification page (shown there in demo mode only)."
    )


@audit_app.command("verify")
def audit_verify(
    write: Annotated[
        bool, typer.Option("--checkpoint/--no-checkpoint", help="Append checkpoints (default).")
    ] = True,
) -> None:
    """Walk both hash chains and compare them and the ledger with the last checkpoints
    outside the database (JIUZHU_CHECKPOINT_DIR); append new checkpoints for what holds;
    exit 1 naming the first broken row, a truncated tail or a re-chained history."""
    setup_django()
    from jiuzhu.audit.checkpoints import run

    ok, report = run(write=write)  # the ledgers the contexts registered (benefits.apps)
    sys.stdout.write(json.dumps(report, ensure_ascii=False, indent=2) + "\n")
    if not ok:
        raise typer.Exit(1)


@audit_app.command("schedule")
def audit_schedule() -> None:
    """Queue the worker's checkpoint run (every JIUZHU_CHECKPOINT_EVERY_MINUTES), unless one
    is waiting already; `jiuzhu worker` does this when it starts."""
    setup_django()
    from jiuzhu.audit.tasks import schedule

    at = schedule()
    sys.stdout.write(
        json.dumps({"scheduled": at.isoformat(timespec="seconds") if at else None}) + "\n"
    )


def worker(
    max_tasks: Annotated[
        int, typer.Option("--max-tasks", min=0, help="Stop after this many (0: run on).")
    ] = 0,
    interval: Annotated[
        float, typer.Option("--interval", min=0.1, help="Seconds between looks for work.")
    ] = 1.0,
) -> None:
    """Run the background jobs (django-tasks, database backend): the scheduled checkpoints
    of the audit log and the ledger. Run one (or more) beside the web server."""
    setup_django()
    from django.core.management import call_command

    from jiuzhu.audit.tasks import schedule

    schedule()
    options: dict[str, object] = {"interval": interval, "no_startup_delay": True}
    if max_tasks:
        options["max_tasks"] = max_tasks
    call_command("db_worker", **options)


@audit_app.command("relink")
def audit_relink() -> None:
    """Once, on upgrading to the keyed chain: re-link both logs with JIUZHU_AUDIT_KEY after
    checking the old unkeyed chain holds (as the owner: DATABASE_OWNER_URL). Exit 1 naming
    the first broken row, leaving the logs unchanged."""
    from jiuzhu.config.env import use_owner_database

    use_owner_database()
    setup_django()
    from jiuzhu.audit.chain import relink
    from jiuzhu.audit.models import AccessEvent, AuditEvent

    report: dict[str, dict[str, object]] = {}
    for name, model in (("audit", AuditEvent), ("access", AccessEvent)):
        verdict = relink(model)
        report[name] = {"ok": verdict.ok, "rows": verdict.rows}
        if not verdict.ok:
            report[name] |= {"first_broken_id": verdict.first_broken_id, "reason": verdict.reason}
    sys.stdout.write(json.dumps(report, ensure_ascii=False, indent=2) + "\n")
    if not all(entry["ok"] for entry in report.values()):
        raise typer.Exit(1)


def _fail(message: str) -> None:
    from rich.markup import escape

    err.print(f"[bold red]error:[/] {escape(message)}")
    raise typer.Exit(2)


@users_app.command("create")
def users_create(
    username: Annotated[str, typer.Option("--username")],
    role: Annotated[str, typer.Option("--role", help="e.g. township_caseworker, system_admin")],
    area: Annotated[str, typer.Option("--area", help="Region code of the user's area")],
    name: Annotated[str, typer.Option("--name", help="Display name")] = "",
    household: Annotated[
        str, typer.Option("--household", help="An applicant's own household number")
    ] = "",
) -> None:
    """Create a user; the password is asked twice (or read from JIUZHU_NEW_PASSWORD); staff get
    a TOTP device whose enrolment QR code and URI are printed once. An applicant account is
    linked to their household (`--household`): the portal shows that household only."""
    setup_django()
    from jiuzhu.accounts.services import AccountError, user_create
    from jiuzhu.regions.scope import system_scope

    password = os.environ.get("JIUZHU_NEW_PASSWORD") or typer.prompt(
        "password", hide_input=True, confirmation_prompt=True
    )
    try:
        with system_scope("cli users create"):
            user, uri = user_create(
                actor=None,
                username=username,
                password=password,
                role=role,
                area_code=area,
                display_name=name,
                household_number=household,
            )
    except AccountError as exc:
        _fail(str(exc))
        return
    result = {"username": user.username, "role": user.role, "area": area, "totp": bool(uri)}
    if uri:
        import qrcode

        qr = qrcode.QRCode(border=1)
        qr.add_data(uri)
        qr.print_ascii(out=sys.stderr)
        err.print(f"TOTP enrolment (shown once): {uri}")
    sys.stdout.write(json.dumps(result) + "\n")


@users_app.command("disable")
def users_disable(
    username: Annotated[str, typer.Option("--username")],
    reason: Annotated[str, typer.Option("--reason")],
) -> None:
    """Disable a user: their sessions end at their next request."""
    setup_django()
    from jiuzhu.accounts.models import User
    from jiuzhu.accounts.services import user_set_active
    from jiuzhu.regions.scope import system_scope

    user = User.objects.filter(username=username).first()
    if user is None:
        _fail(f"no user {username!r}")
        return
    with system_scope("cli users disable"):
        user_set_active(actor=None, user=user, active=False, reason=reason)
    sys.stdout.write(json.dumps({"username": username, "active": False}) + "\n")


@tokens_app.command("create")
def tokens_create(
    username: Annotated[str, typer.Option("--username", help="The system account using it")],
    name: Annotated[str, typer.Option("--name", help="What the token is for")],
) -> None:
    """Create an API token; it is printed once and only its hash is kept."""
    setup_django()
    from jiuzhu.accounts.models import User
    from jiuzhu.accounts.services import AccountError, api_token_create
    from jiuzhu.regions.scope import system_scope

    user = User.objects.filter(username=username, is_active=True).first()
    if user is None:
        _fail(f"no active user {username!r}")
        return
    try:
        with system_scope("cli tokens create"):
            token, raw = api_token_create(actor=None, user=user, name=name)
    except AccountError as exc:
        _fail(str(exc))
        return
    sys.stdout.write(
        json.dumps({"username": username, "name": name, "prefix": token.prefix, "token": raw})
        + "\n"
    )


@db_app.command("roles")
def db_roles(
    owner: Annotated[str, typer.Option("--owner", help="The role that owns and migrates")] = (
        "jiuzhu_owner"
    ),
    app_role: Annotated[str, typer.Option("--app", help="The application's role")] = "jiuzhu_app",
    database: Annotated[str, typer.Option("--database", help="The database")] = "jiuzhu",
    apply: Annotated[
        bool, typer.Option("--apply", help="Run it on DATABASE_OWNER_URL (a superuser)")
    ] = False,
) -> None:
    """Print (or apply) the SQL that makes the two roles: run once by a superuser, e.g.
    `jiuzhu db roles | sudo -u postgres psql -d jiuzhu -v ON_ERROR_STOP=1`; then
    `jiuzhu db migrate` grants the application's role on the tables (docs/operations.md)."""
    from jiuzhu.audit.roles import setup_sql

    statements = setup_sql(owner, app_role, database)
    if not apply:
        sys.stdout.write("".join(f"{s};\n" for s in statements))
        return
    from jiuzhu.config.env import use_owner_database

    if not use_owner_database():
        _fail("--apply needs DATABASE_OWNER_URL (a superuser's connection)")
    setup_django()
    from django.db import connection

    from jiuzhu.audit.roles import apply as run_sql

    run_sql(connection, statements)
    err.print(f"roles {owner} and {app_role} set up on {database}")


@db_app.command("migrate")
def db_migrate() -> None:
    """Migrate as the owner (DATABASE_OWNER_URL), then grant the application's role
    (JIUZHU_DB_APP_ROLE): INSERT and SELECT only on the logs and the ledger."""
    from jiuzhu.config.env import use_owner_database

    if not use_owner_database():
        err.print("note: DATABASE_OWNER_URL is not set; migrating on DATABASE_URL")
    setup_django()
    from django.conf import settings
    from django.core.management import call_command
    from django.db import connection

    from jiuzhu.audit.roles import apply as run_sql
    from jiuzhu.audit.roles import grant_sql

    call_command("migrate", interactive=False, verbosity=1)
    if connection.vendor == "postgresql" and settings.JIUZHU_DB_APP_ROLE:
        run_sql(connection, grant_sql(settings.JIUZHU_DB_APP_ROLE))  # also when nothing migrated
        err.print(f"granted {settings.JIUZHU_DB_APP_ROLE}: INSERT and SELECT only on the logs")
