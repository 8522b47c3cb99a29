"""A review through the API: the `propose` body carries the outcome (D-01) and the approval
changes the entitlement; an unknown outcome is refused by the schema."""

from __future__ import annotations

from typing import Any

import pytest
from django.utils import timezone

from jiuzhu.benefits.models import Entitlement, Status
from jiuzhu.cases.models import Case
from jiuzhu.registry.models import Household
from tests.api.test_cases_api import _act, _intake, as_
from tests.cases import conftest as cases_conftest

pytestmark = pytest.mark.django_db
people = cases_conftest.people
poor_household = cases_conftest.poor_household


def _review_ready(people: dict[str, Any], household: Household, **proposal: Any) -> int:
    cw = as_(people["caseworker"])
    case_id = _intake(cw, household, kind="review", checklist={"id_card": "received"})["id"]
    _act(cw, case_id, "complete_materials")
    _act(as_(people["assistant"]), case_id, "record_visit", visitors="协理员", findings="复核")
    _act(cw, case_id, "request_verification")
    _act(as_(people["verifier"]), case_id, "complete_verification", summary="无异常")
    _act(cw, case_id, "evaluate")
    _act(cw, case_id, "propose", proposal="approve", opinion="复核", **proposal)
    _act(cw, case_id, "skip_notice")
    return case_id  # type: ignore[no-any-return]


def test_a_review_proposed_to_terminate_ends_the_entitlement_when_approved(
    people: dict[str, Any], poor_household: Household
) -> None:
    today = timezone.localdate()
    entitlement = Entitlement.unscoped.create(
        household=poor_household, region_code=poor_household.region_code, category="dibao",
        monthly_amount="900.00", start_month=today.replace(day=1), status=Status.ACTIVE,
        status_reason="decision", decided_on=today,
    )  # fmt: skip
    case_id = _review_ready(people, poor_household, outcome="terminate")
    assert Case.unscoped.get(id=case_id).review_outcome == "terminate"
    _act(as_(people["leader"]), case_id, "approve", reason="收入超过标准")
    entitlement.refresh_from_db()
    assert entitlement.status == Status.TERMINATED


def test_an_unknown_review_outcome_is_refused_by_the_schema(
    people: dict[str, Any], poor_household: Household
) -> None:
    cw = as_(people["caseworker"])
    case_id = _intake(cw, poor_household, kind="review", checklist={"id_card": "received"})["id"]
    response = cw.post(f"/cases/{case_id}/actions/propose", {"proposal": "approve",
                                                             "outcome": "double"})  # fmt: skip
    assert response.status_code == 422
