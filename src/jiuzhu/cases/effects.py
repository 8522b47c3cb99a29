"""What each event does besides changing the state: record the visit, freeze the evaluation,
set the authority, post the notice, record objections and votes, decide, pay first.

An effect runs inside `case_act`'s transaction, after the capability check and before the
guards; if it or a guard refuses, the transaction rolls back and nothing is kept. Effects
return the event's data for the transition log.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import TYPE_CHECKING, Any

from django.utils import timezone

from jiuzhu.cases import errors
from jiuzhu.cases.deadlines import extend_total
from jiuzhu.cases.models import (
    PAID_KINDS,
    Case,
    CommitteeVote,
    HomeVisit,
    Instalment,
    Objection,
    ReserveFund,
    ReserveMovement,
    ReviewOutcome,
    Vote,
)
from jiuzhu.registry.errors import ServiceError
from jiuzhu.rules import categories
from jiuzhu.rules.procedure import determination_authority, due_after
from jiuzhu.rules.routing import route_temporary_aid
from jiuzhu.verification.models import Verification, VerificationStatus
from jiuzhu.verification.sources import SOURCES

if TYPE_CHECKING:
    from jiuzhu.cases.batch import Batch

TEMPORARY = frozenset({"temporary_emergency", "temporary_expense"})
CENT = Decimal("0.01")
MAX_AMOUNT = Decimal("1e10")  # the column holds 12 digits before the point


@dataclass
class Context:
    case: Case
    actor: Any
    payload: dict[str, Any]
    today: dt.date
    batch: Batch  # the step's cases: facts loaded once for all, new rows written together


# payload readers: a clear message naming the field, never a 500 ------------------------


def text(ctx: Context, key: str, *, required: bool = True, limit: int = 2000) -> str:
    value = str(ctx.payload.get(key) or "").strip()
    if required and not value:
        raise ServiceError(errors.TEXT_REQUIRED, field=key)
    return value[:limit]


def parse_amount(raw: Any, field: str, *, required: bool = True) -> Decimal | None:
    """A positive amount in yuan with at most two decimals (Decimal, never float)."""
    if raw in (None, ""):
        if required:
            raise ServiceError(errors.AMOUNT_REQUIRED, field=field)
        return None
    try:
        amount = Decimal(str(raw))
    except InvalidOperation:
        raise ServiceError(errors.AMOUNT_REQUIRED, field=field) from None
    if not amount.is_finite() or amount <= 0 or amount != amount.quantize(CENT):
        raise ServiceError(errors.AMOUNT_REQUIRED, field=field)
    if amount >= MAX_AMOUNT:
        raise ServiceError(errors.AMOUNT_REQUIRED, field=field)
    return amount


def money(ctx: Context, key: str, *, required: bool = True) -> Decimal | None:
    return parse_amount(ctx.payload.get(key), key, required=required)


def day(ctx: Context, key: str) -> dt.date:
    raw = ctx.payload.get(key) or ctx.today
    try:
        value = raw if isinstance(raw, dt.date) else dt.date.fromisoformat(str(raw))
    except ValueError:
        raise ServiceError(errors.DATE_INVALID, field=key) from None
    if value > ctx.today:
        raise ServiceError(errors.DATE_IN_FUTURE, field=key)
    return value


# authority ------------------------------------------------------------------------------


def authority_for(case: Case, amount: Decimal | None, today: dt.date) -> str:
    """A-03 for determinations; A-06 by amount for temporary aid."""
    if case.kind in TEMPORARY:
        assert amount is not None
        return str(
            route_temporary_aid(region=case.region_code[:6], amount=amount, as_of=today)[
                "authority"
            ]
        )
    return str(determination_authority(case.region_code, today).value)


def township_limit(case: Case, today: dt.date) -> Decimal | None:
    """What the township may approve itself (A-06); None where no delegation is configured
    (the national rule: the county approves), and then 先行救助 (A-07) is bounded by the
    township's reserve fund alone (A-09), the county approving the amount afterwards."""
    routed = route_temporary_aid(region=case.region_code[:6], amount=Decimal(0), as_of=today)
    limit = routed["thresholds"]["township_max"]
    return Decimal(limit) if limit is not None else None


