"""A county with officers, households with payee accounts and active entitlements."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

import pytest
from django.utils import timezone

from jiuzhu.benefits.accounts import payee_account_row
from jiuzhu.benefits.models import Category, ChangeReason, Entitlement, PayeeAccount, Status
from jiuzhu.regions.scope import Scope, using_scope
from tests.factories import make_household, make_user

COUNTY = "440104"
MONTH = dt.date(2026, 4, 1)
TODAY = dt.date(2026, 4, 10)


@pytest.fixture
def officers(caseworker: Any, gd_area: str) -> dict[str, Any]:
    return {
        "caseworker": caseworker,
        "preparer": make_user("county_officer", COUNTY, username="gd-county"),
        "approver": make_user("county_officer", COUNTY, username="gd-county2"),
        "leader": make_user("township_leader", gd_area, username="gd-leader"),
        "im": make_user("county_officer", "150102", username="im-county"),
    }


def account_number(i: int) -> str:
    return f"62220200{i:011d}"


def entitled(
    actor: Any, region: str, amounts: list[str], *, start: dt.date = dt.date(2026, 1, 1)
) -> list[Entitlement]:
    """Households (one member each) with a payee account and an active dibao entitlement
    per amount, created directly (the decision path is tested in test_entitlements)."""
    rows = []
    for i, amount in enumerate(amounts):
        household = make_household(actor, region, members=1)
        PayeeAccount.unscoped.bulk_create(
            [
                payee_account_row(
                    household,
                    holder_name=f"合成户主{i}",
                    bank_name="合成农商银行",
                    account_number=account_number(household.id),
                )
            ]
        )
        rows.append(
            Entitlement(
                household=household,
                region_code=household.region_code,
                category=Category.DIBAO,
                monthly_amount=Decimal(amount),
                start_month=start,
                status=Status.ACTIVE,
                status_reason=ChangeReason.DECISION,
                decided_on=start - dt.timedelta(days=20),
            )
        )
    return Entitlement.unscoped.bulk_create(rows)


@pytest.fixture
def five(officers: dict[str, Any], gd_area: str) -> list[Entitlement]:
    return entitled(
        officers["caseworker"], gd_area + "001", ["1238.00", "990.50", "2476.00", "300.01", "1.00"]
    )


def as_user(user: Any) -> Any:
    return using_scope(Scope(user.area.scope_prefix if user.area else ""))


def now() -> dt.datetime:
    return timezone.now()
