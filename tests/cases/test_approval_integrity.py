"""No approval without money, and no refusal approved by mistake (SECURITY.md 4, issue 15):
an approval takes the proposal it approves; approving a case proposed for refusal is its own
act with a written reason and an amount; every approved paid category has its entitlement,
and the database refuses an approved 低保 without an amount."""

from __future__ import annotations

from typing import Any

import pytest
from django.db import IntegrityError, transaction

from jiuzhu.benefits.models import Entitlement
from jiuzhu.cases.models import Case
from jiuzhu.cases.workflow import TransitionRefused
from jiuzhu.regions.scope import Scope, using_scope
from jiuzhu.registry.errors import ServiceError
from tests.cases.conftest import COMPLETE, TODAY, accept, act, to_ready
from tests.factories import make_household

pytestmark = pytest.mark.django_db


def to_ready_for_refusal(people: dict[str, Any], household: Any) -> Case:
    """A 低保 case the township proposes to refuse (no public notice for a refusal)."""
    cw = people["caseworker"]
    case = accept(cw, household, "dibao", checklist=COMPLETE, authorization_on=TODAY)
    case = act(case, cw, "complete_materials")
    case = act(case, people["assistant"], "record_visit", visitors="村协理员", findings="属实")
    case = act(case, cw, "request_verification")
    case = act(case, people["verifier"], "complete_verification", summary="无异常")
    case = act(case, cw, "evaluate")
    case = act(case, cw, "propose", proposal="refuse", opinion="入户发现未申报的经营收入")
    return act(case, cw, "skip_notice")


def test_approving_a_case_proposed_for_refusal_is_refused_and_changes_nothing(
    people: dict[str, Any], poor_household: Any
) -> None:
    case = to_ready_for_refusal(people, poor_household)
    with pytest.raises(TransitionRefused, match="初审意见为不予批准"):
        act(case, people["leader"], "approve")
    fresh = Case.unscoped.get(id=case.id)
    assert (fresh.state, fresh.outcome, fresh.decided_amount) == ("ready", "", None)
    assert not Entitlement.unscoped.filter(case_id=case.id).exists()


def test_approving_over_a_refusal_proposal_needs_a_reason_and_an_amount(
    people: dict[str, Any], poor_household: Any
) -> None:
    case = to_ready_for_refusal(people, poor_household)
    leader = people["leader"]
    with pytest.raises(ServiceError):
        act(case, leader, "approve_over_proposal", amount="500.00")  # no reason
    with pytest.raises(ServiceError):
        act(case, leader, "approve_over_proposal", reason="复核后收入属实")  # no amount
    assert Case.unscoped.get(id=case.id).state == "ready"
    done = act(case, leader, "approve_over_proposal", reason="复核后收入属实", amount="500.00")
    assert (done.outcome, str(done.decided_amount)) == ("approved", "500.00")
    assert done.decision_reason == "复核后收入属实"
    entitlement = Entitlement.unscoped.get(case_id=case.id)
    assert str(entitlement.monthly_amount) == "500.00"


def test_a_case_proposed_for_approval_cannot_be_approved_over_the_proposal(
    people: dict[str, Any], poor_household: Any
) -> None:
    case = to_ready(people, poor_household)
    with pytest.raises(TransitionRefused, match="初审意见为批准"):
        act(case, people["leader"], "approve_over_proposal", reason="x", amount="1.00")


def test_bulk_approval_refuses_each_case_proposed_for_refusal(
    people: dict[str, Any], poor_household: Any, caseworker: Any, gd_area: str
) -> None:
    approvable = to_ready(people, poor_household)
    other = make_household(caseworker, gd_area + "001", members=2)
    for_refusal = to_ready_for_refusal(people, other)
    leader = people["leader"]
    with using_scope(Scope(leader.area.scope_prefix)):
        from jiuzhu.cases import services

        done, refused = services.case_act_many(
            actor=leader, case_ids=[approvable.id, for_refusal.id], event="approve", today=TODAY
        )
    assert [c.id for c in done] == [approvable.id]
    assert "初审意见为不予批准" in refused[for_refusal.id]
    assert Case.unscoped.get(id=for_refusal.id).outcome == ""
    assert Entitlement.unscoped.filter(case_id=approvable.id).exists()


def test_the_database_refuses_an_approved_dibao_without_an_amount(
    people: dict[str, Any], poor_household: Any
) -> None:
    case = to_ready_for_refusal(people, poor_household)
    for amount in (None, 0):
        with pytest.raises(IntegrityError), transaction.atomic():
            Case.unscoped.filter(id=case.id).update(outcome="approved", decided_amount=amount)
