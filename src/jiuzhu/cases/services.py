"""Writes of the cases context: intake, every transition, checklists, documents, the reserve
fund and case numbers. Each is one transaction with its transition-log and audit rows."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.db import connection, transaction
from django.utils import timezone
from django.utils.translation import gettext

from jiuzhu.accounts.roles import Can, capabilities_of
from jiuzhu.audit.services import audit_record, audit_record_many
from jiuzhu.cases import errors
from jiuzhu.cases.batch import Batch
from jiuzhu.cases.deadlines import deadlines_on_create, deadlines_on_enter, refresh_due_on
from jiuzhu.cases.effects import TEMPORARY, Context, effect_of, parse_amount
from jiuzhu.cases.facts import case_facts
from jiuzhu.cases.flows import EVENTS_NEEDING_REASON, FLOWS, S, flow_of
from jiuzhu.cases.models import (
    Case,
    CaseCounter,
    Channel,
    Kind,
    ReferralAid,
    ReserveFund,
    ReserveMovement,
)
from jiuzhu.cases.workflow import NEEDS_CAPABILITY, NOT_POSSIBLE, TransitionRefused
from jiuzhu.regions.models import Level, Region
from jiuzhu.registry import errors as registry_errors
from jiuzhu.registry.errors import ServiceError
from jiuzhu.registry.models import Household, Member
from jiuzhu.rules.procedure import checklist as checklist_of

DOCUMENT_STATUSES = ("received", "committed", "missing")
DECIDED = ("approved", "refused")
READS_EVALUATION = frozenset({"propose"})  # others leave it deferred (read on demand)
# a refused request to read other departments' data is itself logged (V-02, SECURITY.md 20)
LOGGED_REFUSALS = frozenset({"request_verification", "obtain_verification"})


def case_number_next(*, township_code: str, year: int) -> str:
    """The next number of a township's year, e.g. 440104001-2026-000042: unique and without
    gaps. Must run inside the transaction that creates the case (the counter row stays
    locked until it commits; a rollback returns the number)."""
    return case_numbers_next(township_code=township_code, year=year, count=1)[0]


def case_numbers_next(*, township_code: str, year: int, count: int) -> list[str]:
    """The next `count` numbers of a township's year, taken under one lock of its counter."""
    if not connection.in_atomic_block:
        raise RuntimeError("a case number is taken inside the transaction creating the case")
    # the row exists before it is locked: two first intakes of a year must not both insert
    CaseCounter.objects.bulk_create(
        [CaseCounter(township_code=township_code, year=year)], ignore_conflicts=True
    )
    counter = CaseCounter.objects.select_for_update().get(township_code=township_code, year=year)
    first = counter.last + 1
    counter.last += count
    counter.save(update_fields=["last"])
    return [f"{township_code}-{year}-{n:06d}" for n in range(first, counter.last + 1)]


def _require(actor: Any, capability: Can) -> None:
    if actor is None or not actor.can(capability):
        raise ServiceError(registry_errors.NOT_ALLOWED)


def _log(
    case: Case, actor: Any, event: str, before: str, data: dict[str, Any], note: str = ""
) -> None:
    """The transition row and the audit row of a change already saved."""
    batch = Batch([case], actor, timezone.localdate())
    batch.done(case, event, before, data, note)
    batch.write()


# intake ---------------------------------------------------------------------------------


def checklist_normalise(
    *, kind: str, household: Household, statuses: dict[str, str], today: dt.date
) -> dict[str, str]:
    """The application kind's checklist (parameters, A-02) with each document's status;
    `committed` (告知承诺) only for certificates the government systems can confirm."""
    documents, committable, _ = checklist_of(
        kind,
        household.region_code,
        today,
        residence_permit=household.hukou_type == "residence_permit",
    )
    if "verification_authorization" not in documents:
        statuses = {k: v for k, v in statuses.items() if k != "verification_authorization"}
    for code, status in statuses.items():
        if code not in documents:
            raise ServiceError(errors.DOCUMENT_UNKNOWN, field=f"checklist.{code}")
        if status not in DOCUMENT_STATUSES:
            raise ServiceError(errors.DOCUMENT_STATUS, field=f"checklist.{code}")
        if status == "committed" and code not in committable:
            raise ServiceError(errors.COMMITMENT_NOT_ALLOWED, field=f"checklist.{code}")
    return {code: statuses.get(code, "missing") for code in documents}


