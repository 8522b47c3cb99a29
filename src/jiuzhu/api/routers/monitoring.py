"""Monitoring (M-01…M-03): departments push hardship signals; grid workers and township
caseworkers read their area's tasks and record the outcome of a visit; the area's dashboard.

A push is one batch of records validated row by row (the same pipeline as verification's
department data, docs/monitoring.md), idempotent by its batch key. Tasks belong to the
household's area: another area's task is 404.

(No `from __future__ import annotations`: ninja reads the annotations at runtime.)
"""

from typing import Annotated, Any

from django.http import HttpRequest
from django.utils import timezone
from ninja import Path, Query, Router, Status

from jiuzhu.accounts.roles import Can
from jiuzhu.api.auth import require
from jiuzhu.api.idempotency import idempotent
from jiuzhu.api.monitoring_schemas import (
    HotlineAnswerIn,
    HotlineCallIn,
    HotlineCallOut,
    HotlineFeedbackIn,
    MonitoringDashboardOut,
    MonitoringSignalOut,
    MonitoringTaskCloseIn,
    MonitoringTaskOut,
    MonitoringWarningOut,
)
from jiuzhu.api.problems import Problem, ProblemError
from jiuzhu.api.routers.verification import CONFLICTS, batch_out
from jiuzhu.api.verification_schemas import BatchOut, RecordsIn, SourceOut
from jiuzhu.monitoring import errors, selectors
from jiuzhu.monitoring.errors import AlreadyRegistered
from jiuzhu.monitoring.hotline import (
    call_get,
    calls_visible,
    hotline_answer,
    hotline_feedback,
    hotline_register,
    mask_phone,
)
from jiuzhu.monitoring.models import HotlineCall, Task, WarningKind
from jiuzhu.monitoring.services import signals_import_records, task_close
from jiuzhu.monitoring.signals import SIGNALS_LIST, get_signal
from jiuzhu.registry.errors import ServiceError
from jiuzhu.verification.errors import RefusedFile

router = Router(tags=["monitoring 主动发现与动态监测"])

READ_ERRORS: dict[Any, Any] = {frozenset({400, 401, 403, 404, 422}): Problem}
WRITE_ERRORS: dict[Any, Any] = {frozenset({400, 401, 403, 404, 409, 422}): Problem}
KindCode = Annotated[str, Path(pattern=r"^[a-z_]{2,32}$", description="信号类型")]
TaskId = Annotated[int, Path(ge=1, le=2**53 - 1)]
CallId = Annotated[int, Path(ge=1, le=2**53 - 1)]
KIND_LABELS = dict(WarningKind.choices)


def task_out(task: Task, *, reader: Any = None) -> MonitoringTaskOut:
    warning = task.warning
    return MonitoringTaskOut(
        id=task.pk,
        household_id=task.household_id,
        household_number=task.household.number,
        region_code=task.region_code,
        state=task.state,  # type: ignore[arg-type]
        assigned_level=task.assigned_level,  # type: ignore[arg-type]
        assigned_area=task.assigned_area,
        opened_on=task.opened_on,
        due_on=task.due_on,
        overdue=task.state == "open" and task.due_on < timezone.localdate(),
        escalations=task.escalations,
        recommended=task.recommended,
        outcome=task.outcome,
        visited_on=task.visited_on,
        note=task.note,
        department=task.department,
        case_id=task.case_id,
        warning=MonitoringWarningOut(
            id=warning.pk,
            kind=warning.kind,
            kind_label=str(KIND_LABELS.get(warning.kind, warning.kind)),
            rule=warning.rule,
            level=warning.level,  # type: ignore[arg-type]
            category=warning.category,
            amount=warning.amount,
            raised_on=warning.raised_on,
            evidence=dict(warning.evidence),
            signal_ids=list(warning.signal_ids),
        ),
        signals=[MonitoringSignalOut(**s) for s in selectors.task_evidence(reader, task)]
        if reader is not None
        else [],
    )


