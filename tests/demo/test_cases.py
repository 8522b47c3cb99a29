"""The demo's synthetic cases: made through the real services by the demo accounts, spread
over the stages of the procedure, all on synthetic households, and the reserve funds set."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from pathlib import Path

import pytest

from jiuzhu.cases.models import Case, CaseEvent, ReserveFund
from jiuzhu.demo.accounts import GD_COUNTY, demo_accounts_create
from jiuzhu.demo.cases import seed_cases, seed_reserves
from jiuzhu.demo.departments import seed_demo_departments
from jiuzhu.demo.households import seed_households
from jiuzhu.regions.scope import system_scope
from jiuzhu.regions.services import regions_generate_subdivisions
from tests.factories import subdivisions

pytestmark = pytest.mark.django_db


def test_demo_cases_cover_the_procedure_on_synthetic_households(tmp_path: Path) -> None:
    subdivisions("150102")
    with system_scope("test"):
        for county in (GD_COUNTY, "150102"):
            regions_generate_subdivisions(county, townships=2, villages=3)
        demo_accounts_create()
        seed_households([GD_COUNTY], 120, seed=7)
        seed_demo_departments(tmp_path)
        seed_reserves("gd", GD_COUNTY)
        made = seed_cases("gd", GD_COUNTY, 30, seed=7)
    cases = Case.unscoped.all()
    assert made == cases.count() >= 25
    assert all(c.synthetic and c.household.synthetic for c in cases)
    assert len({c.state for c in cases}) >= 6
    assert CaseEvent.unscoped.filter(case__in=cases).count() > made  # every step logged
    funds = ReserveFund.unscoped.filter(region_code__startswith=GD_COUNTY)
    assert funds.count() == 2 and all(f.balance <= Decimal("50000") for f in funds)
    # issue 17: a decision older than a week has been served and filed; only recent ones
    # wait for their notice, so the worklist shows no decided case overdue for months
    week_ago = dt.date.today() - dt.timedelta(days=7)
    waiting = cases.filter(state__in=["approved", "refused", "notified"])
    assert not waiting.filter(decided_on__lt=week_ago - dt.timedelta(days=3)).exists()
    assert not cases.filter(state="notified", due_on__isnull=False).exists()


def test_approved_demo_cases_have_entitlements_accounts_and_a_payment_batch(
    tmp_path: Path,
) -> None:
    """Issue #6 in the demo: every approved dibao case has its entitlement, each entitled
    household a synthetic payee account, and this month's batch is prepared."""
    from jiuzhu.benefits.models import Entitlement, PayeeAccount, PaymentBatch
    from jiuzhu.demo.benefits import seed_payee_accounts, seed_payment_batch

    subdivisions("150102")
    with system_scope("test"):
        for county in (GD_COUNTY, "150102"):
            regions_generate_subdivisions(county, townships=2, villages=3)
        demo_accounts_create()
        seed_households([GD_COUNTY], 120, seed=7)
        seed_demo_departments(tmp_path)
        seed_reserves("gd", GD_COUNTY)
        seed_cases("gd", GD_COUNTY, 30, seed=7)
        accounts = seed_payee_accounts(GD_COUNTY)
        seed_payment_batch(GD_COUNTY)
    approved = Case.unscoped.filter(outcome="approved", kind="dibao", decided_amount__gt=0)
    assert Entitlement.unscoped.filter(case__in=approved).count() == approved.count()
    entitled = set(Entitlement.unscoped.values_list("household_id", flat=True))
    assert accounts == len(entitled) == PayeeAccount.unscoped.count()
    assert all(a.account_masked.startswith("9999****") for a in PayeeAccount.unscoped.all())
    assert PaymentBatch.unscoped.count() <= 1  # none when nothing starts before next month
