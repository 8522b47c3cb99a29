"""Handling a warning (M-01, M-04): the task's outcome closes the loop, an unhandled task
escalates to the township then the county on China's working-day calendar, and a user sees
only their area's tasks and signals."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from jiuzhu.audit.models import AuditEvent
from jiuzhu.cases.models import Case
from jiuzhu.monitoring import errors, selectors
from jiuzhu.monitoring.models import RiskWarning, Task
from jiuzhu.monitoring.scan import monitoring_scan
from jiuzhu.monitoring.services import task_close, tasks_escalate
from jiuzhu.regions.scope import Scope, system_scope, using_scope
from jiuzhu.registry.errors import ServiceError
from tests.factories import make_user, members
from tests.monitoring.conftest import AS_OF, medical, push, registered

pytestmark = pytest.mark.django_db


def warned(actor: Any, region: str, category: str = "tekun", on: dt.date = AS_OF) -> Task:
    household = registered(actor, region, category, wages=["9000"])
    push("medical_expense", [medical(members(household)[0], "1500.00", on)], as_of=on)
    with system_scope("test"):
        monitoring_scan(actor=None, as_of=on, policy=False)
    return Task.unscoped.get(household=household)


def close(actor: Any, task: Task, **kw: Any) -> Task:
    kw.setdefault("outcome", "no_need")
    kw.setdefault("note", "入户核查：已由子女负担医疗费用")
    kw.setdefault("visited_on", AS_OF)
    kw.setdefault("today", AS_OF)
    with using_scope(Scope(actor.area.scope_prefix)):
        return task_close(actor=actor, task=task, **kw)


def test_a_grid_worker_closes_a_task_with_no_need(
    assistant: Any, caseworker: Any, gd_area: str
) -> None:
    task = warned(caseworker, gd_area + "001")
    done = close(assistant, task)
    assert (done.state, done.outcome, done.closed_by) == ("closed", "no_need", assistant)
    assert RiskWarning.unscoped.get(pk=task.warning_id).closed
    assert AuditEvent.objects.filter(action="monitoring.task_close").count() == 1


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"outcome": "maybe"}, errors.OUTCOME_UNKNOWN),
        ({"note": "  "}, errors.NOTE_REQUIRED),
        ({"visited_on": None}, errors.VISITED_REQUIRED),
        ({"visited_on": AS_OF + dt.timedelta(days=1)}, errors.VISITED_FUTURE),
        ({"visited_on": AS_OF - dt.timedelta(days=1)}, errors.VISITED_BEFORE_TASK),
        ({"outcome": "refer_department"}, errors.DEPARTMENT_REQUIRED),
    ],
)
def test_a_bad_outcome_is_refused_and_changes_nothing(
    assistant: Any, caseworker: Any, gd_area: str, fields: dict[str, Any], message: Any
) -> None:
    task = warned(caseworker, gd_area + "001")
    before = AuditEvent.objects.count()
    with pytest.raises(ServiceError) as refused:
        close(assistant, task, **fields)
    assert refused.value.message == str(message)
    assert Task.unscoped.get(pk=task.pk).state == "open"
    assert AuditEvent.objects.count() == before


def test_a_closed_task_cannot_be_closed_again(
    assistant: Any, caseworker: Any, gd_area: str
) -> None:
    task = warned(caseworker, gd_area + "001")
    close(assistant, task)
    with pytest.raises(ServiceError, match=str(errors.TASK_CLOSED)):
        close(assistant, task)


def test_an_assistants_referral_hands_the_task_to_the_township(
    assistant: Any, caseworker: Any, gd_area: str
) -> None:
    task = warned(caseworker, gd_area + "001")
    handed = close(assistant, task, outcome="refer_application")
    assert (handed.state, handed.assigned_level, handed.assigned_area) == (
        "open",
        "township",
        gd_area,
    )
    assert handed.recommended == "refer_application"
    assert Case.unscoped.filter(household=task.household).exclude(outcome="approved").count() == 0


def test_a_caseworkers_referral_opens_an_application_proactively(
    caseworker: Any, gd_area: str
) -> None:
    """M-02 → A-01: a medical-cost warning referred by the township opens a 支出型临时救助
    application, channel 主动发现, and closes the task with the case linked."""
    task = warned(caseworker, gd_area + "001")
    done = close(caseworker, task, outcome="refer_application", amount="1500.00")
    assert done.case is not None
    assert (done.case.kind, done.case.channel) == ("temporary_expense", "proactive")
    assert done.state == "closed"


def test_emergency_aid_opens_an_emergency_application(caseworker: Any, gd_area: str) -> None:
    task = warned(caseworker, gd_area + "001")
    done = close(caseworker, task, outcome="emergency_aid", amount="800.00")
    assert done.case is not None and done.case.kind == "temporary_emergency"


def test_a_role_without_the_capability_cannot_close(caseworker: Any, gd_area: str) -> None:
    task = warned(caseworker, gd_area + "001")
    leader = make_user("township_leader", gd_area, username="gd-leader")
    with pytest.raises(ServiceError, match=str(errors.NOT_ALLOWED)):
        close(leader, task)


def test_another_areas_task_does_not_exist_for_the_worker(
    caseworker: Any, im_caseworker: Any, gd_area: str, im_area: str
) -> None:
    task = warned(caseworker, gd_area + "001")
    with pytest.raises(Task.DoesNotExist):
        close(im_caseworker, task)
    with using_scope(Scope(im_caseworker.area.scope_prefix)):
        assert selectors.task_get(task.pk) is None
        assert not selectors.tasks_open().exists()


def test_a_signal_about_a_household_outside_the_workers_area_is_invisible(
    assistant: Any, caseworker: Any, im_caseworker: Any, gd_area: str, im_area: str
) -> None:
    """The assistant of village 001 sees the signal about their household; the signal about
    an Inner Mongolia household (and one about an unregistered person) is absent for them."""
    mine = registered(caseworker, gd_area + "001", "dibao")
    theirs = registered(im_caseworker, im_area + "001", "dibao")
    push("medical_expense", [medical(members(h)[0], "10.00") for h in (mine, theirs)])
    with using_scope(Scope(assistant.area.scope_prefix)):
        seen = list(selectors.signals_visible())
    assert [s.id_hash for s in seen] == [members(mine)[0].id_hash]


def test_escalation_counts_working_days_across_spring_festival(
    caseworker: Any, gd_area: str
) -> None:
    """M-01: a yellow task opened Friday 13 February 2026 is due Friday 27 February (the
    Festival week 15-23 February off, Saturday 14 February worked). On the 27th nothing
    moves; on Saturday the 28th (a working day) it goes to the township, due 3 working days
    later (2, 3, 4 March); unhandled on 5 March it goes to the county."""
    task = warned(caseworker, gd_area + "001", on=dt.date(2026, 2, 13))
    assert task.due_on == dt.date(2026, 2, 27)
    assert tasks_escalate(actor=None, as_of=dt.date(2026, 2, 27))["to_township"] == 0
    moved = tasks_escalate(actor=None, as_of=dt.date(2026, 2, 28))
    assert moved == {"to_township": 1, "to_county": 0, "overdue_at_county": 0}
    task.refresh_from_db()
    assert (task.assigned_level, task.assigned_area, task.due_on) == (
        "township",
        gd_area,
        dt.date(2026, 3, 4),
    )
    assert tasks_escalate(actor=None, as_of=dt.date(2026, 2, 28))["to_township"] == 0
    assert tasks_escalate(actor=None, as_of=dt.date(2026, 3, 5))["to_county"] == 1
    task.refresh_from_db()
    assert (task.assigned_level, task.assigned_area, task.escalations) == ("county", "440104", 2)
    assert AuditEvent.objects.filter(action="monitoring.escalate").count() == 2


def test_closing_the_last_open_warning_clears_the_households_risk_grade(
    assistant: Any, caseworker: Any, gd_area: str
) -> None:
    from jiuzhu.monitoring.models import HouseholdRisk

    task = warned(caseworker, gd_area + "001")
    assert HouseholdRisk.unscoped.filter(household_id=task.household_id).exists()
    close(assistant, task)
    assert not HouseholdRisk.unscoped.filter(household_id=task.household_id).exists()
