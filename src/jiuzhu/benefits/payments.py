"""Monthly payment batches per county: run (prepare), approve, and the months they cover.

A run is set-based and resumable: the county's due entitlements are taken in chunks of ids,
each chunk one transaction of one statement — `INSERT … SELECT … ON CONFLICT DO NOTHING`
into the payments (unique per entitlement and month, SECURITY.md 16) whose RETURNING rows
are the accrual postings inserted with them — with its audit row. Whatever happened before
(a finished run, a second worker running now, a run killed between chunks), running again
adds exactly the payments still missing: nobody is paid twice and nobody is missed. The
batch is `preparing` until a run has gone through every chunk, then `prepared`; it is
approved by someone who did not prepare it (F-01, SECURITY.md 4).
"""

from __future__ import annotations

import contextvars
import datetime as dt
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor, as_completed
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.db import connection, transaction
from django.db.models import Count, Exists, OuterRef, Q, QuerySet, Sum
from django.utils import timezone

from jiuzhu.accounts.roles import Can
from jiuzhu.audit.services import audit_record
from jiuzhu.benefits import errors, flows
from jiuzhu.benefits.models import (
    BatchKind,
    BatchStatus,
    Entitlement,
    Payment,
    PaymentBatch,
    Status,
)
from jiuzhu.benefits.subsidies import price_subsidies_grant
from jiuzhu.regions.models import Level, Region
from jiuzhu.registry import errors as registry_errors
from jiuzhu.registry.errors import ServiceError
from jiuzhu.rules.procedure import add_months

CHUNK = 20_000  # entitlements per transaction
WORKERS = 2  # connections running chunks at once (PostgreSQL)
MONTHS_AHEAD = 1  # a batch may be prepared for next month, not later


def parse_month(value: str) -> dt.date:
    """`YYYY-MM` → the first day of that month; anything else is refused."""
    text = (value or "").strip()
    try:
        if len(text) != 7 or text[4] != "-":
            raise ValueError
        month = dt.date(int(text[:4]), int(text[5:]), 1)
    except ValueError:
        raise ServiceError(errors.MONTH_INVALID, field="month") from None
    if not dt.date(2000, 1, 1) <= month <= dt.date(2099, 12, 1):
        raise ServiceError(errors.MONTH_INVALID, field="month")
    return month


def require(actor: Any, capability: Can) -> None:
    """The system (CLI, `actor=None`) may; a person needs the capability."""
    if actor is not None and not actor.can(capability):
        raise ServiceError(registry_errors.NOT_ALLOWED)


def county_checked(actor: Any, county: str) -> str:
    """A county-level region code inside the actor's area."""
    code = (county or "").strip()
    if not Region.objects.filter(code=code, level=Level.COUNTY).exists():
        raise ServiceError(errors.COUNTY_UNKNOWN, field="county")
    if actor is not None:
        prefix = actor.area.scope_prefix if actor.area else None
        if prefix is None or not code.startswith(prefix):
            raise ServiceError(errors.COUNTY_OUTSIDE, field="county")
    return code


def due_entitlements(county: str, month: dt.date) -> QuerySet[Entitlement]:
    """The county's entitlements payable for `month`: started, not ended, not suspended, not
    a recognition (which pays nothing)."""
    return Entitlement.unscoped.filter(
        Q(end_month__isnull=True) | Q(end_month__gte=month),
        region_code__startswith=county,
        start_month__lte=month,
        monthly_amount__gt=0,
    ).exclude(status=Status.SUSPENDED)


def _unpaid(county: str, month: dt.date) -> QuerySet[Entitlement]:
    paid = Payment.unscoped.filter(entitlement=OuterRef("pk"), month=month)
    return due_entitlements(county, month).filter(~Exists(paid))


