"""Entitlements from decisions, and their changes of status, each with its reason.

`entitlements_from_decisions` runs inside the transaction of the approval (cases/batch.py
calls it for all the cases a step approved, one for `case_act`, thousands for
`case_act_many`): no query per case — the approved cases are in memory, their instalments
are read in one query, the entitlements, their first history rows and their audit rows are
inserted together.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from django.db import transaction
from django.utils import timezone

from jiuzhu.accounts.roles import Can
from jiuzhu.audit.services import audit_record, audit_record_many
from jiuzhu.benefits import errors
from jiuzhu.benefits.models import (
    Category,
    ChangeReason,
    Entitlement,
    EntitlementChange,
    Status,
)
from jiuzhu.cases.models import Case, Instalment
from jiuzhu.db import bulk_insert
from jiuzhu.registry import errors as registry_errors
from jiuzhu.registry.errors import ServiceError
from jiuzhu.rules import categories
from jiuzhu.rules.dynamic_management import recognition_months
from jiuzhu.rules.procedure import add_months, first_payment_month

# an approved case of a monthly category is paid under that category; of a one-off
# category, once as temporary aid; of a recognition, nothing, for its term
MONTHLY = frozenset(categories.MONTHLY)
TEMPORARY = frozenset(categories.ONE_OFF)
RECOGNISED = frozenset(categories.RECOGNITIONS)
# status changes a person may make (the rest follow from decisions and reviews)
ALLOWED = {
    Status.ACTIVE: {Status.SUSPENDED, Status.GRADUAL_EXIT, Status.TERMINATED},
    Status.SUSPENDED: {Status.ACTIVE, Status.TERMINATED},
    Status.GRADUAL_EXIT: {Status.TERMINATED, Status.SUSPENDED},
    Status.TERMINATED: set(),
}


class ApprovalWithoutEntitlement(RuntimeError):
    """An approved monthly category without an amount to pay: the approval must not commit
    (the cases context checks the amount first; this is the invariant behind it)."""

    def __init__(self, number: str) -> None:
        super().__init__(f"case {number}: approved without an entitlement (no positive amount)")


def month_of(day: dt.date) -> dt.date:
    return day.replace(day=1)


PERSON_KEYS = ("categories", "tekun_members", "single_person_members")


def _persons_of(cases: list[Case]) -> dict[int, dict[str, Any]]:
    """What `_person` reads of each case's frozen evaluation: from memory, or for a batch
    step (which leaves the large column unloaded) three keys of it in one query."""
    known = {c.id: c.__dict__["evaluation"] or {} for c in cases if "evaluation" in c.__dict__}
    missing = [c.id for c in cases if c.id not in known]
    if missing:
        keys = [f"evaluation__{k}" for k in PERSON_KEYS]
        for row in Case.unscoped.filter(id__in=missing).values("id", *keys):
            known[row["id"]] = {k: row[f"evaluation__{k}"] for k in PERSON_KEYS}
    return known


def _person(case: Case, evaluation: dict[str, Any]) -> int | None:
    """The member a per-person benefit belongs to: 特困 is a person's (C-01); a dibao
    decision for a household that is not itself eligible covers its single-person member
    (单人保, C-05). Several such members share the household's entitlement."""
    refs: list[str] = []
    if case.kind == "tekun":
        refs = list(evaluation.get("tekun_members") or [])
    elif case.kind == "dibao" and "dibao" not in (evaluation.get("categories") or []):
        refs = list(evaluation.get("single_person_members") or [])
    return int(refs[0]) if len(refs) == 1 and str(refs[0]).isdigit() else None


def _monthly(case: Case, evaluation: dict[str, Any], today: dt.date) -> list[Entitlement]:
    amount = case.decided_amount
    if amount is None or amount <= 0:
        return []
    decided = case.decided_on or today
    return [
        Entitlement(
            household_id=case.household_id,
            member_id=_person(case, evaluation),
            case=case,
            region_code=case.region_code,
            category=case.kind,
            monthly_amount=amount,
            start_month=first_payment_month(case.region_code, decided),
            status=Status.ACTIVE,
            status_reason=ChangeReason.DECISION,
            decided_on=decided,
        )
    ]


def recognition_of(case: Case, category: str, start: dt.date) -> Entitlement:
    """A recognition (低保边缘, 刚性支出困难: nothing paid) of the case from `start` for its
    term (rules.dynamic_management.recognition_months; open when unset)."""
    decided = case.decided_on or start
    months = recognition_months(category, case.region_code, decided)
    return Entitlement(
        household_id=case.household_id,
        case=case,
        region_code=case.region_code,
        category=category,
        monthly_amount=Decimal(0),
        start_month=start,
        end_month=add_months(start, months - 1) if months else None,
        status=Status.ACTIVE,
        status_reason=ChangeReason.REVIEW if case.kind == "review" else ChangeReason.DECISION,
        decided_on=decided,
    )


