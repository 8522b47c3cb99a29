"""The monitoring API: departments push signals (row errors with line and reason, the same
batch twice adds nothing), a grid worker lists and closes the tasks of their area (another
area's task is 404), and the endpoints survive schemathesis fuzzing with a real task."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from jiuzhu.audit.models import AccessEvent
from jiuzhu.monitoring.models import HotlineCall, Task
from jiuzhu.monitoring.scan import monitoring_scan
from jiuzhu.regions.scope import system_scope
from tests.api import fuzzing
from tests.api.conftest import Api, token_for
from tests.api.fuzzing import wsgi_app  # noqa: F401 (a fixture)
from tests.factories import make_user, members
from tests.monitoring.conftest import id_of, registered

pytestmark = pytest.mark.django_db
TODAY = dt.date.today()


@pytest.fixture
def task(caseworker: Any, gd_area: str) -> Task:
    """A 低保 household's breadwinner died last week: a red task for village 001."""
    household = registered(caseworker, gd_area + "001", "dibao", wages=["3000"])
    department = Api(token_for(make_user("department_officer", "440104", username="gd-dept")))
    record = {
        "id_number": id_of(members(household)[0]),
        "record": "death_certificate",
        "died_on": (TODAY - dt.timedelta(days=7)).isoformat(),
    }
    body = {"batch_key": "deaths-1", "as_of": TODAY.isoformat(), "records": [record]}
    assert department.post("/monitoring/signals/death", body).status_code == 201
    with system_scope("test"):
        monitoring_scan(actor=None, as_of=TODAY, policy=False)
    return Task.unscoped.get(household=household)


def test_a_push_reports_bad_rows_and_is_idempotent(gd_area: str) -> None:
    department = Api(token_for(make_user("department_officer", "440104", username="gd-dept")))
    body = {
        "batch_key": "med-2026-03",
        "as_of": "2026-03-01",
        "records": [
            {"id_number": "1101011990", "care": "surgery", "out_of_pocket": "-5", "settled_on": "x"}
        ],
    }
    first = department.post("/monitoring/signals/medical_expense", body)
    assert first.status_code == 201, first.content
    report = first.json()
    assert report["rows_bad"] == 1
    assert {e["field"] for e in report["errors"]} >= {
        "id_number",
        "care",
        "settled_on",
        "out_of_pocket",
    }
    again = department.post("/monitoring/signals/medical_expense", body)
    assert again.status_code == 200 and again.json()["already_imported"]
    assert department.post("/monitoring/signals/lottery", body).status_code == 404


def test_the_grid_worker_lists_reads_and_closes_a_task(task: Task, assistant: Any) -> None:
    worker = Api(token_for(assistant))
    listed = worker.get("/monitoring/tasks").json()
    assert [t["id"] for t in listed] == [task.id]
    assert not AccessEvent.objects.filter(field="monitoring_evidence").exists()
    detail = worker.get(f"/monitoring/tasks/{task.id}").json()
    # the evidence read through the API is logged as on the page (SECURITY.md 20, issue 16)
    read = AccessEvent.objects.get(field="monitoring_evidence")
    assert (read.subject_id, read.actor_name) == (str(task.household_id), assistant.username)
    assert detail["warning"]["rule"] == "M-02" and detail["warning"]["level"] == "red"
    assert detail["signals"][0]["source"] == "death"
    assert "*" in detail["signals"][0]["id_masked"]
    body = {
        "outcome": "refer_department",
        "note": "已转人社部门就业援助",
        "visited_on": TODAY.isoformat(),
        "department": "人社局",
    }
    closed = worker.post(f"/monitoring/tasks/{task.id}/close", body)
    assert closed.status_code == 200, closed.content
    assert closed.json()["state"] == "closed"
    assert worker.post(f"/monitoring/tasks/{task.id}/close", body).status_code == 409
    assert worker.get("/monitoring/dashboard").json()["closed_tasks"] == 1


def test_another_areas_task_is_404_like_a_missing_one(task: Task, im_caseworker: Any) -> None:
    other = Api(token_for(im_caseworker))
    outside = other.get(f"/monitoring/tasks/{task.id}")
    missing = other.get("/monitoring/tasks/987654321")
    assert outside.status_code == missing.status_code == 404
    assert outside.content == missing.content
    body = {"outcome": "no_need", "note": "x", "visited_on": TODAY.isoformat()}
    assert other.post(f"/monitoring/tasks/{task.id}/close", body).status_code == 404
    assert other.get("/monitoring/tasks").json() == []
    assert Task.unscoped.get(pk=task.pk).state == "open"


@pytest.mark.slow
def test_the_monitoring_endpoints_survive_fuzzing_with_a_real_task(
    wsgi_app: Any,  # noqa: F811
    task: Task,
    caseworker: Any,
) -> None:
    """SECURITY.md 14: no 5xx, declared answers, invalid data refused and valid data accepted
    (but for business refusals: a closed task is a 409, tests/api/fuzzing.py)."""
    schema = fuzzing.load(wsgi_app)
    headers = {"Authorization": f"Bearer {token_for(caseworker)}"}
    operations = [
        r.ok() for r in schema.include(path_regex="^/api/v1/monitoring").get_all_operations()
    ]
    assert len(operations) == 11  # the hotline's five included
    call = HotlineCall.unscoped.create(
        number="12345-F1", line="12345", received_on=TODAY, caller_name="王某",
        caller_phone="13800001234", subject="inquiry", request="咨询", household=task.household,
        region_code=task.region_code, assigned_area=task.region_code[:9], due_on=TODAY,
    )  # fmt: skip
    real_ids = {"task_id": task.id, "call_id": call.id, "kind": "death"}
    for operation in operations:
        fuzzing.run(
            schema,
            operation,
            headers=headers,
            pinned=fuzzing.pinned_ids(operation, real_ids),
            seed_value=20260302,
            examples=15,
            unpinned=False,
        )
