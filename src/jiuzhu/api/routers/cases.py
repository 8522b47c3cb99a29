"""Cases (issue #4): the worklist and the queues, intake, a case with the actions the caller
may take now, one endpoint per workflow event, the checklist, documents, the reserve fund.

Reads go through the cases selectors (area-scoped: a case, household, member or fund
outside the caller's area is the same 404 as a missing id); writes through the cases
services, each one transaction with its transition-log and audit rows. A transition not
allowed now (state, guards, another person got there first) is a 409 whose `detail` says
why; a refused value is a 422 naming the field; nothing changes in either case.

(No `from __future__ import annotations` here: ninja reads the views' annotations at
runtime, through the idempotency wrapper.)
"""

import functools
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Annotated, Any, Literal

from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils import timezone
from ninja import File, Form, Path, Query, Router, Status, UploadedFile

from jiuzhu.accounts.models import User
from jiuzhu.accounts.roles import Can, capabilities_of
from jiuzhu.api.auth import actor, require
from jiuzhu.api.case_schemas import (
    ActionIn,
    CaseBatchDoneOut,
    CaseBatchOut,
    CaseBatchRefusedOut,
    CaseDetailOut,
    CaseIn,
    CasePage,
    CaseSummaryOut,
    ChecklistIn,
    DocumentOut,
    ReserveOut,
    TopUpIn,
    action_body,
    batch_body,
)
from jiuzhu.api.idempotency import idempotent
from jiuzhu.api.problems import UNKNOWN_FIELD, ProblemError
from jiuzhu.api.routers.registry import READ_ERRORS, WRITE_ERRORS, Limit, Offset
from jiuzhu.cases import display, selectors, services
from jiuzhu.cases.documents import case_document_add, refuse_oversized
from jiuzhu.cases.flows import FLOWS, all_events, flow_of
from jiuzhu.cases.models import (
    Case,
    CaseDocument,
    CommitteeVote,
    DocumentKind,
    Instalment,
    Kind,
    Objection,
    ReserveFund,
)
from jiuzhu.cases.workflow import NEEDS_CAPABILITY, TransitionRefused
from jiuzhu.regions.models import Level, Region
from jiuzhu.registry import errors as registry_errors
from jiuzhu.registry import selectors as registry_selectors
from jiuzhu.registry.errors import ServiceError

router = Router(tags=["cases 案件"])

CaseId = Annotated[int, Path(ge=1, le=2**53 - 1)]
TownshipCode = Annotated[
    str, Path(pattern=r"^[0-9]{9}$", description="乡镇（街道）区划代码（9 位）")
]
MOVEMENTS_SHOWN = 50
# the service's field → the field of the API body
INTAKE_FIELDS = {
    "household": "household_id",
    "applicant": "applicant_member_id",
    "parent": "parent_case_id",
}
CHECKLIST_FIELDS = {"checklist": "statuses"}
# the capabilities any transition of an event needs, whatever the kind and state
EVENT_CAPABILITIES: dict[str, frozenset[str]] = {
    event: frozenset(
        t.capability for flow in FLOWS.values() for t in flow.transitions if t.event == event
    )
    for event in all_events()
}


# -- helpers -------------------------------------------------------------------------------
def _case(case_id: int) -> Case:
    case = selectors.case_get(case_id)
    if case is None:
        raise ProblemError(404)
    return case


def _capabilities(user: User) -> frozenset[str]:
    return frozenset(str(c) for c in capabilities_of(user.role)) if user.is_active else frozenset()


@contextmanager
def _refusals(fields: dict[str, str] | None = None) -> Iterator[None]:
    """TransitionRefused → 409 with its message; a ServiceError naming a field of the
    service → 422 naming the field of the API body (others go to the API's handler)."""
    try:
        yield
    except TransitionRefused as exc:
        raise ProblemError(409, str(exc)) from None
    except ServiceError as exc:
        if not exc.field or not fields:
            raise
        head, dot, rest = exc.field.partition(".")
        raise ProblemError(422, exc.message, field=fields.get(head, head) + dot + rest) from None


def _page(qs: QuerySet[Case], limit: int, offset: int) -> CasePage:
    today = timezone.localdate()
    return CasePage(
        count=qs.count(),
        limit=limit,
        offset=offset,
        items=[
            CaseSummaryOut.model_validate(display.case_summary(case, today))
            for case in qs.select_related("household")[offset : offset + limit]
        ],
    )


def _evaluation(case: Case) -> dict[str, Any] | None:
    """The frozen decision and its explanation; the household snapshot (names, birth
    dates, incomes of each member) stays out of the API."""
    if case.evaluation is None:
        return None
    return {k: v for k, v in case.evaluation.items() if k != "snapshot"}


