"""Run inside the bench database's Django (see payments_pg.py): load the households, give
each an entitlement and a payee account, then time the month's batch (run → approve → bank
file) and a standard adjustment (P-05). Prints JSON lines; the last one is the result."""

from __future__ import annotations

import datetime as dt
import json
import sys
import time
from typing import Any

import django

COUNTY = "440104"


def say(data: dict[str, Any]) -> None:
    sys.stdout.write(json.dumps(data) + "\n")
    sys.stdout.flush()


def peak_mb() -> float:
    import resource

    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def setup(n: int) -> dict[str, float]:
    from django.db import connection
    from django.utils import timezone

    from jiuzhu.benefits.accounts import payee_account_row
    from jiuzhu.db import bulk_insert
    from jiuzhu.demo.bulk_load import bulk_load
    from jiuzhu.regions.services import regions_generate_subdivisions
    from jiuzhu.registry.models import Household

    times: dict[str, float] = {}
    started = time.perf_counter()
    regions_generate_subdivisions(COUNTY, townships=5, villages=6)
    bulk_load(n, [COUNTY], seed=11)
    times["load_households"] = time.perf_counter() - started
    started = time.perf_counter()
    now = timezone.now()
    with connection.cursor() as cursor:  # one dibao entitlement per household, 300–1299 yuan
        cursor.execute(
            """
            INSERT INTO benefits_entitlement (household_id, seq, region_code, category,
                monthly_amount, one_off, start_month, status, status_reason, decided_on,
                created_at, updated_at)
            SELECT id, 1, region_code, 'dibao', 300 + (id %% 1000) + (id %% 100) / 100.0, false,
                '2024-01-01', 'active', 'decision', '2023-12-15', %s, %s
            FROM registry_household
            """,
            [now, now],
        )
    times["entitlements"] = time.perf_counter() - started
    started = time.perf_counter()
    ids = list(Household.unscoped.order_by("id").values_list("id", "region_code"))
    for i in range(0, len(ids), 50_000):
        bulk_insert(
            [
                payee_account_row(
                    Household(id=h, region_code=region),
                    holder_name="合成户主",
                    bank_name="合成农商银行",
                    account_number=f"62220200{h:011d}",
                )
                for h, region in ids[i : i + 50_000]
            ]
        )
    times["payee_accounts"] = time.perf_counter() - started
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    return times


def payments(n: int) -> dict[str, Any]:
    from django.utils import timezone
    from tests.factories import make_user

    from jiuzhu.benefits.bank import batch_export
    from jiuzhu.benefits.ledger import control_report
    from jiuzhu.benefits.payments import batch_approve, payments_run
    from jiuzhu.regions.scope import Scope, using_scope

    month = timezone.localdate().replace(day=1)
    approver = make_user("county_officer", COUNTY, username="bench-approver")
    out: dict[str, Any] = {}
    started = time.perf_counter()
    result = payments_run(actor=None, county=COUNTY, month=month)
    out["run_seconds"] = time.perf_counter() - started
    assert result.batch is not None
    out["payments"] = result.batch.payment_count
    out["total"] = f"{result.batch.total_amount:.2f}"
    with using_scope(Scope(COUNTY)):
        step = time.perf_counter()
        batch_approve(actor=approver, batch_id=result.batch.pk)
        out["approve_seconds"] = time.perf_counter() - step
        step = time.perf_counter()
        export = batch_export(actor=approver, batch_id=result.batch.pk, file_format="csv")
        out["export_seconds"] = time.perf_counter() - step
    out["file_bytes"] = len(export.content)
    out["total_seconds"] = time.perf_counter() - started
    step = time.perf_counter()
    out["balanced"] = control_report(COUNTY, month)["balanced"]
    out["control_seconds"] = time.perf_counter() - step
    out["peak_mb"] = peak_mb()
    return out


def adjustment() -> dict[str, Any]:
    from tests.factories import make_user

    from jiuzhu.benefits.adjustments import adjustment_apply, adjustment_prepare
    from jiuzhu.benefits.models import Adjustment
    from jiuzhu.regions.scope import Scope, using_scope

    marks: list[tuple[str, float]] = []
    started = time.perf_counter()
    prepared = adjustment_prepare(
        actor=None,
        region=COUNTY,
        effective=dt.date(2025, 1, 1),
        first_payment=dt.date(2025, 6, 1),
        progress=lambda name: marks.append((name, time.perf_counter())),
    )
    done = time.perf_counter()
    points = [*marks, ("end", done)]
    phases = {name: points[i + 1][1] - at for i, (name, at) in enumerate(points[:-1])}
    out: dict[str, Any] = {
        "households": prepared.adjustment.households,
        "diff_seconds": points[-2][1] - started,  # read, evaluate, diff (before storing)
        "prepare_seconds": done - started,
        "phases": phases,
        "totals": prepared.adjustment.summary["totals"],
    }
    approver = make_user("county_officer", COUNTY, username="bench-adjuster")
    Adjustment.unscoped.filter(pk=prepared.adjustment.pk).update(
        status="approved", approved_by=approver
    )
    with using_scope(Scope(COUNTY)):
        step = time.perf_counter()
        result = adjustment_apply(actor=approver, adjustment_id=prepared.adjustment.pk)
        out["apply_seconds"] = time.perf_counter() - step
    out["applied_households"] = result["households_changed"]
    out["peak_mb"] = peak_mb()
    return out


def main() -> None:
    django.setup()
    from jiuzhu.regions.scope import system_scope

    n = int(sys.argv[1])
    with system_scope("bench payments"):
        times = setup(n)
        say({"setup": times})
        paid = payments(n)
        say({"payments": paid})
        adjusted = adjustment()
        say({"adjustment": adjusted})
    say({"households": n, "setup": times, "payments": paid, "adjustment": adjusted})


if __name__ == "__main__":
    main()