# the chunk's missing payments and, in the same statement, their accrual postings: a payment
# is inserted with its accrual or not at all (ON CONFLICT returns only the rows it added)
INSERT_PAYMENTS = """
WITH added AS (
    INSERT INTO benefits_payment (batch_id, carrier_id, entitlement_id, household_id,
        region_code, month, category, amount, status, attempt, failure_reason, bank_reference)
    SELECT %(batch)s, %(batch)s, e.id, e.household_id, e.region_code, %(month)s, e.category,
        e.monthly_amount, 'pending', 1, '', ''
    FROM benefits_entitlement e
    WHERE e.region_code LIKE %(prefix)s AND e.id >= %(low)s AND e.id <= %(high)s
      AND e.status <> 'suspended' AND e.monthly_amount > 0 AND e.start_month <= %(month)s
      AND (e.end_month IS NULL OR e.end_month >= %(month)s)
    ORDER BY e.id
    ON CONFLICT (entitlement_id, month) DO NOTHING
    RETURNING id, amount, batch_id, household_id, region_code, month
)
INSERT INTO benefits_posting (kind, debit, credit, amount, payment_id, batch_id, household_id,
    region_code, month, at)
SELECT 'accrual', 'payable', 'fund', amount, id, batch_id, household_id, region_code, month,
    %(at)s
FROM added
"""
# SQLite (the embedded default) has no INSERT inside WITH: the payments, then the accruals of
# the chunk's payments that have none, in the same transaction
INSERT_PAYMENTS_ONLY = INSERT_PAYMENTS[
    INSERT_PAYMENTS.index("INSERT") : INSERT_PAYMENTS.index("    RETURNING")
]
INSERT_ACCRUALS = """
INSERT INTO benefits_posting (kind, debit, credit, amount, payment_id, batch_id, household_id,
    region_code, month, at)
SELECT 'accrual', 'payable', 'fund', p.amount, p.id, p.batch_id, p.household_id,
    p.region_code, p.month, %(at)s
FROM benefits_payment p
WHERE p.batch_id = %(batch)s AND p.entitlement_id >= %(low)s AND p.entitlement_id <= %(high)s
  AND NOT EXISTS (SELECT 1 FROM benefits_posting q WHERE q.payment_id = p.id
                  AND q.kind = 'accrual')
"""


@dataclass
class RunResult:
    batch: PaymentBatch | None  # None: nothing to pay and no batch open
    added: int
    candidates: int
    chunks: int


def _open_batch(actor: Any, county: str, month: dt.date) -> PaymentBatch | None:
    """The county-month's open batch, created if payments are missing; one even when two
    workers ask at once (the partial unique constraint, ON CONFLICT DO NOTHING)."""
    openness = {"region_code": county, "month": month, "kind": BatchKind.MONTHLY}
    found = PaymentBatch.unscoped.filter(status__in=["preparing", "prepared"], **openness)
    batch = found.first()
    if batch is not None:
        return batch
    if not _unpaid(county, month).exists():
        return None
    with transaction.atomic():
        PaymentBatch.unscoped.bulk_create(
            [
                PaymentBatch(
                    **openness,
                    prepared_by=actor,
                    prepared_by_name=actor.get_username() if actor else "system",
                )
            ],
            ignore_conflicts=True,
        )
    batch = found.first()
    assert batch is not None
    return batch


def _chunks(county: str, month: dt.date, size: int) -> list[tuple[int, int, int]]:
    """Id ranges of `size` due entitlements each, with their count (ids only, one query)."""
    ids = list(due_entitlements(county, month).order_by("id").values_list("id", flat=True))
    return [
        (ids[i], ids[min(i + size, len(ids)) - 1], len(ids[i : i + size]))
        for i in range(0, len(ids), size)
    ]


def _run_chunk(actor: Any, batch: PaymentBatch, low: int, high: int) -> int:
    params: dict[str, Any] = {
        "batch": batch.pk,
        "month": batch.month,
        "prefix": batch.region_code + "%",
        "low": low,
        "high": high,
        "at": timezone.now(),
    }
    with transaction.atomic(durable=True), connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            # foreign keys checked by the statement, not at commit: a chunk holds the audit
            # chain's lock (and an officer's batch row) only briefly
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
            cursor.execute(INSERT_PAYMENTS, params)
            added = max(cursor.rowcount, 0)  # accruals inserted: one per payment added
        else:
            cursor.execute(INSERT_PAYMENTS_ONLY, params)
            added = max(cursor.rowcount, 0)
            cursor.execute(INSERT_ACCRUALS, params)
        if added:
            audit_record(
                actor=actor,
                action="payment_batch.run",
                object_type="payment_batch",
                object_id=batch.pk,
                region_code=batch.region_code,
                new={"added": added, "entitlements": [low, high]},
            )
            if actor is not None:  # approval needs someone who added nothing (F-01)
                # FOR NO KEY UPDATE: it does not wait for another chunk's foreign-key check
                # on the batch row (FOR KEY SHARE), which waits for this chunk's audit lock
                locked = PaymentBatch.unscoped.select_for_update(no_key=True).get(pk=batch.pk)
                if actor.pk not in locked.preparers:
                    locked.preparers = [*locked.preparers, actor.pk]
                    locked.save(update_fields=["preparers"])
    return added