def _township_of(household: Household, actor: Any) -> str:
    if len(household.region_code) >= 9:
        return household.region_code[:9]
    area = getattr(actor, "area_id", None) or ""
    return (
        area
        if len(area) == 9 and household.region_code.startswith(area[:6])
        else household.region_code
    )


def _validate_intake(
    kind: str,
    referral_aid: str,
    channel: str,
    requested_amount: Any,
    household: Household,
    parent: Case | None,
) -> Decimal | None:
    if kind not in Kind.values:
        raise ServiceError(errors.KIND_UNKNOWN, field="kind")
    if parent is not None and kind not in ("appeal", "review"):
        raise ServiceError(errors.PARENT_NOT_ALLOWED, field="parent")
    if kind == "appeal" and (
        parent is None or parent.household_id != household.id or parent.outcome not in DECIDED
    ):
        raise ServiceError(errors.PARENT_NOT_DECIDED, field="parent")
    if kind == "referral" and referral_aid not in ReferralAid.values:
        raise ServiceError(errors.REFERRAL_AID_REQUIRED, field="referral_aid")
    if channel not in Channel.values:
        raise ServiceError(errors.KIND_UNKNOWN, field="channel")
    if household.closed_on is not None:
        raise ServiceError(errors.HOUSEHOLD_CLOSED, field="household")
    return parse_amount(requested_amount, "requested_amount", required=kind in TEMPORARY)


@dataclass
class Intake:
    """One application as a caseworker takes it at the window (or a batch brings it)."""

    household: Household
    kind: str
    channel: str = "window"
    applied_on: dt.date | None = None
    applicant: Member | None = None
    reason: str = ""
    requested_amount: Any = None
    referral_aid: str = ""
    checklist: dict[str, str] | None = None
    authorization_on: dt.date | None = None
    parent: Case | None = None


def case_create(*, actor: Any, today: dt.date | None = None, **intake: Any) -> Case:
    """One-window acceptance (A-01): any township accepts any kind; the accepting worker is
    recorded (首问负责). The household must be visible to the actor (area scope). An appeal
    names the decided case it contests (`parent`); a change report (D-02) opens a `review`."""
    created, refused = case_create_many(actor=actor, intakes=[Intake(**intake)], today=today)
    if refused:
        raise refused[0]
    return created[0]


def _intake_case(actor: Any, intake: Intake, household: Household | None, today: dt.date) -> Case:
    if household is None:
        raise ServiceError(registry_errors.REGION_OUTSIDE, field="household")
    kind = intake.kind
    amount = _validate_intake(
        kind, intake.referral_aid, intake.channel, intake.requested_amount, household, intake.parent
    )
    if intake.applicant is not None and intake.applicant.household_id != household.id:
        raise ServiceError(errors.APPLICANT_NOT_MEMBER, field="applicant")
    applied_on = intake.applied_on or today
    if applied_on > today:
        raise ServiceError(errors.DATE_IN_FUTURE, field="applied_on")
    if intake.authorization_on is not None and intake.authorization_on > today:
        raise ServiceError(errors.DATE_IN_FUTURE, field="authorization_on")
    statuses = dict(intake.checklist or {})
    if intake.authorization_on is not None:
        statuses.setdefault("verification_authorization", "received")
    case = Case(
        kind=kind,
        referral_aid=intake.referral_aid if kind == "referral" else "",
        state=flow_of(kind).initial,
        household=household,
        applicant=intake.applicant,
        region_code=household.region_code,
        township_code=_township_of(household, actor),
        channel=intake.channel,
        applied_on=applied_on,
        reason=intake.reason.strip()[:2000],
        requested_amount=amount,
        checklist=checklist_normalise(
            kind=kind, household=household, statuses=statuses, today=today
        ),
        authorization_on=intake.authorization_on,
        accepted_by=actor,
        parent=intake.parent,
        synthetic=household.synthetic,
    )
    deadlines_on_create(case, today)
    refresh_due_on(case)
    return case