def case_detail(case: Case, user: User) -> CaseDetailOut:
    """The case as GET /cases/{case_id} shows it to this user today."""
    today = timezone.localdate()
    return CaseDetailOut.model_validate(
        {
            **display.case_summary(case, today),
            "channel": case.channel,
            "referral_aid": case.referral_aid or None,
            "reason": case.reason,
            "requested_amount": case.requested_amount,
            "authorization_on": case.authorization_on,
            "parent_case_id": case.parent_id,
            "checklist": display.checklist_rows(case),
            "proposal": case.proposal or None,
            "opinion": case.opinion,
            "proposed_amount": case.proposed_amount,
            "decided_amount": case.decided_amount,
            "outcome": case.outcome or None,
            "decided_on": case.decided_on,
            "decision_reason": case.decision_reason,
            "notice_from": case.notice_from,
            "notice_to": case.notice_to,
            "prepaid_amount": case.prepaid_amount,
            "total_due": case.total_due,
            "step_due": case.step_due,
            "actions": [
                {"event": t.event, "label": str(t.label), "target": t.target}
                for t in display.actions_for(case, user, today)
            ],
            "timeline": [
                {
                    "at": e.at,
                    "event": e.event,
                    "from_state": e.from_state,
                    "to_state": e.to_state,
                    "actor_name": e.actor_name,
                    # a reason is the event's note; the events that only record a note
                    # keep it in their data
                    "note": e.note or str(e.data.get("note") or ""),
                }
                for e in selectors.case_timeline(case)
            ],
            "objections": [
                {
                    "id": o.id,
                    "raised_on": o.raised_on,
                    "raised_by": o.raised_by,
                    "content": o.content,
                    "resolution": o.resolution,
                    "appraisal": o.appraisal,
                    "upheld": o.upheld,
                    "resolved": o.resolved_at is not None,
                }
                for o in Objection.objects.filter(case=case)
            ],
            "votes": list(
                CommitteeVote.objects.filter(case=case).values("member_name", "member_unit", "vote")
            ),
            "instalments": list(
                Instalment.objects.filter(case=case).values("seq", "amount", "due_on")
            ),
            "documents": list(
                CaseDocument.objects.filter(case=case).values(
                    "id", "kind", "content_type", "size", "sha256"
                )
            ),
            "evaluation": _evaluation(case),
        }
    )


# -- reading -------------------------------------------------------------------------------
@router.get("/cases", response={200: CasePage, **READ_ERRORS})
def cases_list(
    request: HttpRequest,
    mine: Annotated[bool, Query(description="只看本人受理或调查的案件")] = False,
    due: Annotated[
        Literal["overdue", "soon"] | None,
        Query(description="overdue：已逾期；soon：5 日内到期"),
    ] = None,
    kind: Annotated[Kind | None, Query(description="申请类型")] = None,
    limit: Limit = 50,
    offset: Offset = 0,
) -> CasePage:
    """The worklist: open cases of the caller's area, the nearest due date first."""
    user = require(request, Can.VIEW_HOUSEHOLDS)
    qs = selectors.worklist(
        actor=user,
        mine=mine,
        due=due or "",
        kind=kind.value if kind else "",
        today=timezone.localdate(),
    )
    return _page(qs, limit, offset)


@router.get("/cases/approvals", response={200: CasePage, **READ_ERRORS})
def cases_approvals(request: HttpRequest, limit: Limit = 50, offset: Offset = 0) -> CasePage:
    """Cases ready for a decision at the caller's level (A-03, A-06)."""
    user = require(request, Can.DECIDE)
    return _page(selectors.approval_queue(actor=user), limit, offset)


@router.get("/cases/referrals", response={200: CasePage, **READ_ERRORS})
def cases_referrals(request: HttpRequest, limit: Limit = 50, offset: Offset = 0) -> CasePage:
    """Referrals waiting for the caller's department (A-01 分办转办)."""
    user = require(request, Can.HANDLE_REFERRALS)
    return _page(selectors.referral_queue(actor=user), limit, offset)


@router.get("/cases/{case_id}", response={200: CaseDetailOut, **READ_ERRORS})
def case_get(request: HttpRequest, case_id: CaseId) -> CaseDetailOut:
    """The case: summary, checklist, proposal and decision, the actions the caller may take
    now, the timeline, objections, votes, instalments, documents and the frozen
    evaluation."""
    user = require(request, Can.VIEW_HOUSEHOLDS)
    return case_detail(_case(case_id), user)


