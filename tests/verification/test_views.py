"""The verification report page and PDF (MZ/T 072 出具报告): the findings with their
sources, only for the people who handle, verify or decide cases, each read logged; the
case page and the worklist say when a case waits for a source."""

from __future__ import annotations

import io
from typing import Any

import pytest
from pypdf import PdfReader

from jiuzhu.audit.models import AccessEvent
from tests.cases import conftest as cases_conftest
from tests.factories import make_household, make_user, signed_in
from tests.verification.conftest import record
from tests.verification.test_checking import deliver, numbers, to_verifying

pytestmark = pytest.mark.django_db

people = cases_conftest.people  # the fixture, visible here


def test_the_report_shows_the_findings_and_each_read_is_logged(
    people: dict[str, Any], gd_area: str
) -> None:
    household = make_household(people["caseworker"], gd_area + "001", members=2)
    deliver("vehicles", [record("vehicles", numbers(household)[0], vehicle_kind="car")])
    case = to_verifying(people, household)
    client = signed_in(people["caseworker"])
    page = client.get(f"/cases/{case.id}/")
    assert 'data-testid="verification-summary"' in page.content.decode()
    report = client.get(f"/cases/{case.id}/verification/")
    assert report.status_code == 200
    html = report.content.decode()
    assert "机动车辆" in html and "重大差异" in html and 'data-severity="high"' in html
    assert "车船登记信息" in html  # the source, with its batch
    pdf = client.get(f"/cases/{case.id}/verification.pdf")
    assert pdf["Content-Type"] == "application/pdf"
    text = "".join(p.extract_text() for p in PdfReader(io.BytesIO(pdf.content)).pages)
    assert "家庭经济状况核对报告" in text and case.number in text
    reads = AccessEvent.objects.filter(field="verification_report", subject_id=str(household.id))
    assert reads.count() == 2


def test_who_may_not_read_it_does_not(people: dict[str, Any], gd_area: str) -> None:
    household = make_household(people["caseworker"], gd_area + "001")
    case = to_verifying(people, household)
    assistant = signed_in(people["assistant"])  # a village assistant: no case handling
    assert assistant.get(f"/cases/{case.id}/verification/").status_code == 403
    neighbour = make_user("township_caseworker", "440104002", username="gd-neighbour")
    assert signed_in(neighbour).get(f"/cases/{case.id}/verification/").status_code == 404
    assert not AccessEvent.objects.filter(field="verification_report").exists()


def test_the_case_page_and_the_worklist_say_when_a_case_waits(
    people: dict[str, Any], gd_area: str
) -> None:
    from jiuzhu.verification.models import SourceBatch

    SourceBatch.unscoped.filter(source="securities").delete()
    case = to_verifying(people, make_household(people["caseworker"], gd_area + "001"))
    client = signed_in(people["caseworker"])
    detail = client.get(f"/cases/{case.id}/").content.decode()
    assert 'data-testid="verification-waiting"' in detail and "证券信息" in detail
    worklist = client.get("/cases/").content.decode()
    assert 'data-testid="waiting"' in worklist
