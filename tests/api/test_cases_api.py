"""The cases endpoints (issue #4): intake and every step of a 低保 application through the
API by the people who take them, refusals as 409 (the state) or 422 (a value) with nothing
changed, idempotent actions, the area, the actions each person may take, documents checked
by content, the reserve fund, and the case endpoints fuzzed from the schema with a real case.
"""

from __future__ import annotations

from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone
from django.utils.crypto import get_random_string

from jiuzhu.cases import errors
from jiuzhu.cases.flows import all_events
from jiuzhu.cases.models import Case, CaseDocument, CaseEvent, ReserveFund
from jiuzhu.registry.models import Household
from tests.api import fuzzing
from tests.api.conftest import API, Api, token_for
from tests.api.test_auth import _csrf_session, assert_problem
from tests.cases import conftest as cases_conftest
from tests.cases.conftest import COMPLETE
from tests.factories import make_household, make_user, members

pytestmark = pytest.mark.django_db

# fixtures of other directories, visible here
people = cases_conftest.people
poor_household = cases_conftest.poor_household
wsgi_app = fuzzing.wsgi_app

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64
MISSING = 987_654_321


def as_(user: Any) -> Api:
    return Api(token_for(user))


def _today() -> str:
    return timezone.localdate().isoformat()


def _intake(api: Api, household: Household, **fields: Any) -> dict[str, Any]:
    body = {
        "household_id": household.id,
        "kind": "dibao",
        "checklist": COMPLETE,
        "authorization_on": _today(),
        **fields,
    }
    response = api.post("/cases", body)
    assert response.status_code == 201, response.content.decode()
    return response.json()  # type: ignore[no-any-return]


def _act(api: Api, case_id: int, event: str, **payload: Any) -> dict[str, Any]:
    response = api.post(f"/cases/{case_id}/actions/{event}", payload)
    assert response.status_code == 200, (event, response.content.decode())
    return response.json()  # type: ignore[no-any-return]


def _to_ready(people: dict[str, Any], household: Household) -> int:
    """A 低保 case driven through the API to 'ready for decision', each step by its person;
    the public notice is made to end today (it cannot end earlier in real time)."""
    cw, assistant, verifier = (as_(people[k]) for k in ("caseworker", "assistant", "verifier"))
    case_id = _intake(cw, household)["id"]
    _act(cw, case_id, "complete_materials")
    _act(assistant, case_id, "record_visit", visitors="村协理员", findings="家中无劳动收入")
    _act(cw, case_id, "request_verification")
    _act(verifier, case_id, "complete_verification", summary="无异常")
    _act(cw, case_id, "evaluate")
    _act(cw, case_id, "propose", proposal="approve")
    posted = _act(cw, case_id, "post_notice")
    assert posted["state"] == "in_notice" and posted["notice_to"] > _today()
    Case.unscoped.filter(id=case_id).update(notice_to=timezone.localdate())
    ready = _act(cw, case_id, "close_notice", expected_state="in_notice")
    assert ready["state"] == "ready"
    return case_id  # type: ignore[no-any-return]


# -- the journey ---------------------------------------------------------------------------
def test_a_caseworker_takes_a_dibao_application_to_the_leader_who_approves_it(
    people: dict[str, Any], poor_household: Household
) -> None:
    cw, leader = as_(people["caseworker"]), as_(people["leader"])
    case_id = _to_ready(people, poor_household)
    detail = cw.get(f"/cases/{case_id}").json()
    assert detail["number"].startswith("440104001-") and detail["authority"] == "township"
    assert detail["proposal"] == "approve"
    assert detail["proposed_amount"] == detail["evaluation"]["monthly_benefit"]
    assert "snapshot" not in detail["evaluation"]
    assert [e["event"] for e in detail["timeline"]] == [
        "accept",
        "complete_materials",
        "record_visit",
        "request_verification",
        "complete_verification",
        "evaluate",
        "propose",
        "post_notice",
        "close_notice",
    ]
    queue = leader.get("/cases/approvals").json()
    assert [c["id"] for c in queue["items"]] == [case_id]

    approved = _act(leader, case_id, "approve", reason="符合条件", expected_state="ready")
    assert (approved["state"], approved["outcome"]) == ("approved", "approved")
    assert approved["decided_amount"] == detail["proposed_amount"]
    assert approved["state_label"] == "已批准" and approved["decision_reason"] == "符合条件"
    assert Case.unscoped.get(id=case_id).decided_by == people["leader"]
    assert leader.get("/cases/approvals").json()["count"] == 0


