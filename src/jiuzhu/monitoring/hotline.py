"""The 12345 / 12349 hotline (M-03; IM 20 快速响应): a call about social assistance is
registered with the caller's request, routed to the township responsible for the place (the
county when only the county is known), answered within `monitoring_hotline_answer_days`
working days (`…_urgent_days` when urgent), and closed with the caller's feedback. An
unsatisfied caller reopens it with a new time limit; an unanswered call past its limit goes
up to the county (`hotline_escalate`, set-based, with the tasks' escalation).

A hardship report about a registered household (found by a member's ID number through the
keyed hash) is also stored as a `hotline_report` signal, so the next scan raises a warning
and sends the grid worker (M-02). Each write is one transaction with its audit row; the
caller's phone number is masked on screen and in the audit log.
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

from django.db import transaction
from django.db.models import F, QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from jiuzhu.accounts.roles import Can
from jiuzhu.audit.services import audit_record
from jiuzhu.monitoring import flows
from jiuzhu.monitoring.errors import AlreadyRegistered
from jiuzhu.monitoring.models import (
    AssignedLevel,
    CallState,
    CallSubject,
    Feedback,
    HotlineCall,
    HotlineLine,
)
from jiuzhu.regions.models import Region
from jiuzhu.registry.errors import ServiceError, transition_checked
from jiuzhu.registry.identity import id_hash
from jiuzhu.registry.models import Member
from jiuzhu.rules.monitoring import ESCALATION_DAYS, HOTLINE_DAYS
from jiuzhu.rules.procedure import due_after

NOT_ALLOWED = flows.CALL_NOT_ALLOWED
NUMBER_REQUIRED = _("请填写工单编号（不超过40个字符）")
NUMBER_TAKEN = _("该工单编号已登记")
LINE_UNKNOWN = _("请选择热线（12345 或 12349）")
SUBJECT_UNKNOWN = _("请选择诉求类型")
RECEIVED_FUTURE = _("来电日期不能晚于今天")
CALLER_REQUIRED = _("请填写来电人姓名（不超过50个字符）")
PHONE_INVALID = _("联系电话格式不正确")
REQUEST_REQUIRED = _("请填写诉求内容（不超过2000个字符）")
PLACE_REQUIRED = _("请填写诉求所在的区划代码，或来电家庭成员的身份证号")
PLACE_UNKNOWN = _("区划代码不存在或不在您的辖区内")
PERSON_UNKNOWN = _("没有找到该身份证号对应的在册人员（或不在您的辖区内）")
ANSWER_REQUIRED = _("请填写答复内容（不超过2000个字符）")
FEEDBACK_UNKNOWN = _("请选择回访评价")

PHONE = re.compile(r"^\+?[0-9][0-9\- ]{4,18}[0-9]$")


def mask_phone(phone: str) -> str:
    """138****5678: the first three and the last four digits."""
    digits = re.sub(r"\D", "", phone)
    if len(digits) < 8:
        return "*" * len(digits)
    return f"{digits[:3]}{'*' * (len(digits) - 7)}{digits[-4:]}"


def _state(call: HotlineCall) -> dict[str, Any]:
    return {
        "state": call.state,
        "assigned_level": call.assigned_level,
        "assigned_area": call.assigned_area,
        "due_on": call.due_on.isoformat(),
        "feedback": call.feedback,
        "reopened": call.reopened,
    }


def _route(region_code: str) -> tuple[str, str]:
    if len(region_code) >= 9:
        return AssignedLevel.TOWNSHIP, region_code[:9]
    return AssignedLevel.COUNTY, region_code[:6]


def _text(value: str, limit: int, message: Any, field: str) -> str:
    value = (value or "").strip()
    if not value or len(value) > limit:
        raise ServiceError(message, field=field)
    return value


def hotline_register(
    *,
    actor: Any,
    number: str,
    line: str,
    received_on: dt.date,
    caller_name: str,
    caller_phone: str,
    subject: str,
    request: str,
    region_code: str = "",
    id_number: str = "",
    urgent: bool = False,
    today: dt.date | None = None,
) -> HotlineCall:
    """Register and route one call. The place is the household of the member whose ID
    number is given, else the region code given (a village, township or county of the
    actor's area); the time limit runs from the day of the call."""
    if actor is not None and not actor.can(Can.HANDLE_WARNINGS):
        raise ServiceError(NOT_ALLOWED)
    today = today or timezone.localdate()
    number = _text(number, 40, NUMBER_REQUIRED, "number")
    if line not in HotlineLine.values:
        raise ServiceError(LINE_UNKNOWN, field="line")
    if subject not in CallSubject.values:
        raise ServiceError(SUBJECT_UNKNOWN, field="subject")
    if received_on > today:
        raise ServiceError(RECEIVED_FUTURE, field="received_on")
    caller_name = _text(caller_name, 50, CALLER_REQUIRED, "caller_name")
    caller_phone = (caller_phone or "").strip()
    if not PHONE.match(caller_phone):
        raise ServiceError(PHONE_INVALID, field="caller_phone")
    request = _text(request, 2000, REQUEST_REQUIRED, "request")
    household = None
    if id_number.strip():
        member = Member.objects.filter(id_hash=id_hash(id_number.strip().upper())).first()
        if member is None:
            raise ServiceError(PERSON_UNKNOWN, field="id_number")
        household = member.household
        region_code = household.region_code
    elif not region_code.strip():
        raise ServiceError(PLACE_REQUIRED, field="region_code")
    else:
        region_code = region_code.strip()
        prefix = getattr(getattr(actor, "area", None), "scope_prefix", "") if actor else ""
        if (
            not region_code.startswith(prefix)
            or not Region.objects.filter(code=region_code).exists()
        ):
            raise ServiceError(PLACE_UNKNOWN, field="region_code")
    level, area = _route(region_code)
    due = due_after(received_on, HOTLINE_DAYS[bool(urgent)], region_code)
    with transaction.atomic(durable=True):
        if HotlineCall.unscoped.filter(number=number).exists():
            raise AlreadyRegistered(NUMBER_TAKEN, field="number")
        call = HotlineCall.unscoped.create(
            number=number,
            line=line,
            received_on=received_on,
            caller_name=caller_name,
            caller_phone=caller_phone,
            subject=subject,
            urgent=bool(urgent),
            request=request,
            household=household,
            region_code=region_code,
            assigned_level=level,
            assigned_area=area,
            due_on=due.on,
            due_provisional=due.provisional,
            registered_by=actor,
        )
        audit_record(
            actor=actor,
            action="monitoring.hotline_register",
            object_type="hotline_call",
            object_id=call.pk,
            region_code=region_code,
            new={**_state(call), "number": number, "phone": mask_phone(caller_phone)},
        )
    if household is not None and subject == CallSubject.HARDSHIP:
        _report_signal(actor, call, id_number.strip().upper())
    return call


def _report_signal(actor: Any, call: HotlineCall, id_number: str) -> None:
    """The hardship report as a `hotline_report` signal (idempotent by the ticket)."""
    from jiuzhu.monitoring.services import signals_import_records

    signals_import_records(
        actor=actor,
        kind="hotline_report",
        records=[
            {
                "id_number": id_number,
                "channel": call.line,
                "reported_on": call.received_on.isoformat(),
                "ticket_no": call.number,
                "summary": call.request[:500],
            }
        ],
        as_of=call.received_on,
        batch_key=f"hotline-{call.number}",
        region_code=call.region_code[:6],
    )


@transaction.atomic(durable=True)
def hotline_answer(
    *, actor: Any, call: HotlineCall, answer: str, today: dt.date | None = None
) -> HotlineCall:
    """The responsible office's answer to the caller (a call of the actor's area)."""
    if not actor.can(Can.HANDLE_WARNINGS):
        raise ServiceError(NOT_ALLOWED)
    today = today or timezone.localdate()
    locked = HotlineCall.objects.select_for_update().get(pk=call.pk)
    transition_checked(flows.CALL, locked.state, "answer", actor)
    answer = _text(answer, 2000, ANSWER_REQUIRED, "answer")
    old = _state(locked)
    locked.answer, locked.answered_on, locked.answered_by = answer, today, actor
    locked.state = CallState.ANSWERED
    locked.save()
    audit_record(
        actor=actor,
        action="monitoring.hotline_answer",
        object_type="hotline_call",
        object_id=locked.pk,
        region_code=locked.region_code,
        old=old,
        new={**_state(locked), "answered_on": today.isoformat()},
    )
    return locked


@transaction.atomic(durable=True)
def hotline_feedback(
    *,
    actor: Any,
    call: HotlineCall,
    feedback: str,
    note: str = "",
    today: dt.date | None = None,
) -> HotlineCall:
    """The caller's feedback on the answer (回访): closes the call, or — unsatisfied —
    reopens it with a new time limit from today (重办)."""
    if not actor.can(Can.HANDLE_WARNINGS):
        raise ServiceError(NOT_ALLOWED)
    today = today or timezone.localdate()
    locked = HotlineCall.objects.select_for_update().get(pk=call.pk)
    if feedback not in Feedback.values:
        raise ServiceError(FEEDBACK_UNKNOWN, field="feedback")
    event = "reopen" if feedback == Feedback.UNSATISFIED else "close"
    transition_checked(flows.CALL, locked.state, event, actor)
    old = _state(locked)
    locked.feedback, locked.feedback_note = feedback, (note or "").strip()[:500]
    if feedback == Feedback.UNSATISFIED:
        due = due_after(today, HOTLINE_DAYS[locked.urgent], locked.region_code)
        locked.state, locked.reopened = CallState.ROUTED, locked.reopened + 1
        locked.due_on, locked.due_provisional = due.on, due.provisional
    else:
        locked.state, locked.closed_on = CallState.CLOSED, today
    locked.save()
    audit_record(
        actor=actor,
        action="monitoring.hotline_feedback",
        object_type="hotline_call",
        object_id=locked.pk,
        region_code=locked.region_code,
        old=old,
        new=_state(locked),
    )
    return locked


@transaction.atomic(durable=True)
def hotline_escalate(*, actor: Any, as_of: dt.date, region: str = "") -> dict[str, int]:
    """Calls still unanswered past their limit go from the township to the county with a new
    limit of `monitoring_escalation_days` working days; one UPDATE per county, so a second
    run on the same day changes nothing. Counts the county's own overdue calls."""
    overdue = HotlineCall.unscoped.filter(
        state=CallState.ROUTED, due_on__lt=as_of, region_code__startswith=region
    )
    moved: list[int] = []
    township = overdue.filter(assigned_level=AssignedLevel.TOWNSHIP)
    for county in sorted({code[:6] for code in township.values_list("region_code", flat=True)}):
        due = due_after(as_of, ESCALATION_DAYS, county)
        rows = township.filter(region_code__startswith=county)
        moved.extend(rows.values_list("id", flat=True))
        rows.update(
            assigned_level=AssignedLevel.COUNTY,
            assigned_area=county,
            due_on=due.on,
            due_provisional=due.provisional,
            escalations=F("escalations") + 1,
        )
    counts = {
        "calls_to_county": len(moved),
        "calls_overdue_at_county": overdue.filter(assigned_level=AssignedLevel.COUNTY).count(),
    }
    if moved:
        audit_record(
            actor=actor,
            action="monitoring.hotline_escalate",
            object_type="hotline_call",
            object_id=as_of.isoformat(),
            region_code=region,
            new={"as_of": as_of.isoformat(), "calls": sorted(moved), **counts},
        )
    return counts


def calls_visible(*, open_only: bool = True) -> QuerySet[HotlineCall]:
    """The calls of the current area, the most urgent first (scoped manager)."""
    calls = HotlineCall.objects.select_related("household")
    if open_only:
        calls = calls.exclude(state=CallState.CLOSED)
    return calls.order_by("state", "due_on", "id")


def call_get(call_id: int) -> HotlineCall | None:
    return HotlineCall.objects.filter(pk=call_id).first()
