"""Monitoring pages: the grid worker's task list and task page (phone-sized, with the
visit-outcome form) and the area's dashboard. A task outside the user's area is the same
404 as a missing one (scoped managers); a refused outcome comes back with its message and
nothing changed. Viewing a task's evidence (medical amounts are health information) writes
an access-log row (SECURITY.md 20)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django import forms
from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods

from jiuzhu.accounts.roles import Can
from jiuzhu.monitoring import flows, selectors
from jiuzhu.monitoring.display import evidence_rows
from jiuzhu.monitoring.models import Level, Outcome, Task, WarningKind
from jiuzhu.monitoring.services import OPENS_CASE, task_close
from jiuzhu.registry.errors import ServiceError
from jiuzhu.registry.views import _user, requires

LEVELS_DESC = [Level.RED, Level.ORANGE, Level.YELLOW, Level.BLUE]


class OutcomeForm(forms.Form):
    visited_on = forms.DateField(
        label=gettext_lazy("入户日期"), widget=forms.DateInput(attrs={"type": "date"})
    )
    outcome = forms.ChoiceField(
        label=gettext_lazy("处置结果"), choices=Outcome.choices, widget=forms.RadioSelect
    )
    note = forms.CharField(
        label=gettext_lazy("核查情况"), max_length=2000, widget=forms.Textarea(attrs={"rows": 3})
    )
    department = forms.CharField(label=gettext_lazy("转介部门"), max_length=100, required=False)
    amount = forms.DecimalField(
        label=gettext_lazy("救助金额（元）"),
        required=False,
        min_value=0,
        max_digits=14,
        decimal_places=2,
    )


def _task(task_id: int) -> Task:
    task = selectors.task_get(task_id)
    if task is None:
        raise Http404
    return task


def _levelled(task: Task, today: dt.date) -> dict[str, Any]:
    return {"task": task, "overdue": task.due_on < today, "days": (task.due_on - today).days}


@requires(Can.HANDLE_WARNINGS)
@require_GET
def task_list(request: HttpRequest) -> HttpResponse:
    """The area's open tasks, most urgent first (the grid worker's phone page)."""
    today = timezone.localdate()
    tasks = [_levelled(t, today) for t in selectors.tasks_open()[:200]]
    return render(request, "monitoring/tasks.html", {"rows": tasks, "today": today})


@requires(Can.HANDLE_WARNINGS)
@require_http_methods(["GET", "POST"])
def task_detail(request: HttpRequest, task_id: int) -> HttpResponse:
    """A task: the warning, its evidence and the visit-outcome form."""
    task = _task(task_id)
    user = _user(request)
    today = timezone.localdate()
    form = OutcomeForm(request.POST or None, initial={"visited_on": today})
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            task_close(
                actor=user,
                task=task,
                outcome=data["outcome"],
                note=data["note"],
                visited_on=data["visited_on"],
                department=data["department"] or "",
                amount=data["amount"],
                today=today,
            )
        except ServiceError as exc:
            form.add_error(exc.field if exc.field in form.fields else None, exc.message)
        else:
            messages.success(request, _("已记录处置结果"))
            return redirect("monitoring:tasks")
    signals = selectors.task_evidence(user, task)  # the read, with its access row
    return render(
        request,
        "monitoring/task.html",
        {
            **_levelled(task, today),
            "form": form,
            "signals": signals,
            "can_close": flows.TASK.may(task.state, "close", user),
            "evidence": evidence_rows(task.warning.evidence or {}),
            "opens_case": [str(o) for o in OPENS_CASE],
            "can_open_case": user.can(Can.HANDLE_CASES),
        },
    )


@requires(Can.VIEW_HOUSEHOLDS)
@require_GET
def dashboard(request: HttpRequest) -> HttpResponse:
    """The area's warnings by level and kind, and its overdue tasks."""
    today = timezone.localdate()
    data = selectors.dashboard(today)
    grid = [
        {
            "kind": label,
            "cells": [data["by_pair"].get((level.value, kind), 0) for level in LEVELS_DESC],
        }
        for kind, label in WarningKind.choices
    ]
    return render(
        request,
        "monitoring/dashboard.html",
        {
            "data": data,
            "levels": [
                (lv.value, lv.label, data["by_level"].get(lv.value, 0)) for lv in LEVELS_DESC
            ],
            "grid": grid,
            "today": today,
            "can_handle": _user(request).can(Can.HANDLE_WARNINGS),
        },
    )


@requires(Can.VIEW_HOUSEHOLDS)
@require_GET
def timeline(request: HttpRequest, household_id: int) -> HttpResponse:
    """一户一档: everything the household applied for and received, newest first."""
    from jiuzhu.monitoring.timeline import household_timeline, timeline_totals
    from jiuzhu.registry.selectors import household_get

    household = household_get(household_id)
    if household is None:
        raise Http404
    events = household_timeline(household)
    return render(
        request,
        "monitoring/timeline.html",
        {"household": household, "events": events, "totals": timeline_totals(events)},
    )
