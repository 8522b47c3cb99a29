"""The monitoring pages: the grid worker's task list and task page with the outcome form,
the dashboard; a refused outcome comes back with its message and nothing changed."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.urls import reverse

from jiuzhu.audit.models import AccessEvent
from jiuzhu.monitoring.models import Task
from tests.factories import signed_in
from tests.monitoring.test_services import warned

pytestmark = pytest.mark.django_db
TODAY = dt.date.today()


@pytest.fixture
def task(caseworker: Any, gd_area: str) -> Task:
    return warned(caseworker, gd_area + "001", on=TODAY)


def test_the_task_list_shows_the_areas_open_tasks(task: Task, assistant: Any) -> None:
    page = signed_in(assistant).get(reverse("monitoring:tasks"))
    assert page.status_code == 200
    assert f'data-testid="task-{task.id}"'.encode() in page.content
    assert "大额医疗费用".encode() in page.content


def test_the_task_page_shows_the_evidence_and_logs_the_look(task: Task, assistant: Any) -> None:
    page = signed_in(assistant).get(reverse("monitoring:task", args=[task.id]))
    assert page.status_code == 200
    body = page.content.decode()
    assert "M-02" in body and "1500.00" in body and "outcome-form" in body
    # issue 17: the evidence in words, no internal key or code on the page
    assert "自付医疗费用（元）：1500.00" in body and "现有救助类别" in body
    assert "out_of_pocket" not in body and "above_income_share" not in body
    assert AccessEvent.objects.filter(field="monitoring_evidence").count() == 1


def test_closing_a_task_from_the_page(task: Task, assistant: Any) -> None:
    client = signed_in(assistant)
    data = {"visited_on": TODAY.isoformat(), "outcome": "no_need", "note": "子女已承担费用"}
    response = client.post(reverse("monitoring:task", args=[task.id]), data)
    assert response.status_code == 302
    assert Task.unscoped.get(pk=task.pk).state == "closed"


def test_a_refused_outcome_shows_its_message_and_changes_nothing(
    task: Task, assistant: Any
) -> None:
    data = {"visited_on": TODAY.isoformat(), "outcome": "refer_department", "note": "需转介"}
    page = signed_in(assistant).post(reverse("monitoring:task", args=[task.id]), data)
    assert page.status_code == 200
    assert "请填写转介的部门" in page.content.decode()
    assert Task.unscoped.get(pk=task.pk).state == "open"


def test_the_dashboard_counts_warnings_by_level_and_kind(task: Task, caseworker: Any) -> None:
    page = signed_in(caseworker).get(reverse("monitoring:dashboard"))
    assert page.status_code == 200
    assert b'data-testid="open-tasks">1<' in page.content


def test_a_role_without_the_capability_gets_403_on_the_task_list(gd_area: str) -> None:
    from tests.factories import make_user

    auditor = make_user("auditor", "440100", username="gz-auditor")
    assert signed_in(auditor).get(reverse("monitoring:tasks")).status_code == 403


def test_the_dashboard_figures_add_up_per_level_kind_state_and_overdue(
    caseworker: Any, assistant: Any, gd_area: str
) -> None:
    """The selector's two aggregate queries give what counting row by row gives."""
    from jiuzhu.monitoring import selectors
    from jiuzhu.monitoring.models import RiskWarning
    from jiuzhu.regions.scope import Scope, using_scope
    from tests.monitoring.test_services import close

    on = TODAY - dt.timedelta(days=20)  # the tasks are overdue today
    tasks = [warned(caseworker, gd_area + "001", on=on) for _ in range(3)]
    close(assistant, tasks[0], visited_on=on, today=on)
    with using_scope(Scope(caseworker.area.scope_prefix)):
        data = selectors.dashboard(TODAY)
        open_warnings = list(RiskWarning.objects.filter(closed=False))
        still_open = Task.objects.filter(state="open")
        assert data["open_tasks"] == still_open.count() == 2
        assert data["overdue"] == still_open.filter(due_on__lt=TODAY).count() == 2
        assert data["closed_tasks"] == 1
        assert sum(data["by_assigned"].values()) == 2
        assert [t.id for t in data["overdue_tasks"]] == sorted(t.id for t in still_open)
    assert sum(data["by_pair"].values()) == len(open_warnings) == 2
    for w in open_warnings:
        assert data["by_pair"][(w.level, w.kind)] >= 1
    assert sum(data["by_level"].values()) == sum(data["by_kind"].values()) == 2
