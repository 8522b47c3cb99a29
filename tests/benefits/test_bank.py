"""The bank file (CSV and fixed width, docs/payments.md) and reconciliation from the bank's
return file: paid, failed → held, unknown accounts and repeated lines reported, nothing
lost; held payments reissued or cancelled; the ledger balances to the cent throughout
(SECURITY.md 13, 20; F-01)."""

from __future__ import annotations

import csv
import hashlib
import io
from decimal import Decimal
from typing import Any

import pytest

from jiuzhu.audit.models import AccessEvent
from jiuzhu.benefits import bankfile, errors
from jiuzhu.benefits.bank import batch_export, batch_reconcile, payments_cancel, payments_reissue
from jiuzhu.benefits.ledger import control_report
from jiuzhu.benefits.models import BatchStatus, Payment, PaymentStatus, Posting
from jiuzhu.benefits.payments import batch_approve, payments_run
from jiuzhu.registry.errors import ServiceError
from tests.benefits.conftest import COUNTY, MONTH, TODAY, account_number, as_user

pytestmark = pytest.mark.django_db


@pytest.fixture
def approved(officers: dict[str, Any], five: list[Any]) -> Any:
    with as_user(officers["preparer"]):
        batch = payments_run(actor=officers["preparer"], county=COUNTY, month=MONTH, today=TODAY)
    with as_user(officers["approver"]):
        return batch_approve(actor=officers["approver"], batch_id=batch.batch.pk)


def export(officers: dict[str, Any], batch: Any, file_format: str = "csv") -> Any:
    with as_user(officers["approver"]):
        return batch_export(actor=officers["approver"], batch_id=batch.pk, file_format=file_format)


def test_the_csv_file_has_every_payment_and_a_checked_trailer(
    officers: dict[str, Any], approved: Any
) -> None:
    done = export(officers, approved)
    text = done.content.decode("gb18030")
    rows = list(csv.reader(io.StringIO(text)))
    assert tuple(rows[0]) == bankfile.CSV_COLUMNS
    details, trailer = rows[1:-1], rows[-1]
    assert len(details) == 5 and trailer[0] == "TOTAL" and trailer[1] == "5"
    assert trailer[4] == "5005.51" == done.total
    body = b"".join(done.content.split(b"\r\n", 1)[1].rsplit(b"TOTAL", 1)[:1])
    assert trailer[7] == hashlib.sha256(body).hexdigest()
    assert text.count("\r\n") == 7
    assert Payment.unscoped.filter(status=PaymentStatus.EXPORTED).count() == 5
    assert approved.__class__.unscoped.get(pk=approved.pk).status == BatchStatus.EXPORTED


def test_every_account_read_for_the_file_is_in_the_access_log(
    officers: dict[str, Any], approved: Any
) -> None:
    """SECURITY.md 20: each clear account number read is logged with its purpose."""
    export(officers, approved)
    reads = AccessEvent.objects.filter(subject_type="payee_account", field="account_number")
    assert reads.count() == 5
    assert {r.actor_name for r in reads} == {"gd-county2"}


def test_the_fixed_width_file_is_byte_exact(officers: dict[str, Any], approved: Any) -> None:
    done = export(officers, approved, "fixed")
    records = done.content.split(b"\r\n")
    assert records[-1] == b"" and len(records) == 7
    assert all(len(r) == bankfile.RECORD_LENGTH for r in records[:-1])
    head = records[0].decode("ascii")
    assert head[0] == "H" and int(head[1:13]) == approved.pk and head[13:19] == COUNTY
    assert head[19:25] == "202604" and int(head[25:33]) == 5 and int(head[33:51]) == 500551
    details = b"".join(r + b"\r\n" for r in records[1:-1])
    assert head[51:115] == hashlib.sha256(details).hexdigest()
    first = records[1]
    assert first[:1] == b"D" and first[1:21].strip().startswith(b"P")
    assert first[51:91].decode("gb18030").strip().startswith("合成户主")  # 2 bytes a Hanzi


def test_a_long_or_rare_name_is_cut_at_a_whole_character() -> None:
    field = bankfile._fit("𠀀" * 30, 40)  # 4 bytes each in GB18030
    assert len(field) == 40 and field.decode("gb18030") == "𠀀" * 10
    assert bankfile._fit("张三丰" * 20, 41).decode("gb18030") == "张三丰" * 6 + "张三 "


def test_a_payee_without_an_account_refuses_the_whole_file(
    officers: dict[str, Any], approved: Any
) -> None:
    from jiuzhu.benefits.models import PayeeAccount

    PayeeAccount.unscoped.filter(pk=PayeeAccount.unscoped.first().pk).delete()  # type: ignore[union-attr]
    with pytest.raises(ServiceError) as refused:
        export(officers, approved)
    assert refused.value.message == str(errors.ACCOUNT_MISSING.format(count=1))
    assert not Payment.unscoped.filter(status=PaymentStatus.EXPORTED).exists()