def test_the_worklist_lists_open_cases_of_the_area_with_filters(
    people: dict[str, Any], poor_household: Household
) -> None:
    cw = as_(people["caseworker"])
    first = _intake(cw, poor_household)
    second = _intake(
        cw, poor_household, kind="temporary_expense", requested_amount="800", checklist={}
    )
    page = cw.get("/cases").json()
    assert page["count"] == 2 and {c["id"] for c in page["items"]} == {first["id"], second["id"]}
    item = next(c for c in page["items"] if c["id"] == first["id"])
    assert item["kind_label"] == "最低生活保障" and item["household"] == poor_household.number
    assert item["due_on"] is not None and isinstance(item["days_left"], int)
    assert [c["id"] for c in cw.get("/cases?kind=temporary_expense").json()["items"]] == [
        second["id"]
    ]
    assert cw.get("/cases?mine=true").json()["count"] == 2
    assert as_(people["caseworker2"]).get("/cases?mine=true").json()["count"] == 0
    assert cw.get("/cases?due=overdue").json()["count"] == 0
    assert cw.get("/cases?limit=1&offset=1").json()["items"][0]["id"] in {first["id"], second["id"]}
    assert_problem(cw.get("/cases?due=later"), 422)


# -- refusals ------------------------------------------------------------------------------
def test_an_action_not_allowed_now_is_a_409_saying_why_and_changes_nothing(
    people: dict[str, Any], poor_household: Household
) -> None:
    cw = as_(people["caseworker"])
    case_id = _intake(cw, poor_household)["id"]
    events = CaseEvent.unscoped.count()
    refused = assert_problem(cw.post(f"/cases/{case_id}/actions/close_notice", {}), 409)
    assert "不能进行" in refused["detail"] and refused["type"] == "urn:jiuzhu:problem:conflict"
    moved = assert_problem(
        cw.post(f"/cases/{case_id}/actions/complete_materials", {"expected_state": "ready"}), 409
    )
    assert "已由他人处理" in moved["detail"]
    assert Case.unscoped.get(id=case_id).state == "accepted"
    assert CaseEvent.unscoped.count() == events


def test_a_guard_that_fails_is_a_409_with_its_reason(
    people: dict[str, Any], poor_household: Household
) -> None:
    cw = as_(people["caseworker"])
    case_id = _intake(cw, poor_household, checklist={"id_card": "received"})["id"]
    refused = assert_problem(cw.post(f"/cases/{case_id}/actions/complete_materials", {}), 409)
    assert "缺项" in refused["detail"]
    fixed = cw.client.put(
        f"{API}/cases/{case_id}/checklist",
        data={"statuses": COMPLETE},
        content_type="application/json",
        headers=cw.headers,
    )
    assert fixed.status_code == 200, fixed.content
    assert {r["status"] for r in fixed.json()["checklist"]} <= {"received", "committed"}
    assert _act(cw, case_id, "complete_materials")["state"] == "materials_complete"


def test_an_event_the_role_cannot_take_is_a_403(
    people: dict[str, Any], poor_household: Household
) -> None:
    cw, leader = as_(people["caseworker"]), as_(people["leader"])
    case_id = _intake(cw, poor_household)["id"]
    assert_problem(cw.post(f"/cases/{MISSING}/actions/approve", {}), 403)  # before the lookup
    refused = assert_problem(leader.post(f"/cases/{case_id}/actions/complete_materials", {}), 403)
    assert "无权" in refused["detail"]
    assert Case.unscoped.get(id=case_id).state == "accepted"


