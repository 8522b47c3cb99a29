"""Area scope on the API (SECURITY.md 1): a Guangdong household does not exist for an
Inner Mongolia caseworker — 404 with the body of a missing id on every endpoint, and
never in a search or a count."""

from __future__ import annotations

from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from jiuzhu.accounts.roles import Can, Role, capabilities_of
from jiuzhu.audit.models import AuditEvent
from jiuzhu.registry.models import Household, HouseholdFact, IncomeFact, Member
from tests.api.conftest import Api, token_for
from tests.factories import make_user, members

MISSING = 987_654_321


# Every operation on one household or member, with a body that passes validation, so the
# answer is decided by the area alone. A new endpoint with such an id in its path must be
# added here: the matrix is checked against the OpenAPI schema below.
CALLS: dict[str, tuple[str, Any]] = {
    "GET /households/{household_id}": ("", None),
    "PATCH /households/{household_id}": ("", {"address": "外区改址"}),
    "POST /households/{household_id}/members": (
        "",
        {
            "name": "甲",
            "id_number": "440104201001010011",
            "relation": "子女",
            "joined_on": "2020-01-01",
        },
    ),
    "PATCH /members/{member_id}": ("", {"name": "外区改名"}),
    "POST /members/{member_id}/move": ("", {"to_household_id": 1, "on": "2024-01-01"}),
    "POST /households/{household_id}/facts": (
        "",
        {"kind": "financial", "amount": "1.00", "valid_from": "2024-01-01"},
    ),
    "POST /members/{member_id}/incomes": (
        "",
        {"kind": "wages", "amount": "1.00", "valid_from": "2024-01-01"},
    ),
    "POST /households/{household_id}/evaluate": ("?as_of=2024-06-01", None),
    "GET /households/{household_id}/audit": ("", None),
}


def test_the_area_matrix_covers_every_endpoint_with_an_object_id(api: Api) -> None:
    schema = api.client.get("/api/v1/openapi.json").json()
    scoped = {
        f"{method.upper()} {path.removeprefix('/api/v1')}"
        for path, operations in schema["paths"].items()
        for method in operations
        if "{household_id}" in path or "{member_id}" in path
    }
    assert scoped == set(CALLS)


def _send(api: Api, method: str, path: str, body: Any) -> Any:
    if method == "GET":
        return api.get(path)
    if method == "PATCH":
        return api.patch(path, body)
    if method == "PUT":
        return api.client.put(
            f"/api/v1{path}", data=body, content_type="application/json", headers=api.headers
        )
    if isinstance(body, dict) and "file" in body:  # multipart
        return api.client.post(f"/api/v1{path}", body, headers=api.headers)
    return api.post(path, body)


@pytest.mark.parametrize("operation", sorted(CALLS))
def test_every_endpoint_answers_404_outside_the_area(
    gd_household: Household, api: Api, im_api: Api, operation: str
) -> None:
    method, template = operation.split(" ")
    query, body = CALLS[operation]
    member = members(gd_household)[0]
    path = template.format(household_id=gd_household.id, member_id=member.id) + query
    missing_path = template.format(household_id=MISSING, member_id=MISSING) + query
    before = (
        AuditEvent.objects.count(),
        Member.unscoped.count(),
        HouseholdFact.unscoped.count(),
        IncomeFact.unscoped.count(),
    )
    outside = _send(im_api, method, path, body)
    missing = _send(api, method, missing_path, body)
    assert outside.status_code == missing.status_code == 404
    assert outside.content == missing.content
    after = (
        AuditEvent.objects.count(),
        Member.unscoped.count(),
        HouseholdFact.unscoped.count(),
        IncomeFact.unscoped.count(),
    )
    assert after == before
    assert Household.unscoped.get(pk=gd_household.pk).address == gd_household.address


