"""Verifying an application against the departments' data (issue #5 part B; V-01…V-03,
I-02, I-05; SECURITY.md 28): the report per member and item, the case waiting while a
source is missing, the authorization required, and the evaluation on verified figures."""

from __future__ import annotations

import datetime as dt
from typing import Any

import numpy as np
import pytest

from jiuzhu.audit.models import AuditEvent
from jiuzhu.cases.models import Case
from jiuzhu.cases.workflow import TransitionRefused
from jiuzhu.regions.scope import Scope, using_scope
from jiuzhu.registry.identity import decrypt
from jiuzhu.registry.models import Member
from jiuzhu.synthetic.departments import near_id
from jiuzhu.verification.checking import verify_households
from jiuzhu.verification.importing import import_records
from jiuzhu.verification.models import Verification
from jiuzhu.verification.sources import SOURCES
from tests.cases import conftest as cases_conftest
from tests.cases.conftest import COMPLETE, TODAY, accept, act
from tests.factories import make_household
from tests.verification.conftest import record

pytestmark = pytest.mark.django_db

people = cases_conftest.people  # the fixture, visible here


def numbers(household: Any) -> list[str]:
    return [
        decrypt(m.id_cipher)
        for m in Member.unscoped.filter(household=household, left_on__isnull=True).order_by("id")
    ]


def deliver(source: str, rows: list[dict[str, Any]], day: dt.date = TODAY, key: str = "") -> None:
    import_records(
        actor=None,
        source=source,
        records=rows,
        as_of=day,
        batch_key=key or f"{source}-{day}-{len(rows)}",
        region_code="",
    )


def verify(households: list[Any]) -> Any:
    """As the verification service does: within the area of the households (440104)."""
    with using_scope(Scope("440104")):
        return verify_households(households, TODAY)[households[0].id]


def to_verifying(people: dict[str, Any], household: Any, **fields: Any) -> Case:
    cw = people["caseworker"]
    fields.setdefault("authorization_on", TODAY)
    case = accept(cw, household, checklist=COMPLETE, **fields)
    case = act(case, cw, "complete_materials")
    case = act(case, people["assistant"], "record_visit", visitors="协理员", findings="属实")
    return act(case, cw, "request_verification")


def test_the_report_shows_an_undeclared_car_and_wages_and_the_evaluation_uses_them(
    people: dict[str, Any], gd_area: str
) -> None:
    """V-03: each member and item, declared against found with the source record; the
    evaluation then counts the wages found and the explanation names the tax batch."""
    household = make_household(people["caseworker"], gd_area + "001", members=3)
    head = numbers(household)[0]
    deliver("vehicles", [record("vehicles", head, vehicle_kind="car", status="registered")])
    deliver("tax", [record("tax", head, income_kind="wages", period_start="2026-02-01",
                           period_end="2026-02-28", income="4200.00")])  # fmt: skip
    case = to_verifying(people, household)
    assert case.state == "verifying" and case.verification_waiting == ""
    verification = Verification.unscoped.get(case=case)
    assert verification.status == "reported" and verification.high == 2
    items = {i["item"]: i for i in verification.report["items"]}
    assert items["assets.vehicles"]["declared"] == 0 and items["assets.vehicles"]["found"] == 1
    assert items["assets.vehicles"]["sources"] == ["vehicles"]
    assert items["assets.vehicles"]["severity"] == "high"
    wages = items["income.wages"]
    assert (wages["declared"], wages["found"], wages["verified"]) == ("0.00", "4200.00", "4200.00")
    assert wages["sources"] == ["tax"] and wages["severity"] == "high"
    assert items["assets.financial"]["found"] is None  # no bank record: not a finding
    before = act(case, people["verifier"], "complete_verification", summary="发现未申报车辆")
    assert Verification.unscoped.get(case=case).status == "reviewed"
    evaluated = act(before, people["caseworker"], "evaluate").evaluation
    assert evaluated["snapshot"]["assets"]["vehicles"] == 1
    assert evaluated["per_capita_income"] == "1400.00"  # 4,200 a month among three
    step = next(s for s in evaluated["explanation"] if s["rule"] == "V-03")
    facts = {f["item"]: f for f in step["value"]}
    assert facts["income.wages"]["sources"] == ["tax"] and facts["income.wages"]["batches"]