def test_a_bad_amount_is_a_422_naming_the_field(
    people: dict[str, Any], poor_household: Household
) -> None:
    cw = as_(people["caseworker"])
    body = {"household_id": poor_household.id, "kind": "temporary_expense"}
    for amount in ("12.345", "-5", "1e3", 12):
        problem = assert_problem(cw.post("/cases", {**body, "requested_amount": amount}), 422)
        assert problem["errors"][0]["field"] == "requested_amount"
    # above zero is the schema's (issue 15): refused before the service, with its message
    problem = assert_problem(cw.post("/cases", {**body, "requested_amount": "0"}), 422)
    assert problem["errors"] == [
        {"field": "requested_amount", "message": str(errors.AMOUNT_REQUIRED)}
    ]
    assert not Case.unscoped.exists()

    case_id = _to_ready(people, poor_household)
    leader = as_(people["leader"])
    problem = assert_problem(
        leader.post(f"/cases/{case_id}/actions/approve", {"amount": "0.00"}), 422
    )
    assert problem["errors"] == [{"field": "amount", "message": str(errors.AMOUNT_REQUIRED)}]
    assert Case.unscoped.get(id=case_id).state == "ready"


def test_service_fields_are_named_as_the_body_names_them(
    people: dict[str, Any], poor_household: Household, gd_area: str
) -> None:
    cw = as_(people["caseworker"])
    other = make_household(people["caseworker"], gd_area, members=1)
    stranger = members(other)[0]
    problem = assert_problem(
        cw.post(
            "/cases",
            {
                "household_id": poor_household.id,
                "kind": "dibao",
                "applicant_member_id": stranger.id,
            },
        ),
        422,
    )
    assert problem["errors"][0]["field"] == "applicant_member_id"
    problem = assert_problem(
        cw.post("/cases", {"household_id": poor_household.id, "kind": "dibao", "checklist": {
            "income_statement": "committed"}}),
        422,
    )  # fmt: skip
    assert problem["errors"][0]["field"] == "checklist.income_statement"
    problem = assert_problem(
        cw.post("/cases", {"household_id": poor_household.id, "kind": "appeal"}), 422
    )
    assert problem["errors"][0]["field"] == "parent_case_id"
    problem = assert_problem(
        cw.post("/cases", {"household_id": poor_household.id, "kind": "x"}), 422
    )
    assert problem["errors"][0]["field"] == "kind"
    assert not Case.unscoped.exists()


# -- idempotency ---------------------------------------------------------------------------
def test_the_same_idempotency_key_on_an_action_is_replayed_and_logged_once(
    people: dict[str, Any], poor_household: Household
) -> None:
    cw = as_(people["caseworker"])
    case_id = _intake(cw, poor_household)["id"]
    key = {"Idempotency-Key": "materials-1"}
    first = cw.post(f"/cases/{case_id}/actions/complete_materials", {"note": "齐全"}, **key)
    retry = cw.post(f"/cases/{case_id}/actions/complete_materials", {"note": "齐全"}, **key)
    assert first.status_code == retry.status_code == 200, retry.content
    assert retry["Idempotent-Replayed"] == "true" and "Idempotent-Replayed" not in first
    assert retry.json() == first.json()
    assert CaseEvent.unscoped.filter(case_id=case_id, event="complete_materials").count() == 1
    assert first.json()["timeline"][-1]["note"] == "齐全"
    other_event = cw.post(f"/cases/{case_id}/actions/withdraw", {"reason": "齐全"}, **key)
    assert assert_problem(other_event, 422)["errors"][0]["field"] == "Idempotency-Key"


# -- the area ------------------------------------------------------------------------------
def test_a_caseworker_of_another_township_gets_404_for_the_case(
    people: dict[str, Any], poor_household: Household, gd_area: str
) -> None:
    cw = as_(people["caseworker"])
    case_id = _intake(cw, poor_household)["id"]
    neighbour = as_(make_user("township_caseworker", "440104002", username="gd-neighbour"))
    events = CaseEvent.unscoped.count()
    for path in (f"/cases/{case_id}", f"/cases/{MISSING}"):
        assert_problem(neighbour.get(path), 404)
    outside = neighbour.get(f"/cases/{case_id}")
    assert outside.content == neighbour.get(f"/cases/{MISSING}").content
    for event in ("complete_materials", "withdraw"):
        assert_problem(neighbour.post(f"/cases/{case_id}/actions/{event}", {}), 404)
    upload = neighbour.client.post(
        f"{API}/cases/{case_id}/documents",
        {"kind": "material", "file": SimpleUploadedFile("a.png", PNG)},
        headers=neighbour.headers,
    )
    assert_problem(upload, 404)
    checklist = neighbour.client.put(
        f"{API}/cases/{case_id}/checklist",
        data={"statuses": COMPLETE},
        content_type="application/json",
        headers=neighbour.headers,
    )
    assert_problem(checklist, 404)
    assert neighbour.get("/cases").json()["count"] == 0
    body = {"household_id": poor_household.id, "kind": "dibao"}
    assert_problem(neighbour.post("/cases", body), 404)
    assert_problem(cw.post("/cases", {**body, "parent_case_id": MISSING, "kind": "appeal"}), 404)
    assert CaseEvent.unscoped.count() == events
    assert Case.unscoped.get(id=case_id).state == "accepted"


