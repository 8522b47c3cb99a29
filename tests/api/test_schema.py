"""The API fuzzed from its own OpenAPI schema (SECURITY.md 14): every GET, POST and PATCH of
the registry, the regions, the caller and verification, with a signed-in token, valid and
invalid data, made-up and real ids. No 5xx, every status code and content type declared,
every body as the schema says; invalid data refused, and valid data accepted but for the
business refusals of tests/api/fuzzing.py (the schema says exactly what the server takes).
The cases, benefits and monitoring endpoints have their own runs, with real objects
(tests/api/test_cases_api.py, tests/benefits/test_api.py, tests/monitoring/test_api.py).

Runs the WSGI application in-process (schemathesis' WSGI transport) inside the test's
database transaction; a fixed seed and a fixed number of examples keep it well under 60 s.
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

import pytest

from jiuzhu.accounts.models import User
from jiuzhu.api.idempotency import KEY_PATTERN
from jiuzhu.registry.models import Household
from tests.api import fuzzing
from tests.api.conftest import Api, token_for
from tests.factories import id_number, make_user, members
from tests.verification.conftest import record

# kept for the other runs that import them from here
CHECKS = fuzzing.CHECKS
wsgi_app = fuzzing.wsgi_app
EXAMPLES = 40
# the contexts with a run of their own
ELSEWHERE = r"^/api/v1/(cases|reserve-funds|benefits|monitoring)"


@pytest.mark.slow
def test_the_api_conforms_to_its_schema_under_fuzzing(
    wsgi_app: Any, caseworker: User, gd_household: Household, gd_area: str
) -> None:
    schema = fuzzing.load(wsgi_app)
    department = make_user("department_officer", "440104", username="gd-dept")
    verifier = make_user("verification_officer", "440104", username="gd-verifier")
    pushed = Api(token_for(department)).post(
        "/verification/sources/vehicles/records",
        {"batch_key": "F-1", "as_of": "2024-05-31", "records": [record("vehicles")]},
    )
    assert pushed.status_code == 201
    real_ids = {
        "household_id": gd_household.id,
        "member_id": members(gd_household)[0].id,
        "code": gd_area,
        "source": "vehicles",
        "batch_id": pushed.json()["id"],
    }
    # who calls: the caseworker, but for department data (pushed by a department, read and
    # re-verified by the verification officer)
    callers = [
        (r"/verification/sources/\{source\}/records$", department),
        (r"/verification/", verifier),
        ("", caseworker),
    ]
    tokens = {user.pk: token_for(user) for _, user in callers}
    bodies = {
        "POST /api/v1/households": {
            "region_code": f"{gd_area}001",
            "residence": "rural",
            "address": "合成路9号",
        },
        "POST /api/v1/households/{household_id}/members": {
            "name": "合成成员",
            "id_number": id_number(dt.date(1990, 2, 3), sex="male"),
            "relation": "配偶",
            "joined_on": "2021-01-01",
        },
    }
    operations = [
        result.ok()
        for result in schema.include(method=["GET", "POST", "PATCH"])
        .exclude(path_regex=ELSEWHERE)
        .get_all_operations()
    ]
    assert len(operations) >= 20
    for operation in operations:
        user = next(u for pattern, u in callers if re.search(pattern, operation.path))
        pinned = fuzzing.pinned_ids(operation, real_ids)
        extra = ()
        if operation.label in bodies:  # and one that passes validation, to reach the writes
            body = bodies[operation.label]
            extra = (operation.as_strategy(path_parameters=pinned, body=body),)
        fuzzing.run(
            schema,
            operation,
            headers={"Authorization": f"Bearer {tokens[user.pk]}"},
            pinned=pinned,
            seed_value=20240601,
            examples=EXAMPLES,
            extra=extra,
        )


def test_the_schema_declares_problem_documents_and_idempotency_keys(api: Any) -> None:
    schema = api.client.get("/api/v1/openapi.json").json()
    create = schema["paths"]["/api/v1/households"]["post"]
    assert "application/problem+json" in create["responses"]["422"]["content"]
    assert any(p["name"] == "Idempotency-Key" for p in create["parameters"])
    assert {"TokenAuth", "SessionOtpAuth"} <= set(schema["components"]["securitySchemes"])
    docs = api.client.get("/api/v1/docs")
    assert docs.status_code == 200 and b"swagger" in docs.content.lower()


def test_every_post_declares_the_idempotency_key_its_format_and_its_refusals(api: Any) -> None:
    """SECURITY.md 14, 17 (issue 15): every POST honours an Idempotency-Key (docs/api.md), so
    each declares the header with the pattern the server checks, and the 409 (the first
    request still running) and 422 (the key reused with another request) it may answer, as
    problem documents; no other method declares it."""
    schema = api.client.get("/api/v1/openapi.json").json()
    posts = 0
    for path, methods in schema["paths"].items():
        for method, operation in methods.items():
            keys = [p for p in operation.get("parameters", []) if p["name"] == "Idempotency-Key"]
            if method != "post":
                assert not keys, (method, path)
                continue
            posts += 1
            assert len(keys) == 1 and keys[0]["in"] == "header", path
            assert keys[0]["schema"] == {
                "type": "string",
                "minLength": 1,
                "maxLength": 255,
                "pattern": KEY_PATTERN,
            }
            for status in ("409", "422"):
                response = operation["responses"][status]
                assert "Idempotency-Key" in response["description"], (path, status)
                assert "application/problem+json" in response["content"], (path, status)
    assert posts >= 70


def _taken(schema: dict[str, Any]) -> list[Any]:
    """Every schema a request may carry: parameters and bodies, their references followed."""
    components = schema["components"]["schemas"]
    found: list[Any] = []
    todo: list[Any] = [
        part
        for methods in schema["paths"].values()
        for operation in methods.values()
        for part in (
            [p["schema"] for p in operation.get("parameters", [])]
            + [c["schema"] for c in operation.get("requestBody", {}).get("content", {}).values()]
        )
    ]
    seen: set[str] = set()
    while todo:
        node = todo.pop()
        if isinstance(node, list):
            todo += node
        elif isinstance(node, dict):
            ref = node.get("$ref", "")
            if ref and ref not in seen:
                seen.add(ref)
                todo.append(components[ref.rsplit("/", 1)[1]])
            found.append(node)
            todo += list(node.values())
    return found


def test_every_date_the_api_takes_states_its_bounds_in_the_schema(api: Any) -> None:
    """SECURITY.md 14 (issue 15): a date is taken from 1900-01-01 to 2100-12-31; JSON Schema
    has no bounds for a date, so each `format: date` of a request carries the pattern on its
    year (a schema-valid 0544-03-16 was refused)."""
    schema = api.client.get("/api/v1/openapi.json").json()
    dates = [node for node in _taken(schema) if node.get("format") == "date"]
    assert len(dates) > 20
    for date in dates:
        assert re.fullmatch(date["pattern"], "1900-01-01")
        assert re.fullmatch(date["pattern"], "2100-12-31")
        assert not re.fullmatch(date["pattern"], "1899-12-31")
        assert not re.fullmatch(date["pattern"], "2101-01-01")


def test_no_request_field_is_nullable_unless_null_is_taken(api: Any) -> None:
    """SECURITY.md 14 (issue 15): a PATCH field that refuses null (`residence`, `name`, …) is
    not `anyOf [..., null]` in the schema; the ones that take null (a disability, schooling,
    the dates) still are."""
    components = api.client.get("/api/v1/openapi.json").json()["components"]["schemas"]

    def nullable(schema: str) -> set[str]:
        properties = components[schema]["properties"]
        return {n for n, p in properties.items() if {"type": "null"} in p.get("anyOf", [])}

    assert nullable("HouseholdPatch") == set()
    assert nullable("MemberPatch") == {
        "disability_kind",
        "disability_grade",
        "schooling",
        "unemployed_since",
        "left_school_on",
    }


def test_no_two_schemas_share_a_name() -> None:
    """django-ninja names each OpenAPI component after its class and silently lets one
    same-named schema replace another (two `BatchOut`s once did): names must be unique."""
    import collections

    from ninja import Schema

    import jiuzhu.api.urls  # noqa: F401 - every router and its schemas imported

    def subclasses(cls: type) -> list[type]:
        return [c for sub in cls.__subclasses__() for c in (sub, *subclasses(sub))]

    by_name: dict[str, set[str]] = collections.defaultdict(set)
    for cls in subclasses(Schema):
        if cls.__module__.startswith("jiuzhu.") and "[" not in cls.__name__:
            by_name[cls.__name__].add(f"{cls.__module__}.{cls.__qualname__}")
    assert {n: sorted(c) for n, c in by_name.items() if len(c) > 1} == {}
