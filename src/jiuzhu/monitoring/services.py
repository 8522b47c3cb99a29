"""Writes of the monitoring context: importing signals (through the verification import
pipeline), closing a warning's task with its outcome, and escalating overdue tasks. Each
write is one transaction with its audit row inside; a refusal changes nothing.

Outcomes (M-01, M-04): `no_need` (the visit found no need), `refer_department` (another
department's aid), `refer_application` (an application is opened: cases.services.case_create,
channel 主动发现) and `emergency_aid` (an application for 急难型临时救助, to be paid first
from the township's reserve). Opening an application needs the caseworker's capability; a
village assistant's `refer_application` or `emergency_aid` hands the task to the township
with that recommendation instead (the township accepts the application).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from pathlib import Path
from typing import Any

from django.db import transaction
from django.db.models import F
from django.utils import timezone

from jiuzhu.accounts.roles import Can
from jiuzhu.audit.services import audit_record
from jiuzhu.monitoring import errors, flows
from jiuzhu.monitoring.models import AssignedLevel, Outcome, RiskWarning, Task, TaskState
from jiuzhu.monitoring.scan import risk_refresh
from jiuzhu.monitoring.signals import SIGNALS
from jiuzhu.registry.errors import ServiceError, transition_checked
from jiuzhu.rules import categories
from jiuzhu.rules.monitoring import ESCALATION_DAYS, TASK_DAYS
from jiuzhu.rules.procedure import due_after
from jiuzhu.verification.importing import ImportResult, import_file, import_records

# the outcomes that open an application (its kind: the category the warning found)
OPENS_CASE = (Outcome.REFER_APPLICATION, Outcome.EMERGENCY_AID)


def signals_import_file(
    *,
    actor: Any,
    kind: str,
    path: Path,
    as_of: dt.date,
    batch_key: str | None = None,
    region_code: str = "",
    progress: Callable[[int], None] | None = None,
    on_total: Callable[[int], None] | None = None,
) -> ImportResult:
    """A department's signal file, validated row by row and stored as its records."""
    return import_file(
        actor=actor,
        source=kind,
        path=path,
        as_of=as_of,
        batch_key=batch_key,
        region_code=region_code,
        progress=progress,
        on_total=on_total,
        catalogue=SIGNALS,
    )


def signals_import_records(
    *,
    actor: Any,
    kind: str,
    records: list[dict[str, Any]],
    as_of: dt.date,
    batch_key: str,
    region_code: str,
) -> ImportResult:
    """A batch of signals pushed by a department's system."""
    return import_records(
        actor=actor,
        source=kind,
        records=records,
        as_of=as_of,
        batch_key=batch_key,
        region_code=region_code,
        catalogue=SIGNALS,
    )


def _state(task: Task) -> dict[str, Any]:
    return {
        "state": task.state,
        "assigned_level": task.assigned_level,
        "assigned_area": task.assigned_area,
        "due_on": task.due_on.isoformat(),
        "outcome": task.outcome,
        "recommended": task.recommended,
        "case": task.case_id,
    }


def _suggested_kind(warning: RiskWarning) -> str | None:
    if warning.kind == "policy_match":
        eligible = str(warning.evidence.get("eligible"))
        return eligible if eligible in categories.RANKED else None  # its kind is its code
    return "temporary_expense" if warning.kind == "medical" else None


def _open_case(actor: Any, task: Task, outcome: str, amount: Any, note: str, today: dt.date) -> Any:
    from jiuzhu.cases.services import case_create

    warning = task.warning
    if outcome == Outcome.EMERGENCY_AID:
        if amount in (None, ""):
            raise ServiceError(errors.AMOUNT_REQUIRED, field="amount")
        kind = "temporary_emergency"
    else:
        kind = _suggested_kind(warning) or "temporary_expense"
        if kind.startswith("temporary") and amount in (None, ""):
            raise ServiceError(errors.AMOUNT_REQUIRED, field="amount")
    return case_create(
        actor=actor,
        household=task.household,
        kind=kind,
        channel="proactive",
        reason=note,
        requested_amount=amount if kind.startswith("temporary") else None,
        today=today,
    )


def _check(task: Task, outcome: str, note: str, visited_on: dt.date | None, today: dt.date) -> None:
    if outcome not in Outcome.values:
        raise ServiceError(errors.OUTCOME_UNKNOWN, field="outcome")
    if visited_on is None:
        raise ServiceError(errors.VISITED_REQUIRED, field="visited_on")
    if visited_on > today:
        raise ServiceError(errors.VISITED_FUTURE, field="visited_on")
    if visited_on < task.opened_on:
        raise ServiceError(errors.VISITED_BEFORE_TASK, field="visited_on")
    if not note:
        raise ServiceError(errors.NOTE_REQUIRED, field="note")