def test_a_batch_of_approvals_does_the_allowed_and_lists_the_rest_with_reasons(
    people: dict[str, Any], gd_area: str
) -> None:
    """批量审批 through the API: ready cases are approved at once; a case not ready, one of
    another area and a missing one are listed as refused, each with its reason."""
    cw, leader = as_(people["caseworker"]), as_(people["leader"])
    ready = [
        _to_ready(people, make_household(people["caseworker"], gd_area + "001", members=2))
        for _ in range(2)
    ]
    fresh = _intake(cw, make_household(people["caseworker"], gd_area + "001"))["id"]
    other = make_user("township_caseworker", "440104002", username="gd-neighbour")
    elsewhere = _intake(as_(other), make_household(other, "440104002001"))["id"]
    ids = [*ready, fresh, elsewhere, MISSING, ready[0]]
    response = leader.post("/cases/batch/approve", {"case_ids": ids})
    assert response.status_code == 200, response.content.decode()
    body = response.json()
    assert sorted(d["id"] for d in body["done"]) == sorted(ready)
    assert {d["state"] for d in body["done"]} == {"approved"}
    refused = {r["case_id"]: r["reason"] for r in body["refused"]}
    assert set(refused) == {fresh, elsewhere, MISSING}
    assert refused[elsewhere] == refused[MISSING]  # outside the area reads as missing
    assert "不能进行" in refused[fresh]
    assert Case.unscoped.get(id=fresh).state == "accepted"
    assert CaseEvent.unscoped.filter(case_id__in=ready, event="approve").count() == 2
    assert_problem(cw.post("/cases/batch/approve", {"case_ids": ready}), 403)
    assert_problem(leader.post("/cases/batch/approve", {"case_ids": []}), 422)
    assert_problem(leader.post("/cases/batch/approve", {"case_ids": ["1"]}), 422)


# -- the schema ----------------------------------------------------------------------------
def test_each_event_has_its_own_endpoint_body_and_operation_id(api: Api) -> None:
    schema = api.client.get(f"{API}/openapi.json").json()
    bodies, refs = {}, set()
    for event in all_events():
        operation = schema["paths"][f"{API}/cases/{{case_id}}/actions/{event}"]["post"]
        assert operation["operationId"] == f"case_{event}"
        ref = operation["requestBody"]["content"]["application/json"]["schema"]["$ref"]
        refs.add(ref)
        body = schema["components"]["schemas"][ref.rsplit("/", 1)[-1]]
        assert body["additionalProperties"] is False
        bodies[event] = set(body["properties"]) - {"expected_state"}
    assert len(refs) == len(all_events())  # a schema of its own per event
    assert bodies["approve"] == {"amount", "reason", "instalments"}
    assert bodies["record_vote"] == {"member_name", "member_unit", "vote"}
    assert bodies["answer"] == {"reason", "accepted"}
    assert bodies["close_notice"] == {"note"}
    listed = [p for p in schema["paths"] if p.startswith(f"{API}/cases/")]
    assert listed.index(f"{API}/cases/approvals") < listed.index(f"{API}/cases/{{case_id}}")


# -- what each person may do now -----------------------------------------------------------
def test_the_actions_listed_differ_between_the_caseworker_and_the_leader(
    people: dict[str, Any], poor_household: Household
) -> None:
    case_id = _to_ready(people, poor_household)
    by_cw = as_(people["caseworker"]).get(f"/cases/{case_id}").json()["actions"]
    by_leader = as_(people["leader"]).get(f"/cases/{case_id}").json()["actions"]
    assert {a["event"] for a in by_cw} == {"withdraw", "extend"}
    assert {a["event"] for a in by_leader} == {
        "approve",
        "refuse",
        "return",
    }  # no vote: not 一事一议
    approve = next(a for a in by_leader if a["event"] == "approve")
    assert approve == {"event": "approve", "label": "批准", "target": "approved"}