@router.get("/monitoring/signal-kinds", response={200: list[SourceOut], **READ_ERRORS})
def signal_kinds(request: HttpRequest) -> list[SourceOut]:
    """The signal kinds and their record schemas (type, unit, sensitivity of each field)."""
    return [SourceOut.model_validate(s.as_dict()) for s in SIGNALS_LIST]


@router.post("/monitoring/signals/{kind}", response={200: BatchOut, 201: BatchOut, **WRITE_ERRORS})
@idempotent
def signals_push(request: HttpRequest, kind: KindCode, payload: RecordsIn) -> Status[BatchOut]:
    """A department's system pushes one batch of signals: 201 with the row-by-row report;
    200 and nothing added when the batch was imported already."""
    user = require(request, Can.IMPORT_DEPARTMENT_DATA)
    if get_signal(kind) is None:
        raise ProblemError(404, str(errors.UNKNOWN_KIND))
    try:
        result = signals_import_records(
            actor=user,
            kind=kind,
            records=[dict(r) for r in payload.records],
            as_of=payload.as_of,
            batch_key=payload.batch_key,
            region_code=user.area.code if user.area else "",
        )
    except RefusedFile as exc:
        raise ProblemError(409 if exc.message in CONFLICTS else 422, exc.message) from None
    out = batch_out(result.batch, added=result.added, already=result.already_complete)
    return Status(200 if result.already_complete else 201, out)


@router.get("/monitoring/tasks", response={200: list[MonitoringTaskOut], **READ_ERRORS})
def tasks_list(
    request: HttpRequest,
    overdue: Annotated[bool, Query(description="只列逾期任务")] = False,
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
) -> list[MonitoringTaskOut]:
    """The open tasks of the caller's area, most urgent first."""
    require(request, Can.HANDLE_WARNINGS)
    tasks = selectors.tasks_open()
    if overdue:
        tasks = tasks.filter(due_on__lt=timezone.localdate())
    return [task_out(t) for t in tasks[:limit]]


@router.get("/monitoring/tasks/{task_id}", response={200: MonitoringTaskOut, **READ_ERRORS})
def task_get(request: HttpRequest, task_id: TaskId) -> MonitoringTaskOut:
    """A task of the caller's area with its warning and the signals behind it."""
    user = require(request, Can.HANDLE_WARNINGS)
    task = selectors.task_get(task_id)
    if task is None:
        raise ProblemError(404)
    return task_out(task, reader=user)  # the evidence's read is logged (SECURITY.md 20)


@router.post("/monitoring/tasks/{task_id}/close", response={200: MonitoringTaskOut, **WRITE_ERRORS})
@idempotent
def task_close_endpoint(
    request: HttpRequest, task_id: TaskId, payload: MonitoringTaskCloseIn
) -> MonitoringTaskOut:
    """Record the visit and the outcome. A village assistant's `refer_application` or
    `emergency_aid` hands the task to the township; a caseworker's opens the application."""
    user = require(request, Can.HANDLE_WARNINGS)
    task = selectors.task_get(task_id)
    if task is None:
        raise ProblemError(404)
    try:
        done = task_close(
            actor=user,
            task=task,
            outcome=payload.outcome,
            note=payload.note,
            visited_on=payload.visited_on,
            department=payload.department,
            amount=payload.amount,
        )
    except ServiceError as exc:
        if exc.message == str(errors.TASK_CLOSED):
            raise ProblemError(409, exc.message) from None
        raise
    return task_out(selectors.task_get(done.pk) or done)


@router.get("/monitoring/dashboard", response={200: MonitoringDashboardOut, **READ_ERRORS})
def dashboard(request: HttpRequest) -> MonitoringDashboardOut:
    """The caller's area: open warnings by level and kind, open and overdue tasks."""
    require(request, Can.VIEW_HOUSEHOLDS)
    today = timezone.localdate()
    data = selectors.dashboard(today)
    return MonitoringDashboardOut(
        as_of=today,
        open_warnings=data["by_level"],
        by_kind=data["by_kind"],
        open_tasks=data["open_tasks"],
        overdue_tasks=data["overdue"],
        tasks_by_level=data["by_assigned"],
        closed_tasks=data["closed_tasks"],
    )


