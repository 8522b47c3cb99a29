"""The review calendar (D-01) and what a review's decision does to the entitlement: confirm
without recalculation (B-04), adjust from the month after, move layer (D-03), gradual exit
(B-03) and termination with a written reason."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

import pytest

from jiuzhu.benefits.models import Entitlement, EntitlementChange, Status
from jiuzhu.benefits.reviews import reviews_due, reviews_schedule
from jiuzhu.cases.models import Case
from jiuzhu.regions.scope import Scope, using_scope
from jiuzhu.registry.errors import ServiceError
from jiuzhu.rules.dynamic_management import add_months_to_day, significant_change
from tests.benefits.consumers import category_in_every_consumer, everywhere
from tests.cases.conftest import COMPLETE, act, people, poor_household  # noqa: F401

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("anchor", "months", "due"),
    [
        (dt.date(2026, 1, 31), 1, dt.date(2026, 2, 28)),  # a month end into a short month
        (dt.date(2024, 1, 31), 1, dt.date(2024, 2, 29)),  # …of a leap year
        (dt.date(2024, 2, 29), 12, dt.date(2025, 2, 28)),  # a leap day, a year on
        (dt.date(2024, 2, 29), 48, dt.date(2028, 2, 29)),  # …four years on
        (dt.date(2025, 8, 31), 6, dt.date(2026, 2, 28)),  # six months across the year
        (dt.date(2025, 12, 15), 6, dt.date(2026, 6, 15)),
        (dt.date(2026, 3, 31), 6, dt.date(2026, 9, 30)),
    ],
)
def test_the_next_review_is_the_same_day_months_later_or_the_months_last_day(
    anchor: dt.date, months: int, due: dt.date
) -> None:
    """D-01 calendar: months are added calendar-wise, clamped to the month's last day."""
    assert add_months_to_day(anchor, months) == due


def _entitlement(
    household: Any, decided: dt.date, *, months: int | None, amount: str = "1000.00",
    category: str = "dibao", number: str = "",
) -> Entitlement:  # fmt: skip
    """A running entitlement decided on `decided` by a case whose frozen evaluation says
    `review_every_months`."""
    case = Case.unscoped.create(
        number=number or f"440104001-{decided.year}-{household.id:06d}",
        kind=category,
        state="closed",
        household=household,
        region_code=household.region_code,
        township_code=household.region_code[:9],
        channel="window",
        applied_on=decided,
        outcome="approved",
        decided_on=decided,
        decided_amount=Decimal(amount),
        evaluation={"review_every_months": months, "primary_category": category},
    )
    return Entitlement.unscoped.create(
        household=household,
        case=case,
        region_code=household.region_code,
        category=category,
        monthly_amount=Decimal(amount),
        start_month=dt.date(decided.year, decided.month, 1),
        status=Status.ACTIVE,
        status_reason="decision",
        decided_on=decided,
    )


@pytest.fixture
def county(people: dict[str, Any]) -> Any:  # noqa: F811
    return people["county"]


def _in(user: Any) -> Any:
    return using_scope(Scope(user.area.scope_prefix))


def test_stable_households_are_due_yearly_and_unstable_ones_six_monthly(
    people: dict[str, Any],  # noqa: F811
    county: Any,
) -> None:
    """D-01: 特困 and stable dibao yearly; irregular income with able members six-monthly
    (the engine's review_every_months frozen in the deciding case's evaluation)."""
    from tests.factories import make_household

    cw = people["caseworker"]
    stable = make_household(cw, "440104001001", members=1)
    unstable = make_household(cw, "440104001001", members=2)
    _entitlement(stable, dt.date(2025, 8, 31), months=12, number="N-1")
    _entitlement(unstable, dt.date(2025, 8, 31), months=6, number="N-2")
    with _in(county):
        due = reviews_due(as_of=dt.date(2026, 2, 27))
        assert due == []  # the six-monthly one is due on 28 February (a month end)
        due = reviews_due(as_of=dt.date(2026, 2, 28))
        assert [(d.household_id, d.due_on) for d in due] == [(unstable.id, dt.date(2026, 2, 28))]
        due = reviews_due(as_of=dt.date(2026, 2, 1), lead_days=30)
        assert [d.household_id for d in due] == [unstable.id]
        due = reviews_due(as_of=dt.date(2026, 8, 31))
        assert {d.household_id for d in due} == {stable.id, unstable.id}


