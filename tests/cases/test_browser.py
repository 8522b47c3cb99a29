"""The whole journey of a 低保 application in a real browser (headless Chromium through
Playwright): a caseworker accepts it, records the home visit, requests verification; the
verification officer confirms; the caseworker sees the evaluation, proposes and posts the
notice; after the notice period the leader approves from the approval queue; the decision
letter (PDF) names the applicant and the amount with the rule IDs."""

from __future__ import annotations

import datetime as dt
import io
from typing import Any

import pytest
from django.utils import timezone
from playwright.sync_api import Browser, Page, expect
from pypdf import PdfReader

from jiuzhu.cases.models import Case
from tests.browser import ONLY_WITH_CHROMIUM, sign_in
from tests.factories import department_batches, make_household, make_user, members, subdivisions

pytestmark = [ONLY_WITH_CHROMIUM, pytest.mark.django_db(transaction=True)]


def _act(page: Page, event: str, fields: dict[str, str] | None = None) -> None:
    action = page.locator(f"[data-testid=action-{event}]")
    action.locator("summary").click()
    for name, value in (fields or {}).items():
        action.locator(f"[name='{event}-{name}']").fill(value)
    with page.expect_navigation():
        action.locator("button[type=submit]").click()


def _person(browser: Browser, base: str, user: Any) -> Page:
    page = browser.new_context(locale="zh-CN").new_page()
    sign_in(page, base, user)
    return page


def test_a_dibao_application_from_intake_to_the_decision_letter(
    live_server: Any, browser: Browser
) -> None:
    subdivisions("440104")
    department_batches(timezone.localdate())  # the departments delivered (nothing found)
    worker = make_user("township_caseworker", "440104001", username="journey-worker")
    leader = make_user("township_leader", "440104001", username="journey-leader")
    verifier = make_user("verification_officer", "440104", username="journey-verifier")
    household = make_household(worker, "440104001001", members=3)
    head = members(household)[0]
    base = live_server.url

    page = _person(browser, base, worker)
    page.goto(f"{base}/households/{household.id}/")
    page.click("text=受理申请")
    page.click("text=最低生活保障")
    page.select_option("#id_applicant", str(head.id))
    today = dt.date.today().isoformat()
    page.fill("#id_authorization_on", today)
    for doc in ("application_form", "id_card", "income_statement"):
        page.check(f"input[name=doc_{doc}][value=received]")
    page.check("input[name=doc_hukou_book][value=committed]")
    with page.expect_navigation():
        page.click("[data-testid=intake] button[type=submit]")
    expect(page.locator("[data-testid=state]")).to_have_text("已受理")
    case = Case.unscoped.get(household=household)

    _act(page, "complete_materials")
    _act(
        page, "record_visit", {"visitors": "经办人、村协理员", "findings": "家中无劳动力，收入属实"}
    )
    _act(page, "request_verification")
    expect(page.locator("[data-testid=state]")).to_have_text("待核对")

    checker = _person(browser, base, verifier)
    checker.goto(f"{base}/cases/{case.id}/")
    _act(checker, "complete_verification", {"summary": "税务、不动产、车辆均无记录"})

    page.reload()
    _act(page, "evaluate")
    expect(page.locator("body")).to_contain_text("最低生活保障")
    _act(page, "propose")
    _act(page, "post_notice")
    expect(page.locator("[data-testid=state]")).to_have_text("公示中")
    Case.unscoped.filter(id=case.id).update(notice_to=dt.date.today())  # seven days later
    page.reload()
    _act(page, "close_notice")
    expect(page.locator("[data-testid=state]")).to_have_text("待审批")

    boss = _person(browser, base, leader)
    boss.click("nav >> text=待审批")
    approval = boss.locator("[data-testid=approval]", has_text=case.number)
    expect(approval).to_contain_text("C-0")  # the explanation's rule IDs beside the case
    approval.locator("text=审批").click()
    _act(boss, "approve", {"reason": "同意"})
    expect(boss.locator("[data-testid=outcome]")).to_contain_text("批准")

    case.refresh_from_db()
    assert case.state == "approved" and case.decided_amount
    pdf = page.request.get(f"{base}/cases/{case.id}/letters/decision.pdf")
    assert pdf.headers["content-type"] == "application/pdf"
    text = "".join(p.extract_text() for p in PdfReader(io.BytesIO(pdf.body())).pages)
    text = text.replace("\n", "")
    assert head.name in text and str(case.decided_amount) in text and "B-01" in text
