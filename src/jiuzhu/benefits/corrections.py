"""Corrections of entitlements and the recovery of overpayments (F-02, F-04).

A correction names the months affected, what should have been paid each month and its cause
(F-04: shared data that was wrong, the household's concealment, a staff error, other). The
staff member is held responsible only for a staff error — the cause is recorded and shown,
never left out. Concealment flags the household for the credit list (失信管理, D-02; the list
itself is a later issue). What was overpaid in the months' paid payments becomes a Recovery
with a schedule of instalments; each repayment is recorded with `recovery` postings in the
ledger (money from `paid` back to the `fund`), allocated to the overpaid payments oldest
first, so that the ledger and the payments keep agreeing to the cent (ledger.py).
"""

from __future__ import annotations

import datetime as dt
from decimal import ROUND_DOWN, Decimal, InvalidOperation
from typing import Any

from django.db import transaction
from django.db.models import Sum
from django.utils import timezone

from jiuzhu.accounts.roles import Can
from jiuzhu.audit.services import audit_record
from jiuzhu.benefits import dynamic_errors as errors
from jiuzhu.benefits import flows
from jiuzhu.benefits.entitlements import month_of
from jiuzhu.benefits.models import (
    MOVES,
    ChangeReason,
    Correction,
    CorrectionCause,
    Entitlement,
    EntitlementChange,
    Payment,
    PaymentStatus,
    Posting,
    PostingKind,
    Recovery,
    RecoveryStatus,
    Repayment,
)
from jiuzhu.db import bulk_insert
from jiuzhu.registry import errors as registry_errors
from jiuzhu.registry.errors import ServiceError
from jiuzhu.rules.procedure import add_months

ZERO = Decimal("0.00")
CENT = Decimal("0.01")
MAX_INSTALMENTS = 60
STAFF_RESPONSIBLE = frozenset({CorrectionCause.STAFF_ERROR})  # F-04


def _require(actor: Any) -> None:
    if actor is None or not actor.can(Can.DECIDE):
        raise ServiceError(registry_errors.NOT_ALLOWED)


def parse_money(raw: Any, field: str, *, positive: bool = False) -> Decimal:
    """Yuan as Decimal with two decimals at most (≥ 0, or > 0 when `positive`)."""
    try:
        value = Decimal(str(raw).strip())
    except (InvalidOperation, ValueError):
        raise ServiceError(errors.AMOUNT_INVALID, field=field) from None
    if not value.is_finite() or value != value.quantize(CENT) or value < 0:
        raise ServiceError(errors.AMOUNT_INVALID, field=field)
    if (positive and value == 0) or value >= Decimal("1e10"):
        raise ServiceError(errors.AMOUNT_INVALID, field=field)
    return value.quantize(CENT)


def schedule_of(owed: Decimal, instalments: int, first: dt.date) -> list[dict[str, str]]:
    """Equal monthly instalments from `first`, the last one taking the cents left over (no
    more instalments than cents owed)."""
    instalments = max(1, min(instalments, int(owed / CENT)))
    part = (owed / instalments).quantize(CENT, rounding=ROUND_DOWN)
    amounts = [part] * (instalments - 1) + [owed - part * (instalments - 1)]
    return [
        {"due": f"{add_months(first, i):%Y-%m}", "amount": f"{a:.2f}"}
        for i, a in enumerate(amounts)
    ]


def allocate(amount: Decimal, open_portions: list[Decimal]) -> list[Decimal]:
    """A repayment spread over what is still owed on each payment, oldest first: the parts
    sum to the amount when it is not more than the total, and none exceeds its portion."""
    parts, left = [], amount
    for portion in open_portions:
        take = min(portion, left) if portion > 0 else ZERO
        parts.append(take)
        left -= take
    return parts


def _overpaid_payments(correction: Correction) -> list[tuple[Payment, Decimal]]:
    """The correction's paid payments and what each paid too much, oldest first."""
    paid = Payment.unscoped.filter(
        entitlement_id=correction.entitlement_id,
        month__gte=correction.month_from,
        month__lte=correction.month_to,
        status=PaymentStatus.PAID,
    ).order_by("month", "id")
    return [(p, p.amount - correction.correct_amount) for p in paid]


def _validate_months(month_from: dt.date, month_to: dt.date, today: dt.date) -> None:
    if month_to < month_from or month_to > month_of(today):
        raise ServiceError(errors.MONTHS_INVALID, field="months")