def return_file(lines: list[tuple[str, str, str, str, str]]) -> str:
    out = ["reference,account_number,amount,result,reason,bank_reference"]
    out += [",".join([*line, f"B{i}"]) for i, line in enumerate(lines)]
    return "\r\n".join(out) + "\r\n"


def test_reconciliation_holds_failures_and_reports_unknown_and_repeated_lines(
    officers: dict[str, Any], approved: Any
) -> None:
    export(officers, approved)
    payments = list(Payment.unscoped.order_by("id"))
    line = {
        p.pk: (bankfile.reference_of(p.pk), account_number(p.household_id), f"{p.amount:.2f}")
        for p in payments
    }
    p0, p1, p2, p3, p4 = (p.pk for p in payments)
    content = return_file(
        [
            (*line[p0], "paid", ""),
            (*line[p1], "failed", "账户已销户"),
            (*line[p0], "paid", ""),  # repeated
            ("P999999999999", "6222000000000000001", "10.00", "paid", ""),  # unknown reference
            (line[p2][0], "6222000000000000009", line[p2][2], "paid", ""),  # unknown account
            (*line[p3], "paid", ""),
        ]
    )
    with as_user(officers["approver"]):
        report = batch_reconcile(actor=officers["approver"], batch_id=approved.pk, content=content)
    assert (report.paid, report.failed) == (2, 1)
    assert [d["line"] for d in report.duplicates] == [4]
    assert [u["line"] for u in report.unknown] == [5, 6]
    assert report.outstanding == 2  # p2 (account mismatch) and p4 (not in the file) wait
    held = Payment.unscoped.get(pk=p1)
    assert held.status == PaymentStatus.HELD and held.failure_reason == "账户已销户"
    assert report.batch.status == BatchStatus.EXPORTED
    control = control_report(COUNTY, MONTH)
    assert control["balanced"]
    assert control["by_status"]["held"] == f"{held.amount:.2f}"
    # the rest arrive in a second file: the batch is reconciled
    rest = return_file([(*line[p2], "paid", ""), (*line[p4], "paid", "")])
    with as_user(officers["approver"]):
        second = batch_reconcile(actor=officers["approver"], batch_id=approved.pk, content=rest)
    assert second.batch.status == BatchStatus.RECONCILED and second.outstanding == 0
    # the held payment is reissued in a reissue batch, approved by another person, paid
    with as_user(officers["preparer"]):
        reissue = payments_reissue(actor=officers["preparer"], payment_ids=[p1], note="新账户")
    assert reissue.kind == "reissue" and reissue.payment_count == 1
    with as_user(officers["approver"]):
        batch_approve(actor=officers["approver"], batch_id=reissue.pk)
        again = batch_export(actor=officers["approver"], batch_id=reissue.pk, file_format="csv")
        assert again.records == 1
        batch_reconcile(
            actor=officers["approver"],
            batch_id=reissue.pk,
            content=return_file([(*line[p1], "paid", "")]),
        )
    final = control_report(COUNTY, MONTH)
    assert final["balanced"] and final["by_status"]["paid"] == final["accrued"] == "5005.51"
    assert Payment.unscoped.get(pk=p1).attempt == 2


def test_a_held_payment_can_be_cancelled_with_a_reason(
    officers: dict[str, Any], approved: Any
) -> None:
    export(officers, approved)
    payment = Payment.unscoped.order_by("id").first()
    assert payment is not None
    content = return_file(
        [
            (
                bankfile.reference_of(payment.pk),
                account_number(payment.household_id),
                f"{payment.amount:.2f}",
                "failed",
                "户名不符",
            )
        ]
    )
    with as_user(officers["approver"]):
        batch_reconcile(actor=officers["approver"], batch_id=approved.pk, content=content)
        with pytest.raises(ServiceError):
            payments_cancel(actor=officers["approver"], payment_ids=[payment.pk], reason=" ")
        payments_cancel(actor=officers["approver"], payment_ids=[payment.pk], reason="已迁出")
    control = control_report(COUNTY, MONTH)
    assert control["balanced"]
    assert control["by_status"]["cancelled"] == f"{payment.amount:.2f}"
    kinds = list(Posting.unscoped.filter(payment=payment).values_list("kind", flat=True))
    assert kinds == ["accrual", "failure", "cancellation"]
    assert Decimal(control["accrued"]) == Decimal("5005.51")