def _run_chunks(
    actor: Any,
    batch: PaymentBatch,
    ranges: list[tuple[int, int, int]],
    workers: int,
    progress: Callable[[int], None] | None,
) -> int:
    parallel = (
        workers > 1
        and len(ranges) > 1
        and connection.vendor == "postgresql"
        and not connection.in_atomic_block  # a caller's transaction (a test) is one connection
    )
    added = 0
    if not parallel:
        for low, high, n in ranges:
            added += _run_chunk(actor, batch, low, high)
            if progress is not None:
                progress(n)
        return added

    def work(low: int, high: int) -> int:  # in a pool thread: its own connection
        try:
            return _run_chunk(actor, batch, low, high)
        finally:
            connection.close()

    with ThreadPoolExecutor(max_workers=workers, thread_name_prefix="payments") as pool:
        # each chunk in a copy of the caller's context (the area scope, the request's ids)
        futures = {
            pool.submit(contextvars.copy_context().run, work, low, high): n
            for low, high, n in ranges
        }
        try:
            for future in as_completed(futures):
                added += future.result()
                if progress is not None:
                    progress(futures[future])
        except BaseException:
            for future in futures:  # a failed chunk stops the run; what committed stays
                future.cancel()
            raise
    return added


def batch_totals(batch: PaymentBatch) -> tuple[int, Decimal]:
    """Count and sum of the payments a batch's bank file carries."""
    totals = Payment.unscoped.filter(carrier=batch).aggregate(n=Count("id"), s=Sum("amount"))
    return totals["n"] or 0, totals["s"] or Decimal("0.00")


def payments_run(
    *,
    actor: Any,
    county: str,
    month: dt.date,
    chunk: int = CHUNK,
    progress: Callable[[int], None] | None = None,
    on_total: Callable[[int], None] | None = None,
    today: dt.date | None = None,
    workers: int = WORKERS,
) -> RunResult:
    """Prepare (or complete) the county's batch for `month`. `progress(n)` is told after
    each chunk has committed how many entitlements it went through. On PostgreSQL the
    chunks are run by `workers` connections at once (the database does the work; the
    unique constraint makes them safe to run side by side, as two workers are)."""
    require(actor, Can.PREPARE_PAYMENTS)
    county = county_checked(actor, county)
    today = today or timezone.localdate()
    if month > add_months(today.replace(day=1), MONTHS_AHEAD):
        raise ServiceError(errors.MONTH_AHEAD, field="month")
    price_subsidies_grant(actor=actor, county=county, month=month)  # P-05, when triggered
    batch = _open_batch(actor, county, month)
    if batch is None:
        return RunResult(None, 0, 0, 0)
    ranges = _chunks(county, month, max(1, chunk))
    candidates = sum(n for *_, n in ranges)
    if on_total is not None:
        on_total(candidates)
    added = _run_chunks(actor, batch, ranges, workers, progress)
    with transaction.atomic(durable=True):
        locked = PaymentBatch.unscoped.select_for_update().get(pk=batch.pk)
        count, total = batch_totals(locked)
        if locked.status == BatchStatus.PREPARING or (count, total) != (
            locked.payment_count,
            locked.total_amount,
        ):
            locked.payment_count, locked.total_amount = count, total
            if locked.status == BatchStatus.PREPARING:
                locked.status, locked.prepared_at = BatchStatus.PREPARED, timezone.now()
            locked.save(update_fields=["payment_count", "total_amount", "status", "prepared_at"])
            audit_record(
                actor=actor,
                action="payment_batch.prepare",
                object_type="payment_batch",
                object_id=locked.pk,
                region_code=locked.region_code,
                new={"payments": count, "total": str(total), "month": f"{month:%Y-%m}"},
            )
    return RunResult(locked, added, candidates, len(ranges))


def batch_locked(batch_id: int) -> PaymentBatch:
    """A batch of the caller's area, locked; another area's is the 404 of a missing one."""
    batch = PaymentBatch.objects.select_for_update().filter(pk=batch_id).first()
    if batch is None:
        raise ServiceError(errors.BATCH_MISSING, field="batch")
    return batch


def preparers_of(batch: PaymentBatch) -> set[int]:
    """Who prepared the batch (its first run and every run after): none of them approves."""
    return {p for p in (batch.prepared_by_id, *(batch.preparers or ())) if p is not None}


def batch_approve(*, actor: Any, batch_id: int) -> PaymentBatch:
    """The second pair of eyes (F-01): someone with APPROVE_PAYMENTS who did not prepare
    the batch approves it; its totals are checked again first."""
    if actor is None or not actor.can(Can.APPROVE_PAYMENTS):
        raise ServiceError(registry_errors.NOT_ALLOWED)
    with transaction.atomic(durable=True):
        batch = batch_locked(batch_id)
        flows.check(flows.BATCH, batch.status, "approve", actor, preparers=preparers_of(batch))
        count, total = batch_totals(batch)
        batch.payment_count, batch.total_amount = count, total
        batch.status, batch.approved_by, batch.approved_at = (
            BatchStatus.APPROVED,
            actor,
            timezone.now(),
        )
        batch.save()
        audit_record(
            actor=actor,
            action="payment_batch.approve",
            object_type="payment_batch",
            object_id=batch.pk,
            region_code=batch.region_code,
            old={"status": BatchStatus.PREPARED},
            new={"status": BatchStatus.APPROVED, "payments": count, "total": str(total)},
        )
    return batch