# -- documents -----------------------------------------------------------------------------
def test_a_png_is_attached_and_a_text_file_named_pdf_is_refused(
    people: dict[str, Any], poor_household: Household
) -> None:
    cw = as_(people["caseworker"])
    case_id = _intake(cw, poor_household)["id"]
    url = f"{API}/cases/{case_id}/documents"
    response = cw.client.post(
        url,
        {"kind": "authorization", "file": SimpleUploadedFile("scan.png", PNG, "image/png")},
        headers=cw.headers,
    )
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["content_type"] == "image/png" and body["size"] == len(PNG)
    assert len(body["sha256"]) == 64 and body["kind"] == "authorization"
    assert cw.get(f"/cases/{case_id}").json()["documents"] == [body]

    text = SimpleUploadedFile("scan.pdf", b"just some text", "application/pdf")
    refused = assert_problem(
        cw.client.post(url, {"kind": "material", "file": text}, headers=cw.headers), 422
    )
    assert refused["errors"][0]["field"] == "file"
    assert CaseDocument.unscoped.count() == 1


def test_a_form_field_other_than_kind_and_file_is_refused(
    people: dict[str, Any], poor_household: Household
) -> None:
    """SECURITY.md 3, 14: the upload's schema has `kind` and `file` and no other field
    (additionalProperties: false), and the server refuses another, as a JSON body does."""
    case_id = _intake(as_(people["caseworker"]), poor_household)["id"]
    client = as_(people["caseworker"])
    response = client.client.post(
        f"{API}/cases/{case_id}/documents",
        {"kind": "material", "file": SimpleUploadedFile("a.png", PNG), "amount": "1"},
        headers=client.headers,
    )
    assert assert_problem(response, 422)["errors"][0]["field"] == "amount"
    assert not CaseDocument.unscoped.exists()


def test_a_file_over_the_limit_is_refused_before_it_is_read(
    people: dict[str, Any], poor_household: Household, settings: Any
) -> None:
    settings.CASE_UPLOAD_MAX_BYTES = 32
    cw = as_(people["caseworker"])
    case_id = _intake(cw, poor_household)["id"]
    response = cw.client.post(
        f"{API}/cases/{case_id}/documents",
        {"kind": "material", "file": SimpleUploadedFile("big.png", PNG)},
        headers=cw.headers,
    )
    assert assert_problem(response, 422)["errors"][0]["field"] == "file"
    assert not CaseDocument.unscoped.exists()


def test_an_upload_through_the_session_with_an_idempotency_key_is_stored_once(
    people: dict[str, Any], poor_household: Household
) -> None:
    case_id = _intake(as_(people["caseworker"]), poor_household)["id"]
    client = _csrf_session(people["caseworker"])  # the CSRF check reads the multipart body
    client.cookies["csrftoken"] = secret = get_random_string(32)
    headers = {"X-CSRFToken": secret, "Idempotency-Key": "scan-1"}
    url = f"{API}/cases/{case_id}/documents"
    sent = [
        client.post(
            url, {"kind": "material", "file": SimpleUploadedFile("a.png", PNG)}, headers=headers
        )
        for _ in range(2)
    ]
    assert [r.status_code for r in sent] == [201, 201], sent[0].content
    assert sent[1]["Idempotent-Replayed"] == "true" and sent[0].json() == sent[1].json()
    assert CaseDocument.unscoped.count() == 1
    other = client.post(
        url,
        {"kind": "material", "file": SimpleUploadedFile("a.png", PNG + b"\x01")},
        headers=headers,
    )
    assert assert_problem(other, 422)["errors"][0]["field"] == "Idempotency-Key"


