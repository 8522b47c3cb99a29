"""The scan (M-02): each warning rule at its thresholds, idempotence, duplicates, the risk
grade and 政策找人, over households registered with a category."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from jiuzhu.audit.models import AuditEvent
from jiuzhu.monitoring.models import HouseholdRisk, RiskWarning, Task
from jiuzhu.monitoring.scan import monitoring_scan
from jiuzhu.regions.scope import system_scope
from tests.factories import members
from tests.monitoring.conftest import AS_OF, id_of, medical, push, registered

pytestmark = pytest.mark.django_db


def scan(as_of: dt.date = AS_OF, **kw: Any) -> Any:
    kw.setdefault("policy", False)
    with system_scope("test scan"):
        return monitoring_scan(actor=None, as_of=as_of, **kw)


@pytest.mark.parametrize(
    ("category", "amount", "warned"),
    [
        ("tekun", "999.99", False),
        ("tekun", "1000.00", False),
        ("tekun", "1000.01", True),
        ("dibao", "5000.00", False),
        ("dibao", "5000.01", True),
        ("low_income", "10000.00", False),
        ("low_income", "10000.01", True),
        ("none", "15000.00", False),
        ("none", "15000.01", True),
    ],
)
def test_m02_medical_costs_warn_strictly_above_the_groups_threshold(
    caseworker: Any, gd_area: str, category: str, amount: str, warned: bool
) -> None:
    """M-02: 1,000 yuan for 特困, 5,000 for 低保, 10,000 for 低保边缘, 15,000 for others
    (assumed local practice): just below and at the threshold nothing, above a warning."""
    household = registered(caseworker, gd_area + "001", category, wages=["9000"])
    push("medical_expense", [medical(members(household)[0], amount)])
    scan()
    found = list(RiskWarning.unscoped.filter(household=household, kind="medical"))
    assert bool(found) is warned
    if warned:
        assert found[0].rule == "M-02" and found[0].level == "yellow"
        assert str(found[0].amount) == amount


def test_m02_medical_costs_above_half_the_annual_income_are_orange(
    caseworker: Any, gd_area: str
) -> None:
    """M-02: 低保, 6,000 yuan in two bills against 800 a month of income (9,600 a year):
    above the threshold and above 50 % of the income → orange, both bills as evidence."""
    household = registered(caseworker, gd_area + "001", "dibao", wages=["800"])
    head = members(household)[0]
    result = push(
        "medical_expense",
        [medical(head, "3000.00", AS_OF - dt.timedelta(days=40)), medical(head, "3000.00")],
    )
    assert result.added == 2
    scan()
    warning = RiskWarning.unscoped.get(household=household)
    assert warning.level == "orange"
    assert len(warning.signal_ids) == 2
    assert warning.evidence["above_income_share"] is True
    assert warning.evidence["out_of_pocket"] == "6000.00"


def test_m02_medical_costs_older_than_the_window_do_not_count(
    caseworker: Any, gd_area: str
) -> None:
    household = registered(caseworker, gd_area + "001", "tekun")
    push("medical_expense", [medical(members(household)[0], "5000.00", dt.date(2025, 3, 2))])
    assert scan().new_warnings == []


def test_a_scan_run_twice_writes_nothing_the_second_time(caseworker: Any, gd_area: str) -> None:
    household = registered(caseworker, gd_area + "001", "tekun")
    push("medical_expense", [medical(members(household)[0], "2000.00")])
    first = scan()
    assert len(first.new_warnings) == 1
    counts = (RiskWarning.unscoped.count(), Task.unscoped.count(), AuditEvent.objects.count())
    again = scan()
    assert again.new_warnings == [] and again.risk_changed == 0
    assert counts == (
        RiskWarning.unscoped.count(),
        Task.unscoped.count(),
        AuditEvent.objects.count(),
    )


def test_the_same_signal_delivered_twice_raises_one_warning(caseworker: Any, gd_area: str) -> None:
    """A department delivers the same death record in two batches: one warning."""
    household = registered(caseworker, gd_area + "001", "dibao", wages=["3000"])
    head = members(household)[0]
    record = {"id_number": id_of(head), "record": "death_certificate", "died_on": "2026-02-20"}
    push("death", [record], key="deaths-1")
    push("death", [record], key="deaths-2")
    scan()
    scan(AS_OF + dt.timedelta(days=1))
    assert RiskWarning.unscoped.filter(household=household).count() == 1


def test_m02_a_breadwinners_death_is_red_another_members_is_not_a_warning(
    caseworker: Any, gd_area: str
) -> None:
    earner = registered(caseworker, gd_area + "001", "none", wages=["4000", "1000"])
    other = registered(caseworker, gd_area + "001", "none", wages=["4000", "1000"])
    push(
        "death",
        [
            {
                "id_number": id_of(members(earner)[0]),
                "record": "cremation",
                "died_on": "2026-02-01",
            },
            {"id_number": id_of(members(other)[1]), "record": "cremation", "died_on": "2026-02-01"},
        ],
    )
    scan()
    warning = RiskWarning.unscoped.get()
    assert (warning.household_id, warning.kind, warning.level) == (
        earner.id,
        "breadwinner_death",
        "red",
    )


def test_m02_job_loss_warns_only_in_a_single_earner_household(
    caseworker: Any, gd_area: str
) -> None:
    single = registered(caseworker, gd_area + "001", "none", wages=["3500"])
    two = registered(caseworker, gd_area + "001", "none", wages=["3500", "2000"])
    push(
        "unemployment",
        [
            {
                "id_number": id_of(members(h)[0]),
                "event": "registered",
                "registered_on": "2026-02-10",
            }
            for h in (single, two)
        ],
    )
    scan()
    assert [(w.household_id, w.kind, w.level) for w in RiskWarning.unscoped.all()] == [
        (single.id, "job_loss", "orange")
    ]


@pytest.mark.parametrize(("loss", "warned"), [("1999.99", False), ("2000.00", True)])
def test_m02_a_disaster_warns_a_low_income_household_from_the_minimum_loss(
    caseworker: Any, gd_area: str, loss: str, warned: bool
) -> None:
    poor = registered(caseworker, gd_area + "001", "low_income")
    other = registered(caseworker, gd_area + "001", "none")
    push(
        "disaster_damage",
        [
            {
                "id_number": id_of(members(h)[0]),
                "disaster": "flood",
                "loss": loss,
                "occurred_on": "2026-02-25",
            }
            for h in (poor, other)
        ],
    )
    scan()
    found = [(w.household_id, w.kind) for w in RiskWarning.unscoped.all()]
    assert found == ([(poor.id, "disaster")] if warned else [])


def test_m02_a_dropout_warns_a_recipient_household_only(caseworker: Any, gd_area: str) -> None:
    recipient = registered(caseworker, gd_area + "001", "dibao")
    other = registered(caseworker, gd_area + "001", "none")
    push(
        "school_dropout",
        [
            {
                "id_number": id_of(members(h)[1]),
                "stage": "junior_secondary",
                "left_on": "2026-02-27",
            }
            for h in (recipient, other)
        ],
    )
    scan()
    assert [(w.household_id, w.kind) for w in RiskWarning.unscoped.all()] == [
        (recipient.id, "school_dropout")
    ]


def test_m03_a_hotline_report_about_a_registered_person_is_a_warning(
    caseworker: Any, gd_area: str
) -> None:
    household = registered(caseworker, gd_area + "001", "none")
    push(
        "hotline_report",
        [
            {
                "id_number": id_of(members(household)[0]),
                "channel": "12345",
                "reported_on": "2026-03-01",
            }
        ],
    )
    scan()
    assert RiskWarning.unscoped.get().rule == "M-03"


def test_an_event_older_than_the_event_window_is_not_a_warning(
    caseworker: Any, gd_area: str
) -> None:
    household = registered(caseworker, gd_area + "001", "none")
    push(
        "hotline_report",
        [
            {
                "id_number": id_of(members(household)[0]),
                "channel": "12345",
                "reported_on": "2025-11-01",
            }
        ],
    )
    assert scan().new_warnings == []


def test_the_risk_grade_is_the_highest_open_warning(caseworker: Any, gd_area: str) -> None:
    household = registered(caseworker, gd_area + "001", "dibao", wages=["3000"])
    head = members(household)[0]
    push("medical_expense", [medical(head, "5000.50")])
    push("death", [{"id_number": id_of(head), "record": "cremation", "died_on": "2026-02-01"}])
    scan()
    risk = HouseholdRisk.unscoped.get(household=household)
    assert (risk.level, risk.open_warnings) == ("red", 2)


def test_each_warning_gets_a_task_for_the_village_due_in_working_days_over_the_holiday(
    caseworker: Any, gd_area: str
) -> None:
    """A yellow warning raised on the Friday before Spring Festival 2026 (13 February) is
    due 5 working days later: 15-23 February are off, Saturday 14 February is a working day
    → 14, 24, 25, 26, 27 February."""
    household = registered(caseworker, gd_area + "001", "tekun", wages=["9000"])
    day = dt.date(2026, 2, 13)
    push("medical_expense", [medical(members(household)[0], "1500.00", day)], as_of=day)
    scan(day)
    task = Task.unscoped.get()
    assert task.assigned_level == "village" and task.assigned_area == gd_area + "001"
    assert task.due_on == dt.date(2026, 2, 27)


def test_policy_finds_a_registered_household_eligible_for_dibao_it_does_not_receive(
    caseworker: Any, gd_area: str
) -> None:
    """政策找人 (M-02): a mother without income and a child, registered, no case: the rules
    give dibao → a blue policy_match warning naming it."""
    household = registered(caseworker, gd_area + "001", "none")
    scan(policy=True)
    warning = RiskWarning.unscoped.get(household=household, kind="policy_match")
    assert warning.level == "blue"
    assert warning.evidence["eligible"] == "dibao"
    assert warning.evidence["monthly_benefit"] not in (None, "0.00")
    task = Task.unscoped.get(warning=warning)  # the township offers the aid
    assert (task.assigned_level, task.assigned_area) == ("township", gd_area)
    assert scan(policy=True).new_warnings == []


def test_a_household_receiving_dibao_is_not_found_again(caseworker: Any, gd_area: str) -> None:
    registered(caseworker, gd_area + "001", "dibao")
    assert scan(policy=True).new_warnings == []
