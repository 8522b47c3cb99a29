"""The county officer's payment and adjustment pages: only users with the capability, only
their area (another county's batch is the 404 of a missing one), the batch run from the
page, approval by a second person (F-01), the bank file, the return file validated before
anything is applied (clear Chinese errors, nothing changed), held payments; the standard
adjustment page with its chart and spreadsheet (P-05)."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from jiuzhu.audit.models import AuditEvent
from jiuzhu.benefits import bankfile, views
from jiuzhu.benefits.models import (
    Adjustment,
    AdjustmentStatus,
    BatchStatus,
    Payment,
    PaymentBatch,
    PaymentStatus,
)
from tests.benefits.conftest import COUNTY, account_number, entitled
from tests.factories import signed_in


def this_month() -> str:
    return f"{dt.date.today():%Y-%m}"


@pytest.fixture
def county(officers: dict[str, Any], gd_area: str) -> dict[str, Any]:
    entitled(officers["caseworker"], gd_area + "001", ["1238.00", "990.50", "300.01"])
    return officers


def run_page(officers: dict[str, Any]) -> PaymentBatch:
    client = signed_in(officers["preparer"])
    response = client.post(reverse("benefits:run"), {"county": COUNTY, "month": this_month()})
    batch = PaymentBatch.unscoped.get()
    assert response.status_code == 302 and response["Location"].endswith(f"/payments/{batch.pk}/")
    return batch


def exported(officers: dict[str, Any]) -> PaymentBatch:
    batch = run_page(officers)
    approver = signed_in(officers["approver"])
    approver.post(reverse("benefits:approve", args=[batch.pk]))
    response = approver.post(reverse("benefits:export", args=[batch.pk]), {"format": "csv"})
    assert response.status_code == 200 and response["Content-Disposition"].startswith("attach")
    batch.refresh_from_db()
    assert batch.status == BatchStatus.EXPORTED
    return batch


def test_a_township_caseworker_cannot_see_the_payment_pages(county: dict[str, Any]) -> None:
    batch = run_page(county)
    client = signed_in(county["caseworker"])
    for url in (
        reverse("benefits:batches"),
        reverse("benefits:batch", args=[batch.pk]),
        reverse("benefits:adjustments"),
    ):
        assert client.get(url).status_code == 403
    assert client.post(reverse("benefits:approve", args=[batch.pk])).status_code == 403


def test_another_countys_batch_and_adjustment_are_missing(county: dict[str, Any]) -> None:
    """SECURITY.md 1: the other county's officer gets the 404 of a missing id, GET and POST,
    and nothing is written."""
    batch = run_page(county)
    client = signed_in(county["preparer"])
    client.post(
        reverse("benefits:adjustment_prepare"), {"region": COUNTY, "effective": "2026-01-01"}
    )
    adjustment = Adjustment.unscoped.get()
    other = signed_in(county["im"])
    before = AuditEvent.objects.count()
    for name, pk in [
        ("benefits:batch", batch.pk),
        ("benefits:approve", batch.pk),
        ("benefits:export", batch.pk),
        ("benefits:reconcile", batch.pk),
        ("benefits:reissue", batch.pk),
        ("benefits:cancel", batch.pk),
        ("benefits:adjustment", adjustment.pk),
        ("benefits:adjustment_approve", adjustment.pk),
        ("benefits:adjustment_apply", adjustment.pk),
        ("benefits:adjustment_xlsx", adjustment.pk),
    ]:
        for method in ("get", "post"):
            response = getattr(other, method)(reverse(name, args=[pk]))
            assert response.status_code in (404, 405), (name, method, response.status_code)
    assert other.get(reverse("benefits:batches")).content.count(b'data-testid="batch-row"') == 0
    assert AuditEvent.objects.count() == before
    batch.refresh_from_db()
    assert batch.status == BatchStatus.PREPARED


def test_f01_the_page_offers_approval_only_to_a_second_person(county: dict[str, Any]) -> None:
    batch = run_page(county)
    url = reverse("benefits:batch", args=[batch.pk])
    preparer = signed_in(county["preparer"])
    assert b'data-testid="approve"' not in preparer.get(url).content
    preparer.post(reverse("benefits:approve", args=[batch.pk]))
    batch.refresh_from_db()
    assert batch.status == BatchStatus.PREPARED
    page = signed_in(county["approver"]).get(url)
    assert b'data-testid="approve"' in page.content
    assert "账务平衡".encode() in page.content
    assert account_number(Payment.unscoped.first().household_id).encode() not in page.content


def return_file(batch: PaymentBatch, failed: int) -> bytes:
    rows = ["reference,account_number,amount,result,reason,bank_reference"]
    for i, p in enumerate(Payment.unscoped.filter(carrier=batch).order_by("id")):
        result, reason = ("failed", "账户已冻结") if i < failed else ("paid", "")
        rows.append(
            f"{bankfile.reference_of(p.pk)},{account_number(p.household_id)},{p.amount:.2f},"
            f"{result},{reason},B{i}"
        )
    return ("\r\n".join(rows) + "\r\n").encode("utf-8")


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("return.pdf", b"%PDF-1.4", "应为 CSV 文件"),
        ("return.csv", b"", "回盘文件是空的"),
        ("return.csv", b"reference,amount\r\nP1,1\r\n", "第 1 行应为表头"),
        (
            "return.csv",
            b"reference,account_number,amount,result,reason,bank_reference\r\nP1,62,abc,paid,,B\r\n",
            "第 2 行：金额格式不正确",
        ),
        (
            "return.csv",
            b"reference,account_number,amount,result,reason,bank_reference\r\nP1,62,1.00\r\n",
            "第 2 行：应有 6 个字段",
        ),
        # an exponent, a huge number, a non-finite value: refused on their line, never a 500
        *(
            (
                "return.csv",
                b"reference,account_number,amount,result,reason,bank_reference\r\nP1,62,"
                + amount
                + b",paid,,B\r\n",
                "第 2 行：金额格式不正确",
            )
            for amount in (b"1e400", b"1E2", b"NaN", b"Infinity", b"99999999999999999")
        ),
        ("return.csv", b"\xff\xfe\x00\x81\x30", "编码"),
    ],
)
def test_a_bad_return_file_is_refused_with_a_clear_message_and_nothing_changes(
    county: dict[str, Any], name: str, content: bytes, message: str
) -> None:
    batch = exported(county)
    client = signed_in(county["approver"])
    before = AuditEvent.objects.count()
    response = client.post(
        reverse("benefits:reconcile", args=[batch.pk]),
        {"file": SimpleUploadedFile(name, content)},
        follow=True,
    )
    assert message in response.content.decode()
    assert AuditEvent.objects.count() == before
    assert set(Payment.unscoped.values_list("status", flat=True)) == {PaymentStatus.EXPORTED}


def test_a_return_file_too_large_is_refused_unread(
    county: dict[str, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    batch = exported(county)
    monkeypatch.setattr(views, "RETURN_MAX_BYTES", 100)
    response = signed_in(county["approver"]).post(
        reverse("benefits:reconcile", args=[batch.pk]),
        {"file": SimpleUploadedFile("r.csv", return_file(batch, 0))},
        follow=True,
    )
    assert "回盘文件超过" in response.content.decode()
    assert not Payment.unscoped.filter(status=PaymentStatus.PAID).exists()


def test_b01_reconciliation_holds_failures_and_reissue_from_the_page(
    county: dict[str, Any],
) -> None:
    batch = exported(county)
    client = signed_in(county["approver"])
    response = client.post(
        reverse("benefits:reconcile", args=[batch.pk]),
        {"file": SimpleUploadedFile("r.csv", return_file(batch, 2))},
        follow=True,
    )
    text = response.content.decode()
    assert "到账 1 笔，失败暂挂 2 笔" in text and "账户已冻结" in text
    assert Payment.unscoped.filter(status=PaymentStatus.HELD).count() == 2
    held = list(Payment.unscoped.filter(status=PaymentStatus.HELD).values_list("id", flat=True))
    response = signed_in(county["preparer"]).post(
        reverse("benefits:reissue", args=[batch.pk]), {"payment": [str(held[0])]}
    )
    assert response.status_code == 302
    assert Payment.unscoped.get(pk=held[0]).status == PaymentStatus.PENDING
    client.post(reverse("benefits:cancel", args=[batch.pk]), {"payment": [str(held[1])]})
    assert Payment.unscoped.get(pk=held[1]).status == PaymentStatus.HELD  # a reason is needed
    client.post(
        reverse("benefits:cancel", args=[batch.pk]),
        {"payment": [str(held[1])], "reason": "户籍迁出"},
    )
    assert Payment.unscoped.get(pk=held[1]).status == PaymentStatus.CANCELLED


def test_p05_the_adjustment_page_chart_spreadsheet_and_four_eyes(
    officers: dict[str, Any], gd_area: str
) -> None:
    entitled(officers["caseworker"], gd_area + "001", ["1238.00", "1500.00"],
             start=dt.date(2024, 1, 1))  # fmt: skip
    preparer = signed_in(officers["preparer"])
    response = preparer.post(
        reverse("benefits:adjustment_prepare"),
        {"region": COUNTY, "effective": "2025-01-01", "first_payment": "2025-06"},
    )
    adjustment = Adjustment.unscoped.get()
    assert response["Location"].endswith(f"/adjustments/{adjustment.pk}/")
    page = preparer.get(response["Location"]).content.decode()
    assert "<svg" in page and "440104001" in page and "355.00" in page
    assert "执行调整" not in page and "审核通过" not in page  # not for the preparer
    sheet = preparer.get(reverse("benefits:adjustment_xlsx", args=[adjustment.pk]))
    assert sheet.status_code == 200 and sheet.content[:2] == b"PK"
    approver = signed_in(officers["approver"])
    approver.post(reverse("benefits:adjustment_approve", args=[adjustment.pk]))
    approver.post(reverse("benefits:adjustment_apply", args=[adjustment.pk]))
    adjustment.refresh_from_db()
    assert adjustment.status == AdjustmentStatus.APPLIED
    assert adjustment.result["households_changed"] == 2


def test_a_bad_adjustment_form_is_refused(county: dict[str, Any]) -> None:
    response = signed_in(county["preparer"]).post(
        reverse("benefits:adjustment_prepare"),
        {"region": COUNTY, "effective": "2025-02-30"},
        follow=True,
    )
    assert "日期应为 YYYY-MM-DD 格式" in response.content.decode()
    assert not Adjustment.unscoped.exists()


def test_the_pages_in_english(county: dict[str, Any]) -> None:
    batch = run_page(county)
    client = signed_in(county["approver"])
    client.post("/i18n/setlang/", {"language": "en", "next": "/"})
    html = client.get(reverse("benefits:batch", args=[batch.pk])).content.decode()
    assert "Control report" in html and "Approve" in html and "控制报表" not in html
    html = client.get(reverse("benefits:adjustments")).content.decode()
    assert "Standard adjustments" in html