# the effects ----------------------------------------------------------------------------


def record_visit(ctx: Context) -> dict[str, Any]:
    visit = HomeVisit(
        case=ctx.case,
        region_code=ctx.case.region_code,
        visited_on=day(ctx, "visited_on"),
        visitors=text(ctx, "visitors", limit=200),
        findings=text(ctx, "findings"),
        recorded_by=ctx.actor,
    )
    ctx.batch.add(ctx.case, visit)
    ctx.case.investigated_by = ctx.actor
    return {"visit": visit, "visited_on": visit.visited_on.isoformat()}


def obtain_verification(ctx: Context) -> dict[str, Any]:
    """MZ/T 072 obtain → verify → report: every source's records for every member, compared
    with the declaration (verification/checking.py, for the whole batch at once). A source
    without a usable batch leaves the case waiting in 待核对 with the sources named."""
    case = ctx.case
    outcome = ctx.batch.fact("verification", case)
    now = timezone.now()
    verification = Verification(
        case=case,
        household_id=case.household_id,
        region_code=case.region_code,
        as_of=ctx.today,
        status=VerificationStatus.WAITING if outcome.missing else VerificationStatus.REPORTED,
        missing_sources=outcome.missing,
        authorization={
            "on": case.authorization_on.isoformat() if case.authorization_on else None,
            "channel": case.channel,
        },
        report=outcome.report,
        snapshot=outcome.snapshot,
        high=outcome.high,
        medium=outcome.medium,
        requested_by=ctx.actor,
        requested_at=now,
        obtained_at=None if outcome.missing else now,
    )
    ctx.batch.add(case, verification)
    case.verification_waiting = "、".join(SOURCES[s].name_zh for s in outcome.missing)[:200]
    return {
        "verification": verification,
        "status": verification.status,
        "missing": outcome.missing,
        "high": outcome.high,
        "medium": outcome.medium,
    }


def complete_verification(ctx: Context) -> dict[str, Any]:
    """The verification officer reviews the report and confirms it (MZ/T 072 review)."""
    verification = ctx.batch.fact("latest_verification", ctx.case)
    summary = text(ctx, "summary", required=False)
    verification.status = VerificationStatus.REVIEWED
    verification.reviewed_by, verification.reviewed_at = ctx.actor, timezone.now()
    verification.summary = summary
    ctx.batch.change(ctx.case, verification, ("status", "reviewed_by_id", "reviewed_at", "summary"))
    return {"summary": summary, "verification": verification.id}


def evaluate(ctx: Context) -> dict[str, Any]:
    """The rules engine on the household as of today; the snapshot, the parameters and the
    explanation are frozen with the case."""
    try:
        decision = ctx.batch.fact("evaluation", ctx.case)  # one engine run for the batch
    except ServiceError as exc:
        decision = exc
    if isinstance(decision, ServiceError):
        raise ServiceError(errors.EVALUATION_FAILED.format(reason=decision.message)) from None
    ctx.case.evaluation = decision
    return {
        "as_of": ctx.today.isoformat(),
        "primary_category": decision.get("primary_category"),
        "monthly_benefit": decision.get("monthly_benefit"),
    }


def _flagged(code: str) -> Callable[[dict[str, Any]], bool]:
    flag = categories.to_engine(code)
    return lambda d: flag in d["categories"]


# whether a decision of the engine grants the category a case applies for
ELIGIBLE: dict[str, Callable[[dict[str, Any]], bool]] = {
    "dibao": lambda d: "dibao" in d["categories"] or bool(d["single_person_members"]),
    "tekun": lambda d: bool(d["tekun_members"]) or d["primary_category"] == "tekun",
    **{code: _flagged(code) for code in categories.ENGINE_CODES if code not in ("dibao", "tekun")},
}