@transaction.atomic
def case_create_many(
    *, actor: Any, intakes: list[Intake], today: dt.date | None = None
) -> tuple[list[Case], dict[int, ServiceError]]:
    """Several applications accepted in one transaction (the same checks as `case_create`,
    for a batch such as a disaster's intake or review cases opened from a list): the cases
    created, and the position of each refused one with its reason. Numbers are taken per
    township under one lock, gap-free; the cases, their transition rows and audit rows are
    inserted in bulk."""
    _require(actor, Can.HANDLE_CASES)
    today = today or timezone.localdate()
    visible = Household.objects.in_bulk({i.household.id for i in intakes})  # area scope
    created: list[Case] = []
    refused: dict[int, ServiceError] = {}
    for index, intake in enumerate(intakes):
        try:
            created.append(_intake_case(actor, intake, visible.get(intake.household.id), today))
        except ServiceError as exc:
            refused[index] = exc
    by_township: dict[str, list[Case]] = defaultdict(list)
    for case in created:
        by_township[case.township_code].append(case)
    for township in sorted(by_township):  # one lock order: no deadlock between batches
        numbers = case_numbers_next(
            township_code=township, year=today.year, count=len(by_township[township])
        )
        for case, number in zip(by_township[township], numbers, strict=True):
            case.number = number
    Case.objects.bulk_create(created, batch_size=1000)
    batch = Batch(created, actor, today)
    for case in created:
        batch.done(
            case,
            "accept",
            "",
            {"kind": case.kind, "number": case.number, "channel": case.channel},
            "",
        )
    batch.write()
    return created, refused


# transitions ----------------------------------------------------------------------------


def case_act(
    *,
    actor: Any,
    case: Case,
    event: str,
    payload: dict[str, Any] | None = None,
    expected_state: str | None = None,
    today: dt.date | None = None,
) -> Case:
    """Take one event of the case's transition table. The case row is locked first, so of
    two simultaneous approvals exactly one happens; the other is told the case moved on
    (SECURITY.md 15). Refused → TransitionRefused or ServiceError, and nothing changes."""
    today = today or timezone.localdate()
    with transaction.atomic():
        locked = Case.objects.select_for_update().filter(id=case.id).first()
        if locked is None:
            raise ServiceError(registry_errors.REGION_OUTSIDE)
        done, refused = _step(actor, [locked], event, payload or {}, today, expected_state)
    if refused:  # nothing of the case changed; a refused request for data was logged
        raise refused[locked.id]
    return done[0]


def case_act_many(
    *,
    actor: Any,
    case_ids: list[int],
    event: str,
    payload: dict[str, Any] | None = None,
    today: dt.date | None = None,
) -> tuple[list[Case], dict[int, str]]:
    """The same event on several cases (批量审批 from the approval queue, posting a batch of
    notices, a township's evaluations), set-based: the cases are locked in id order in one
    query, every check of `case_act` runs per case, and what the cases read and write is
    loaded and written for all at once (cases/batch.py). A case refused (moved on, not
    allowed, a guard) is reported with its reason and the others go ahead."""
    today = today or timezone.localdate()
    locking = Case.objects.select_for_update().filter(id__in=case_ids).order_by("id")
    if event not in READS_EVALUATION:  # the largest column, needed by one step
        locking = locking.defer("evaluation")
    with transaction.atomic():
        done, failures = _step(actor, list(locking), event, payload or {}, today, None)
    refused = {i: getattr(e, "message", None) or str(e) for i, e in failures.items()}
    for missing in set(case_ids) - {c.id for c in done} - set(refused):
        refused[missing] = str(errors.CASE_MISSING)
    return done, refused


def _step(
    actor: Any,
    cases: list[Case],
    event: str,
    payload: dict[str, Any],
    today: dt.date,
    expected_state: str | None,
) -> tuple[list[Case], dict[int, TransitionRefused | ServiceError]]:
    """One event on locked cases, inside the caller's transaction: the cases it was taken
    on (written) and the refused ones with the reason; a refused case keeps nothing."""
    batch = Batch(cases, actor, today)
    capabilities = (
        frozenset(str(c) for c in capabilities_of(actor.role)) if actor.is_active else frozenset()
    )
    refused: dict[int, TransitionRefused | ServiceError] = {}
    for case in cases:
        try:
            _transition(batch, case, event, dict(payload), capabilities, expected_state)
        except (TransitionRefused, ServiceError) as exc:
            refused[case.id] = exc
            batch.discard(case)
    if event in LOGGED_REFUSALS and refused:
        audit_record_many(
            actor=actor,
            changes=[
                {
                    "action": f"case.{event}.refused",
                    "object_type": "case",
                    "object_id": case.id,
                    "region_code": case.region_code,
                    "new": {"state": case.state, "reason": str(refused[case.id])},
                }
                for case in cases
                if case.id in refused
            ],
        )
    return batch.write(), refused


