"""Temporary aid (A-06…A-09), referrals (A-01), appeals, extensions and deadlines (A-05)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

import pytest

from jiuzhu.cases.models import Instalment, ReserveFund, ReserveMovement
from jiuzhu.cases.services import reserve_top_up
from jiuzhu.cases.workflow import TransitionRefused
from jiuzhu.regions.scope import Scope, using_scope
from jiuzhu.registry.errors import ServiceError
from tests.cases.conftest import COMPLETE, TODAY, accept, act, to_ready

pytestmark = pytest.mark.django_db
EXPENSE = {
    "application_form": "received",
    "id_card": "received",
    "income_statement": "received",
    "expense_receipts": "received",
}


def _fund(people: dict[str, Any], amount: str = "5000") -> None:
    county = people["county"]
    with using_scope(Scope(county.area.scope_prefix)):
        reserve_top_up(actor=county, township_code=people["caseworker"].area.code, amount=amount)


def _document(case: Any, people: dict[str, Any], today: dt.date) -> Any:
    cw = people["caseworker"]
    case = act(
        case, people["assistant"], "record_visit", today, visitors="协理员", findings="火灾属实"
    )
    case = act(case, cw, "request_verification", today)
    case = act(case, people["verifier"], "complete_verification", today)
    case = act(case, cw, "evaluate", today)
    case = act(case, cw, "propose", today, proposal="approve")
    return act(case, cw, "skip_notice", today)


def test_emergency_aid_is_paid_first_from_the_reserve_and_approved_after(
    people: dict[str, Any], poor_household: Any
) -> None:
    # paid at once, the balance falls, the case must be documented in time.
    # Guangzhou sets no temporary-aid tiers (GD 15): by the national rule the county approves
    # and the township's payment first is bounded by its reserve alone.
    _fund(people)
    cw = people["caseworker"]
    case = accept(cw, poor_household, "temporary_emergency", requested_amount="2000",
                  checklist={"id_card": "received", "emergency_statement": "received"},
                  authorization_on=TODAY)  # fmt: skip
    case = act(case, cw, "pay_first", amount="2000.00")
    assert case.state == "paid_first" and case.prepaid_amount == Decimal("2000.00")
    assert ReserveFund.unscoped.get(region_code="440104001").balance == Decimal("3000.00")
    assert case.total_due == dt.date(2026, 3, 16)  # 10 working days (assumed parameter)
    case = act(case, cw, "complete_materials")
    case = _document(case, people, TODAY)
    assert case.state == "ready" and case.authority == "county"
    with pytest.raises(TransitionRefused):
        act(case, people["leader"], "approve")
    case = act(case, people["county"], "approve")
    assert case.decided_amount == Decimal("2000.00")


def test_in_the_inner_mongolia_city_the_township_approves_what_it_paid_first(
    im_people: dict[str, Any], im_household: Any
) -> None:
    # A-06 (IM （十四）): 2,000 yuan is within 5 × the urban standard, the township's own
    _fund(im_people)
    cw = im_people["caseworker"]
    case = accept(cw, im_household, "temporary_emergency", requested_amount="2000",
                  checklist={"id_card": "received", "emergency_statement": "received"},
                  authorization_on=TODAY)  # fmt: skip
    case = act(case, cw, "pay_first", amount="2000.00")
    case = act(case, cw, "complete_materials")
    case = _document(case, im_people, TODAY)
    assert case.state == "ready" and case.authority == "township"
    case = act(case, im_people["leader"], "approve")
    assert case.decided_amount == Decimal("2000.00")


def test_an_emergency_payment_beyond_the_reserve_is_refused(
    people: dict[str, Any], poor_household: Any
) -> None:
    """Guangzhou has no township limit (A-06 unset): the reserve is the only bound."""
    _fund(people, "1000")
    cw = people["caseworker"]
    case = accept(cw, poor_household, "temporary_emergency", requested_amount="1500")
    with pytest.raises(ServiceError, match="余额不足"):
        act(case, cw, "pay_first", amount="1500")
    with pytest.raises(
        ServiceError, match=r"余额不足：余额 [0-9]+\.[0-9]{2} 元，本次先行救助 99999\.00 元"
    ):
        act(case, cw, "pay_first", amount="99999")
    assert ReserveMovement.unscoped.count() == 1  # the top-up only: nothing half-written


def test_an_emergency_payment_beyond_the_township_limit_is_refused(
    im_people: dict[str, Any], im_household: Any
) -> None:
    """In the Inner Mongolia city the township pays first only within 5 × the urban standard."""
    _fund(im_people, "100000")
    cw = im_people["caseworker"]
    case = accept(cw, im_household, "temporary_emergency", requested_amount="99999")
    # above 5 × the urban dibao standard: the refusal says which limit and by how much
    limit = r"超过乡镇（街道）审批权限：权限 [0-9]+\.[0-9]{2} 元，本案累计 99999\.00 元"
    with pytest.raises(TransitionRefused, match=limit):
        act(case, cw, "pay_first", amount="99999")
    assert ReserveMovement.unscoped.count() == 1  # the top-up only: nothing half-written


def test_temporary_aid_above_the_county_ceiling_goes_to_the_committee_with_votes(
    im_people: dict[str, Any], im_household: Any
) -> None:
    # A-06 (IM （十四）): > 15,000 yuan → 一事一议 by the county coordination mechanism
    people = im_people
    cw, county = people["caseworker"], people["county"]
    case = accept(cw, im_household, "temporary_expense", requested_amount="20000",
                  checklist=EXPENSE,
                  authorization_on=TODAY)  # fmt: skip
    case = act(case, cw, "complete_materials")
    case = act(case, people["assistant"], "record_visit", visitors="x", findings="重病")
    case = act(case, cw, "request_verification")
    case = act(case, people["verifier"], "complete_verification")
    case = act(case, cw, "evaluate")
    case = act(case, cw, "propose", proposal="approve", amount="20000")
    assert case.authority == "committee"
    case = act(case, cw, "skip_notice")
    with pytest.raises(TransitionRefused, match="其他层级"):
        act(case, people["leader"], "approve")
    with pytest.raises(TransitionRefused, match="同意票过半"):
        act(case, county, "approve")
    for name, vote in (("民政局", "for"), ("财政局", "for"), ("卫健委", "against")):
        case = act(case, county, "record_vote", member_name=name, member_unit=name, vote=vote)
    with pytest.raises(ServiceError, match="已经表决"):
        act(case, county, "record_vote", member_name="民政局", member_unit="民政局", vote="for")
    case = act(case, county, "approve", instalments=[
        {"amount": "10000", "due_on": "2026-03-10"}, {"amount": "10000", "due_on": "2026-06-10"},
    ])  # fmt: skip
    assert case.state == "approved"
    assert list(Instalment.unscoped.filter(case=case).values_list("seq", flat=True)) == [1, 2]


def test_instalments_must_add_up_to_the_decision(
    people: dict[str, Any], poor_household: Any
) -> None:
    cw = people["caseworker"]
    case = accept(cw, poor_household, "temporary_expense", requested_amount="900",
                  checklist=EXPENSE,
                  authorization_on=TODAY)  # fmt: skip
    case = act(case, cw, "complete_materials")
    case = _document(case, people, TODAY)
    with pytest.raises(ServiceError, match="之和"):  # Guangzhou: the county approves
        act(case, people["county"], "approve", amount="900",
            instalments=[{"amount": "100", "due_on": "2026-04-01"}])  # fmt: skip
    assert Instalment.unscoped.count() == 0


def test_a_referral_lands_in_the_departments_queue(
    people: dict[str, Any], poor_household: Any
) -> None:
    cw, dept = people["caseworker"], people["department"]
    case = accept(cw, poor_household, "referral", referral_aid="medical",
                  checklist={"application_form": "received", "id_card": "received"})  # fmt: skip
    case = act(case, cw, "refer")
    assert case.state == "referred" and case.step_due == dt.date(2026, 3, 16)
    with pytest.raises(TransitionRefused, match="无权"):
        act(case, cw, "answer", reason="x")
    case = act(case, dept, "answer", reason="已纳入医疗救助", accepted=True)
    assert (case.state, case.outcome) == ("notified", "approved")


def test_an_appeal_goes_to_the_level_above(people: dict[str, Any], poor_household: Any) -> None:
    decided = to_ready(people, poor_household)
    decided = act(decided, people["leader"], "refuse", decided.notice_to, reason="收入超标")
    cw = people["caseworker"]
    appeal = accept(cw, poor_household, "appeal", parent=decided,
                    checklist={"application_form": "received", "id_card": "received"})  # fmt: skip
    assert appeal.total_due == TODAY + dt.timedelta(days=60)
    appeal = act(appeal, cw, "complete_materials")
    with pytest.raises(TransitionRefused):
        act(appeal, people["leader"], "approve", reason="x")
    appeal = act(appeal, people["county"], "refuse", reason="维持原决定：收入核实无误")
    assert appeal.state == "refused"


def test_an_appeal_needs_a_decided_case(people: dict[str, Any], poor_household: Any) -> None:
    open_case = accept(people["caseworker"], poor_household)
    with pytest.raises(ServiceError, match="已作出决定"):
        accept(people["caseworker"], poor_household, "appeal", parent=open_case)


def test_the_whole_procedure_runs_30_working_days_across_spring_festival(
    people: dict[str, Any], poor_household: Any
) -> None:
    # accepted on Friday 6 Feb 2026; Spring Festival off 15–23 Feb (six weekdays),
    # Saturdays 14 and 28 Feb worked: 30 working days end on Thursday 26 March, not on
    # 20 March as a Monday–Friday count would say
    case = accept(people["caseworker"], poor_household, today=dt.date(2026, 2, 6))
    assert case.total_due == dt.date(2026, 3, 26)
    assert not case.due_provisional


def test_a_deadline_in_an_unconfigured_year_is_provisional(
    people: dict[str, Any], poor_household: Any
) -> None:
    case = accept(people["caseworker"], poor_household, today=dt.date(2026, 12, 21))
    assert case.due_provisional and case.total_due == dt.date(2027, 2, 1)


def test_one_extension_with_a_reason_moves_the_limit_to_45_working_days(
    people: dict[str, Any], poor_household: Any
) -> None:
    cw = people["caseworker"]
    case = accept(cw, poor_household)
    with pytest.raises(ServiceError, match="书面理由"):
        act(case, cw, "extend")
    case = act(case, cw, "extend", reason="需补充外地房产核查")
    assert case.total_due == dt.date(2026, 5, 8)
    with pytest.raises(TransitionRefused, match="延期过一次"):
        act(case, cw, "extend", reason="again")


def test_a_refusal_or_a_household_of_minors_is_not_posted(
    people: dict[str, Any], poor_household: Any
) -> None:
    cw = people["caseworker"]
    case = accept(cw, poor_household, checklist=COMPLETE, authorization_on=TODAY)
    case = act(case, cw, "complete_materials")
    case = act(case, people["assistant"], "record_visit", visitors="x", findings="y")
    case = act(case, cw, "request_verification")
    case = act(case, people["verifier"], "complete_verification")
    case = act(case, cw, "evaluate")
    case = act(case, cw, "propose", proposal="refuse", opinion="有房产两套")
    with pytest.raises(TransitionRefused, match="不公示"):
        act(case, cw, "post_notice")
    case = act(case, cw, "skip_notice")
    assert case.state == "ready"


def test_a_proposal_against_the_evaluation_needs_an_explanation(
    people: dict[str, Any], poor_household: Any
) -> None:
    cw = people["caseworker"]
    case = accept(cw, poor_household, checklist=COMPLETE, authorization_on=TODAY)
    case = act(case, cw, "complete_materials")
    case = act(case, people["assistant"], "record_visit", visitors="x", findings="y")
    case = act(case, cw, "request_verification")
    case = act(case, people["verifier"], "complete_verification")
    case = act(case, cw, "evaluate")
    with pytest.raises(ServiceError, match="不一致"):
        act(case, cw, "propose", proposal="refuse")


def test_the_committee_page_lists_its_cases_with_the_tally(
    im_people: dict[str, Any], im_household: Any
) -> None:
    from tests.factories import signed_in

    people = im_people  # the committee tier is the Inner Mongolia city's (A-06, IM （十四）)
    cw, county = people["caseworker"], people["county"]
    case = accept(cw, im_household, "temporary_expense", requested_amount="20000",
                  checklist=EXPENSE, authorization_on=TODAY)  # fmt: skip
    case = act(case, cw, "complete_materials")
    case = _document(case, people, TODAY)
    case = act(case, county, "record_vote", member_name="民政局", member_unit="民政局", vote="for")
    page = signed_in(county).get("/cases/committee/").content.decode()
    assert case.number in page and "同意 1 · 反对 0 · 弃权 0" in page
    assert signed_in(people["leader"]).get("/cases/committee/").status_code == 200
    assert case.number not in signed_in(people["leader"]).get("/cases/committee/").content.decode()


def test_the_pay_first_form_shows_the_funds_balance_and_what_is_left_of_the_limit(
    im_people: dict[str, Any], im_household: Any
) -> None:
    """Issue 17, money limits in view: before paying first, the caseworker sees the
    township reserve fund's balance and what the township may still pay on this case."""
    from tests.factories import signed_in

    _fund(im_people, "100000")
    cw = im_people["caseworker"]
    case = accept(cw, im_household, "temporary_emergency", requested_amount="800")
    page = signed_in(cw).get(f"/cases/{case.id}/").content.decode()
    assert "备用金余额 100000.00 元；本案还可先行救助 " in page
    assert "元（乡镇审批权限）" in page