def propose(ctx: Context) -> dict[str, Any]:
    case, evaluation = ctx.case, ctx.case.evaluation or {}
    proposal = str(ctx.payload.get("proposal") or "")
    if proposal not in ("approve", "refuse"):
        raise ServiceError(errors.PROPOSAL_CHOICE, field="proposal")
    amount = None
    if proposal == "approve":
        default = evaluation.get("monthly_benefit") if case.kind in ("dibao", "tekun") else None
        if case.kind in TEMPORARY:  # what was paid first, else what was asked for
            default = str(case.prepaid_amount or case.requested_amount or "") or None
        if ctx.payload.get("amount") in (None, "") and default not in (None, "0.00"):
            ctx.payload["amount"] = default
        needs_amount = case.kind in ("dibao", "tekun") or case.kind in TEMPORARY
        needs_amount = review_proposal(ctx) or needs_amount
        amount = money(ctx, "amount", required=needs_amount)
    elif case.kind == "review":
        case.review_outcome, case.review_layer = "", ""
    opinion = text(ctx, "opinion", required=False)
    check = ELIGIBLE.get(case.kind)
    disagrees = check is not None and evaluation and check(evaluation) != (proposal == "approve")
    if disagrees and not opinion:
        raise ServiceError(errors.PROPOSAL_AGAINST_EVALUATION, field="opinion")
    case.proposal, case.proposed_amount, case.opinion = proposal, amount, opinion
    case.authority = authority_for(case, amount or case.prepaid_amount or Decimal(0), ctx.today)
    return {
        "proposal": proposal,
        "amount": str(amount) if amount else None,
        "authority": case.authority,
        **(
            {"outcome": case.review_outcome, "layer": case.review_layer}
            if case.review_outcome
            else {}
        ),
    }


REVIEW_LAYERS = categories.REVIEW_TARGETS
PAID_LAYERS = categories.MONTHLY


def review_proposal(ctx: Context) -> bool:
    """A review's proposal carries its outcome (D-01): confirm, adjust, move to a layer
    (D-03; by default the layer the evaluation found), gradual exit (B-03) or terminate.
    Without one (a change report's review, as before) the entitlement is left alone. True
    when the outcome needs an amount (the evaluation's by default)."""
    case = ctx.case
    if case.kind != "review":
        return False
    evaluation = case.evaluation or {}
    outcome = str(ctx.payload.get("outcome") or "")
    if outcome and outcome not in ReviewOutcome.values:
        raise ServiceError(errors.REVIEW_OUTCOME_CHOICE, field="outcome")
    layer = ""
    if outcome == ReviewOutcome.MOVE_LAYER:
        layer = str(ctx.payload.get("layer") or evaluation.get("primary_category") or "")
        if layer not in REVIEW_LAYERS:
            raise ServiceError(errors.REVIEW_LAYER_CHOICE, field="layer")
    # D-03: a household leaving its layer is checked against the others; ending the benefit
    # of one the evaluation still finds eligible for a layer needs the caseworker's reasons
    still = set(evaluation.get("categories") or []) & set(REVIEW_LAYERS)
    if outcome == ReviewOutcome.TERMINATE and still and not str(ctx.payload.get("opinion") or ""):
        raise ServiceError(errors.REVIEW_STILL_ELIGIBLE, field="opinion")
    case.review_outcome, case.review_layer = outcome, layer
    needs = outcome == ReviewOutcome.ADJUST or layer in PAID_LAYERS
    default = evaluation.get("monthly_benefit")
    if needs and ctx.payload.get("amount") in (None, "") and default not in (None, "0.00"):
        ctx.payload["amount"] = default
    return needs


def post_notice(ctx: Context) -> dict[str, Any]:
    ctx.case.notice_from = ctx.today
    ctx.case.notice_to = due_after(ctx.today, "public_notice_days", ctx.case.region_code).on
    return {"notice_to": ctx.case.notice_to.isoformat()}


def raise_objection(ctx: Context) -> dict[str, Any]:
    objection = Objection(
        case=ctx.case,
        region_code=ctx.case.region_code,
        raised_on=day(ctx, "raised_on"),
        raised_by=text(ctx, "raised_by", limit=100),
        content=text(ctx, "content"),
    )
    ctx.batch.add(ctx.case, objection)
    return {"objection": objection}


