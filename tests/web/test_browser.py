"""The registry in a real browser (headless Chromium through Playwright): sign in with two
factors, find a household, add a member with a mistyped ID number, see the Chinese error by
the field, fix it, and find the addition in the audit trail.

Uses Debian's Chromium at /usr/bin/chromium (CI installs it); no browser is downloaded."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from playwright.sync_api import Browser, Page, expect

from jiuzhu.accounts.models import User
from jiuzhu.registry.identity import ERROR_CHECKSUM
from jiuzhu.registry.models import Household, Member
from tests.browser import ONLY_WITH_CHROMIUM, sign_in
from tests.factories import id_number, make_household, make_user, subdivisions

pytestmark = ONLY_WITH_CHROMIUM


@pytest.fixture
def worker_and_household() -> tuple[User, Household]:
    subdivisions("440104")
    user = make_user("township_caseworker", "440104001", username="browser-worker")
    return user, make_household(user, "440104001", members=1)


def _type_id(page: Page, number: str) -> None:
    page.fill("#id_id_number", number)
    page.press("#id_id_number", "Tab")  # change → the htmx check


@pytest.mark.django_db(transaction=True)
def test_a_caseworker_adds_a_member_after_fixing_a_mistyped_id_number(
    live_server: Any, browser: Browser, worker_and_household: tuple[User, Household]
) -> None:
    user, household = worker_and_household
    base = live_server.url
    page = browser.new_page(locale="zh-CN")
    sign_in(page, base, user)

    page.click("nav >> text=家庭查询")
    page.fill("#id_q", "合成成员1")
    page.click("form[role=search] button[type=submit]")
    page.click(f"text={household.number}")
    page.wait_for_url(f"{base}/households/{household.id}/")

    page.click("text=新增成员")
    good = id_number(dt.date(1985, 4, 12), sex="male")
    bad = good[:-1] + ("0" if good[-1] != "0" else "1")
    page.fill("#id_name", "浏览器成员")
    _type_id(page, bad)
    expect(page.locator("#id_number-check")).to_contain_text(str(ERROR_CHECKSUM))
    page.fill("#id_relation", "配偶")
    page.fill("#id_joined_on", "2021-03-01")
    # wait for the refused submission's answer to be swapped in before typing again
    with page.expect_response(lambda r: r.request.method == "POST" and "/members/new/" in r.url):
        page.click("form.registry-form button[type=submit]")
    page.wait_for_load_state("networkidle")
    expect(page.locator("#id_number-check")).to_contain_text(str(ERROR_CHECKSUM))
    assert not Member.unscoped.filter(name="浏览器成员").exists()

    _type_id(page, good)
    expect(page.locator("#id_number-check")).to_contain_text("1985-04-12")
    expect(page.locator("#id_number-check")).to_contain_text("男")
    page.click("form.registry-form button[type=submit]")
    page.wait_for_url(f"{base}/households/{household.id}/")
    members = page.locator("[data-testid=members]")
    expect(members).to_contain_text("浏览器成员")
    member = Member.unscoped.get(name="浏览器成员")
    expect(members).to_contain_text(member.id_masked)
    assert good not in page.content()

    page.click("text=审计记录")
    trail = page.locator("[data-testid=audit]")
    expect(trail).to_contain_text("新增家庭成员")
    expect(trail).to_contain_text("浏览器成员")
    expect(trail).to_contain_text("browser-worker")