def call_out(call: HotlineCall) -> HotlineCallOut:
    return HotlineCallOut(
        id=call.pk,
        number=call.number,
        line=call.line,
        received_on=call.received_on,
        caller_name=call.caller_name,
        caller_phone_masked=mask_phone(call.caller_phone),
        subject=call.subject,
        urgent=call.urgent,
        request=call.request,
        household_id=call.household_id,
        region_code=call.region_code,
        assigned_level=call.assigned_level,  # type: ignore[arg-type]
        assigned_area=call.assigned_area,
        state=call.state,  # type: ignore[arg-type]
        due_on=call.due_on,
        overdue=call.state == "routed" and call.due_on < timezone.localdate(),
        escalations=call.escalations,
        reopened=call.reopened,
        answer=call.answer,
        answered_on=call.answered_on,
        feedback=call.feedback,
        closed_on=call.closed_on,
    )


def _call(call_id: int) -> HotlineCall:
    call = call_get(call_id)
    if call is None:
        raise ProblemError(404)
    return call


@router.post("/monitoring/hotline", response={201: HotlineCallOut, **WRITE_ERRORS})
@idempotent
def hotline_create(request: HttpRequest, payload: HotlineCallIn) -> Status[HotlineCallOut]:
    """Register a 12345 / 12349 call (M-03) and route it to the responsible township; a
    work-order number already registered is 409."""
    user = require(request, Can.HANDLE_WARNINGS)
    try:
        call = hotline_register(actor=user, **payload.model_dump())
    except AlreadyRegistered as exc:
        raise ProblemError(409, exc.message) from None
    return Status(201, call_out(call))


@router.get("/monitoring/hotline", response={200: list[HotlineCallOut], **READ_ERRORS})
def hotline_list(
    request: HttpRequest,
    all_calls: Annotated[bool, Query(alias="all", description="包括已办结的工单")] = False,
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
) -> list[HotlineCallOut]:
    """The calls of the caller's area, the answer due first."""
    require(request, Can.HANDLE_WARNINGS)
    return [call_out(c) for c in calls_visible(open_only=not all_calls)[:limit]]


@router.get("/monitoring/hotline/{call_id}", response={200: HotlineCallOut, **READ_ERRORS})
def hotline_get(request: HttpRequest, call_id: CallId) -> HotlineCallOut:
    require(request, Can.HANDLE_WARNINGS)
    return call_out(_call(call_id))


@router.post("/monitoring/hotline/{call_id}/answer", response={200: HotlineCallOut, **WRITE_ERRORS})
@idempotent
def hotline_answer_endpoint(
    request: HttpRequest, call_id: CallId, payload: HotlineAnswerIn
) -> HotlineCallOut:
    """The responsible office's answer; a call not waiting for one is 409."""
    user = require(request, Can.HANDLE_WARNINGS)
    call = _call(call_id)
    try:
        return call_out(hotline_answer(actor=user, call=call, answer=payload.answer))
    except ServiceError as exc:
        raise ProblemError(409 if exc.field is None else 422, exc.message) from None


@router.post(
    "/monitoring/hotline/{call_id}/feedback", response={200: HotlineCallOut, **WRITE_ERRORS}
)
@idempotent
def hotline_feedback_endpoint(
    request: HttpRequest, call_id: CallId, payload: HotlineFeedbackIn
) -> HotlineCallOut:
    """The caller's feedback (回访): closes the call, or reopens it when unsatisfied."""
    user = require(request, Can.HANDLE_WARNINGS)
    call = _call(call_id)
    try:
        done = hotline_feedback(actor=user, call=call, feedback=payload.feedback, note=payload.note)
    except ServiceError as exc:
        raise ProblemError(409 if exc.field is None else 422, exc.message) from None
    return call_out(done)