def resolve_objection(ctx: Context) -> dict[str, Any]:
    objection = (
        Objection.objects.filter(case=ctx.case, resolved_at__isnull=True)
        .filter(id=ctx.payload.get("objection_id") or 0)
        .first()
    )
    if objection is None:
        raise ServiceError(errors.OBJECTION_UNKNOWN, field="objection_id")
    objection.resolution = text(ctx, "resolution")
    objection.appraisal = text(ctx, "appraisal", required=False)  # 民主评议, only if disputed
    objection.upheld = bool(ctx.payload.get("upheld"))
    objection.resolved_by, objection.resolved_at = ctx.actor, timezone.now()
    objection.save()
    return {"objection": objection.id, "upheld": objection.upheld}


def record_vote(ctx: Context) -> dict[str, Any]:
    if ctx.case.authority != "committee":
        raise ServiceError(errors.VOTE_NOT_COMMITTEE)
    vote = str(ctx.payload.get("vote") or "")
    if vote not in Vote.values:
        raise ServiceError(errors.VOTE_CHOICE, field="vote")
    name = text(ctx, "member_name", limit=100)
    if CommitteeVote.objects.filter(case=ctx.case, member_name=name).exists():
        raise ServiceError(errors.VOTE_TWICE, field="member_name")
    ctx.batch.add(
        ctx.case,
        CommitteeVote(
            case=ctx.case,
            region_code=ctx.case.region_code,
            member_name=name,
            member_unit=text(ctx, "member_unit", limit=100),
            vote=vote,
            recorded_by=ctx.actor,
        ),
    )
    return {"member_name": name, "vote": vote}


def _instalments(ctx: Context, total: Decimal) -> list[dict[str, str]]:
    """一次审批、分阶段救助 (A-08): instalments summing to the decided amount."""
    raw = ctx.payload.get("instalments") or []
    if not raw:
        return []
    if ctx.case.kind not in TEMPORARY:
        raise ServiceError(errors.NOT_TEMPORARY, field="instalments")
    rows: list[tuple[Decimal, dt.date]] = []
    for i, item in enumerate(raw):
        if not isinstance(item, dict):
            raise ServiceError(errors.AMOUNT_REQUIRED, field=f"instalments[{i}]")
        amount = parse_amount(item.get("amount"), f"instalments[{i}].amount")
        assert amount is not None
        try:
            due = dt.date.fromisoformat(str(item.get("due_on")))
        except ValueError:
            raise ServiceError(errors.DATE_INVALID, field=f"instalments[{i}].due_on") from None
        rows.append((amount, due))
    if sum(a for a, _ in rows) != total:
        raise ServiceError(errors.INSTALMENTS_SUM, field="instalments")
    for i, (a, d) in enumerate(rows):
        ctx.batch.add(
            ctx.case,
            Instalment(
                case=ctx.case, region_code=ctx.case.region_code, seq=i + 1, amount=a, due_on=d
            ),
        )
    return [{"amount": str(a), "due_on": d.isoformat()} for a, d in rows]


def approve(ctx: Context) -> dict[str, Any]:
    """The decision approves the proposal's amount, or one the approver sets. A category that
    is paid is never approved without its amount (SECURITY.md 4): its entitlement is created
    from it in the same transaction."""
    case = ctx.case
    amount = money(ctx, "amount", required=False) or case.proposed_amount
    if case.kind in PAID_KINDS and (amount is None or amount <= 0):
        raise ServiceError(errors.AMOUNT_REQUIRED, field="amount")
    if case.kind in TEMPORARY and amount is not None:
        case.authority = authority_for(case, amount, ctx.today)  # the decided amount routes
    case.outcome, case.decided_amount = "approved", amount
    case.decided_by, case.decided_on = ctx.actor, ctx.today
    # ending a benefit on review is decided with written reasons (社会救助暂行办法 Art. 13)
    ends = case.kind == "review" and case.review_outcome == ReviewOutcome.TERMINATE
    # approve_over_proposal needs its reason too: required of the event (EVENTS_NEEDING_REASON)
    case.decision_reason = text(ctx, "reason", required=ends)
    staged = _instalments(ctx, amount) if amount is not None else []
    return {"amount": str(amount) if amount is not None else None, "instalments": staged}


def refuse(ctx: Context) -> dict[str, Any]:
    case = ctx.case
    case.outcome, case.decided_amount = "refused", None
    case.decided_by, case.decided_on = ctx.actor, ctx.today
    case.decision_reason = text(ctx, "reason")
    return {"reason": case.decision_reason}