def _transition(
    batch: Batch,
    case: Case,
    event: str,
    payload: dict[str, Any],
    capabilities: frozenset[str],
    expected_state: str | None,
) -> None:
    if expected_state is not None and case.state != expected_state:
        raise TransitionRefused(errors.CASE_MOVED_ON.format(state=case.state_label))
    flow = flow_of(case.kind)
    transition = flow.find(case.state, event)
    if transition is None:
        label = next(
            (t.label for f in FLOWS.values() for t in f.transitions if t.event == event), event
        )
        raise TransitionRefused(str(NOT_POSSIBLE).format(state=case.state_label, event=label))
    if transition.capability not in capabilities:
        raise TransitionRefused(str(NEEDS_CAPABILITY).format(event=transition.label))
    if event in EVENTS_NEEDING_REASON and not str(payload.get("reason") or "").strip():
        raise ServiceError(errors.REASON_REQUIRED, field="reason")
    before = case.state
    facts = case_facts(case, batch.actor, batch.today, payload, batch)
    flow.apply(before, event, capabilities, facts)  # the guards, before any effect
    data = effect_of(event)(Context(case, batch.actor, payload, batch.today, batch))
    case.state = transition.target
    deadlines_on_enter(case, before, batch.today)
    refresh_due_on(case)
    note = str(payload.get("reason") or payload.get("note") or "")[:2000]
    batch.done(case, event, before, data, note)


def case_checklist_update(
    *,
    actor: Any,
    case: Case,
    statuses: dict[str, str],
    authorization_on: dt.date | None = None,
    today: dt.date | None = None,
) -> Case:
    """Mark documents received or committed (告知承诺) while the case waits for materials."""
    _require(actor, Can.HANDLE_CASES)
    today = today or timezone.localdate()
    with transaction.atomic():
        locked = Case.objects.select_for_update().get(id=case.id)
        if locked.state not in (S.ACCEPTED, S.PAID_FIRST):
            raise TransitionRefused(
                str(NOT_POSSIBLE).format(state=locked.state_label, event=gettext("材料清单"))
            )
        if authorization_on is not None:
            if authorization_on > today:
                raise ServiceError(errors.DATE_IN_FUTURE, field="authorization_on")
            locked.authorization_on = authorization_on
            statuses = {**statuses, "verification_authorization": "received"}
        merged = {**locked.checklist, **statuses}
        locked.checklist = checklist_normalise(
            kind=locked.kind, household=locked.household, statuses=merged, today=today
        )
        locked.save()
        _log(locked, actor, "update_checklist", locked.state, {"checklist": statuses})
    return locked


# the reserve fund (A-09) ------------------------------------------------------------------


@transaction.atomic
def reserve_top_up(*, actor: Any, township_code: str, amount: Any, note: str = "") -> ReserveFund:
    """The county tops up (or first sets up) a township's reserve fund."""
    _require(actor, Can.MANAGE_RESERVE)
    value = parse_amount(amount, "amount")
    assert value is not None
    if (
        not township_code.startswith(getattr(actor, "area_id", None) or "\0")
        or len(township_code) != 9
    ):
        raise ServiceError(registry_errors.REGION_OUTSIDE, field="township_code")
    if not Region.objects.filter(code=township_code, level=Level.TOWNSHIP).exists():
        raise ServiceError(registry_errors.REGION_UNKNOWN, field="township_code")
    ReserveFund.unscoped.get_or_create(region_code=township_code)
    fund = ReserveFund.unscoped.select_for_update().get(region_code=township_code)
    fund.balance += value
    fund.save(update_fields=["balance"])
    ReserveMovement.objects.create(
        fund=fund,
        region_code=township_code,
        amount=value,
        balance_after=fund.balance,
        note=note.strip()[:200] or "拨付备用金",
        actor=actor,
        at=timezone.now(),
    )
    audit_record(
        actor=actor,
        action="reserve.top_up",
        object_type="reserve_fund",
        object_id=fund.id,
        region_code=township_code,
        new={"amount": str(value), "balance": str(fund.balance)},
    )
    return fund
