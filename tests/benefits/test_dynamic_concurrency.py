"""Exactly once under concurrency for reviews (D-01), price subsidies (P-05) and repayments
(F-02): two workers at the same moment open one review per household, grant one subsidy per
household and month, and never repay more than is owed. PostgreSQL only (SQLite serialises
every write)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

import pytest
from django.db import connection

from jiuzhu.benefits.models import Correction, PriceSubsidy, Recovery, Repayment
from jiuzhu.benefits.reviews import reviews_schedule
from jiuzhu.benefits.subsidies import price_index_set, price_subsidies_grant
from jiuzhu.cases.models import Case
from tests.benefits.conftest import COUNTY, MONTH, as_user, entitled
from tests.benefits.test_concurrency import _race

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture(autouse=True)
def _postgresql() -> None:
    if connection.vendor != "postgresql":
        pytest.skip("concurrency is tested on PostgreSQL (CI)")


def test_two_schedulers_at_once_open_one_review_per_household(
    officers: dict[str, Any], gd_area: str
) -> None:
    """D-01 idempotent under concurrency: the households' locks and the re-check."""
    entitled(officers["caseworker"], gd_area + "001", ["100.00"] * 12, start=dt.date(2025, 1, 1))
    county = officers["preparer"]

    def worker() -> Any:
        with as_user(county):
            return reviews_schedule(actor=county, as_of=dt.date(2026, 1, 10), chunk=5)

    results = _race([worker, worker])
    assert not [r for r in results if isinstance(r, Exception)], results
    assert sum(len(r.opened) for r in results) == 12
    reviews = Case.unscoped.filter(kind="review")
    assert reviews.count() == reviews.values("household_id").distinct().count() == 12


def test_two_grants_at_once_pay_each_household_one_subsidy(
    officers: dict[str, Any], gd_area: str
) -> None:
    """P-05 exactly once under concurrency: the index row's lock and the unique constraint."""
    entitled(officers["caseworker"], gd_area + "001", ["100.00"] * 10)
    county = officers["preparer"]
    with as_user(county):
        price_index_set(actor=county, region="440100", month=MONTH, cpi="104.00")

    def worker() -> Any:
        with as_user(county):
            return price_subsidies_grant(actor=county, county=COUNTY, month=MONTH)

    results = _race([worker, worker])
    assert not [r for r in results if isinstance(r, Exception)], results
    assert sorted(r.granted for r in results) == [0, 10]
    assert PriceSubsidy.unscoped.count() == 10


def test_two_repayments_at_once_never_repay_more_than_is_owed(
    officers: dict[str, Any], gd_area: str
) -> None:
    """F-02: the recovery's row lock; the second repayment of the whole sees it repaid."""
    from jiuzhu.benefits.corrections import recovery_record_repayment

    (entitlement,) = entitled(officers["caseworker"], gd_area + "001", ["100.00"])
    correction = Correction.unscoped.create(
        entitlement=entitlement, household_id=entitlement.household_id,
        region_code=entitlement.region_code, cause="other", month_from=MONTH, month_to=MONTH,
        correct_amount=Decimal("0"), overpaid=Decimal("100.00"), underpaid=Decimal("0"),
        note="测试", actor_name="gd-county", at=dt.datetime(2026, 4, 1, tzinfo=dt.UTC),
    )  # fmt: skip
    recovery = Recovery.unscoped.create(
        correction=correction, household_id=entitlement.household_id,
        region_code=entitlement.region_code, amount_owed=Decimal("100.00"),
        created_at=correction.at, updated_at=correction.at,
    )  # fmt: skip
    county = officers["preparer"]

    def worker() -> Any:
        with as_user(county):
            return recovery_record_repayment(
                actor=county, recovery_id=recovery.pk, amount="100.00", paid_on=dt.date(2026, 4, 2)
            )

    results = _race([worker, worker])
    assert len([r for r in results if isinstance(r, Exception)]) == 1
    assert Repayment.unscoped.count() == 1
    recovery.refresh_from_db()
    assert recovery.repaid == Decimal("100.00") and recovery.status == "repaid"