def test_searches_and_counts_never_include_another_areas_households(
    gd_household: Household, api: Api, im_api: Api
) -> None:
    head = members(gd_household)[0]
    from jiuzhu.registry.identity import decrypt

    full_id = decrypt(head.id_cipher)
    queries = ["", gd_household.number, head.name, head.id_masked[-4:]]
    for q in queries:
        assert api.get(f"/households?q={q}").json()["count"] == 1
        page = im_api.get(f"/households?q={q}").json()
        assert page["count"] == 0 and page["items"] == []
    assert im_api.get("/households?region=4401").json()["count"] == 0
    assert im_api.post("/households/search", {"q": full_id}).json()["count"] == 0
    assert api.post("/households/search", {"q": full_id}).json()["count"] == 1


def test_a_household_cannot_be_registered_outside_the_area(im_api: Api, gd_area: str) -> None:
    response = im_api.post(
        "/households", {"region_code": gd_area, "residence": "urban", "address": "外区路1号"}
    )
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "region_code"
    assert not Household.unscoped.exists()


def test_regions_say_whether_they_are_in_the_callers_area(api: Api, gd_area: str) -> None:
    inside = api.get(f"/regions/{gd_area}").json()
    assert inside["in_scope"] is True
    assert [r["code"] for r in inside["path"]][-2:] == ["440104", gd_area]
    assert api.get("/regions/440104").json()["in_scope"] is False
    children = api.get(f"/regions/{gd_area}/children").json()
    assert children and all(c["in_scope"] and c["parent_code"] == gd_area for c in children)
    assert api.get("/regions/999999").status_code == 404


def test_an_unknown_api_address_is_a_problem_document(api: Api) -> None:
    for path in ("/nothing-here", "/households/1/nothing", "/"):
        response = api.get(path)
        assert response.status_code == 404
        assert response["Content-Type"] == "application/problem+json"
        assert response.json()["status"] == 404


