"""The registry endpoints: masked ID numbers only, fields a client may not set refused,
problem documents for bad input (never a 500), amounts as two-place strings, the trial
evaluation with its rule IDs, the audit trail, and a household read in four queries."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from stdnum.cn import ric

from jiuzhu.api.routers.registry import household_detail
from jiuzhu.api.schemas import TEXT_BLANK
from jiuzhu.audit.models import AuditEvent
from jiuzhu.regions.scope import Scope, using_scope
from jiuzhu.registry import identity
from jiuzhu.registry.identity import decrypt
from jiuzhu.registry.models import Household, HouseholdFact, IncomeFact, Member
from tests.api.conftest import Api
from tests.api.test_auth import assert_problem
from tests.factories import id_number, members

FULL_ID = re.compile(r"\d{17}[\dX]")


def _no_full_id(response: Any) -> None:
    assert not FULL_ID.search(response.content.decode()), "a full ID number was sent"


# -- reading -------------------------------------------------------------------------------
def test_a_household_is_read_with_members_and_current_facts(
    api: Api, gd_household: Household
) -> None:
    response = api.get(f"/households/{gd_household.id}")
    assert response.status_code == 200
    assert response["Cache-Control"] == "no-store"
    body = response.json()
    assert body["number"] == gd_household.number and len(body["members"]) == 2
    head = members(gd_household)[0]
    assert body["members"][0]["id_number_masked"] == head.id_masked
    assert "*" * 8 in head.id_masked
    assert body["facts"] == [
        {
            "id": body["facts"][0]["id"],
            "kind": "financial",
            "amount": "3000.00",
            "valid_from": "2020-01-01",
            "valid_to": None,
        }
    ]
    _no_full_id(response)


def test_the_household_read_takes_four_queries_whatever_its_size(
    api: Api, caseworker: Any, gd_household: Household
) -> None:
    for m in members(gd_household):
        api.post(
            f"/members/{m.id}/incomes",
            {"kind": "wages", "amount": "800.00", "valid_from": "2024-01-01"},
        )
    with (
        using_scope(Scope(caseworker.area.scope_prefix)),
        CaptureQueriesContext(connection) as queries,
    ):
        detail = household_detail(gd_household.id)
    assert len(queries) <= 4
    assert all(m["incomes"] and m["incomes"][0]["amount"] == 800 for m in detail["members"])
    api.get("/me")  # the token's last use is written at most once a minute
    with CaptureQueriesContext(connection) as queries:
        assert api.get(f"/households/{gd_household.id}").status_code == 200
    assert len(queries) <= 5, [q["sql"] for q in queries]  # the token, then the four


def test_the_list_pages_and_counts(api: Api, caseworker: Any, gd_area: str) -> None:
    from tests.factories import make_household

    for _ in range(3):
        make_household(caseworker, gd_area, members=1)
    page = api.get("/households?limit=2&offset=1").json()
    assert page["count"] == 3 and len(page["items"]) == 2 and page["offset"] == 1
    assert page["items"][0]["member_count"] == 1


def test_a_full_id_number_is_not_accepted_in_a_url(api: Api, gd_household: Household) -> None:
    full = decrypt(members(gd_household)[0].id_cipher)
    body = assert_problem(api.get(f"/households?q={full}"), 422)
    assert body["errors"][0]["field"] == "q" and full not in str(body)
    assert api.post("/households/search", {"q": full}).json()["count"] == 1


# -- writing -------------------------------------------------------------------------------
def test_a_household_is_created_with_its_audit_row(api: Api, gd_area: str) -> None:
    response = api.post(
        "/households",
        {"region_code": f"{gd_area}001", "residence": "rural", "address": " 合成村5号 "},
    )
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["address"] == "合成村5号" and body["members"] == [] and body["facts"] == []
    assert AuditEvent.objects.filter(action="household.create", object_id=str(body["id"])).exists()


@pytest.mark.parametrize(
    "body",
    [
        {"region_code": "150102001"},
        {"address": "x", "region_code": "440104001"},
        {"number": "JZ1"},
        {"synthetic": True},
        {"closed_on": "2024-01-01"},
    ],
    ids=["region", "region with a field", "number", "synthetic", "closed_on"],
)
def test_patch_refuses_the_region_and_unknown_fields(
    api: Api, gd_household: Household, body: dict[str, Any]
) -> None:
    before = AuditEvent.objects.count()
    problem = assert_problem(api.patch(f"/households/{gd_household.id}", body), 422)
    assert {e["field"] for e in problem["errors"]} & set(body) - {"address"}
    stored = Household.unscoped.get(pk=gd_household.pk)
    assert (stored.region_code, stored.address) == (gd_household.region_code, gd_household.address)
    assert AuditEvent.objects.count() == before


def test_patch_changes_residence_address_and_hukou_type(api: Api, gd_household: Household) -> None:
    response = api.patch(
        f"/households/{gd_household.id}", {"residence": "rural", "hukou_type": "residence_permit"}
    )
    assert response.status_code == 200
    assert (response.json()["residence"], response.json()["hukou_type"]) == (
        "rural",
        "residence_permit",
    )
    assert response.json()["address"] == gd_household.address
    event = AuditEvent.objects.filter(action="household.update").get()
    assert event.new == {"residence": "rural", "hukou_type": "residence_permit"}
    assert_problem(api.patch(f"/households/{gd_household.id}", {"address": None}), 422)


def test_a_member_is_added_and_only_the_masked_id_comes_back(
    api: Api, gd_household: Household
) -> None:
    number = id_number(dt.date(2015, 7, 9), sex="male")
    response = api.post(
        f"/households/{gd_household.id}/members",
        {
            "name": "合成成员3",
            "id_number": number,
            "relation": "子女",
            "joined_on": "2016-01-01",
            "schooling": "compulsory",
        },
    )
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["id_number_masked"] == number[:6] + "*" * 8 + number[-4:]
    assert (body["birth_date"], body["sex"], body["schooling"]) == (
        "2015-07-09",
        "male",
        "compulsory",
    )
    assert number not in response.content.decode()
    _no_full_id(response)


def test_a_bad_id_number_checksum_is_422_on_id_number(api: Api, gd_household: Household) -> None:
    good = id_number(dt.date(1990, 1, 1))
    bad = good[:-1] + ("0" if good[-1] != "0" else "1")
    response = api.post(
        f"/households/{gd_household.id}/members",
        {"name": "乙", "id_number": bad, "relation": "子女", "joined_on": "2020-01-01"},
    )
    problem = assert_problem(response, 422)
    assert problem["errors"][0]["field"] == "id_number"
    assert "校验位" in problem["errors"][0]["message"]
    assert bad not in response.content.decode()
    assert Member.unscoped.filter(household=gd_household).count() == 2


@pytest.mark.parametrize(
    ("raw", "status"),
    [
        ("{not json", 400),
        (b"\xff\xfe", 400),
        ("[1, 2]", 422),
        ('"text"', 422),
        ("null", 422),
        ("{}", 422),
        ('{"kind": "financial", "amount": "1.00", "valid_from": "2024-02-30"}', 422),
    ],
    ids=["broken", "not utf-8", "array", "string", "null", "empty", "impossible date"],
)
def test_malformed_bodies_are_problem_documents_never_500(
    api: Api, gd_household: Household, raw: str | bytes, status: int
) -> None:
    response = api.post(f"/households/{gd_household.id}/facts", raw)
    assert_problem(response, status)


@pytest.mark.parametrize(
    ("amount", "accepted"),
    [
        ("1234.5", "1234.50"),
        ("0", "0.00"),
        ("12.34", "12.34"),
        (12.5, None),
        ("-1.00", None),
        ("1.234", None),
        ("1e3", None),
        ("", None),
    ],
)
def test_amounts_are_decimal_strings_with_two_places(
    api: Api, gd_household: Household, amount: Any, accepted: str | None
) -> None:
    response = api.post(
        f"/households/{gd_household.id}/facts",
        {"kind": "medical", "amount": amount, "valid_from": "2024-03-01"},
    )
    if accepted is None:
        problem = assert_problem(response, 422)
        assert problem["errors"][0]["field"] == "amount"
        assert not HouseholdFact.unscoped.filter(kind="medical").exists()
    else:
        assert response.status_code == 201 and response.json()["amount"] == accepted


def test_an_income_from_a_date_ends_the_previous_one(api: Api, gd_household: Household) -> None:
    member = members(gd_household)[0]
    first = api.post(
        f"/members/{member.id}/incomes",
        {"kind": "wages", "amount": "1000.00", "valid_from": "2024-01-01"},
    )
    second = api.post(
        f"/members/{member.id}/incomes",
        {"kind": "wages", "amount": "1200.00", "valid_from": "2024-05-01"},
    )
    assert (first.status_code, second.status_code) == (201, 201)
    assert IncomeFact.unscoped.get(pk=first.json()["id"]).valid_to == dt.date(2024, 4, 30)
    backdated = api.post(
        f"/members/{member.id}/incomes",
        {"kind": "wages", "amount": "1.00", "valid_from": "2024-02-01"},
    )
    assert assert_problem(backdated, 422)["errors"][0]["field"] == "valid_from"


def test_a_member_is_updated_but_not_their_identity(api: Api, gd_household: Household) -> None:
    member = members(gd_household)[1]
    response = api.patch(
        f"/members/{member.id}",
        {"disability_kind": "physical", "disability_grade": 2, "phone": "13800000000"},
    )
    assert response.status_code == 200, response.content
    assert (response.json()["disability_grade"], response.json()["phone"]) == (2, "13800000000")
    for body in (
        {"id_number": "x"},
        {"birth_date": "2000-01-01"},
        {"household_id": 9},
        {"name": None},
        {"disability_grade": 5},
    ):
        assert_problem(api.patch(f"/members/{member.id}", body), 422)
    grade_alone = api.patch(f"/members/{member.id}", {"disability_kind": None})
    assert assert_problem(grade_alone, 422)["errors"][0]["field"] == "disability_grade"


# -- evaluation, audit ---------------------------------------------------------------------
def test_evaluate_returns_the_decision_and_its_rule_ids_without_an_audit_row(
    api: Api, gd_household: Household
) -> None:
    before = AuditEvent.objects.count()
    response = api.post(f"/households/{gd_household.id}/evaluate?as_of=2024-06-01")
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["as_of"] == "2024-06-01" and body["ref"] == gd_household.number
    assert body["primary_category"] in {"tekun", "dibao", "low_income", "rigid_expenditure", "none"}
    rules = {step["rule"] for step in body["explanation"]}
    assert rules and all(re.fullmatch(r"[A-Z]-\d{2}", r) for r in rules)
    assert "C-08" in rules
    assert re.fullmatch(r"\d+\.\d{2}", body["monthly_benefit"])
    assert AuditEvent.objects.count() == before
    _no_full_id(response)


def test_evaluate_needs_a_sensible_date(api: Api, gd_household: Household) -> None:
    problem = assert_problem(
        api.post(f"/households/{gd_household.id}/evaluate?as_of=1800-01-01"), 422
    )
    assert problem["errors"][0]["field"] == "as_of"


def test_the_audit_trail_of_a_household_masks_id_numbers(api: Api, gd_household: Household) -> None:
    response = api.get(f"/households/{gd_household.id}/audit")
    assert response.status_code == 200
    actions = [e["action"] for e in response.json()["items"]]
    assert actions[-1] == "household.create" and actions.count("member.add") == 2
    assert response.json()["count"] == len(actions)
    _no_full_id(response)


def test_moving_a_member_is_an_explicit_call_within_the_area(
    api: Api, caseworker: Any, gd_household: Household, gd_area: str
) -> None:
    from tests.factories import make_household

    target = make_household(caseworker, gd_area, members=1)
    person = members(gd_household)[0]
    moved = api.post(
        f"/members/{person.id}/move", {"to_household_id": target.id, "on": "2024-03-01"}
    )
    assert moved.status_code == 201, moved.content
    assert moved.json()["household_id"] == target.id and moved.json()["joined_on"] == "2024-03-01"
    person.refresh_from_db()
    assert person.left_on is not None
    again = api.post(
        f"/members/{person.id}/move", {"to_household_id": target.id, "on": "2024-04-01"}
    )
    assert again.status_code in (400, 422)


# -- the schema says what the server takes (issue 15) ------------------------------------
@pytest.mark.parametrize(
    ("amount", "accepted"),
    [("2", "2.00"), ("2.00", "2.00"), ("1000", "1000.00"), ("2.5", None), ("1001", None)],
)
def test_a_counted_asset_is_a_whole_number_up_to_1000(
    api: Api, gd_household: Household, amount: str, accepted: str | None
) -> None:
    """SECURITY.md 12, 14: homes "2.5" was stored and read by the engine as 2, and "1234.50"
    made every later evaluation a 422; a count is refused unless whole and at most 1000, as
    the schema's if/then on `kind` says."""
    response = api.post(
        f"/households/{gd_household.id}/facts",
        {"kind": "homes", "amount": amount, "valid_from": "2024-03-01"},
    )
    if accepted is None:
        assert assert_problem(response, 422)["errors"][0]["field"] == "amount"
        assert not HouseholdFact.unscoped.filter(kind="homes").exists()
    else:
        assert response.status_code == 201 and response.json()["amount"] == accepted