# -- intake, checklist ---------------------------------------------------------------------
@router.post("/cases", response={201: CaseDetailOut, **WRITE_ERRORS})
@idempotent
def case_create(request: HttpRequest, payload: CaseIn) -> Status[CaseDetailOut]:
    """One-window acceptance (A-01) of an application for a household of the caller's area;
    the case number is the accepting township's."""
    user = require(request, Can.HANDLE_CASES)
    household = registry_selectors.household_get(payload.household_id)
    if household is None:
        raise ProblemError(404)
    applicant = None
    if payload.applicant_member_id is not None:
        applicant = registry_selectors.member_get(payload.applicant_member_id)
        if applicant is None:
            raise ProblemError(404)
    parent = _case(payload.parent_case_id) if payload.parent_case_id is not None else None
    with _refusals(INTAKE_FIELDS):
        case = services.case_create(
            actor=user,
            household=household,
            kind=payload.kind.value,
            channel=payload.channel.value,
            applied_on=payload.applied_on,
            applicant=applicant,
            reason=payload.reason,
            requested_amount=payload.requested_amount,
            referral_aid=payload.referral_aid.value if payload.referral_aid else "",
            checklist=dict(payload.checklist),
            authorization_on=payload.authorization_on,
            parent=parent,
        )
    return Status(201, case_detail(case, user))


@router.put("/cases/{case_id}/checklist", response={200: CaseDetailOut, **WRITE_ERRORS})
def case_checklist(request: HttpRequest, case_id: CaseId, payload: ChecklistIn) -> CaseDetailOut:
    """Mark documents received or committed (告知承诺) while the case waits for materials;
    the documents not named keep their status."""
    user = require(request, Can.HANDLE_CASES)
    case = _case(case_id)
    with _refusals(CHECKLIST_FIELDS):
        case = services.case_checklist_update(
            actor=user,
            case=case,
            statuses=dict(payload.statuses),
            authorization_on=payload.authorization_on,
        )
    return case_detail(case, user)


# -- the workflow events -------------------------------------------------------------------
def _action(event: str) -> Callable[..., Any]:
    """The view of one event; its body is the event's own schema."""
    body = action_body(event)
    needs = EVENT_CAPABILITIES[event]

    def view(request: HttpRequest, case_id: CaseId, payload: ActionIn) -> CaseDetailOut:
        user = actor(request)
        capabilities = _capabilities(user)
        if not needs & capabilities:  # before the lookup: reveals nothing
            raise ProblemError(403)
        case = _case(case_id)
        expected = payload.expected_state
        transition = flow_of(case.kind).find(case.state, event)
        if (
            expected in (None, case.state)
            and transition is not None
            and transition.capability not in capabilities
        ):
            raise ProblemError(403, str(NEEDS_CAPABILITY).format(event=transition.label))
        data = payload.model_dump(exclude={"expected_state"}, exclude_none=True)
        with _refusals():
            case = services.case_act(
                actor=user, case=case, event=event, payload=data, expected_state=expected
            )
        return case_detail(case, user)

    view.__annotations__["payload"] = body  # what ninja reads: the event's own schema
    view.__name__ = view.__qualname__ = f"case_{event}"
    return view


def _labels(event: str) -> str:
    labels = dict.fromkeys(
        str(t.label) for flow in FLOWS.values() for t in flow.transitions if t.event == event
    )
    return " / ".join(labels)


for _event in all_events():
    router.post(
        f"/cases/{{case_id}}/actions/{_event}",
        response={200: CaseDetailOut, **WRITE_ERRORS},
        operation_id=f"case_{_event}",
        url_name=f"case_{_event}",
        summary=f"{_event}：{_labels(_event)}",
        description=(
            f"Take the event `{_event}` ({_labels(_event)}) on the case. Answers the case as "
            "GET /cases/{case_id} does. Not allowed in the case's state, refused by a guard, "
            "or `expected_state` differs from the case's state → 409 (`detail` says why); a "
            "value refused → 422 naming the field; the role cannot take this event → 403."
        ),
    )(idempotent(_action(_event)))


def _batch(event: str) -> Callable[..., Any]:
    """The view of one event on a list of cases (批量审批 and other list work): every case
    is checked as by the single endpoint; the refused ones are listed with the reason and
    the others done, all in one transaction (cases/batch.py)."""
    body = batch_body(event)
    needs = EVENT_CAPABILITIES[event]

    def view(request: HttpRequest, payload: ActionIn) -> CaseBatchOut:
        user = actor(request)
        if not needs & _capabilities(user):
            raise ProblemError(403)
        data = payload.model_dump(exclude={"expected_state", "case_ids"}, exclude_none=True)
        ids = list(dict.fromkeys(payload.case_ids))  # type: ignore[attr-defined]
        with _refusals():
            done, refused = services.case_act_many(
                actor=user, case_ids=ids, event=event, payload=data
            )
        return CaseBatchOut(
            done=[CaseBatchDoneOut(id=c.id, number=c.number, state=c.state) for c in done],
            refused=[
                CaseBatchRefusedOut(case_id=i, reason=refused[i]) for i in ids if i in refused
            ],
        )

    view.__annotations__["payload"] = body
    view.__name__ = view.__qualname__ = f"cases_batch_{event}"
    return view