# The capability each operation needs (None: any signed-in user; a tuple: any one of them),
# checked against the schema so that a new endpoint without a rule fails the suite
# (SECURITY.md 1).
CASE_EVENTS: dict[str, Can] = {
    "accept": Can.HANDLE_CASES,
    "answer": Can.HANDLE_REFERRALS,
    "approve": Can.DECIDE,
    "approve_over_proposal": Can.DECIDE,
    "close": Can.HANDLE_CASES,
    "close_notice": Can.HANDLE_CASES,
    "decline": Can.HANDLE_CASES,
    "complete_materials": Can.HANDLE_CASES,
    "complete_verification": Can.VERIFY,
    "obtain_verification": Can.VERIFY,
    "evaluate": Can.HANDLE_CASES,
    "extend": Can.HANDLE_CASES,
    "notify": Can.HANDLE_CASES,
    "notify_missing": Can.HANDLE_CASES,
    "pay_first": Can.PAY_RESERVE,
    "post_notice": Can.HANDLE_CASES,
    "propose": Can.HANDLE_CASES,
    "raise_objection": Can.HANDLE_CASES,
    "record_visit": Can.INVESTIGATE,
    "record_vote": Can.DECIDE,
    "refer": Can.HANDLE_CASES,
    "refuse": Can.DECIDE,
    "request_verification": Can.HANDLE_CASES,
    "resolve_objection": Can.HANDLE_CASES,
    "return": Can.DECIDE,
    "skip_notice": Can.HANDLE_CASES,
    "withdraw": Can.HANDLE_CASES,
}
# bodies that pass validation, so the answer is decided by the capability alone
CASE_EVENT_BODIES: dict[str, dict[str, Any]] = {
    "answer": {"reason": "乙"},
    "approve_over_proposal": {"reason": "乙", "amount": "1.00"},
    "decline": {"reason": "乙"},
    "extend": {"reason": "乙"},
    "pay_first": {"amount": "1.00"},
    "propose": {"proposal": "refuse"},
    "raise_objection": {"raised_by": "甲", "content": "乙"},
    "record_visit": {"visitors": "甲", "findings": "乙"},
    "record_vote": {"member_name": "甲", "member_unit": "乙", "vote": "for"},
    "refuse": {"reason": "乙"},
    "resolve_objection": {"objection_id": 1, "resolution": "乙"},
    "return": {"reason": "乙"},
}
NEEDS: dict[str, Can | tuple[Can, ...] | None] = {
    "GET /me": None,
    "GET /regions/{code}": None,
    "GET /regions/{code}/children": None,
    "GET /households": Can.VIEW_HOUSEHOLDS,
    "POST /households/search": Can.VIEW_HOUSEHOLDS,
    "POST /households": Can.EDIT_HOUSEHOLDS,
    "GET /households/{household_id}": Can.VIEW_HOUSEHOLDS,
    "PATCH /households/{household_id}": Can.EDIT_HOUSEHOLDS,
    "POST /households/{household_id}/members": Can.EDIT_HOUSEHOLDS,
    "PATCH /members/{member_id}": Can.EDIT_HOUSEHOLDS,
    "POST /members/{member_id}/move": Can.EDIT_HOUSEHOLDS,
    "POST /households/{household_id}/facts": Can.EDIT_HOUSEHOLDS,
    "POST /members/{member_id}/incomes": Can.EDIT_HOUSEHOLDS,
    "POST /households/{household_id}/evaluate": Can.EVALUATE,
    "GET /households/{household_id}/audit": Can.VIEW_AUDIT,
    "GET /cases": Can.VIEW_HOUSEHOLDS,
    "POST /cases": Can.HANDLE_CASES,
    "GET /cases/approvals": Can.DECIDE,
    "GET /cases/referrals": Can.HANDLE_REFERRALS,
    "GET /cases/{case_id}": Can.VIEW_HOUSEHOLDS,
    "PUT /cases/{case_id}/checklist": Can.HANDLE_CASES,
    "POST /cases/{case_id}/documents": (Can.HANDLE_CASES, Can.INVESTIGATE),
    "GET /reserve-funds/{township_code}": Can.VIEW_HOUSEHOLDS,
    "POST /reserve-funds/{township_code}/top-ups": Can.MANAGE_RESERVE,
    **{f"POST /cases/{{case_id}}/actions/{e}": need for e, need in CASE_EVENTS.items()},
    **{f"POST /cases/batch/{e}": need for e, need in CASE_EVENTS.items()},
    "GET /verification/sources": None,
    "POST /verification/sources/{source}/records": Can.IMPORT_DEPARTMENT_DATA,
    "GET /verification/batches/{batch_id}": (Can.VERIFY, Can.IMPORT_DEPARTMENT_DATA),
    "GET /benefits/entitlements": Can.VIEW_PAYMENTS,
    "GET /benefits/entitlements/{entitlement_id}": Can.VIEW_PAYMENTS,
    "GET /benefits/batches": Can.VIEW_PAYMENTS,
    "POST /benefits/batches": Can.PREPARE_PAYMENTS,
    "GET /benefits/batches/{batch_id}": Can.VIEW_PAYMENTS,
    "POST /benefits/batches/{batch_id}/approve": Can.APPROVE_PAYMENTS,
    "POST /benefits/batches/{batch_id}/export": Can.EXPORT_PAYMENTS,
    "POST /benefits/batches/{batch_id}/reconcile": Can.EXPORT_PAYMENTS,
    "GET /monitoring/signal-kinds": None,
    "POST /monitoring/signals/{kind}": Can.IMPORT_DEPARTMENT_DATA,
    "GET /monitoring/tasks": Can.HANDLE_WARNINGS,
    "GET /monitoring/tasks/{task_id}": Can.HANDLE_WARNINGS,
    "POST /monitoring/tasks/{task_id}/close": Can.HANDLE_WARNINGS,
    "GET /monitoring/dashboard": Can.VIEW_HOUSEHOLDS,
    "POST /monitoring/hotline": Can.HANDLE_WARNINGS,
    "GET /monitoring/hotline": Can.HANDLE_WARNINGS,
    "GET /monitoring/hotline/{call_id}": Can.HANDLE_WARNINGS,
    "POST /monitoring/hotline/{call_id}/answer": Can.HANDLE_WARNINGS,
    "POST /monitoring/hotline/{call_id}/feedback": Can.HANDLE_WARNINGS,
    "POST /verification/reverifications": Can.VERIFY,
    "GET /verification/sources/{source}/determinations": Can.VERIFY,
}


