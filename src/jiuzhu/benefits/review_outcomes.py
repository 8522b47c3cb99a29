"""What an approved review (D-01) does to the household's entitlement, inside the approval's
transaction (registered on `cases.batch.ON_APPROVED` next to `entitlements_from_decisions`).

The review's proposal carried the outcome (`Case.review_outcome`):

- **confirm** — nothing changed significantly: no recalculation (B-04), one history row;
- **adjust** — the new amount from the month after the decision; a change within the
  tolerance (parameters `review_confirm_tolerance_*`) is a confirm (B-04);
- **move_layer** — dibao ↔ 特困, or out of dibao into 低保边缘 (D-03: the review found the
  next layer; low-income is not paid monthly, so the entitlement ends);
- **gradual_exit** — status `gradual_exit` until the month of the engine's
  `gradual_exit_until`, or for `gradual_exit_months` from the month after (B-03);
- **terminate** — paid up to the month of the decision, with its written reason.

An amount or layer change ends the old entitlement and opens one of the review case (the
history of each stays whole, payments already made keep their entitlement). Set-based: the
reviewed households' entitlements are read in one query and written in bulk.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from django.db.models import Q
from django.utils import timezone

from jiuzhu.audit.services import audit_record_many
from jiuzhu.benefits.entitlements import MONTHLY, RECOGNISED, _insert, month_of, recognition_of
from jiuzhu.benefits.models import ChangeReason, Entitlement, EntitlementChange, Status
from jiuzhu.cases.models import Case, ReviewOutcome
from jiuzhu.db import bulk_insert, bulk_set
from jiuzhu.rules.dynamic_management import gradual_exit_months, significant_change
from jiuzhu.rules.procedure import add_months, first_payment_month

CURRENT = (Status.ACTIVE, Status.SUSPENDED, Status.GRADUAL_EXIT)
EVALUATION_KEYS = ("gradual_exit_until", "primary_category")


def _evaluations(cases: list[Case]) -> dict[int, dict[str, Any]]:
    known = {c.id: c.__dict__["evaluation"] or {} for c in cases if "evaluation" in c.__dict__}
    missing = [c.id for c in cases if c.id not in known]
    if missing:
        keys = [f"evaluation__{k}" for k in EVALUATION_KEYS]
        for row in Case.unscoped.filter(id__in=missing).values("id", *keys):
            known[row["id"]] = {k: row[f"evaluation__{k}"] for k in EVALUATION_KEYS}
    return known


def current_entitlements(household_ids: set[int], month: dt.date) -> dict[int, list[Entitlement]]:
    """Each household's monthly entitlements and recognitions still running in `month`,
    oldest first."""
    out: dict[int, list[Entitlement]] = {}
    for entitlement in (
        Entitlement.unscoped.filter(
            Q(end_month__isnull=True) | Q(end_month__gte=month),
            household_id__in=household_ids,
            category__in=[*MONTHLY, *RECOGNISED],
            status__in=CURRENT,
        )
        .order_by("id")
        .select_for_update()
    ):
        out.setdefault(entitlement.household_id, []).append(entitlement)
    return out


def _reviewed(case: Case, running: list[Entitlement]) -> Entitlement | None:
    """The entitlement a review is about: the one its parent decided, else the oldest paid
    one, else the oldest recognition."""
    paid = [e for e in running if e.category not in RECOGNISED]
    first = (paid or running)[0] if running else None
    return next((e for e in running if e.case_id == case.parent_id), first)


class _Writes:
    """What the reviews of one step change, written together at the end."""

    def __init__(self, actor: Any, today: dt.date) -> None:
        self.actor, self.today, self.now = actor, today, timezone.now()
        self.changed: list[Entitlement] = []
        self.history: list[EntitlementChange] = []
        self.created: list[Entitlement] = []
        self.audits: list[dict[str, Any]] = []

    def record(
        self, e: Entitlement, old_status: str, reason: str, month: dt.date, note: str
    ) -> None:
        self.history.append(
            EntitlementChange(
                entitlement_id=e.pk,
                region_code=e.region_code,
                reason=reason,
                from_status=old_status,
                to_status=e.status,
                amount_before=e.monthly_amount,
                amount_after=e.monthly_amount,
                effective_month=month,
                note=note[:500],
                actor=self.actor if getattr(self.actor, "pk", None) else None,
                actor_name=self.actor.get_username() if self.actor is not None else "system",
                at=self.now,
            )
        )
        self.audits.append(
            {
                "action": "entitlement.review",
                "object_type": "entitlement",
                "object_id": e.pk,
                "region_code": e.region_code,
                "old": {"status": old_status},
                "new": {
                    "status": e.status,
                    "reason": reason,
                    "end_month": e.end_month.isoformat() if e.end_month else None,
                    "note": note[:200],
                },
            }
        )

    def end(self, e: Entitlement, last: dt.date, status: str, reason: str, note: str) -> None:
        old = e.status
        e.status, e.status_reason = status, reason
        e.end_month = max(e.start_month, last)
        self.changed.append(e)
        self.record(e, old, reason, add_months(last, 1), note)

    def replace(
        self, case: Case, e: Entitlement | None, category: str, amount: Decimal, start: dt.date
    ) -> None:
        if e is not None and e.end_month is not None:
            start = max(start, add_months(e.end_month, 1))  # never two for one month
        self.created.append(
            Entitlement(
                household_id=case.household_id,
                member_id=e.member_id if e is not None and e.category == category else None,
                case=case,
                region_code=case.region_code,
                category=category,
                monthly_amount=amount,
                start_month=start,
                status=Status.ACTIVE,
                status_reason=ChangeReason.REVIEW,
                decided_on=case.decided_on or self.today,
            )
        )

    def write(self) -> None:
        now = timezone.now()
        for e in self.changed:
            e.updated_at = now
        bulk_set(self.changed, ["status", "status_reason", "end_month", "updated_at"])
        bulk_insert(self.history)
        audit_record_many(actor=self.actor, changes=self.audits)
        if self.created:
            _insert(self.created, self.actor, ChangeReason.REVIEW)


def effective_outcome(case: Case, e: Entitlement | None, decided: dt.date) -> str:
    """The outcome as it applies: a move to the entitlement's own layer is an adjustment,
    and an adjustment within the tolerance is a confirmation (B-04)."""
    outcome, amount = case.review_outcome, case.decided_amount
    if e is None:
        return outcome
    if outcome == ReviewOutcome.MOVE_LAYER and case.review_layer == e.category:
        outcome = ReviewOutcome.ADJUST
    if outcome == ReviewOutcome.ADJUST and e.category in RECOGNISED:
        return ReviewOutcome.CONFIRM  # a recognition has no amount to adjust
    small = amount is not None and not significant_change(
        case.region_code, decided, e.monthly_amount, amount
    )
    if outcome == ReviewOutcome.ADJUST and small:
        return ReviewOutcome.CONFIRM
    return outcome


def _replace(case: Case, e: Entitlement | None, outcome: str, start: dt.date, w: _Writes) -> None:
    """Adjust or move layer: the old entitlement ends with the decision's month and the new
    one starts the month after — a recognition for its term when the new layer pays
    nothing (低保边缘, D-03)."""
    moving = outcome == ReviewOutcome.MOVE_LAYER
    paid_layer = case.review_layer if case.review_layer in MONTHLY else None
    category = paid_layer if moving else (e.category if e else None)
    if e is not None:
        what = "转换类别" if moving else "调整金额"
        note = f"复核{what}（{case.number}）"
        if moving and category is None:
            note = f"复核转入{case.review_layer}（D-03，{case.number}）"
        w.end(e, add_months(start, -1), Status.TERMINATED, ChangeReason.REVIEW, note)
    amount = case.decided_amount
    if moving and case.review_layer in RECOGNISED:
        w.created.append(recognition_of(case, case.review_layer, start))
    elif category is not None and amount is not None and amount > 0:
        w.replace(case, e, category, amount, start)


def _gradual_exit(case: Case, e: Entitlement, until: Any, start: dt.date, w: _Writes) -> None:
    """B-03: the benefit continues until the month of the engine's `gradual_exit_until`, or
    for `gradual_exit_months` from the month after the decision."""
    if until:
        end = month_of(dt.date.fromisoformat(str(until)))
    else:  # read only when needed: unset where no document fixes it (P-01)
        months = gradual_exit_months(case.region_code, case.decided_on or w.today)
        end = add_months(start, months - 1)
    old = e.status
    e.status, e.status_reason = Status.GRADUAL_EXIT, ChangeReason.GRADUAL_EXIT
    e.end_month = max(e.start_month, end)
    w.changed.append(e)
    note = f"渐退期至{e.end_month:%Y-%m}（B-03，{case.number}）"
    w.record(e, old, ChangeReason.GRADUAL_EXIT, start, note)


def _apply(case: Case, e: Entitlement | None, evaluation: dict[str, Any], w: _Writes) -> None:
    decided = case.decided_on or w.today
    start = first_payment_month(case.region_code, decided)
    outcome = effective_outcome(case, e, decided)
    if outcome in (ReviewOutcome.ADJUST, ReviewOutcome.MOVE_LAYER):
        _replace(case, e, outcome, start, w)
    elif e is None:
        return  # nothing running to confirm, phase out or end
    elif outcome == ReviewOutcome.CONFIRM:
        note = f"复核维持，不重新核定（B-04，{case.number}）"
        w.record(e, e.status, ChangeReason.REVIEW, start, note)
    elif outcome == ReviewOutcome.GRADUAL_EXIT:
        _gradual_exit(case, e, evaluation.get("gradual_exit_until"), start, w)
    elif outcome == ReviewOutcome.TERMINATE:
        reason = case.decision_reason or case.number
        w.end(e, add_months(start, -1), Status.TERMINATED, ChangeReason.TERMINATION, reason)


def entitlements_from_reviews(*, actor: Any, cases: list[Case], today: dt.date) -> None:
    """The entitlement changes of the review cases just approved (the others are left)."""
    chosen = [c for c in cases if c.kind == "review" and c.review_outcome]
    if not chosen:
        return
    month = month_of(min(c.decided_on or today for c in chosen))
    running = current_entitlements({c.household_id for c in chosen}, month)
    evaluations = _evaluations(chosen)
    writes = _Writes(actor, today)
    for case in chosen:
        entitlement = _reviewed(case, running.get(case.household_id, []))
        _apply(case, entitlement, evaluations.get(case.id, {}), writes)
    writes.write()
