"""Price-linked temporary subsidies (P-05): the trigger at, below and above its threshold
(CPI or food), the amount (monthly dibao standard × the CPI rise, per person), the covered
groups, and exactly once per household and month through the month's payment batch."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

import pytest
from django.db import IntegrityError, transaction

from jiuzhu.benefits.models import Entitlement, Payment, PriceSubsidy
from jiuzhu.benefits.payments import payments_run
from jiuzhu.benefits.subsidies import price_index_set, price_subsidies_grant
from jiuzhu.registry.errors import ServiceError
from jiuzhu.rules.dynamic_management import price_subsidy_per_person, price_trigger
from tests.benefits.conftest import COUNTY, MONTH, TODAY, as_user, entitled

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("cpi", "food", "fired", "on"),
    [
        ("103.40", None, False, ()),  # below 3.5 %
        ("103.50", None, True, ("cpi",)),  # at the threshold it fires
        ("104.20", None, True, ("cpi",)),  # above
        ("101.00", "105.90", False, ()),  # food below 6 %
        ("101.00", "106.00", True, ("food",)),  # food at 6 %
        ("103.60", "106.10", True, ("cpi", "food")),
    ],
)
def test_the_p05_trigger_fires_at_or_above_its_threshold(
    cpi: str, food: str | None, fired: bool, on: tuple[str, ...]
) -> None:
    """P-05: CPI y/y ≥ 3.5 % or food y/y ≥ 6 % (parameters, unverified) in a month."""
    trigger = price_trigger(COUNTY, MONTH, Decimal(cpi), Decimal(food) if food else None)
    assert (trigger.fired, trigger.on) == (fired, on)


def test_the_p05_subsidy_is_the_dibao_standard_times_the_cpi_rise_per_person() -> None:
    """Guangzhou 2026: 1,309 × 3.6 % = 47.124 → 47.12 yuan (to the cent, half up)."""
    assert price_subsidy_per_person(COUNTY, MONTH, "urban", Decimal("103.6")) == Decimal("47.12")


@pytest.fixture
def households(officers: dict[str, Any], gd_area: str) -> list[Entitlement]:
    return entitled(officers["caseworker"], gd_area + "001", ["1238.00", "990.50", "300.00"])


def _index(actor: Any, cpi: str, food: str | None = None, month: dt.date = MONTH) -> Any:
    with as_user(actor):
        return price_index_set(actor=actor, region="440100", month=month, cpi=cpi, food=food)


def _grant(actor: Any, month: dt.date = MONTH) -> Any:
    with as_user(actor):
        return price_subsidies_grant(actor=actor, county=COUNTY, month=month)


def test_no_subsidy_below_the_threshold(officers: dict[str, Any], households: list[Any]) -> None:
    """P-05 below the trigger: nothing granted."""
    _index(officers["preparer"], "103.40")
    result = _grant(officers["preparer"])
    assert result.trigger is not None and not result.trigger.fired
    assert result.granted == 0 and not PriceSubsidy.unscoped.exists()


def test_a_fired_trigger_pays_each_covered_household_once_in_the_months_batch(
    officers: dict[str, Any], households: list[Any]
) -> None:
    """P-05 exactly once: the grant is a one-off entitlement of the month, paid by the
    month's batch; running the batch again grants and pays nothing more."""
    preparer = officers["preparer"]
    _index(preparer, "103.60")
    with as_user(preparer):
        first = payments_run(actor=preparer, county=COUNTY, month=MONTH, today=TODAY)
        again = payments_run(actor=preparer, county=COUNTY, month=MONTH, today=TODAY)
    subsidies = list(PriceSubsidy.unscoped.all())
    assert len(subsidies) == 3
    assert {(s.persons, s.per_person, s.amount) for s in subsidies} == {
        (1, Decimal("47.12"), Decimal("47.12"))
    }
    paid = Payment.unscoped.filter(category="price_subsidy")
    assert paid.count() == 3 and {p.month for p in paid} == {MONTH}
    assert first.added == 6 and again.added == 0
    assert _grant(preparer).granted == 0  # already granted: nobody twice


def test_the_subsidy_counts_the_households_members(officers: dict[str, Any], gd_area: str) -> None:
    """A household entitlement covers its members: three persons × 47.12."""
    from jiuzhu.benefits.models import Category, ChangeReason, Status
    from tests.factories import make_household

    household = make_household(officers["caseworker"], gd_area + "001", members=3)
    Entitlement.unscoped.create(
        household=household, region_code=household.region_code, category=Category.DIBAO,
        monthly_amount=Decimal("2000.00"), start_month=dt.date(2026, 1, 1),
        status=Status.ACTIVE, status_reason=ChangeReason.DECISION, decided_on=dt.date(2025, 12, 10),
    )  # fmt: skip
    _index(officers["preparer"], "103.60")
    result = _grant(officers["preparer"])
    assert result.granted == 1 and result.total == Decimal("141.36")


def test_the_database_refuses_a_second_subsidy_for_a_household_and_month(
    officers: dict[str, Any], households: list[Any]
) -> None:
    _index(officers["preparer"], "103.60")
    _grant(officers["preparer"])
    subsidy = PriceSubsidy.unscoped.first()
    assert subsidy is not None
    with pytest.raises(IntegrityError), transaction.atomic():
        PriceSubsidy.unscoped.create(
            household_id=subsidy.household_id, region_code=subsidy.region_code,
            month=subsidy.month, entitlement=Entitlement.unscoped.exclude(
                price_subsidy__isnull=False).first(), index=subsidy.index, group="dibao",
            persons=1, per_person=Decimal("1.00"), amount=Decimal("1.00"),
            created_at=subsidy.created_at,
        )  # fmt: skip


def test_an_index_used_for_a_grant_cannot_be_changed(
    officers: dict[str, Any], households: list[Any]
) -> None:
    _index(officers["preparer"], "103.60")
    _index(officers["preparer"], "103.70")  # corrected before any grant
    _grant(officers["preparer"])
    with pytest.raises(ServiceError):
        _index(officers["preparer"], "103.80")


@pytest.mark.parametrize("cpi", ["abc", "", "1036", "103.655", "-1"])
def test_a_malformed_index_is_refused(officers: dict[str, Any], cpi: str) -> None:
    with pytest.raises(ServiceError):
        _index(officers["preparer"], cpi)