# -- the reserve fund ----------------------------------------------------------------------
def test_the_county_tops_up_a_reserve_fund_that_pays_emergency_aid_first(
    people: dict[str, Any], poor_household: Household, gd_area: str
) -> None:
    county, cw = as_(people["county"]), as_(people["caseworker"])
    assert_problem(cw.get(f"/reserve-funds/{gd_area}"), 404)
    assert_problem(cw.post(f"/reserve-funds/{gd_area}/top-ups", {"amount": "1.00"}), 403)
    assert_problem(county.post("/reserve-funds/440104999/top-ups", {"amount": "1.00"}), 422)
    outside = assert_problem(county.post("/reserve-funds/150102001/top-ups", {"amount": "1"}), 422)
    assert outside["errors"][0]["field"] == "township_code"
    topped = county.post(
        f"/reserve-funds/{gd_area}/top-ups", {"amount": "5000", "note": "年初拨付"}
    )
    assert topped.status_code == 201, topped.content
    assert topped.json()["balance"] == "5000.00"

    case_id = _intake(
        cw, poor_household, kind="temporary_emergency", requested_amount="800", checklist={}
    )["id"]
    paid = _act(cw, case_id, "pay_first", amount="800")
    assert paid["state"] == "paid_first" and paid["prepaid_amount"] == "800.00"
    fund = cw.get(f"/reserve-funds/{gd_area}").json()
    assert fund["balance"] == "4200.00" and ReserveFund.unscoped.get().balance == 4200
    assert [(m["amount"], m["case_number"]) for m in fund["movements"]] == [
        ("-800.00", paid["number"]),
        ("5000.00", None),
    ]
    assert fund["movements"][1]["note"] == "年初拨付"
    neighbour = as_(make_user("township_caseworker", "440104002", username="gd-neighbour"))
    assert_problem(neighbour.get(f"/reserve-funds/{gd_area}"), 404)


# -- the schema, fuzzed with a real case ---------------------------------------------------
CASE_EXAMPLES = 10
# coverage cases per operation: an event's body is the same in its batch (plus case_ids)
CASE_COVERAGE = 8


@pytest.mark.slow
def test_the_case_endpoints_conform_to_the_schema_under_fuzzing_with_a_real_case(
    wsgi_app: Any,
    people: dict[str, Any],
    poor_household: Household,
    gd_area: str,
) -> None:
    """SECURITY.md 14: no 5xx, declared answers, invalid data refused and valid data accepted
    (but for business refusals: the case's state is a 409, tests/api/fuzzing.py)."""
    cw = people["caseworker"]
    case_id = _intake(as_(cw), poor_household)["id"]
    as_(people["county"]).post(f"/reserve-funds/{gd_area}/top-ups", {"amount": "100"})
    schema = fuzzing.load(wsgi_app)
    headers = {"Authorization": f"Bearer {token_for(cw)}"}
    operations = [
        result.ok()
        for result in schema.include(
            path_regex="^/api/v1/(cases|reserve-funds)"
        ).get_all_operations()
    ]
    assert len(operations) >= 30
    for operation in operations:
        fuzzing.run(
            schema,
            operation,
            headers=headers,
            pinned=fuzzing.pinned_ids(operation, {"case_id": case_id, "township_code": gd_area}),
            seed_value=20261122,
            examples=CASE_EXAMPLES,
            unpinned=False,
            coverage=CASE_COVERAGE,
        )


def test_approving_a_case_proposed_for_refusal_with_an_empty_body_is_refused(
    people: dict[str, Any], poor_household: Household
) -> None:
    """SECURITY.md 4 (issue 15): `approve {}` on a refusal proposal approved it with no amount
    and no entitlement; now it is 409 and nothing changes, and approving it is a distinct act
    with its reason and amount."""
    cw, leader = as_(people["caseworker"]), as_(people["leader"])
    case_id = _intake(cw, poor_household)["id"]
    _act(cw, case_id, "complete_materials")
    _act(as_(people["assistant"]), case_id, "record_visit", visitors="村协理员", findings="有收入")
    _act(cw, case_id, "request_verification")
    _act(as_(people["verifier"]), case_id, "complete_verification", summary="无异常")
    _act(cw, case_id, "evaluate")
    _act(cw, case_id, "propose", proposal="refuse", opinion="入户发现未申报收入")
    _act(cw, case_id, "skip_notice")
    refused = assert_problem(leader.post(f"/cases/{case_id}/actions/approve", {}), 409)
    assert "初审意见为不予批准" in refused["detail"]
    case = Case.unscoped.get(id=case_id)
    assert (case.state, case.outcome, case.decided_amount) == ("ready", "", None)
    assert_problem(
        leader.post(f"/cases/{case_id}/actions/approve_over_proposal", {"reason": "复核属实"}),
        422,
    )
    done = _act(leader, case_id, "approve_over_proposal", reason="复核后情况属实", amount="600.00")
    assert done["state"] == "approved"