def test_an_evaluation_without_a_period_is_reviewed_yearly(
    people: dict[str, Any],  # noqa: F811
    county: Any,
) -> None:
    from tests.factories import make_household

    household = make_household(people["caseworker"], "440104001001", members=1)
    _entitlement(household, dt.date(2024, 2, 29), months=None, category="tekun")
    with _in(county):
        assert reviews_due(as_of=dt.date(2025, 2, 27)) == []
        assert [d.due_on for d in reviews_due(as_of=dt.date(2025, 2, 28))] == [dt.date(2025, 2, 28)]


def test_scheduling_opens_one_review_per_household_and_never_a_second(
    people: dict[str, Any],  # noqa: F811
    county: Any,
) -> None:
    """D-01 idempotent: a second run opens nothing while the first review is open."""
    from tests.factories import make_household

    households = [make_household(people["caseworker"], "440104001001", members=1) for _ in range(3)]
    for i, household in enumerate(households):
        _entitlement(household, dt.date(2025, 1, 10), months=12, number=f"N-{i}")
    seen: list[int] = []
    with _in(county):
        first = reviews_schedule(
            actor=county, as_of=dt.date(2026, 1, 10), chunk=2, progress=seen.append
        )
        second = reviews_schedule(actor=county, as_of=dt.date(2026, 1, 10))
    assert len(first.opened) == 3 and seen == [2, 1]
    assert second.opened == [] and second.already_open == 3
    reviews = Case.unscoped.filter(kind="review")
    assert reviews.count() == 3
    review = reviews.get(household=households[0])
    assert review.parent is not None and review.parent.kind == "dibao"
    assert review.channel == "proactive" and review.state == "accepted"


def test_a_decided_review_moves_the_next_one_a_period_on(
    people: dict[str, Any],  # noqa: F811
    county: Any,
) -> None:
    from tests.factories import make_household

    household = make_household(people["caseworker"], "440104001001", members=1)
    _entitlement(household, dt.date(2025, 1, 10), months=12)
    Case.unscoped.create(
        number="R-1", kind="review", state="closed", household=household,
        region_code=household.region_code, township_code="440104001", channel="proactive",
        applied_on=dt.date(2026, 1, 5), outcome="approved", decided_on=dt.date(2026, 1, 20),
    )  # fmt: skip
    with _in(county):
        assert reviews_due(as_of=dt.date(2027, 1, 19)) == []
        assert len(reviews_due(as_of=dt.date(2027, 1, 20))) == 1


def test_scheduling_needs_someone_who_handles_cases(people: dict[str, Any]) -> None:  # noqa: F811
    verifier = people["verifier"]
    with _in(verifier), pytest.raises(ServiceError):
        reviews_schedule(actor=verifier, as_of=dt.date(2026, 1, 10))


# the decision of a review -----------------------------------------------------------------


def _review_to_ready(people: dict[str, Any], household: Any, parent: Case, **proposal: Any) -> Case:  # noqa: F811
    from jiuzhu.cases import services

    cw = people["caseworker"]
    today = dt.date(2026, 3, 2)
    with _in(cw):
        case = services.case_create(
            actor=cw, household=household, kind="review", parent=parent,
            checklist={"id_card": "received"}, authorization_on=today, today=today,
        )  # fmt: skip
    case = act(case, cw, "complete_materials")
    case = act(case, people["assistant"], "record_visit", visitors="协理员", findings="复核")
    case = act(case, cw, "request_verification")
    case = act(case, people["verifier"], "complete_verification", summary="无异常")
    case = act(case, cw, "evaluate")
    proposal.setdefault("opinion", "复核")
    case = act(case, cw, "propose", proposal="approve", **proposal)
    return act(case, cw, "skip_notice")


@pytest.fixture
def running(people: dict[str, Any], poor_household: Any) -> Entitlement:  # noqa: F811
    return _entitlement(poor_household, dt.date(2025, 3, 2), months=12, amount="1000.00")


def _approve(people: dict[str, Any], case: Case, **payload: Any) -> Case:  # noqa: F811
    payload.setdefault("reason", "复核同意")
    return act(case, people["leader"], "approve", **payload)