@pytest.mark.parametrize("missing", list(SOURCES))
def test_a_missing_source_keeps_the_case_waiting_until_it_delivers(
    people: dict[str, Any], gd_area: str, missing: str
) -> None:
    """SECURITY.md 28, for each of the sources: no usable batch → 待核对 with the source
    named; the verification officer cannot complete it nor the caseworker evaluate on the
    partial data; once the source delivers, obtaining again reports and the case goes on."""
    later = TODAY + dt.timedelta(days=70)  # the test batches of TODAY are too old by then
    for code in SOURCES:
        if code != missing:
            deliver(code, [], day=later)
    cw, verifier = people["caseworker"], people["verifier"]
    case = accept(cw, make_household(cw, gd_area + "001"), checklist=COMPLETE,
                  authorization_on=TODAY)  # fmt: skip
    case = act(case, cw, "complete_materials", today=later)
    case = act(case, people["assistant"], "record_visit", today=later, visitors="甲", findings="乙")
    case = act(case, cw, "request_verification", today=later)
    assert case.state == "verifying"
    assert case.verification_waiting == SOURCES[missing].name_zh
    assert Verification.unscoped.get(case=case).missing_sources == [missing]
    with pytest.raises(TransitionRefused, match="数据源不可用"):
        act(case, verifier, "complete_verification", today=later)
    with pytest.raises(TransitionRefused):
        act(case, cw, "evaluate", today=later)
    assert case.evaluation is None
    deliver(missing, [], day=later)
    case = act(case, verifier, "obtain_verification", today=later)
    assert case.verification_waiting == ""
    assert act(case, verifier, "complete_verification", today=later).state == "verified"


def test_without_the_authorization_no_data_is_requested_and_the_refusal_is_logged(
    people: dict[str, Any], gd_area: str
) -> None:
    """V-02: the household's authorization (一证一书) first; a request without it is refused
    and the refusal is in the audit log."""
    cw = people["caseworker"]
    household = make_household(cw, gd_area + "001")
    # the paper is ticked as received, but no signed authorization is recorded with its date
    case = accept(cw, household, checklist={**COMPLETE, "verification_authorization": "received"})
    assert case.authorization_on is None
    case = act(case, cw, "complete_materials")
    case = act(case, people["assistant"], "record_visit", visitors="甲", findings="乙")
    with pytest.raises(TransitionRefused, match="授权"):
        act(case, cw, "request_verification")
    assert not Verification.unscoped.filter(case=case).exists()
    logged = AuditEvent.objects.filter(
        action="case.request_verification.refused", object_id=str(case.id)
    )
    assert logged.count() == 1


def test_a_near_identical_id_number_matches_nobody(people: dict[str, Any], gd_area: str) -> None:
    household = make_household(people["caseworker"], gd_area + "001", members=1)
    head = numbers(household)[0]
    deliver("bank", [record("bank", near_id(head, np.random.default_rng(1)), balance="300000.00")])
    outcome = verify([household])
    assert outcome.missing == [] and outcome.high == 0
    items = {i["item"]: i for i in outcome.report["items"]}
    assert items["assets.financial"]["found"] is None


def test_a_death_takes_the_member_out_of_the_verified_household(
    people: dict[str, Any], gd_area: str
) -> None:
    household = make_household(people["caseworker"], gd_area + "001", members=2)
    child = numbers(household)[1]
    deliver("hukou", [record("hukou", child, event="death", event_date="2026-01-10")])
    outcome = verify([household])
    assert outcome.high == 1
    assert len(outcome.snapshot["members"]) == 1  # type: ignore[index]
    item = next(i for i in outcome.report["items"] if i["item"] == "status.deceased")
    assert item["sources"] == ["hukou"] and item["member_name"] == "合成成员2"


def test_a_household_whose_only_member_died_qualifies_for_nothing_and_can_be_refused(
    people: dict[str, Any], gd_area: str
) -> None:
    """V-03: when the hukou records show every member dead, the evaluation on the verified
    figures says nothing applies (it does not fail), so the case can be proposed for
    refusal and refused."""
    cw = people["caseworker"]
    household = make_household(cw, gd_area + "001", members=1)
    deliver("hukou", [record("hukou", numbers(household)[0], event="death",
                             event_date="2026-01-10")])  # fmt: skip
    case = to_verifying(people, household)
    case = act(case, people["verifier"], "complete_verification")
    evaluated = act(case, cw, "evaluate")
    decision = evaluated.evaluation
    assert decision["snapshot"]["members"] == []
    assert (decision["categories"], decision["monthly_benefit"]) == ([], "0.00")
    assert decision["standards"]["dibao"] != "0.00"  # the standards in force all the same
    steps = [s["step"] for s in decision["explanation"] if s["rule"] == "V-03"]
    assert steps == ["verified_facts", "no_member_left"]
    case = act(evaluated, cw, "propose", proposal="refuse", opinion="申请人已死亡")
    case = act(case, cw, "skip_notice")
    assert act(case, people["leader"], "refuse", reason="申请人已死亡").state == "refused"


def test_another_countys_delivery_is_not_used(people: dict[str, Any], gd_area: str) -> None:
    """A batch delivered for another area does not count for this household's sources."""
    household = make_household(people["caseworker"], gd_area + "001", members=1)
    head = numbers(household)[0]
    import_records(
        actor=None, source="vehicles", records=[record("vehicles", head)], as_of=TODAY,
        batch_key="elsewhere", region_code="150102",
    )  # fmt: skip
    outcome = verify([household])
    assert outcome.high == 0
