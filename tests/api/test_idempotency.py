"""Idempotency-Key (SECURITY.md 17): a retried POST creates nothing new."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import re
from typing import Any

from django.utils import timezone

from jiuzhu.api.idempotency import KEY_PATTERN
from jiuzhu.api.models import IdempotencyKey
from jiuzhu.audit.models import AuditEvent
from jiuzhu.registry.models import Household, HouseholdFact
from tests.api.conftest import Api, token_for
from tests.api.test_auth import assert_problem
from tests.factories import make_user


def _body(gd_area: str, address: str = "合成路6号") -> dict[str, str]:
    return {"region_code": gd_area, "residence": "urban", "address": address}


def test_a_retry_with_the_same_key_returns_the_stored_response(api: Api, gd_area: str) -> None:
    first = api.post("/households", _body(gd_area), **{"Idempotency-Key": "k-1"})
    audit = AuditEvent.objects.count()
    retry = api.post("/households", _body(gd_area), **{"Idempotency-Key": "k-1"})
    assert first.status_code == retry.status_code == 201
    assert retry.json() == first.json()
    assert retry["Idempotent-Replayed"] == "true" and "Idempotent-Replayed" not in first
    assert Household.unscoped.count() == 1
    assert AuditEvent.objects.count() == audit


def test_the_body_is_compared_by_content_not_spelling(api: Api, gd_area: str) -> None:
    api.post("/households", _body(gd_area), **{"Idempotency-Key": "k-2"})
    respelled = f'{{ "address": "合成路6号",  "residence": "urban", "region_code": "{gd_area}" }}'
    retry = api.post("/households", respelled, **{"Idempotency-Key": "k-2"})
    assert retry.status_code == 201 and Household.unscoped.count() == 1


def test_the_same_key_with_another_body_is_422(api: Api, gd_area: str) -> None:
    api.post("/households", _body(gd_area), **{"Idempotency-Key": "k-3"})
    other = api.post("/households", _body(gd_area, "别的地址"), **{"Idempotency-Key": "k-3"})
    assert assert_problem(other, 422)["errors"][0]["field"] == "Idempotency-Key"
    elsewhere = api.post(
        f"/households/{Household.unscoped.get().id}/facts",
        {"kind": "homes", "amount": "1", "valid_from": "2024-01-01"},
        **{"Idempotency-Key": "k-3"},
    )
    assert_problem(elsewhere, 422)
    assert Household.unscoped.count() == 1 and not HouseholdFact.unscoped.exists()


def test_keys_belong_to_one_user(api: Api, gd_area: str) -> None:
    colleague = Api(token_for(make_user("township_caseworker", gd_area)))
    api.post("/households", _body(gd_area), **{"Idempotency-Key": "shared"})
    response = colleague.post("/households", _body(gd_area), **{"Idempotency-Key": "shared"})
    assert response.status_code == 201 and "Idempotent-Replayed" not in response
    assert Household.unscoped.count() == 2


def test_a_failed_request_releases_its_key(api: Api, gd_area: str) -> None:
    refused = api.post("/households", _body("150102001"), **{"Idempotency-Key": "k-4"})
    assert_problem(refused, 422)
    assert not IdempotencyKey.objects.exists()
    fixed = api.post("/households", _body(gd_area), **{"Idempotency-Key": "k-4"})
    assert fixed.status_code == 201


def test_a_key_still_in_flight_is_409(api: Api, caseworker: Any, gd_area: str) -> None:
    canonical = json.dumps(_body(gd_area), sort_keys=True, separators=(",", ":"))
    IdempotencyKey.objects.create(
        user=caseworker,
        key="k-5",
        method="POST",
        path="/api/v1/households",
        body_sha256=hashlib.sha256(canonical.encode()).hexdigest(),
    )
    assert_problem(api.post("/households", _body(gd_area), **{"Idempotency-Key": "k-5"}), 409)
    assert not Household.unscoped.exists()


def test_keys_expire_after_24_hours(api: Api, gd_area: str) -> None:
    api.post("/households", _body(gd_area), **{"Idempotency-Key": "k-6"})
    IdempotencyKey.objects.update(created_at=timezone.now() - dt.timedelta(hours=25))
    again = api.post("/households", _body(gd_area), **{"Idempotency-Key": "k-6"})
    assert again.status_code == 201 and "Idempotent-Replayed" not in again
    assert Household.unscoped.count() == 2 and IdempotencyKey.objects.count() == 1


def test_a_malformed_key_is_422(api: Api, gd_area: str) -> None:
    for key in ("x" * 256, "键", "a b"):
        response = api.post("/households", _body(gd_area), **{"Idempotency-Key": key})
        assert assert_problem(response, 422)["errors"][0]["field"] == "Idempotency-Key"
    assert not Household.unscoped.exists()


def test_the_server_takes_exactly_the_keys_the_schema_declares(api: Api, gd_area: str) -> None:
    """SECURITY.md 14, 17: the header's schema (1 to 255 visible ASCII characters) is the
    pattern the server checks: a space, which isprintable() let through, is refused; the
    longest key and every visible character are taken."""
    assert re.fullmatch(KEY_PATTERN, "a b") is None
    for i, key in enumerate(("~" * 255, "".join(map(chr, range(0x21, 0x7F))))):
        response = api.post("/households", _body(gd_area, f"路{i}"), **{"Idempotency-Key": key})
        assert response.status_code == 201


def test_writes_below_a_household_are_idempotent_too(api: Api, gd_household: Any) -> None:
    path = f"/households/{gd_household.id}/facts"
    body = {"kind": "vehicles", "amount": "1", "valid_from": "2024-01-01"}
    first = api.post(path, body, **{"Idempotency-Key": "fact-1"})
    retry = api.post(path, body, **{"Idempotency-Key": "fact-1"})
    assert first.status_code == retry.status_code == 201 and first.json() == retry.json()
    assert HouseholdFact.unscoped.filter(kind="vehicles").count() == 1