def test_a_malformed_return_file_changes_nothing(officers: dict[str, Any], approved: Any) -> None:
    export(officers, approved)
    with as_user(officers["approver"]), pytest.raises(ServiceError) as refused:
        batch_reconcile(actor=officers["approver"], batch_id=approved.pk, content="a,b\r\n1,2\r\n")
    assert refused.value.field == "file"
    assert not Payment.unscoped.exclude(status=PaymentStatus.EXPORTED).exists()


def test_the_ledger_and_history_refuse_update_and_delete_in_the_database(
    officers: dict[str, Any], approved: Any
) -> None:
    """Append-only like the audit log (audit/migrations/0002): triggers refuse UPDATE and
    DELETE of postings and of the entitlement history."""
    from django.db import DatabaseError, connection, transaction

    from jiuzhu.benefits.models import EntitlementChange
    from tests.audit.test_chain import maintenance_off

    entitlement = Payment.unscoped.first().entitlement  # type: ignore[union-attr]
    EntitlementChange.unscoped.create(
        entitlement=entitlement,
        region_code=entitlement.region_code,
        reason="decision",
        to_status="active",
        amount_after=entitlement.monthly_amount,
        effective_month=entitlement.start_month,
        actor_name="test",
        at=entitlement.created_at,
    )
    statements = (
        "UPDATE benefits_posting SET amount = 1",
        "DELETE FROM benefits_posting",
        "UPDATE benefits_entitlementchange SET note = 'x'",
    )
    for sql in statements:
        with (
            pytest.raises(DatabaseError),
            transaction.atomic(),
            maintenance_off(),
            connection.cursor() as cursor,
        ):
            cursor.execute(sql)


def test_a_batch_that_changed_while_its_file_was_written_is_refused(
    officers: dict[str, Any], approved: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The file is written from a read before the transaction; if the batch's payments no
    longer add up to it under the lock, nothing is exported, logged or changed."""
    from jiuzhu.benefits import bank

    read = bank._export_rows
    monkeypatch.setattr(bank, "_export_rows", lambda carried: read(carried).head(4))
    with pytest.raises(ServiceError) as refused:
        export(officers, approved)
    assert refused.value.message == errors.BATCH_CHANGED
    assert Payment.unscoped.filter(status=PaymentStatus.PENDING).count() == 5
    assert approved.__class__.unscoped.get(pk=approved.pk).status == BatchStatus.APPROVED
    assert not AccessEvent.objects.filter(subject_type="payee_account").exists()


def test_the_control_report_names_a_household_whose_ledger_disagrees(
    officers: dict[str, Any], approved: Any
) -> None:
    """A posting with no payment state behind it (here: money recorded as paid while the
    payment is still pending) unbalances that household and its batch, and only them."""
    from django.db import transaction

    from jiuzhu.benefits.ledger import post
    from jiuzhu.benefits.models import PostingKind

    assert control_report(COUNTY, MONTH)["balanced"]
    payment = Payment.unscoped.filter(batch=approved).order_by("id").first()
    assert payment is not None
    with transaction.atomic():
        post(PostingKind.PAYMENT, [payment], approved.pk)
    report = control_report(COUNTY, MONTH)
    assert not report["balanced"]
    assert report["households_unbalanced"] == [payment.household_id]
    assert report["households"] == 5
    assert [b["balanced"] for b in report["batches"]] == [False]


def test_the_ledger_is_checkpointed_and_a_changed_or_truncated_ledger_is_named(
    officers: dict[str, Any], approved: Any
) -> None:
    """SECURITY.md 21, issue 15 item 1: the ledger has no chain, so its checkpoint holds a
    keyed digest of every posting up to the last; `audit verify` recomputes it."""
    import json

    from typer.testing import CliRunner

    from jiuzhu.benefits.models import Posting
    from jiuzhu.cli.main import app
    from tests.audit.test_chain import raw

    def audit_verify() -> tuple[int, dict[str, Any]]:
        result = CliRunner().invoke(app, ["audit", "verify"])
        return result.exit_code, json.loads(result.stdout)

    postings = list(Posting.unscoped.order_by("id").values_list("id", flat=True))
    assert len(postings) >= 2
    code, report = audit_verify()
    assert code == 0 and report["postings"] == {"ok": True, "rows": len(postings)}
    raw("UPDATE benefits_posting SET amount = amount + 1 WHERE id = %s", [postings[0]])
    code, report = audit_verify()
    assert code == 1 and report["postings"]["reason"].startswith("changed:")
    raw("UPDATE benefits_posting SET amount = amount - 1 WHERE id = %s", [postings[0]])
    assert audit_verify()[0] == 0
    raw("DELETE FROM benefits_posting WHERE id = %s", [postings[-1]])
    code, report = audit_verify()
    assert code == 1 and report["postings"]["reason"].startswith("truncated:")