def test_a_confirmed_review_keeps_the_benefit_without_recalculation(
    people: dict[str, Any],  # noqa: F811
    poor_household: Any,  # noqa: F811
    running: Entitlement,
) -> None:
    """B-04: confirm records the review and changes nothing."""
    case = _review_to_ready(people, poor_household, running.case, outcome="confirm")
    _approve(people, case)
    running.refresh_from_db()
    assert running.status == Status.ACTIVE and running.end_month is None
    assert running.monthly_amount == Decimal("1000.00")
    change = EntitlementChange.unscoped.filter(entitlement=running).last()
    assert change is not None and change.reason == "review" and "B-04" in change.note


def test_an_adjustment_within_the_tolerance_is_not_a_recalculation(
    people: dict[str, Any],  # noqa: F811
    poor_household: Any,  # noqa: F811
    running: Entitlement,
) -> None:
    """B-04: 30 yuan on 1,000 is within 50 yuan (parameter, assumed): confirmed."""
    assert not significant_change("440104", dt.date(2026, 3, 2), Decimal("1000"), Decimal("1030"))
    assert significant_change("440104", dt.date(2026, 3, 2), Decimal("1000"), Decimal("1060.01"))
    case = _review_to_ready(
        people, poor_household, running.case, outcome="adjust", amount="1030.00"
    )
    _approve(people, case)
    assert Entitlement.unscoped.filter(household=poor_household).count() == 1
    running.refresh_from_db()
    assert running.monthly_amount == Decimal("1000.00") and running.end_month is None


def test_an_adjustment_pays_the_new_amount_from_the_month_after(
    people: dict[str, Any],  # noqa: F811
    poor_household: Any,  # noqa: F811
    running: Entitlement,
) -> None:
    case = _review_to_ready(
        people, poor_household, running.case, outcome="adjust", amount="1500.00"
    )
    case = _approve(people, case)
    running.refresh_from_db()
    assert running.status == Status.TERMINATED and running.end_month == dt.date(2026, 3, 1)
    new = Entitlement.unscoped.get(case=case)
    assert new.monthly_amount == Decimal("1500.00") and new.start_month == dt.date(2026, 4, 1)
    assert new.category == "dibao" and new.status_reason == "review"


def test_moving_to_tekun_replaces_the_dibao_entitlement(
    people: dict[str, Any],  # noqa: F811
    poor_household: Any,  # noqa: F811
    running: Entitlement,
) -> None:
    """D-03: a layer move changes the entitlement's category from the month after."""
    case = _review_to_ready(
        people, poor_household, running.case, outcome="move_layer", layer="tekun", amount="1981.00"
    )
    case = _approve(people, case)
    running.refresh_from_db()
    assert running.status == Status.TERMINATED
    new = Entitlement.unscoped.get(case=case)
    assert (new.category, new.monthly_amount) == ("tekun", Decimal("1981.00"))


def test_leaving_dibao_for_low_income_ends_the_monthly_benefit(
    people: dict[str, Any],  # noqa: F811
    poor_household: Any,  # noqa: F811
    running: Entitlement,
) -> None:
    """D-03: leaving dibao is checked against low-income; 低保边缘 is not paid monthly: the
    review opens its recognition (nothing paid) from the month after, until a review ends
    it — the household is a low-income recipient (issue 16)."""
    case = _review_to_ready(
        people, poor_household, running.case, outcome="move_layer", layer="low_income"
    )
    case = _approve(people, case)
    running.refresh_from_db()
    assert running.status == Status.TERMINATED and running.end_month == dt.date(2026, 3, 1)
    recognised = Entitlement.unscoped.get(case=case)
    assert (recognised.category, recognised.monthly_amount) == ("low_income", 0)
    assert (recognised.start_month, recognised.end_month) == (dt.date(2026, 4, 1), None)
    household = poor_household.id  # dibao through March, low-income from April, everywhere
    assert category_in_every_consumer(household, dt.date(2026, 3, 31)) == everywhere("dibao")
    assert category_in_every_consumer(household, dt.date(2026, 4, 1)) == everywhere("low_income")
    assert "D-03" in EntitlementChange.unscoped.filter(entitlement=running).last().note  # type: ignore[union-attr]


