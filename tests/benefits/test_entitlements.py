"""Entitlements from decisions: created in the approval's transaction (one case or a batch
of them), starting the month after approval (NATIONAL.md, parameter
`payment_start_months_after_decision`), per person for 特困 (C-01), one-off for temporary
aid less what was paid first (A-07, A-08); every change of status kept with its reason."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

import pytest

from jiuzhu.audit.models import AuditEvent
from jiuzhu.benefits.entitlements import entitlement_change_status
from jiuzhu.benefits.models import Entitlement, EntitlementChange, Status
from jiuzhu.cases.services import case_act_many
from jiuzhu.regions.scope import Scope, using_scope
from jiuzhu.rules.procedure import add_months, first_payment_month
from tests.cases.conftest import TODAY, accept, act, people, poor_household, to_ready  # noqa: F401

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("decided", "first"),
    [
        (dt.date(2026, 1, 31), dt.date(2026, 2, 1)),  # the last day of a month
        (dt.date(2026, 2, 1), dt.date(2026, 3, 1)),  # the first day
        (dt.date(2024, 2, 29), dt.date(2024, 3, 1)),  # a leap day
        (dt.date(2025, 12, 31), dt.date(2026, 1, 1)),  # across the year
        (dt.date(2025, 12, 1), dt.date(2026, 1, 1)),
    ],
)
def test_payment_starts_the_month_after_approval(decided: dt.date, first: dt.date) -> None:
    """NATIONAL.md (民发〔2021〕57号, 43号): paid from the month after approval."""
    assert first_payment_month("440104001", decided) == first


def test_months_add_across_years_both_ways() -> None:
    assert add_months(dt.date(2024, 11, 1), 3) == dt.date(2025, 2, 1)
    assert add_months(dt.date(2024, 1, 1), -1) == dt.date(2023, 12, 1)


def test_an_approved_dibao_case_creates_its_entitlement_in_the_same_transaction(
    people: dict[str, Any],  # noqa: F811
    poor_household: Any,  # noqa: F811
) -> None:
    case = to_ready(people, poor_household)
    assert not Entitlement.unscoped.exists()
    case = act(case, people["leader"], "approve", today=case.notice_to, reason="同意")
    entitlement = Entitlement.unscoped.get(case=case)
    assert entitlement.category == "dibao" and entitlement.status == Status.ACTIVE
    assert entitlement.monthly_amount == case.decided_amount > 0
    assert entitlement.start_month == first_payment_month(case.region_code, case.decided_on)
    assert entitlement.region_code == poor_household.region_code
    assert entitlement.member_id is None  # the household's benefit
    change = EntitlementChange.unscoped.get(entitlement=entitlement)
    assert (change.reason, change.to_status) == ("decision", "active")
    assert AuditEvent.objects.filter(action="entitlement.create").count() == 1


def test_a_refused_case_creates_nothing(
    people: dict[str, Any],  # noqa: F811
    poor_household: Any,  # noqa: F811
) -> None:
    case = to_ready(people, poor_household)
    act(case, people["leader"], "refuse", today=case.notice_to, reason="不符合")
    assert not Entitlement.unscoped.exists()


def test_a_batch_approval_creates_every_entitlement_set_based(
    people: dict[str, Any],  # noqa: F811
    poor_household: Any,  # noqa: F811
) -> None:
    """批量审批 (case_act_many): one entitlement per approved case."""
    from tests.factories import make_household

    other = make_household(people["caseworker"], "440104001001", members=3)
    cases = [to_ready(people, poor_household), to_ready(people, other)]
    leader = people["leader"]
    with using_scope(Scope(leader.area.scope_prefix)):
        done, refused = case_act_many(
            actor=leader,
            case_ids=[c.id for c in cases],
            event="approve",
            payload={"reason": "同意"},
            today=cases[0].notice_to,
        )
    assert len(done) == 2 and not refused
    assert Entitlement.unscoped.filter(case__in=cases).count() == 2


def test_status_changes_keep_their_reason_and_termination_sets_the_last_month(
    people: dict[str, Any],  # noqa: F811
    poor_household: Any,  # noqa: F811
) -> None:
    case = to_ready(people, poor_household)
    act(case, people["leader"], "approve", today=case.notice_to, reason="同意")
    entitlement = Entitlement.unscoped.get(case=case)
    county = people["county"]
    with using_scope(Scope(county.area.scope_prefix)):
        entitlement_change_status(
            actor=county, entitlement=entitlement, status="suspended", reason="suspension",
            effective_month=dt.date(2026, 6, 1), note="失联",
        )  # fmt: skip
        entitlement_change_status(
            actor=county, entitlement=entitlement, status="active", reason="resumption",
            effective_month=dt.date(2026, 7, 1),
        )  # fmt: skip
        done = entitlement_change_status(
            actor=county, entitlement=entitlement, status="terminated", reason="review",
            effective_month=dt.date(2026, 9, 15),
        )  # fmt: skip
    assert done.end_month == dt.date(2026, 8, 1)
    history = list(
        EntitlementChange.unscoped.filter(entitlement=entitlement).values_list(
            "from_status", "to_status", "reason"
        )
    )
    assert history == [
        ("", "active", "decision"),
        ("active", "suspended", "suspension"),
        ("suspended", "active", "resumption"),
        ("active", "terminated", "review"),
    ]


def test_emergency_aid_paid_first_becomes_a_one_off_for_the_rest(
    people: dict[str, Any],  # noqa: F811
    poor_household: Any,  # noqa: F811
) -> None:
    """A-07: what the reserve fund paid first is not paid again."""
    from jiuzhu.cases.services import reserve_top_up

    county, cw = people["county"], people["caseworker"]
    with using_scope(Scope(county.area.scope_prefix)):
        reserve_top_up(actor=county, township_code="440104001", amount="5000")
    case = accept(cw, poor_household, "temporary_emergency", requested_amount="1500",
                  checklist={"id_card": "received", "emergency_statement": "received"},
                  authorization_on=TODAY)  # fmt: skip
    case = act(case, cw, "pay_first", amount="1000")
    case = act(case, cw, "complete_materials")
    case = act(case, people["assistant"], "record_visit", visitors="协理员", findings="属实")
    case = act(case, cw, "request_verification")
    case = act(case, people["verifier"], "complete_verification", summary="无异常")
    case = act(case, cw, "evaluate")
    case = act(case, cw, "propose", proposal="approve", amount="1500", opinion="急难")
    case = act(case, cw, "skip_notice")
    # Guangzhou sets no temporary-aid tiers (GD 15): the county approves
    case = act(case, people["county"], "approve", reason="同意")
    entitlement = Entitlement.unscoped.get(case=case)
    assert entitlement.one_off and entitlement.category == "temporary"
    assert entitlement.monthly_amount == Decimal("500.00")
    assert entitlement.start_month == entitlement.end_month == case.decided_on.replace(day=1)