def _one_off(case: Case, staged: list[Instalment], today: dt.date) -> list[Entitlement]:
    """Temporary aid is paid once, in the month of the decision (or each instalment in its
    month, A-08), less what the reserve fund paid first (A-07)."""
    decided = case.decided_on or today
    parts = [(i.amount, month_of(i.due_on)) for i in staged] or [
        (case.decided_amount or Decimal(0), month_of(decided))
    ]
    prepaid = case.prepaid_amount or Decimal(0)
    rows = []
    for seq, (amount, month) in enumerate(parts, start=1):
        covered = min(prepaid, amount)
        prepaid -= covered
        if amount - covered <= 0:
            continue
        rows.append(
            Entitlement(
                household_id=case.household_id,
                case=case,
                seq=seq,
                region_code=case.region_code,
                category=Category.TEMPORARY,
                monthly_amount=amount - covered,
                one_off=True,
                start_month=month,
                end_month=month,
                status=Status.ACTIVE,
                status_reason=ChangeReason.DECISION,
                decided_on=decided,
            )
        )
    return rows


def entitlements_from_decisions(*, actor: Any, cases: list[Case], today: dt.date) -> None:
    """The entitlements of the cases just approved, inside the approval's transaction."""
    chosen = [c for c in cases if c.kind in MONTHLY or c.kind in TEMPORARY or c.kind in RECOGNISED]
    if not chosen:
        return
    staged: dict[int, list[Instalment]] = {}
    temporary = [c.id for c in chosen if c.kind in TEMPORARY]
    if temporary:
        for instalment in Instalment.unscoped.filter(case_id__in=temporary).order_by("seq"):
            staged.setdefault(instalment.case_id, []).append(instalment)
    evaluations = _persons_of([c for c in chosen if c.kind in MONTHLY])
    rows: list[Entitlement] = []
    for case in chosen:
        if case.kind in MONTHLY:
            made = _monthly(case, evaluations.get(case.id, {}), today)
            if not made:  # SECURITY.md 4: an approved monthly benefit always has its entitlement
                raise ApprovalWithoutEntitlement(case.number)
            rows.extend(made)
        elif case.kind in RECOGNISED:
            rows.append(recognition_of(case, case.kind, month_of(case.decided_on or today)))
        else:
            rows.extend(_one_off(case, staged.get(case.id, []), today))
    if rows:
        _insert(rows, actor, ChangeReason.DECISION)


def _insert(rows: list[Entitlement], actor: Any, reason: str) -> None:
    now = timezone.now()
    bulk_insert(rows, with_ids=True)
    bulk_insert(
        [
            EntitlementChange(
                entitlement_id=e.pk,
                region_code=e.region_code,
                reason=reason,
                from_status="",
                to_status=e.status,
                amount_after=e.monthly_amount,
                effective_month=e.start_month,
                actor=actor if getattr(actor, "pk", None) else None,
                actor_name=actor.get_username() if actor is not None else "system",
                at=now,
            )
            for e in rows
        ]
    )
    audit_record_many(
        actor=actor,
        changes=[
            {
                "action": "entitlement.create",
                "object_type": "entitlement",
                "object_id": e.pk,
                "region_code": e.region_code,
                "new": {
                    "case": e.case_id,
                    "household": e.household_id,
                    "member": e.member_id,
                    "category": e.category,
                    "monthly_amount": str(e.monthly_amount),
                    "start_month": e.start_month.isoformat(),
                    "end_month": e.end_month.isoformat() if e.end_month else None,
                    "reason": reason,
                },
            }
            for e in rows
        ],
    )


def entitlement_change_status(
    *,
    actor: Any,
    entitlement: Entitlement,
    status: str,
    reason: str,
    effective_month: dt.date,
    note: str = "",
) -> Entitlement:
    """Suspend, resume, start the gradual exit (B-03) or terminate an entitlement from a
    month on, with the reason kept in the history. Terminating sets the last month paid
    (the month before `effective_month`)."""
    if actor is None or not actor.can(Can.DECIDE):
        raise ServiceError(registry_errors.NOT_ALLOWED)
    if reason not in ChangeReason.values:
        raise ServiceError(errors.REASON_REQUIRED, field="reason")
    with transaction.atomic(durable=True):
        locked = Entitlement.objects.select_for_update().filter(id=entitlement.id).first()
        if locked is None:
            raise ServiceError(registry_errors.REGION_OUTSIDE)
        old = locked.status
        if status not in ALLOWED.get(Status(old), set()):
            raise ServiceError(
                errors.STATUS_CHANGE.format(old=Status(old).label, new=status), field="status"
            )
        month = month_of(effective_month)
        locked.status, locked.status_reason = status, reason
        if status == Status.TERMINATED:
            locked.end_month = max(locked.start_month, add_months(month, -1))
        locked.save(update_fields=["status", "status_reason", "end_month", "updated_at"])
        EntitlementChange.objects.create(
            entitlement=locked,
            region_code=locked.region_code,
            reason=reason,
            from_status=old,
            to_status=status,
            amount_before=locked.monthly_amount,
            amount_after=locked.monthly_amount,
            effective_month=month,
            note=note.strip()[:500],
            actor=actor,
            actor_name=actor.get_username(),
            at=timezone.now(),
        )
        audit_record(
            actor=actor,
            action="entitlement.status",
            object_type="entitlement",
            object_id=locked.pk,
            region_code=locked.region_code,
            old={"status": old},
            new={"status": status, "reason": reason, "effective_month": month.isoformat()},
        )
    return locked