def test_an_integer_may_be_written_with_a_zero_fraction_but_not_as_text(
    api: Api, gd_household: Household
) -> None:
    """SECURITY.md 14: JSON Schema's `integer` takes 50.0, so the server does; "50" and true
    stay refused (strict JSON)."""
    assert api.post("/households/search", {"limit": 1.0}).json()["limit"] == 1
    for limit in ("1", True, 1.5):
        response = api.post("/households/search", {"limit": limit})
        assert assert_problem(response, 422)["errors"][0]["field"] == "limit"


def test_text_is_checked_as_sent_then_stripped(api: Api, gd_household: Household) -> None:
    """SECURITY.md 14: a required text must hold a character that is not blank (the schema's
    pattern), its length is the length sent, and what is stored is stripped."""
    path = f"/households/{gd_household.id}"
    assert api.patch(path, {"address": " 合成路2号\u3000"}).json()["address"] == "合成路2号"
    blank = assert_problem(api.patch(path, {"address": "\u3000 "}), 422)
    assert blank["errors"] == [{"field": "address", "message": str(TEXT_BLANK)}]
    assert_problem(api.patch(path, {"address": " " + "甲" * 200}), 422)
    assert Household.unscoped.get(pk=gd_household.pk).address == "合成路2号"


def test_patch_refuses_null_where_the_schema_has_no_null(api: Api, gd_household: Household) -> None:
    """SECURITY.md 14: `residence: null` was schema-valid and refused; the schema now says
    these fields may be omitted, not null. A disability is cleared with its grade."""
    problem = assert_problem(api.patch(f"/households/{gd_household.id}", {"residence": None}), 422)
    assert problem["errors"][0]["field"] == "residence"
    member = members(gd_household)[0]
    response = api.patch(
        f"/members/{member.id}", {"disability_kind": None, "disability_grade": None}
    )
    assert response.status_code == 200 and response.json()["disability_grade"] is None


def test_an_id_number_is_18_characters_as_the_schema_says(
    api: Api, gd_household: Household
) -> None:
    """SECURITY.md 11, 14: the pattern (a province's code, a birth date's shape, a check
    digit or X, lower case too) is the schema's; the check digit the service's."""
    number = id_number(dt.date(1990, 1, 1), sex="male")
    body = {"name": "乙", "relation": "子女", "joined_on": "2020-01-01"}
    path = f"/households/{gd_household.id}/members"

    def checked(first17: str) -> str:  # with its right check digit: the service's next test
        return first17 + ric.calc_check_digit(first17 + "0")

    refused = {
        f" {number}": identity.ERROR_FORMAT,
        checked("99" + number[2:17]): identity.ERROR_PLACE,
        checked(number[:10] + "02" + "30" + number[14:17]): identity.ERROR_BIRTH,
    }
    for bad, message in refused.items():  # the service's messages, in Chinese
        problem = assert_problem(api.post(path, {**body, "id_number": bad}), 422)
        assert problem["errors"] == [{"field": "id_number", "message": str(message)}]
    assert api.post(path, {**body, "id_number": number}).status_code == 201
