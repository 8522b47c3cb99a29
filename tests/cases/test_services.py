"""The journey of a 低保 application through the services (A-01…A-05): each step by the
right person, the evaluation frozen with the case, deadlines set, every step logged."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest

from jiuzhu.cases.models import CaseEvent, Objection
from jiuzhu.cases.workflow import TransitionRefused
from jiuzhu.registry.errors import ServiceError
from tests.cases.conftest import COMPLETE, TODAY, accept, act, to_ready

pytestmark = pytest.mark.django_db


def test_a_dibao_application_goes_from_intake_to_decision_at_the_township(
    people: dict[str, Any], poor_household: Any
) -> None:
    case = to_ready(people, poor_household)
    assert case.state == "ready"
    assert case.authority == "township"  # Guangzhou devolved approval (GD 7, A-03)
    assert case.evaluation["primary_category"] == "dibao"
    assert case.proposed_amount == Decimal(case.evaluation["monthly_benefit"])
    case = act(case, people["leader"], "approve", today=case.notice_to)
    assert (case.state, case.outcome, case.decided_by) == ("approved", "approved", people["leader"])
    case = act(case, people["caseworker"], "notify", today=case.notice_to)
    case = act(case, people["caseworker"], "close", today=case.notice_to)
    assert case.state == "closed" and case.due_on is None
    events = list(CaseEvent.unscoped.filter(case=case).values_list("event", flat=True))
    assert events[0] == "accept" and events[-1] == "close" and len(events) == 12


def test_the_case_number_is_the_townships_and_the_accepting_worker_is_recorded(
    people: dict[str, Any], poor_household: Any
) -> None:
    first = accept(people["caseworker"], poor_household)
    second = accept(
        people["caseworker2"], poor_household, "temporary_expense", requested_amount="800"
    )
    assert first.number == "440104001-2026-000001"
    assert second.number == "440104001-2026-000002"
    assert second.accepted_by == people["caseworker2"]


def test_missing_materials_block_completion_and_commitment_replaces_only_obtainable_ones(
    people: dict[str, Any], poor_household: Any
) -> None:
    cw = people["caseworker"]
    case = accept(cw, poor_household, checklist={"id_card": "received"})
    assert case.checklist["income_statement"] == "missing"
    with pytest.raises(TransitionRefused, match="缺项"):
        act(case, cw, "complete_materials")
    with pytest.raises(ServiceError, match="告知承诺"):
        accept(cw, poor_household, checklist={"income_statement": "committed"})


def test_nobody_approves_a_case_they_investigated(
    people: dict[str, Any], poor_household: Any
) -> None:
    # the leader recorded the visit: someone else must decide (SECURITY.md 4)
    cw, leader = people["caseworker"], people["leader"]
    case = accept(cw, poor_household, checklist=COMPLETE, authorization_on=TODAY)
    case = act(case, cw, "complete_materials")
    case = act(case, cw, "record_visit", visitors="经办人", findings="属实")
    case = act(case, cw, "request_verification")
    case = act(case, people["verifier"], "complete_verification")
    case = act(case, cw, "evaluate")
    case = act(case, cw, "propose", proposal="approve")
    case = act(case, cw, "post_notice")
    case = act(case, cw, "close_notice", today=case.notice_to)
    case.investigated_by = leader
    case.save()
    with pytest.raises(TransitionRefused, match="不能审批本人"):
        act(case, leader, "approve", today=case.notice_to)


def test_the_county_cannot_decide_what_is_devolved_to_the_township(
    people: dict[str, Any], poor_household: Any
) -> None:
    case = to_ready(people, poor_household)
    with pytest.raises(TransitionRefused, match="其他层级"):
        act(case, people["county"], "approve", today=case.notice_to)


def test_the_notice_cannot_close_before_seven_days(
    people: dict[str, Any], poor_household: Any
) -> None:
    cw = people["caseworker"]
    case = to_ready(people, poor_household)
    assert (case.notice_to - case.notice_from).days == 7
    assert case.state == "ready"
    other = accept(cw, poor_household, checklist=COMPLETE, authorization_on=TODAY)
    other = act(other, cw, "complete_materials")
    other = act(other, people["assistant"], "record_visit", visitors="x", findings="y")
    other = act(other, cw, "request_verification")
    other = act(other, people["verifier"], "complete_verification")
    other = act(other, cw, "evaluate")
    other = act(other, cw, "propose", proposal="approve")
    other = act(other, cw, "post_notice")
    with pytest.raises(TransitionRefused, match="公示期尚未结束"):
        act(other, cw, "close_notice")
    other = act(other, cw, "raise_objection", raised_by="邻居", content="有车")
    with pytest.raises(TransitionRefused, match="异议"):
        act(other, cw, "close_notice", today=other.notice_to)
    objection = Objection.unscoped.get(case=other)
    other = act(
        other, cw, "resolve_objection", objection_id=objection.id, resolution="车辆已报废",
        appraisal="民主评议：同意", upheld=False,
    )  # fmt: skip
    other = act(other, cw, "close_notice", today=other.notice_to)
    assert other.state == "ready"


def test_a_refusal_needs_written_reasons(people: dict[str, Any], poor_household: Any) -> None:
    case = to_ready(people, poor_household)
    with pytest.raises(ServiceError, match="书面理由"):
        act(case, people["leader"], "refuse", today=case.notice_to)
    case = act(case, people["leader"], "refuse", today=case.notice_to, reason="有财产未申报")
    assert case.outcome == "refused" and case.decision_reason == "有财产未申报"