@transaction.atomic(durable=True)
def task_close(
    *,
    actor: Any,
    task: Task,
    outcome: str,
    note: str,
    visited_on: dt.date | None,
    department: str = "",
    amount: Any = None,
    today: dt.date | None = None,
) -> Task:
    """Record the visit and the outcome of a task of the actor's area (M-01). The task must
    be visible to the actor (area scope); the row is locked, so two closes cannot both win."""
    if not actor.can(Can.HANDLE_WARNINGS):
        raise ServiceError(errors.NOT_ALLOWED)
    today = today or timezone.localdate()
    locked = Task.objects.select_for_update().select_related("warning", "household").get(pk=task.pk)
    note = note.strip()[:2000]
    department = department.strip()[:100]
    transition_checked(flows.TASK, locked.state, "close", actor)
    _check(locked, outcome, note, visited_on, today)
    if outcome == Outcome.REFER_DEPARTMENT and not department:
        raise ServiceError(errors.DEPARTMENT_REQUIRED, field="department")
    old = _state(locked)
    locked.visited_on, locked.note = visited_on, note
    if outcome in OPENS_CASE and not actor.can(Can.HANDLE_CASES):
        # the assistant recommends; the township accepts the application
        locked.recommended = outcome
        locked.assigned_level = AssignedLevel.TOWNSHIP
        locked.assigned_area = locked.region_code[:9]
        level = locked.warning.level
        locked.due_on = due_after(today, TASK_DAYS[level], locked.region_code).on
        action = "monitoring.task_hand_over"
    else:
        if outcome in OPENS_CASE:
            locked.case = _open_case(actor, locked, outcome, amount, note, today)
        locked.outcome, locked.department = outcome, department
        locked.state, locked.closed_by, locked.closed_on = TaskState.CLOSED, actor, today
        RiskWarning.unscoped.filter(pk=locked.warning_id).update(closed=True)
        risk_refresh(locked.household_id, today)
        action = "monitoring.task_close"
    locked.save()
    audit_record(
        actor=actor,
        action=action,
        object_type="monitoring_task",
        object_id=locked.pk,
        region_code=locked.region_code,
        old=old,
        new={**_state(locked), "visited_on": visited_on.isoformat() if visited_on else None},
    )
    return locked


NEXT_LEVEL = {
    AssignedLevel.TOWNSHIP: (AssignedLevel.COUNTY, 6),
    AssignedLevel.VILLAGE: (AssignedLevel.TOWNSHIP, 9),
}


@transaction.atomic(durable=True)
def tasks_escalate(*, actor: Any, as_of: dt.date, region: str = "") -> dict[str, int]:
    """Open tasks past their deadline go up one level (village → township → county, M-01)
    with a new deadline of `monitoring_escalation_days` working days; set-based, one UPDATE
    per (level, county). A county's overdue task stays with the county (counted). Run twice
    on one day, the second run changes nothing (the new deadlines are not yet past)."""
    overdue = Task.unscoped.filter(
        state=TaskState.OPEN, due_on__lt=as_of, region_code__startswith=region
    )
    counts = {"to_township": 0, "to_county": 0, "overdue_at_county": 0}
    moved: list[int] = []
    # the township first, so a task climbs one level per run
    for level, (target, digits) in NEXT_LEVEL.items():
        rows = overdue.filter(assigned_level=level)
        counties = sorted({code[:6] for code in rows.values_list("region_code", flat=True)})
        for county in counties:
            due = due_after(as_of, ESCALATION_DAYS, county)
            batch = rows.filter(region_code__startswith=county)
            moved.extend(batch.values_list("id", flat=True))
            n = batch.update(
                assigned_level=target,
                assigned_area=_prefix(digits),
                due_on=due.on,
                due_provisional=due.provisional,
                escalations=F("escalations") + 1,
                escalated_on=as_of,
            )
            counts["to_county" if target == AssignedLevel.COUNTY else "to_township"] += n
    counts["overdue_at_county"] = overdue.filter(assigned_level=AssignedLevel.COUNTY).count()
    if moved:
        audit_record(
            actor=actor,
            action="monitoring.escalate",
            object_type="monitoring_task",
            object_id=as_of.isoformat(),
            region_code=region,
            new={"as_of": as_of.isoformat(), "tasks": sorted(moved), **counts},
        )
    return counts


def _prefix(digits: int) -> Any:
    from django.db.models.functions import Substr

    return Substr("region_code", 1, digits)
