"""采用核对结果 (issue 17, V-03): the verifier adopts a verification's figures into the
household's record in one action — dated from the verification's day, each change and the
adoption on the audit log, the declared figures kept in the history — and adopting again
finds nothing left; another area's officer cannot reach it."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest

from jiuzhu.audit.models import AuditEvent
from jiuzhu.registry.models import HouseholdFact, IncomeFact, Member
from jiuzhu.verification.adopt import NOTHING_TO_ADOPT, verification_adopt
from jiuzhu.verification.models import Verification
from tests.cases import conftest as cases_conftest
from tests.factories import make_household, make_user, signed_in
from tests.verification.conftest import record
from tests.verification.test_checking import deliver, numbers, to_verifying

pytestmark = pytest.mark.django_db

people = cases_conftest.people  # the fixture, visible here


@pytest.fixture
def verified(people: dict[str, Any], gd_area: str) -> Any:
    """A case whose verification found an undeclared car and the head's wages (4,200)."""
    household = make_household(people["caseworker"], gd_area + "001", members=3)
    head = numbers(household)[0]
    deliver("vehicles", [record("vehicles", head, vehicle_kind="car", status="registered")])
    deliver("tax", [record("tax", head, income_kind="wages", period_start="2026-02-01",
                           period_end="2026-02-28", income="4200.00")])  # fmt: skip
    return to_verifying(people, household)


def test_the_verifier_adopts_the_figures_from_the_verifications_day(
    people: dict[str, Any], verified: Any
) -> None:
    verification = Verification.unscoped.get(case=verified)
    head = Member.unscoped.filter(household_id=verified.household_id).order_by("id").first()
    client = signed_in(people["verifier"])
    page = client.get(f"/cases/{verified.id}/").content.decode()
    assert 'data-testid="verification-adopt"' in page and "2 项" in page
    done = client.post(f"/cases/{verified.id}/verification/adopt/", follow=True)
    assert "已采用核对结果：2 项" in done.content.decode()
    wages = IncomeFact.unscoped.get(member=head, kind="wages", valid_to__isnull=True)
    assert (wages.amount, wages.valid_from) == (Decimal("4200.00"), verification.as_of)
    cars = HouseholdFact.unscoped.get(
        household_id=verified.household_id, kind="vehicles", valid_to__isnull=True
    )
    assert (cars.amount, cars.valid_from) == (Decimal("1"), verification.as_of)
    adopted = AuditEvent.objects.get(action="verification.adopt")
    assert adopted.new["verification"] == verification.id and len(adopted.new["items"]) == 2
    assert AuditEvent.objects.filter(action__in=["member.income", "household.fact"]).count() >= 2
    after = client.get(f"/cases/{verified.id}/").content.decode()
    assert 'data-testid="verification-adopt"' not in after  # nothing left to adopt


def test_adopting_twice_changes_nothing_and_says_so(people: dict[str, Any], verified: Any) -> None:
    verification = Verification.unscoped.get(case=verified)
    from jiuzhu.regions.scope import Scope, using_scope

    verifier = people["verifier"]
    with using_scope(Scope(verifier.area.scope_prefix)):
        first = verification_adopt(actor=verifier, verification_id=verification.id)
        assert first["adopted"] == 2
        facts = IncomeFact.unscoped.count() + HouseholdFact.unscoped.count()
        with pytest.raises(Exception, match=str(NOTHING_TO_ADOPT)):
            verification_adopt(actor=verifier, verification_id=verification.id)
    assert IncomeFact.unscoped.count() + HouseholdFact.unscoped.count() == facts


def test_another_areas_officer_and_a_role_without_the_right_change_nothing(
    people: dict[str, Any], verified: Any, im_area: str
) -> None:
    other = make_user("verification_officer", im_area, username="im-verifier")
    outside = signed_in(other).post(f"/cases/{verified.id}/verification/adopt/")
    assert outside.status_code == 404
    auditor = make_user("auditor", verified.region_code[:6], username="gd-auditor")
    refused = signed_in(auditor).post(f"/cases/{verified.id}/verification/adopt/")
    assert refused.status_code in (302, 403)
    assert not AuditEvent.objects.filter(action="verification.adopt").exists()
