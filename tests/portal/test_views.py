"""The applicant's pages (A-01 网上申请, D-02): an online application with the electronic
authorization waits for a caseworker to accept it; the applicant sees only their own
household's cases and letters; a change report opens a review."""

from __future__ import annotations

from typing import Any

import pytest

from jiuzhu.cases.models import Case, CaseEvent
from jiuzhu.cases.services import case_act
from jiuzhu.regions.scope import Scope, using_scope
from tests.factories import make_household, make_user, members, signed_in

pytestmark = pytest.mark.django_db


@pytest.fixture
def applicant(poor_household: Any, gd_area: str) -> Any:
    return make_user(
        "applicant", gd_area + "001", username="gd-applicant",
        household_number=poor_household.number,
    )  # fmt: skip


def test_an_online_application_waits_for_a_caseworker_who_then_owns_it(
    applicant: Any, poor_household: Any, people: dict[str, Any]
) -> None:
    client = signed_in(applicant, verified=False)  # applicants sign in with a password
    assert client.get("/").url == "/me/"
    head = members(poor_household)[0]
    response = client.post(
        "/me/apply/",
        {
            "kind": "dibao",
            "reason": "丈夫去世，无收入",
            "authorize": "on",
            "signed_name": head.name,
        },
    )
    assert response.status_code == 302
    case = Case.unscoped.get()
    assert (case.state, case.channel, case.accepted_by) == ("submitted", "online", None)
    assert case.authorization_on is not None and case.applicant == head
    event = CaseEvent.unscoped.get(case=case)
    assert event.data["authorization"] == {"electronic": True, "signed_name": head.name}
    assert case.number in client.get("/me/").content.decode()
    worklist = signed_in(people["caseworker"]).get("/cases/").content.decode()
    assert case.number in worklist and "网上申请待受理" in worklist
    with using_scope(Scope("440104001")):
        case = case_act(actor=people["caseworker"], case=case, event="accept")
    assert case.state == "accepted" and case.accepted_by == people["caseworker"]
    assert case.total_due is not None


def test_the_signature_must_be_a_member_and_the_authorization_given(
    applicant: Any, poor_household: Any
) -> None:
    client = signed_in(applicant, verified=False)
    head = members(poor_household)[0]
    unsigned = client.post("/me/apply/", {"kind": "dibao", "reason": "困难", "signed_name": "张三"})
    assert unsigned.status_code == 400 and "签名应为本家庭在册成员" in unsigned.content.decode()
    no_auth = client.post(
        "/me/apply/", {"kind": "dibao", "reason": "困难", "signed_name": head.name}
    )
    assert no_auth.status_code == 400 and "授权核对" in no_auth.content.decode()
    assert Case.unscoped.count() == 0


def test_a_change_report_opens_a_review(applicant: Any, poor_household: Any) -> None:
    client = signed_in(applicant, verified=False)
    head = members(poor_household)[0]
    client.post(
        "/me/report-change/", {"reason": "儿子已就业，月收入4000元", "signed_name": head.name}
    )
    case = Case.unscoped.get()
    assert (case.kind, case.state, case.reason) == (
        "review",
        "submitted",
        "儿子已就业，月收入4000元",
    )


def test_an_applicant_sees_nothing_of_other_households(
    applicant: Any, people: dict[str, Any], gd_area: str
) -> None:
    other = make_household(people["caseworker"], gd_area + "001", members=1)
    with using_scope(Scope("440104001")):
        from jiuzhu.cases.services import case_create

        theirs = case_create(actor=people["caseworker"], household=other, kind="dibao")
    client = signed_in(applicant, verified=False)
    assert theirs.number not in client.get("/me/").content.decode()
    assert client.get(f"/me/cases/{theirs.id}/letters/notification.pdf").status_code == 404
    assert client.get(f"/cases/{theirs.id}/").status_code in (403, 404)
    assert client.get(f"/households/{other.id}/").status_code in (403, 404)


def test_staff_have_no_portal(people: dict[str, Any]) -> None:
    assert signed_in(people["caseworker"]).get("/me/").status_code == 404


def test_once_accepted_the_applicant_sees_what_is_still_missing_and_the_notice(
    applicant: Any, poor_household: Any, people: dict[str, Any]
) -> None:
    client = signed_in(applicant, verified=False)
    head = members(poor_household)[0]
    client.post(
        "/me/apply/",
        {"kind": "dibao", "reason": "困难", "authorize": "on", "signed_name": head.name},
    )
    case = Case.unscoped.get()
    assert 'data-testid="missing"' not in client.get("/me/").content.decode()
    with using_scope(Scope("440104001")):
        case_act(actor=people["caseworker"], case=case, event="accept")
    page = client.get("/me/").content.decode()
    assert 'data-testid="missing"' in page and "户口簿" in page
    letter = client.get(f"/me/cases/{case.id}/letters/notification.pdf")
    assert letter.status_code == 200 and letter["Content-Type"] == "application/pdf"
