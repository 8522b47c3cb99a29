"""Reads of the monitoring context, always through the scoped managers: a user sees the
warnings, tasks and signals of their area's households only (an object outside it is
absent, 404). Signals are department records: they are reached through the area's members
(join on the keyed hash), never listed on their own."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db import transaction
from django.db.models import Count, Q, QuerySet
from django.utils.translation import gettext

from jiuzhu.audit.services import access_record
from jiuzhu.monitoring.models import RiskWarning, Task, TaskState
from jiuzhu.monitoring.signals import SIGNALS
from jiuzhu.registry.models import Household, Member
from jiuzhu.verification.models import DepartmentRecord


def tasks_open() -> QuerySet[Task]:
    """The area's open tasks, most urgent first (due date, then level)."""
    return (
        Task.objects.filter(state=TaskState.OPEN)
        .select_related("warning", "household")
        .order_by("due_on", "-rank", "id")
    )


def task_get(task_id: int) -> Task | None:
    return Task.objects.select_related("warning", "household", "case").filter(pk=task_id).first()


def signals_visible(kind: str | None = None) -> QuerySet[DepartmentRecord]:
    """Signals about members of the area's households (the keyed hash joins them)."""
    kinds = [kind] if kind else list(SIGNALS)
    return DepartmentRecord.objects.filter(
        source__in=kinds, id_hash__in=Member.objects.values("id_hash")
    ).order_by("-occurred_on", "-id")


def household_signals(household: Household) -> QuerySet[DepartmentRecord]:
    members = Member.objects.filter(household=household).values("id_hash")
    return DepartmentRecord.objects.filter(source__in=list(SIGNALS), id_hash__in=members).order_by(
        "-occurred_on", "-id"
    )


def task_evidence(actor: Any, task: Task) -> list[dict[str, Any]]:
    """The evidence of a task's warning read by `actor`, with the access row of that read
    (SECURITY.md 20): every entry point — the page, the API — reads it through here."""
    with transaction.atomic():
        access_record(
            actor=actor,
            subject_type="household",
            subject_id=task.household_id,
            field="monitoring_evidence",
            purpose=gettext("预警处置"),
            region_code=task.region_code,
        )
    return task_signals(task)


def task_signals(task: Task) -> list[dict[str, Any]]:
    """The evidence of a task's warning: its signals, each with kind, date, amount and
    provenance (batch and as-of date), masked ID number only. Unlogged: for a reader that
    records the access itself (`task_evidence`)."""
    ids = list(task.warning.signal_ids or [])
    rows = household_signals(task.household).filter(id__in=ids).select_related("batch")
    return [
        {
            "id": r.id,
            "source": r.source,
            "source_label": SIGNALS[r.source].name_zh if r.source in SIGNALS else r.source,
            "kind": r.kind,
            "id_masked": r.id_masked,
            "amount": r.amount,
            "quantity": r.quantity,
            "occurred_on": r.occurred_on,
            "batch": r.batch.batch_key,
            "as_of": r.as_of,
        }
        for r in rows
    ]


def dashboard(today: dt.date) -> dict[str, Any]:
    """The area's open warnings by level and kind, and its tasks by level and overdue.

    Two aggregate queries, whatever the area (a province's hundreds of thousands of rows are
    read once per table, not once per figure): the open warnings by level and kind (the
    totals by level and by kind are their sums) and the tasks by state and assigned level
    with the overdue ones counted alongside; then the 50 most overdue open tasks through
    the open-task index."""
    by_pair: dict[tuple[str, str], int] = {}
    by_level: dict[str, int] = {}
    by_kind: dict[str, int] = {}
    pairs = RiskWarning.objects.filter(closed=False).values("level", "kind")
    for r in pairs.annotate(n=Count("id")).order_by():
        by_pair[(r["level"], r["kind"])] = r["n"]
        by_level[r["level"]] = by_level.get(r["level"], 0) + r["n"]
        by_kind[r["kind"]] = by_kind.get(r["kind"], 0) + r["n"]
    open_tasks = overdue = closed = 0
    by_assigned: dict[str, int] = {}
    late = Count("id", filter=Q(due_on__lt=today))
    groups = Task.objects.filter(state__in=[TaskState.OPEN, TaskState.CLOSED]).values(
        "state", "assigned_level"
    )
    for g in groups.annotate(n=Count("id"), late=late).order_by():
        if g["state"] == TaskState.CLOSED:
            closed += g["n"]
            continue
        open_tasks += g["n"]
        overdue += g["late"]
        by_assigned[g["assigned_level"]] = by_assigned.get(g["assigned_level"], 0) + g["n"]
    most_overdue = Task.objects.filter(state=TaskState.OPEN, due_on__lt=today).order_by(
        "due_on", "id"
    )
    return {
        "by_pair": by_pair,
        "by_level": by_level,
        "by_kind": by_kind,
        "open_tasks": open_tasks,
        "overdue": overdue,
        "by_assigned": by_assigned,
        "closed_tasks": closed,
        "overdue_tasks": list(most_overdue.select_related("warning")[:50]),
    }
