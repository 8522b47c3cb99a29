"""Payments in a real browser (headless Chromium through Playwright, B-01, F-01): a county
officer runs this month's batch, a second officer approves it, downloads the bank file and
uploads the bank's return file with two failures; both are held with the bank's reason and
the control report balances."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Browser, expect

from jiuzhu.benefits import bankfile
from jiuzhu.benefits.models import BatchStatus, Payment, PaymentBatch, PaymentStatus
from tests.benefits.conftest import account_number, entitled
from tests.browser import ONLY_WITH_CHROMIUM, sign_in
from tests.factories import make_user, subdivisions

pytestmark = ONLY_WITH_CHROMIUM


@pytest.fixture
def officers() -> dict[str, Any]:
    subdivisions("440104")
    worker = make_user("township_caseworker", "440104001", username="pay-worker")
    entitled(worker, "440104001001", ["1238.00", "990.50", "2476.00", "300.01"])
    return {
        "preparer": make_user("county_officer", "440104", username="pay-county"),
        "approver": make_user("county_officer", "440104", username="pay-county2"),
    }


def return_file(batch: PaymentBatch) -> bytes:
    rows = ["reference,account_number,amount,result,reason,bank_reference"]
    for i, p in enumerate(Payment.unscoped.filter(carrier=batch).order_by("id")):
        result, reason = ("failed", "账户已冻结") if i < 2 else ("paid", "")
        rows.append(
            f"{bankfile.reference_of(p.pk)},{account_number(p.household_id)},{p.amount:.2f},"
            f"{result},{reason},B{i}"
        )
    return ("\r\n".join(rows) + "\r\n").encode("utf-8")


@pytest.mark.django_db(transaction=True)
def test_b01_run_approve_export_and_reconcile_a_batch_in_the_browser(
    live_server: Any, browser: Browser, officers: dict[str, Any]
) -> None:
    base = live_server.url
    page = browser.new_page(locale="zh-CN")
    sign_in(page, base, officers["preparer"])
    page.click("nav >> text=资金发放")
    page.click("[data-testid=run]")
    expect(page.locator("[data-testid=batch-status]")).to_have_text("待审核")
    batch = PaymentBatch.unscoped.get()
    assert batch.payment_count == 4
    expect(page.locator("[data-testid=approve]")).to_have_count(0)  # not the preparer (F-01)

    second = browser.new_page(locale="zh-CN")
    sign_in(second, base, officers["approver"])
    second.goto(f"{base}/payments/{batch.pk}/")
    second.click("[data-testid=approve]")
    expect(second.locator("[data-testid=batch-status]")).to_have_text("已审核")
    with second.expect_download() as download:
        second.click("[data-testid=export]")
    content = Path(download.value.path()).read_bytes()
    assert content.startswith(b"reference,") and b"TOTAL,4," in content
    second.goto(f"{base}/payments/{batch.pk}/")
    expect(second.locator("[data-testid=batch-status]")).to_have_text("已生成银行文件")

    second.set_input_files(
        "#return-file",
        {"name": "return.csv", "mimeType": "text/csv", "buffer": return_file(batch)},
    )
    second.click("[data-testid=reconcile]")
    expect(second.locator(".alert-success")).to_contain_text("到账 2 笔，失败暂挂 2 笔")
    expect(second.locator("[data-testid=held-row]")).to_have_count(2)
    expect(second.locator("[data-testid=held]")).to_contain_text("账户已冻结")
    expect(second.locator("[data-testid=balanced]")).to_contain_text("账务平衡")
    assert Payment.unscoped.filter(status=PaymentStatus.HELD).count() == 2
    assert PaymentBatch.unscoped.get().status == BatchStatus.RECONCILED
