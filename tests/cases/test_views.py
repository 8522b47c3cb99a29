"""Case pages: intake from the household, the worklist, actions only for who may take them,
refusals with their message and nothing changed, letters and the public-notice list."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from pypdf import PdfReader

from jiuzhu.cases.models import Case, CaseDocument, HomeVisit
from jiuzhu.regions.models import Region
from tests.cases.conftest import COMPLETE, TODAY, accept, act, to_ready
from tests.factories import make_user, members, signed_in

pytestmark = pytest.mark.django_db
PNG = b"\x89PNG\r\n\x1a\n" + b"\0" * 64


def _pdf_text(content: bytes) -> str:
    import io

    pages = PdfReader(io.BytesIO(content)).pages
    return "".join(page.extract_text() for page in pages).replace("\n", "")


def test_a_caseworker_accepts_an_application_from_the_household_page(
    people: dict[str, Any], poor_household: Any
) -> None:
    client = signed_in(people["caseworker"])
    page = client.get(f"/households/{poor_household.id}/")
    assert f"/cases/new/{poor_household.id}/" in page.content.decode()
    form = client.get(f"/cases/new/{poor_household.id}/?kind=dibao").content.decode()
    assert "家庭经济状况核对授权书" not in form.split("checklist")[1]  # captured by its date
    assert "告知承诺" in form
    member = members(poor_household)[0]
    response = client.post(
        f"/cases/new/{poor_household.id}/?kind=dibao",
        {
            "channel": "window",
            "applicant": member.id,
            "applied_on": dt.date.today().isoformat(),
            "authorization_on": dt.date.today().isoformat(),
            "authorization_scan": _upload("auth.png", PNG),
            "doc_application_form": "received",
            "doc_id_card": "received",
            "doc_hukou_book": "committed",
            "doc_income_statement": "missing",
        },
    )
    case = Case.unscoped.get()
    assert response.status_code == 302 and response["Location"] == f"/cases/{case.id}/"
    assert case.checklist["income_statement"] == "missing"
    assert CaseDocument.unscoped.get(case=case).content_type == "image/png"
    detail = client.get(f"/cases/{case.id}/").content.decode()
    assert "一次性告知缺件" in detail and "家庭收入及财产状况申报" in detail
    letter = client.get(f"/cases/{case.id}/letters/notification.pdf")
    assert letter["Content-Type"] == "application/pdf"
    assert "家庭收入及财产状况申报" in _pdf_text(letter.content)


def test_a_text_file_named_png_is_refused_and_no_case_is_left_behind(
    people: dict[str, Any], poor_household: Any
) -> None:
    client = signed_in(people["caseworker"])
    member = members(poor_household)[0]
    response = client.post(
        f"/cases/new/{poor_household.id}/?kind=dibao",
        {
            "channel": "window", "applicant": member.id,
            "applied_on": dt.date.today().isoformat(),
            "authorization_on": dt.date.today().isoformat(),
            "authorization_scan": _upload("auth.png", b"hello, not an image"),
            "doc_application_form": "received", "doc_id_card": "received",
            "doc_hukou_book": "received", "doc_income_statement": "received",
        },
    )  # fmt: skip
    assert response.status_code == 400
    assert "只接受 PDF、JPEG 或 PNG 文件" in response.content.decode()
    assert Case.unscoped.count() == 0


def _upload(name: str, content: bytes) -> Any:
    from django.core.files.uploadedfile import SimpleUploadedFile

    return SimpleUploadedFile(name, content, content_type="image/png")


def test_the_actions_shown_are_those_this_user_may_take_now(
    people: dict[str, Any], poor_household: Any
) -> None:
    case = to_ready(people, poor_household)
    leader_page = signed_in(people["leader"]).get(f"/cases/{case.id}/").content.decode()
    worker_page = signed_in(people["caseworker"]).get(f"/cases/{case.id}/").content.decode()
    assert 'data-testid="action-approve"' in leader_page
    assert 'data-testid="action-approve"' not in worker_page
    assert 'data-testid="action-withdraw"' in worker_page


def test_an_action_not_allowed_is_refused_with_its_message_and_nothing_changes(
    people: dict[str, Any], poor_household: Any
) -> None:
    case = to_ready(people, poor_household)
    client = signed_in(people["caseworker"])
    response = client.post(f"/cases/{case.id}/act/approve/", {"approve-reason": "x"})
    assert response.status_code == 409
    assert "无权" in response.content.decode()
    assert Case.unscoped.get(id=case.id).state == "ready"


def test_a_stale_form_is_told_the_case_has_moved_on(
    people: dict[str, Any], poor_household: Any
) -> None:
    case = accept(people["caseworker"], poor_household, checklist=COMPLETE, authorization_on=TODAY)
    client = signed_in(people["caseworker"])
    first = client.post(f"/cases/{case.id}/act/complete_materials/", {"expected_state": "accepted"})
    assert first.status_code == 302
    again = client.post(f"/cases/{case.id}/act/complete_materials/", {"expected_state": "accepted"})
    assert again.status_code == 409 and "已由他人处理" in again.content.decode()


def test_a_bad_amount_comes_back_on_its_field(people: dict[str, Any], poor_household: Any) -> None:
    case = to_ready(people, poor_household)
    client = signed_in(people["leader"])
    response = client.post(f"/cases/{case.id}/act/approve/", {"approve-amount": "-5"})
    assert response.status_code == 400
    assert Case.unscoped.get(id=case.id).state == "ready"


def test_the_leader_approves_from_the_queue_and_the_letter_explains_the_amount(
    people: dict[str, Any], poor_household: Any
) -> None:
    case = to_ready(people, poor_household)
    Case.unscoped.filter(id=case.id).update(notice_to=dt.date.today())
    leader = signed_in(people["leader"])
    queue = leader.get("/cases/approvals/").content.decode()
    assert case.number in queue and "C-0" in queue  # the explanation's rule IDs beside it
    response = leader.post(f"/cases/{case.id}/act/approve/", {"expected_state": "ready"})
    assert response.status_code == 302
    case.refresh_from_db()
    pdf = signed_in(people["caseworker"]).get(f"/cases/{case.id}/letters/decision.pdf")
    text = _pdf_text(pdf.content)
    head = members(poor_household)[0]
    assert head.name in text or case.applicant is None
    assert str(case.decided_amount) in text and "B-01" in text
    assert "认定理由" in text and "家庭人均收入" in text  # the reason sentence (issue 14)
    # issue 17: the deciding body by name, and no program output on the letter
    township = Region.objects.get(code=case.township_code).name
    assert f"由{township}" in text and "由乡镇（街道）审批" not in text
    assert "{'" not in text and "'member'" not in text


def test_another_townships_worker_gets_404_for_the_case_its_files_and_letters(
    people: dict[str, Any], poor_household: Any
) -> None:
    case = accept(people["caseworker"], poor_household)
    outsider = signed_in(make_user("township_caseworker", "440104002", username="other-town"))
    assert outsider.get(f"/cases/{case.id}/").status_code == 404
    assert outsider.get(f"/cases/{case.id}/letters/notification/").status_code == 404
    assert outsider.post(f"/cases/{case.id}/act/withdraw/", {}).status_code == 404
    assert case.number not in outsider.get("/cases/").content.decode()


def test_the_worklist_orders_by_due_date_and_filters_overdue(
    people: dict[str, Any], poor_household: Any
) -> None:
    old = accept(people["caseworker"], poor_household, today=dt.date(2025, 1, 6))
    new = accept(people["caseworker"], poor_household, today=dt.date.today())
    page = signed_in(people["caseworker"]).get("/cases/?due=overdue").content.decode()
    assert old.number in page and new.number not in page and "已超期" in page


def test_the_public_notice_list_masks_ids_and_omits_minors(
    people: dict[str, Any], poor_household: Any, gd_area: str
) -> None:
    cw = people["caseworker"]
    case = accept(cw, poor_household, checklist=COMPLETE, authorization_on=dt.date.today(),
                  today=dt.date.today())  # fmt: skip
    today = dt.date.today()
    for event, who, payload in (
        ("complete_materials", cw, {}),
        ("record_visit", people["assistant"], {"visitors": "x", "findings": "y"}),
        ("request_verification", cw, {}),
        ("complete_verification", people["verifier"], {}),
        ("evaluate", cw, {}),
        ("propose", cw, {"proposal": "approve"}),
        ("post_notice", cw, {}),
    ):
        case = act(case, who, event, today, **payload)
    page = signed_in(cw).get(f"/cases/notices/?township={gd_area}").content.decode()
    people_ = members(poor_household)
    assert case.number in page and people_[0].name in page and people_[0].id_masked in page
    assert people_[1].name not in page and people_[2].name not in page  # the children
    pdf = signed_in(cw).get(f"/cases/notices.pdf?township={gd_area}")
    assert people_[0].name in _pdf_text(pdf.content)


def test_a_case_page_in_english_names_its_actions_in_english(
    people: dict[str, Any], poor_household: Any
) -> None:
    case = accept(people["caseworker"], poor_household)
    client = signed_in(people["caseworker"])
    client.post("/i18n/setlang/", {"language": "en", "next": "/"})
    html = client.get(f"/cases/{case.id}/").content.decode()
    assert "Withdrawn by applicant" in html and "Case worklist" in html
    assert "申请人撤回" not in html


def test_the_household_page_lists_its_cases_and_the_home_page_counts_them(
    people: dict[str, Any], poor_household: Any
) -> None:
    case = accept(people["caseworker"], poor_household, today=dt.date(2025, 1, 6))
    client = signed_in(people["caseworker"])
    page = client.get(f"/households/{poor_household.id}/").content.decode()
    assert case.number in page and "已受理" in page
    home = client.get("/").content.decode()
    assert "1 件在办" in home and "1 件超期" in home
    leader_home = signed_in(people["leader"]).get("/").content.decode()
    assert "0 件待审批" in leader_home


def test_the_leader_approves_a_batch_and_is_told_which_cases_could_not_be(
    people: dict[str, Any], poor_household: Any
) -> None:
    ready = [to_ready(people, poor_household) for _ in range(2)]
    waiting = accept(people["caseworker"], poor_household)
    leader = signed_in(people["leader"])
    response = leader.post(
        "/cases/approvals/approve/",
        {"case": [str(c.id) for c in ready] + [str(waiting.id), "999999"]},
        follow=True,
    )
    html = response.content.decode()
    assert "已批准 2 件" in html
    assert waiting.number in html and "不能进行" in html and "案件不存在或不在您的区域内" in html
    states = dict(Case.unscoped.values_list("id", "state"))
    assert [states[c.id] for c in ready] == ["approved", "approved"]
    assert states[waiting.id] == "accepted"


def test_a_visit_with_a_bad_photo_is_refused_on_its_field_and_nothing_is_saved(
    people: dict[str, Any], poor_household: Any
) -> None:
    """Issue 17: a text file named .jpg refuses the whole step — the visit is not recorded,
    the case does not move, and the form says why beside the photo (validate, then act)."""
    cw = people["caseworker"]
    case = accept(cw, poor_household, checklist=COMPLETE, authorization_on=TODAY)
    case = act(case, cw, "complete_materials")
    client = signed_in(people["assistant"])
    form = {
        "record_visit-visited_on": TODAY.isoformat(),
        "record_visit-visitors": "村协理员",
        "record_visit-findings": "属实",
        "expected_state": case.state,
    }
    text = _upload("现场.jpg", b"not a photo")
    bad = client.post(f"/cases/{case.id}/act/record_visit/", {**form, "record_visit-photo": text})
    assert bad.status_code == 400
    assert "只接受 PDF、JPEG 或 PNG 文件" in bad.content.decode()
    assert Case.unscoped.get(id=case.id).state == case.state
    assert not HomeVisit.unscoped.filter(case=case).exists()
    jpeg = b"\xff\xd8\xff\xe0" + b"\x00" * 64
    good = client.post(f"/cases/{case.id}/act/record_visit/",
                       {**form, "record_visit-photo": _upload("现场.jpg", jpeg)})  # fmt: skip
    assert good.status_code == 302
    assert HomeVisit.unscoped.filter(case=case).count() == 1
    assert CaseDocument.unscoped.filter(case=case, kind="visit_photo").count() == 1