def test_an_unknown_outcome_or_layer_is_refused(
    people: dict[str, Any],  # noqa: F811
    poor_household: Any,  # noqa: F811
    running: Entitlement,
) -> None:
    with pytest.raises(ServiceError):
        _review_to_ready(people, poor_household, running.case, outcome="double")
    with pytest.raises(ServiceError):
        _review_to_ready(people, poor_household, running.case, outcome="move_layer", layer="x")


def test_a_gradual_exit_lasts_the_parameters_months_from_the_month_after(
    people: dict[str, Any],  # noqa: F811
    poor_household: Any,  # noqa: F811
    running: Entitlement,
) -> None:
    """B-03: GD's 6 months (parameter gradual_exit_months) when the engine gave no date:
    April to September for a decision in March."""
    case = _review_to_ready(people, poor_household, running.case, outcome="gradual_exit")
    _approve(people, case)
    running.refresh_from_db()
    assert running.status == Status.GRADUAL_EXIT
    assert running.end_month == dt.date(2026, 9, 1)
    assert running.monthly_amount == Decimal("1000.00")
    # a recipient through the exit period, in every consumer, and not after (issue 16)
    household = poor_household.id
    assert category_in_every_consumer(household, dt.date(2026, 9, 30)) == everywhere("dibao")
    assert category_in_every_consumer(household, dt.date(2026, 10, 1)) == everywhere(None)


def test_a_gradual_exit_ends_in_the_month_of_the_engines_date(
    people: dict[str, Any],  # noqa: F811
    poor_household: Any,  # noqa: F811
    running: Entitlement,
) -> None:
    """B-03: the engine's gradual_exit_until (six months from the day income exceeded the
    standard, less a day) sets the last month paid."""
    case = _review_to_ready(people, poor_household, running.case, outcome="gradual_exit")
    evaluation = {**(case.evaluation or {}), "gradual_exit_until": "2026-08-14"}
    Case.unscoped.filter(id=case.id).update(evaluation=evaluation)
    case.refresh_from_db()
    _approve(people, case)
    running.refresh_from_db()
    assert (running.status, running.end_month) == (Status.GRADUAL_EXIT, dt.date(2026, 8, 1))
    assert running.status_reason == "gradual_exit"


def test_termination_needs_a_written_reason_and_stops_after_the_decision_month(
    people: dict[str, Any],  # noqa: F811
    poor_household: Any,  # noqa: F811
    running: Entitlement,
) -> None:
    case = _review_to_ready(people, poor_household, running.case, outcome="terminate")
    with pytest.raises(ServiceError):
        _approve(people, case, reason="")
    running.refresh_from_db()
    assert running.status == Status.ACTIVE  # nothing kept of the refused step
    _approve(people, case, reason="家庭人均收入超过低保标准")
    running.refresh_from_db()
    assert running.status == Status.TERMINATED and running.end_month == dt.date(2026, 3, 1)
    last = EntitlementChange.unscoped.filter(entitlement=running).last()
    assert last is not None and last.reason == "termination"
    assert last.note == "家庭人均收入超过低保标准"
    # paid through March: a recipient until then in every consumer, then none (issue 16)
    household = poor_household.id
    assert category_in_every_consumer(household, dt.date(2026, 3, 31)) == everywhere("dibao")
    assert category_in_every_consumer(household, dt.date(2026, 4, 1)) == everywhere(None)


def test_terminating_a_household_still_eligible_for_a_layer_needs_an_opinion(
    people: dict[str, Any],  # noqa: F811
    poor_household: Any,  # noqa: F811
    running: Entitlement,
) -> None:
    """D-03: the evaluation still finds the household dibao-eligible: ending its benefit
    without the caseworker's reasons is refused (a layer move is the other way)."""
    with pytest.raises(ServiceError) as refused:
        _review_to_ready(people, poor_household, running.case, outcome="terminate", opinion="")
    assert refused.value.field == "opinion"


def test_a_review_without_an_outcome_leaves_the_entitlement_as_before(
    people: dict[str, Any],  # noqa: F811
    poor_household: Any,  # noqa: F811
    running: Entitlement,
) -> None:
    case = _review_to_ready(people, poor_household, running.case)
    _approve(people, case)
    running.refresh_from_db()
    assert running.status == Status.ACTIVE
    assert EntitlementChange.unscoped.filter(entitlement=running).count() == 0