def entitlement_correct(
    *,
    actor: Any,
    entitlement_id: int,
    cause: str,
    month_from: dt.date,
    month_to: dt.date,
    correct_amount: Any,
    note: str,
    instalments: int = 1,
    credit_flag: bool | None = None,
    today: dt.date | None = None,
) -> Correction:
    """Record a correction of past months (F-04) and the recovery of what was overpaid
    (F-02). `credit_flag` defaults to true for concealment. The entitlement's future amount
    is changed by a review (reviews.py), not here."""
    _require(actor)
    today = today or timezone.localdate()
    if cause not in CorrectionCause.values:
        raise ServiceError(errors.CAUSE_UNKNOWN, field="cause")
    month_from, month_to = month_of(month_from), month_of(month_to)
    _validate_months(month_from, month_to, today)
    correct = parse_money(correct_amount, "correct_amount")
    if not note.strip():
        raise ServiceError(errors.NOTE_REQUIRED, field="note")
    if not 1 <= instalments <= MAX_INSTALMENTS:
        raise ServiceError(errors.INSTALMENTS_INVALID, field="instalments")
    with transaction.atomic(durable=True):
        entitlement = Entitlement.objects.select_for_update().filter(id=entitlement_id).first()
        if entitlement is None:
            raise ServiceError(errors.ENTITLEMENT_MISSING, field="entitlement")
        return _record(
            actor, entitlement, cause, (month_from, month_to), correct, note.strip(),
            instalments, cause == CorrectionCause.CONCEALMENT if credit_flag is None
            else credit_flag, today,
        )  # fmt: skip


def _record(
    actor: Any,
    entitlement: Entitlement,
    cause: str,
    months: tuple[dt.date, dt.date],
    correct: Decimal,
    note: str,
    instalments: int,
    credit_flag: bool,
    today: dt.date,
) -> Correction:
    now = timezone.now()
    correction = Correction(
        entitlement=entitlement, household_id=entitlement.household_id,
        region_code=entitlement.region_code, cause=cause,
        staff_at_fault=cause in STAFF_RESPONSIBLE, month_from=months[0], month_to=months[1],
        correct_amount=correct, overpaid=ZERO, underpaid=ZERO, credit_flag=credit_flag,
        note=note[:500], actor=actor, actor_name=actor.get_username(), at=now,
    )  # fmt: skip
    diffs = [d for _, d in _overpaid_payments(correction)]
    correction.overpaid = sum((d for d in diffs if d > 0), ZERO)
    correction.underpaid = sum((-d for d in diffs if d < 0), ZERO)
    correction.save()
    EntitlementChange.objects.create(
        entitlement=entitlement, region_code=entitlement.region_code,
        reason=ChangeReason.CORRECTION, from_status=entitlement.status,
        to_status=entitlement.status, amount_before=entitlement.monthly_amount,
        amount_after=correct if correct > 0 else entitlement.monthly_amount,
        effective_month=months[0],
        note=f"{CorrectionCause(cause).label}：{note}"[:500],
        actor=actor, actor_name=actor.get_username(), at=now,
    )  # fmt: skip
    recovery = None
    if correction.overpaid > 0:
        recovery = Recovery.objects.create(
            correction=correction, household_id=entitlement.household_id,
            region_code=entitlement.region_code, amount_owed=correction.overpaid,
            schedule=schedule_of(correction.overpaid, instalments, add_months(month_of(today), 1)),
            created_at=now, updated_at=now,
        )  # fmt: skip
    audit_record(
        actor=actor, action="entitlement.correct", object_type="entitlement",
        object_id=entitlement.pk, region_code=entitlement.region_code,
        new={
            "correction": correction.pk, "cause": cause,
            "staff_at_fault": correction.staff_at_fault,
            "months": [f"{months[0]:%Y-%m}", f"{months[1]:%Y-%m}"],
            "correct_amount": str(correct), "overpaid": str(correction.overpaid),
            "underpaid": str(correction.underpaid), "credit_flag": credit_flag,
            "recovery": recovery.pk if recovery else None,
        },
    )  # fmt: skip
    return correction


def _recovery_locked(recovery_id: int) -> Recovery:
    # the recovery's row only: the correction is append-only, and the application's role
    # may not lock it (row locks need UPDATE rights; SECURITY.md 21, docs/operations.md)
    recovery = (
        Recovery.objects.select_for_update(of=("self",))
        .select_related("correction")
        .filter(id=recovery_id)
        .first()
    )
    if recovery is None:
        raise ServiceError(errors.RECOVERY_MISSING, field="recovery")
    return recovery