def test_the_capability_matrix_covers_every_endpoint(api: Api) -> None:
    schema = api.client.get("/api/v1/openapi.json").json()
    operations = {
        f"{method.upper()} {path.removeprefix('/api/v1')}"
        for path, methods in schema["paths"].items()
        for method in methods
    }
    assert operations == set(NEEDS)


@pytest.mark.parametrize("role", [r.value for r in Role])
def test_each_role_gets_403_exactly_where_it_lacks_the_capability(
    gd_household: Household, gd_area: str, role: str
) -> None:
    api = Api(token_for(make_user(role, gd_area)))
    member = members(gd_household)[0]
    bodies: dict[str, tuple[str, Any]] = {
        **CALLS,
        "POST /households": ("", {"region_code": gd_area, "residence": "urban", "address": "甲"}),
        "POST /households/search": ("", {"q": ""}),
        "POST /cases": ("", {"household_id": gd_household.id, "kind": "dibao"}),
        "PUT /cases/{case_id}/checklist": ("", {"statuses": {}}),
        "POST /cases/{case_id}/documents": (
            "",
            {"kind": "material", "file": SimpleUploadedFile("a.png", b"\x89PNG\r\n\x1a\n")},
        ),
        "POST /reserve-funds/{township_code}/top-ups": ("", {"amount": "1.00"}),
        "POST /verification/sources/{source}/records": (
            "",
            {"batch_key": "K1", "as_of": "2024-05-31", "records": [{"id_number": "x"}]},
        ),
        "POST /benefits/batches": ("", {"county": "440104", "month": "2026-04"}),
        "POST /benefits/batches/{batch_id}/export": ("", {"format": "csv"}),
        "POST /benefits/batches/{batch_id}/reconcile": ("", {"content": "x"}),
        "POST /monitoring/signals/{kind}": (
            "",
            {"batch_key": "K1", "as_of": "2024-05-31", "records": [{"id_number": "x"}]},
        ),
        "POST /monitoring/hotline": (
            "",
            {
                "number": "N1",
                "line": "12345",
                "received_on": "2024-05-31",
                "caller_name": "甲",
                "caller_phone": "13800001234",
                "subject": "inquiry",
                "request": "乙",
                "region_code": "440104001",
            },
        ),
        "POST /monitoring/hotline/{call_id}/answer": ("", {"answer": "乙"}),
        "POST /monitoring/hotline/{call_id}/feedback": ("", {"feedback": "satisfied"}),
        "POST /monitoring/tasks/{task_id}/close": (
            "",
            {"outcome": "no_need", "note": "乙", "visited_on": "2024-05-31"},
        ),
        "POST /verification/reverifications": ("", {"as_of": "2024-05-31"}),
        "GET /verification/sources/{source}/determinations": ("?as_of=2024-05-31", None),
        **{
            f"POST /cases/{{case_id}}/actions/{e}": ("", CASE_EVENT_BODIES.get(e, {}))
            for e in CASE_EVENTS
        },
        **{
            f"POST /cases/batch/{e}": ("", {"case_ids": [1], **CASE_EVENT_BODIES.get(e, {})})
            for e in CASE_EVENTS
        },
    }
    for operation, needs in NEEDS.items():
        method, template = operation.split(" ")
        query, body = bodies.get(operation, ("", None))
        path = template.format(
            household_id=gd_household.id,
            member_id=member.id,
            code=gd_area,
            case_id=MISSING,
            township_code=gd_area,
            source="bank",
            batch_id=MISSING,
            entitlement_id=MISSING,
            kind="death",
            task_id=MISSING,
            call_id=MISSING,
        )
        response = _send(api, method, path + query, body)
        alternatives = needs if isinstance(needs, tuple) else (needs,)
        allowed = needs is None or any(n in capabilities_of(role) for n in alternatives)
        assert (response.status_code == 403) != allowed, (operation, response.status_code)
        assert response.status_code < 500