for _event in all_events():
    router.post(
        f"/cases/batch/{_event}",
        response={200: CaseBatchOut, **WRITE_ERRORS},
        operation_id=f"cases_batch_{_event}",
        url_name=f"cases_batch_{_event}",
        summary=f"{_event} (batch)：{_labels(_event)}",
        description=(
            f"Take the event `{_event}` on up to 1,000 cases of the caller's area at once "
            "(e.g. 批量审批), with the same body for all. Each case is checked as by "
            f"POST /cases/{{case_id}}/actions/{_event}; `refused` lists the cases not done with "
            "the reason (a value refused, a state or guard not met, a case outside the area "
            "reading as missing); the rest are done in one transaction. The role cannot take "
            "this event → 403."
        ),
    )(idempotent(_batch(_event)))


# -- documents -----------------------------------------------------------------------------
UPLOAD_FIELDS = {"kind", "file"}


def _upload_checked(view: Callable[..., Any]) -> Callable[..., Any]:
    """Refuse a form field other than `kind` and `file`, as a JSON body refuses unknown
    fields (SECURITY.md 3), and a file over the limit before it is read (the service
    measures it too)."""

    @functools.wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> Any:
        unknown = sorted({*request.POST, *request.FILES} - UPLOAD_FIELDS)
        if unknown:
            raise ProblemError(422, str(UNKNOWN_FIELD), field=unknown[0])
        upload: UploadedFile = kwargs["file"]
        try:
            refuse_oversized(upload.size)
        except ServiceError as exc:
            raise ProblemError(422, exc.message, field="file") from None
        return view(request, *args, **kwargs)

    return wrapper


@router.post(
    "/cases/{case_id}/documents",
    response={201: DocumentOut, **WRITE_ERRORS},
    # the form has these two fields and no other (the wrapper below refuses the rest)
    openapi_extra={
        "requestBody": {
            "content": {"multipart/form-data": {"schema": {"additionalProperties": False}}}
        }
    },
)
@_upload_checked
@idempotent
def case_document_upload(
    request: HttpRequest,
    case_id: CaseId,
    kind: Form[DocumentKind],
    file: File[UploadedFile],
) -> Status[DocumentOut]:
    """Attach a PDF, JPEG or PNG (multipart: `kind` and `file`), checked by its content, not
    its name; at most the upload limit (10 MB). A home-visit photo needs `investigate`."""
    user = actor(request)
    if not (user.can(Can.HANDLE_CASES) or user.can(Can.INVESTIGATE)):
        raise ProblemError(403)
    case = _case(case_id)
    document = case_document_add(
        actor=user, case=case, kind=kind.value, name=file.name or "", content=file.read()
    )
    return Status(201, DocumentOut.model_validate(document, from_attributes=True))


# -- the reserve fund (A-09) ---------------------------------------------------------------
def _reserve_out(fund: ReserveFund) -> ReserveOut:
    movements = selectors.reserve_movements(fund).select_related("actor")[:MOVEMENTS_SHOWN]
    return ReserveOut.model_validate(
        {
            "township_code": fund.region_code,
            "balance": fund.balance,
            "movements": [
                {
                    "id": m.id,
                    "at": m.at,
                    "amount": m.amount,
                    "balance_after": m.balance_after,
                    "note": m.note,
                    "case_id": m.case_id,
                    "case_number": m.case.number if m.case else None,
                    "actor": m.actor.get_username(),
                }
                for m in movements
            ],
        }
    )


@router.get("/reserve-funds/{township_code}", response={200: ReserveOut, **READ_ERRORS})
def reserve_get(request: HttpRequest, township_code: TownshipCode) -> ReserveOut:
    """A township's temporary-aid reserve fund: its balance and latest movements. A township
    without a fund (or outside the area) → 404."""
    require(request, Can.VIEW_HOUSEHOLDS)
    fund = selectors.reserve_of(township_code)
    if fund is None:
        raise ProblemError(404)
    return _reserve_out(fund)


@router.post("/reserve-funds/{township_code}/top-ups", response={201: ReserveOut, **WRITE_ERRORS})
@idempotent
def reserve_top_up(
    request: HttpRequest, township_code: TownshipCode, payload: TopUpIn
) -> Status[ReserveOut]:
    """The county tops up (or first sets up) the reserve fund of a township of its area."""
    user = require(request, Can.MANAGE_RESERVE)
    if not Region.objects.filter(code=township_code, level=Level.TOWNSHIP).exists():
        raise ProblemError(422, str(registry_errors.REGION_UNKNOWN), field="township_code")
    fund = services.reserve_top_up(
        actor=user, township_code=township_code, amount=payload.amount, note=payload.note
    )
    return Status(201, _reserve_out(fund))