def _recovery_postings(recovery: Recovery, amount: Decimal) -> list[Posting]:
    """The repayment's `recovery` postings: on the overpaid payments, oldest first, each up
    to what it overpaid less what was recovered on it before."""
    overpaid = [(p, d) for p, d in _overpaid_payments(recovery.correction) if d > 0]
    before = dict(
        Posting.unscoped.filter(kind=PostingKind.RECOVERY, payment__in=[p for p, _ in overpaid])
        .values("payment_id")
        .annotate(s=Sum("amount"))
        .values_list("payment_id", "s")
    )
    parts = allocate(amount, [d - (before.get(p.pk) or ZERO) for p, d in overpaid])
    credit, debit = MOVES[PostingKind.RECOVERY]
    now = timezone.now()
    return [
        Posting(
            kind=PostingKind.RECOVERY,
            debit=debit,
            credit=credit,
            amount=part,
            payment_id=p.pk,
            batch_id=p.batch_id,
            household_id=p.household_id,
            region_code=p.region_code,
            month=p.month,
            at=now,
        )
        for (p, _), part in zip(overpaid, parts, strict=True)
        if part > 0
    ]


def recovery_record_repayment(
    *,
    actor: Any,
    recovery_id: int,
    amount: Any,
    paid_on: dt.date,
    note: str = "",
    today: dt.date | None = None,
) -> Recovery:
    """Record money repaid (F-02): its ledger postings, the amount repaid and the status."""
    _require(actor)
    today = today or timezone.localdate()
    value = parse_money(amount, "amount", positive=True)
    if paid_on > today:
        raise ServiceError(errors.DATE_IN_FUTURE, field="paid_on")
    with transaction.atomic(durable=True):
        recovery = _recovery_locked(recovery_id)
        outstanding = recovery.amount_owed - recovery.repaid
        event = "repay_all" if value == outstanding else "repay_part"
        flows.check(flows.RECOVERY, recovery.status, event, actor)
        if value > outstanding:
            message = str(errors.REPAYMENT_TOO_MUCH).format(outstanding=f"{outstanding:.2f}")
            raise ServiceError(message, field="amount")
        postings = _recovery_postings(recovery, value)
        bulk_insert(postings)
        old = recovery.status
        recovery.repaid += value
        full = recovery.repaid == recovery.amount_owed
        recovery.status = RecoveryStatus.REPAID if full else RecoveryStatus.PARTIAL
        recovery.updated_at = timezone.now()
        recovery.save(update_fields=["repaid", "status", "updated_at"])
        Repayment.objects.create(
            recovery=recovery, region_code=recovery.region_code, amount=value, paid_on=paid_on,
            note=note.strip()[:200], actor=actor, actor_name=actor.get_username(),
            at=recovery.updated_at,
        )  # fmt: skip
        audit_record(
            actor=actor, action="recovery.repayment", object_type="recovery",
            object_id=recovery.pk, region_code=recovery.region_code,
            old={"status": old},
            new={"amount": str(value), "repaid": str(recovery.repaid), "status": recovery.status,
                 "postings": len(postings)},
        )  # fmt: skip
    return recovery


def recovery_write_off(*, actor: Any, recovery_id: int, reason: str) -> Recovery:
    """What cannot be recovered is written off, with the reason; nothing is posted."""
    _require(actor)
    if not reason.strip():
        raise ServiceError(errors.NOTE_REQUIRED, field="reason")
    with transaction.atomic(durable=True):
        recovery = _recovery_locked(recovery_id)
        flows.check(flows.RECOVERY, recovery.status, "write_off", actor)
        old = recovery.status
        recovery.status, recovery.status_note = RecoveryStatus.WRITTEN_OFF, reason.strip()[:500]
        recovery.updated_at = timezone.now()
        recovery.save(update_fields=["status", "status_note", "updated_at"])
        audit_record(
            actor=actor, action="recovery.write_off", object_type="recovery",
            object_id=recovery.pk, region_code=recovery.region_code, old={"status": old},
            new={"status": recovery.status, "reason": recovery.status_note,
                 "outstanding": str(recovery.amount_owed - recovery.repaid)},
        )  # fmt: skip
    return recovery


def recoveries_list(*, status: str | None = None, region: str = "") -> list[dict[str, Any]]:
    """The recoveries of the caller's area (and `region`) with their correction's cause and
    who is responsible (F-04), newest first."""
    rows = Recovery.objects.filter(region_code__startswith=region).select_related("correction")
    if status:
        rows = rows.filter(status=status)
    return [
        {
            "recovery_id": r.pk,
            "household_id": r.household_id,
            "region_code": r.region_code,
            "entitlement_id": r.correction.entitlement_id,
            "cause": r.correction.cause,
            "cause_label": str(CorrectionCause(r.correction.cause).label),
            "staff_at_fault": r.correction.staff_at_fault,
            "credit_flag": r.correction.credit_flag,
            "months": [f"{r.correction.month_from:%Y-%m}", f"{r.correction.month_to:%Y-%m}"],
            "amount_owed": f"{r.amount_owed:.2f}",
            "repaid": f"{r.repaid:.2f}",
            "outstanding": f"{r.amount_owed - r.repaid:.2f}",
            "status": r.status,
            "schedule": r.schedule,
        }
        for r in rows.order_by("-id")[:1000]
    ]
