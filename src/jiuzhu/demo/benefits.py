"""Demo payee accounts (synthetic numbers, clearly not real cards) for the demo households
whose decided cases gave them an entitlement, and this month's payment batch prepared by the
system, so the county officer can approve, export and reconcile it."""

from __future__ import annotations

from typing import Any

from django.utils import timezone

from jiuzhu.benefits.accounts import payee_account_row
from jiuzhu.benefits.models import Entitlement, PayeeAccount
from jiuzhu.benefits.payments import payments_run
from jiuzhu.registry.models import Household, Member

DEMO_BANK = "合成农商银行（演示）"


def seed_payee_accounts(county: str) -> int:
    """An account for every entitled demo household of the county without one."""
    wanted = set(
        Entitlement.unscoped.filter(
            region_code__startswith=county, monthly_amount__gt=0
        ).values_list("household_id", flat=True)
    ) - set(PayeeAccount.unscoped.values_list("household_id", flat=True))
    households = Household.unscoped.filter(id__in=wanted, synthetic=True).order_by("id")
    heads: dict[int, str] = {}
    for household_id, name in (
        Member.unscoped.filter(household_id__in=wanted, left_on__isnull=True)
        .order_by("household_id", "id")
        .values_list("household_id", "name")
    ):
        heads.setdefault(household_id, name)
    rows = [
        payee_account_row(
            h,
            holder_name=heads.get(h.id, "合成户主"),
            bank_name=DEMO_BANK,
            account_number=f"9999{h.id:012d}",  # 9999: no card issuer uses it
        )
        for h in households
    ]
    PayeeAccount.unscoped.bulk_create(rows)
    return len(rows)


def seed_payment_batch(county: str) -> Any:
    """This month's batch of the county, prepared by the system (any officer approves)."""
    return payments_run(actor=None, county=county, month=timezone.localdate().replace(day=1))
