"""Department systems push records through the API (V-02): row-by-row reports, the same
batch twice adds nothing, Idempotency-Key replays, capabilities and area scope."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from jiuzhu.registry.identity import id_hash
from jiuzhu.verification import errors
from jiuzhu.verification.models import DepartmentRecord, SourceBatch
from jiuzhu.verification.sources import SOURCES
from tests.api.conftest import Api, token_for
from tests.factories import id_number, make_user
from tests.verification.conftest import record

PUSH = "/verification/sources/vehicles/records"


@pytest.fixture
def department(gd_area: str) -> Api:
    return Api(token_for(make_user("department_officer", gd_area, username="gd-dept")))


@pytest.fixture
def im_department(im_area: str) -> Api:
    return Api(token_for(make_user("department_officer", im_area, username="im-dept")))


def _body(key: str = "VEH-2024-05", *rows: dict[str, Any]) -> dict[str, Any]:
    return {"batch_key": key, "as_of": "2024-05-31", "records": list(rows) or [record("vehicles")]}


def test_the_sources_are_listed_with_each_fields_sensitivity(department: Api) -> None:
    response = department.get("/verification/sources")
    assert response.status_code == 200
    listed = {s["code"]: s for s in response.json()}
    assert set(listed) == set(SOURCES)
    id_field = listed["bank"]["fields"][0]
    assert (id_field["name"], id_field["sensitivity"], id_field["sensitive"]) == (
        "id_number",
        "identifier",
        True,
    )


def test_a_pushed_batch_reports_bad_rows_and_stores_the_rest(department: Api) -> None:
    number = id_number(dt.date(1985, 7, 7))
    body = _body(
        "VEH-1",
        record("vehicles", number, plate_no="粤A12345"),
        record("vehicles", number, vehicle_kind="spaceship"),
        record("vehicles", number, value=1500.5),
    )
    response = department.post(PUSH, body)
    assert response.status_code == 201, response.json()
    report = response.json()
    assert (report["rows_ok"], report["rows_bad"], report["added"]) == (2, 1, 2)
    assert report["errors"] == [
        {"line": 2, "field": "vehicle_kind", "reason": str(errors.NOT_A_CHOICE)}
    ]
    stored = DepartmentRecord.objects.filter(id_hash=id_hash(number)).order_by("line")
    assert [str(r.amount) for r in stored] == ["1234.50", "1500.50"]
    assert SourceBatch.unscoped.get().region_code == "440104001"


def test_the_same_batch_pushed_twice_adds_nothing(department: Api) -> None:
    body = _body()
    assert department.post(PUSH, body).status_code == 201
    again = department.post(PUSH, body)
    assert again.status_code == 200
    assert (again.json()["added"], again.json()["already_imported"]) == (0, True)
    assert DepartmentRecord.objects.count() == 1


def test_a_batch_key_reused_for_other_records_is_a_conflict(department: Api) -> None:
    department.post(PUSH, _body("K"))
    response = department.post(PUSH, _body("K", record("vehicles", value="1.00")))
    assert response.status_code == 409
    assert response.json()["detail"] == str(errors.BATCH_CONFLICT)


def test_an_idempotency_key_replays_the_first_answer(department: Api) -> None:
    body = _body()
    first = department.post(PUSH, body, **{"Idempotency-Key": "push-1"})
    replay = department.post(PUSH, body, **{"Idempotency-Key": "push-1"})
    assert replay.headers["Idempotent-Replayed"] == "true"
    assert replay.json() == first.json() and DepartmentRecord.objects.count() == 1


def test_a_role_without_the_import_capability_gets_403(caseworker: Any) -> None:
    """A township caseworker cannot push department data."""
    api = Api(token_for(caseworker))
    assert api.post(PUSH, _body()).status_code == 403
    assert not SourceBatch.unscoped.exists()


def test_another_areas_batch_is_404_and_its_batch_key_is_its_own(
    department: Api, im_department: Api
) -> None:
    body = _body("SAME")
    batch_id = department.post(PUSH, body).json()["id"]
    assert department.get(f"/verification/batches/{batch_id}").status_code == 200
    outside = im_department.get(f"/verification/batches/{batch_id}")
    missing = im_department.get("/verification/batches/987654321")
    assert outside.status_code == 404 and outside.json() == missing.json()
    # the same key in another area is another batch: nothing leaks, nothing collides
    assert im_department.post(PUSH, body).status_code == 201
    assert SourceBatch.unscoped.count() == 2


def test_a_push_missing_a_required_field_in_every_record_is_refused_whole(
    department: Api,
) -> None:
    rows = [{k: v for k, v in record("vehicles").items() if k != "status"}]
    response = department.post(PUSH, _body("K", *rows))
    assert response.status_code == 422
    assert response.json()["detail"].startswith(str(errors.MISSING_COLUMNS).split("{")[0])
    assert not SourceBatch.unscoped.exists()


def test_an_unknown_source_is_404(department: Api) -> None:
    response = department.post("/verification/sources/lottery/records", _body())
    assert response.status_code == 404
