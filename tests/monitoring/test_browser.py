"""A grid worker closes a warning's task on a phone (headless Chromium, 390 × 844): the task
list, the task page with its evidence, the visit-outcome form; the task leaves the list."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from playwright.sync_api import Browser, expect

from jiuzhu.monitoring.models import Task
from tests.browser import ONLY_WITH_CHROMIUM, sign_in
from tests.factories import make_user
from tests.monitoring.test_services import warned

pytestmark = [ONLY_WITH_CHROMIUM, pytest.mark.django_db(transaction=True)]
PHONE = {"width": 390, "height": 844}


def test_a_grid_worker_closes_a_task_on_a_phone(
    live_server: Any, browser: Browser, caseworker: Any, gd_area: str
) -> None:
    today = dt.date.today()
    task = warned(caseworker, gd_area + "001", on=today)
    worker = make_user("village_assistant", gd_area + "001", username="grid-worker")
    context = browser.new_context(
        locale="zh-CN", viewport=PHONE, is_mobile=True, has_touch=True, device_scale_factor=2
    )
    page = context.new_page()
    base = live_server.url
    sign_in(page, base, worker)
    page.goto(f"{base}/monitoring/tasks/")
    page.click(f"[data-testid=task-{task.id}]")
    expect(page.locator("h1")).to_have_text("大额医疗费用")
    expect(page.locator("[data-testid=evidence]")).to_contain_text("1500.00")
    form = page.locator("[data-testid=outcome-form]")
    assert form.bounding_box()["width"] <= PHONE["width"]  # type: ignore[index]
    page.check("#outcome-no_need")
    page.fill("#id_note", "入户核查：医疗费用已由大病保险报销，生活无困难")
    with page.expect_navigation():
        page.click("[data-testid=outcome-form] button[type=submit]")
    expect(page.locator("[data-testid=tasks]")).not_to_contain_text("大额医疗费用")
    closed = Task.unscoped.get(pk=task.pk)
    assert (closed.state, closed.outcome, closed.visited_on) == ("closed", "no_need", today)
    context.close()