def return_for_correction(ctx: Context) -> dict[str, Any]:
    case = ctx.case
    case.proposal, case.proposed_amount = "", None
    case.review_outcome, case.review_layer = "", ""
    return {"reason": text(ctx, "reason")}


def extend(ctx: Context) -> dict[str, Any]:
    ctx.case.extension_reason = text(ctx, "reason")
    extend_total(ctx.case)
    assert ctx.case.total_due is not None
    return {"reason": ctx.case.extension_reason, "total_due": ctx.case.total_due.isoformat()}


def withdraw(ctx: Context) -> dict[str, Any]:
    ctx.case.outcome = "withdrawn"
    return {"reason": text(ctx, "reason", required=False)}


def pay_first(ctx: Context) -> dict[str, Any]:
    """先行救助 (A-07) from the township reserve fund (A-09), within the township's limit."""
    case = ctx.case
    amount = money(ctx, "amount")
    assert amount is not None
    limit = township_limit(case, ctx.today)
    if limit is not None and case.prepaid_amount + amount > limit:
        total = case.prepaid_amount + amount
        raise ServiceError(
            errors.ABOVE_TOWNSHIP_LIMIT.format(limit=f"{limit:.2f}", total=f"{total:.2f}"),
            field="amount",
        )
    fund = ReserveFund.unscoped.select_for_update().filter(region_code=case.township_code).first()
    if fund is None:
        raise ServiceError(errors.RESERVE_MISSING)
    if fund.balance < amount:
        message = errors.RESERVE_SHORT.format(balance=f"{fund.balance:.2f}", amount=f"{amount:.2f}")
        raise ServiceError(message, field="amount")
    fund.balance -= amount
    fund.save(update_fields=["balance"])
    ReserveMovement.objects.create(
        fund=fund,
        region_code=fund.region_code,
        case=case,
        amount=-amount,
        balance_after=fund.balance,
        note=f"先行救助 {case.number}",
        actor=ctx.actor,
        at=timezone.now(),
    )
    case.prepaid_amount += amount
    case.proposed_amount = case.prepaid_amount
    return {"amount": str(amount), "balance_after": str(fund.balance)}


def refer(ctx: Context) -> dict[str, Any]:
    return {"department": ctx.case.referral_aid, "note": text(ctx, "note", required=False)}


def answer(ctx: Context) -> dict[str, Any]:
    case = ctx.case
    case.outcome = "approved" if ctx.payload.get("accepted") else "refused"
    case.decision_reason = text(ctx, "reason")
    case.decided_by, case.decided_on = ctx.actor, ctx.today
    return {"accepted": case.outcome == "approved", "reason": case.decision_reason}


def accept_online(ctx: Context) -> dict[str, Any]:
    """First-inquiry responsibility for an online application: the accepting caseworker."""
    ctx.case.accepted_by = ctx.actor
    return {"accepted_by": ctx.actor.get_username()}


def decline(ctx: Context) -> dict[str, Any]:
    ctx.case.outcome, ctx.case.decision_reason = "declined", text(ctx, "reason")
    return {"reason": ctx.case.decision_reason}


def note_only(ctx: Context) -> dict[str, Any]:
    note = text(ctx, "note", required=False)
    return {"note": note} if note else {}


EFFECTS: dict[str, Callable[[Context], dict[str, Any]]] = {
    "record_visit": record_visit,
    "request_verification": obtain_verification,
    "obtain_verification": obtain_verification,
    "complete_verification": complete_verification,
    "evaluate": evaluate,
    "propose": propose,
    "post_notice": post_notice,
    "raise_objection": raise_objection,
    "resolve_objection": resolve_objection,
    "record_vote": record_vote,
    "approve": approve,
    "approve_over_proposal": approve,
    "refuse": refuse,
    "return": return_for_correction,
    "extend": extend,
    "withdraw": withdraw,
    "pay_first": pay_first,
    "refer": refer,
    "answer": answer,
    "accept": accept_online,
    "decline": decline,
}


def effect_of(event: str) -> Callable[[Context], dict[str, Any]]:
    return EFFECTS.get(event, note_only)
