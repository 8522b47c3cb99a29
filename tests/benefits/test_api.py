"""/api/v1/benefits/…: entitlements and batches of the caller's area (another area's is the
404 of a missing id), the batch actions with the four-eyes rule (409), problem documents,
Idempotency-Key; fuzzed from the schema with a county officer's token (no 5xx)."""

from __future__ import annotations

import base64
from typing import Any

import pytest

from jiuzhu.benefits import bankfile, errors
from jiuzhu.benefits.models import Payment, PaymentBatch
from tests.api import fuzzing
from tests.api.conftest import Api, token_for
from tests.api.fuzzing import wsgi_app  # noqa: F401 (a fixture)
from tests.benefits.conftest import COUNTY, account_number

pytestmark = pytest.mark.django_db


@pytest.fixture
def apis(officers: dict[str, Any]) -> dict[str, Api]:
    return {name: Api(token_for(user)) for name, user in officers.items()}


def month_now() -> str:
    import datetime as dt

    return f"{dt.date.today():%Y-%m}"


def test_the_month_through_the_api(apis: dict[str, Api], five: list[Any]) -> None:
    ran = apis["preparer"].post(
        "/benefits/batches",
        {"county": COUNTY, "month": month_now()},
        **{"Idempotency-Key": "k1"},
    )
    assert ran.status_code == 200, ran.content
    batch = ran.json()["batch"]
    assert ran.json()["added"] == 5 and batch["total"] == "5005.51"
    replay = apis["preparer"].post(
        "/benefits/batches",
        {"county": COUNTY, "month": month_now()},
        **{"Idempotency-Key": "k1"},
    )
    assert replay.headers.get("Idempotent-Replayed") == "true"
    path = f"/benefits/batches/{batch['id']}"
    own = apis["preparer"].post(path + "/approve")
    assert own.status_code == 409 and "编制人以外" in own.json()["detail"]
    assert apis["approver"].post(path + "/approve").json()["status"] == "approved"
    exported = apis["approver"].post(path + "/export", {"format": "csv"})
    assert exported.status_code == 200
    content = base64.b64decode(exported.json()["content_base64"]).decode("gb18030")
    assert content.startswith("reference,") and exported.json()["records"] == 5
    lines = ["reference,account_number,amount,result,reason,bank_reference"] + [
        f"{bankfile.reference_of(p.pk)},{account_number(p.household_id)},{p.amount:.2f},paid,,B"
        for p in Payment.unscoped.all()
    ]
    done = apis["approver"].post(path + "/reconcile", {"content": "\n".join(lines)})
    assert done.status_code == 200 and done.json()["paid"] == 5
    detail = apis["approver"].get(path).json()
    assert detail["status"] == "reconciled" and detail["control"]["balanced"]
    assert detail["control"]["by_status"]["paid"]["amount"] == "5005.51"
    listed = apis["approver"].get("/benefits/batches?county=" + COUNTY).json()
    assert listed["count"] == 1


def test_another_area_sees_no_entitlement_and_no_batch(
    apis: dict[str, Api], five: list[Any], officers: dict[str, Any]
) -> None:
    """SECURITY.md 1: the 404 of a missing id, and lists without them."""
    im = apis["im"]
    assert im.get("/benefits/entitlements").json()["count"] == 0
    assert im.get(f"/benefits/entitlements/{five[0].pk}").status_code == 404
    assert apis["preparer"].get(f"/benefits/entitlements/{five[0].pk}").status_code == 200
    apis["preparer"].post("/benefits/batches", {"county": COUNTY, "month": month_now()})
    batch = PaymentBatch.unscoped.get()
    assert im.get(f"/benefits/batches/{batch.pk}").status_code == 404
    assert im.post(f"/benefits/batches/{batch.pk}/approve").status_code == 404
    refused = im.post("/benefits/batches", {"county": COUNTY, "month": month_now()})
    assert refused.status_code == 422 and refused.json()["errors"][0]["field"] == "county"


def test_roles_without_payment_capabilities_get_403(apis: dict[str, Api], five: list[Any]) -> None:
    assert apis["caseworker"].get("/benefits/batches").status_code == 403
    assert (
        apis["leader"].post("/benefits/batches", {"county": COUNTY, "month": "2026-04"}).status_code
        == 403
    )


def test_a_bad_month_or_unknown_field_is_422(apis: dict[str, Api]) -> None:
    bad = apis["preparer"].post("/benefits/batches", {"county": COUNTY, "month": "2026-13"})
    assert bad.status_code == 422 and bad.json()["errors"][0]["field"] == "month"
    for month in ("0000-00", "1999-12", "2100-01", " 2026-04"):  # the schema's pattern says so
        refused = apis["preparer"].get(f"/benefits/batches?month={month}")
        assert refused.status_code == 422, month
        assert refused.json()["errors"][0]["message"] == str(errors.MONTH_INVALID)
    extra = apis["preparer"].post(
        "/benefits/batches", {"county": COUNTY, "month": "2026-04", "amount": "1"}
    )
    assert extra.status_code == 422


@pytest.mark.slow
def test_the_benefits_endpoints_survive_fuzzing(
    wsgi_app: Any,  # noqa: F811
    officers: dict[str, Any],
    five: list[Any],
) -> None:
    """SECURITY.md 14: no 5xx, declared answers, invalid data refused and valid data accepted
    (but for business refusals: a batch's state is a 409, tests/api/fuzzing.py)."""
    apis_ = Api(token_for(officers["preparer"]))
    apis_.post("/benefits/batches", {"county": COUNTY, "month": month_now()})
    batch = PaymentBatch.unscoped.get()
    schema = fuzzing.load(wsgi_app)
    headers = {"Authorization": f"Bearer {token_for(officers['approver'])}"}
    real_ids = {"batch_id": batch.pk, "entitlement_id": five[0].pk}
    operations = [
        r.ok() for r in schema.include(path_regex="^/api/v1/benefits").get_all_operations()
    ]
    assert len(operations) == 8
    for operation in operations:
        fuzzing.run(
            schema,
            operation,
            headers=headers,
            pinned=fuzzing.pinned_ids(operation, real_ids),
            seed_value=20260401,
            examples=25,
        )
