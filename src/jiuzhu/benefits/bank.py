"""The bank side of a batch: the disbursement file, reconciliation of the bank's return
file, and what happens to held payments (reissue or cancel).

Each is one transaction with its audit row; the bank file's clear account numbers are read
under the access log (benefits/accounts.py). Reconciliation never loses a line: paid and
failed lines are applied, unknown references or accounts and repeated lines are reported,
payments the file does not mention stay at the bank (`exported`) for the next file.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

import polars as pl
from django.db import transaction
from django.db.models import Count, QuerySet, Sum
from django.utils import timezone

from jiuzhu.accounts.roles import Can
from jiuzhu.audit.services import (
    access_reads_append,
    access_reads_prepare,
    audit_record,
    audit_record_many,
)
from jiuzhu.benefits import bankfile, errors, flows
from jiuzhu.benefits.accounts import account_hash
from jiuzhu.benefits.ledger import post
from jiuzhu.benefits.models import (
    BatchKind,
    BatchStatus,
    PayeeAccount,
    Payment,
    PaymentBatch,
    PaymentStatus,
    PostingKind,
)
from jiuzhu.benefits.payments import batch_locked, batch_totals, require
from jiuzhu.db import bulk_set, query_frame
from jiuzhu.registry.errors import ServiceError
from jiuzhu.registry.identity import decrypt_many

FORMATS = ("csv", "fixed")


@dataclass
class Export:
    batch: PaymentBatch
    content: bytes
    records: int
    total: str
    sha256: str


EXPORT_COLUMNS = {
    "id": pl.Int64,
    "household_id": pl.Int64,
    "region_code": pl.String,
    "amount": pl.String,
    "category": pl.String,
    "month": pl.Date,
    "household": pl.String,
    "cipher": pl.String,
    "holder_name": pl.String,
    "bank_name": pl.String,
}


def _export_rows(carried: QuerySet[Payment]) -> pl.DataFrame:
    """The carried payments with their household's number and payee account, in id order:
    one query, read by COPY on PostgreSQL (`query_frame`), no object per payment."""
    return query_frame(
        carried.order_by("id").values_list(
            "id",
            "household_id",
            "region_code",
            "amount",
            "category",
            "month",
            "household__number",
            "household__payee_account__account_cipher",
            "household__payee_account__holder_name",
            "household__payee_account__bank_name",
        ),
        EXPORT_COLUMNS,
    )


def _carried(batch: PaymentBatch) -> QuerySet[Payment]:
    """The payments the batch's bank file carries: pending ones of an approved batch, the
    ones at the bank of an exported one (the same file again)."""
    approved = batch.status == BatchStatus.APPROVED
    status = PaymentStatus.PENDING if approved else PaymentStatus.EXPORTED
    return Payment.unscoped.filter(carrier=batch, status=status)


def batch_export(*, actor: Any, batch_id: int, file_format: str) -> Export:
    """The bank file of an approved batch (again, identical, for an exported one). Every
    payee account read for it is in the access log (one row per account, SECURITY.md 20); a
    payee without an account refuses the whole file.

    Set-based: the payments with their accounts are read in one query and the file is
    written before the transaction (a batch read, ADBC on PostgreSQL: the payments of an
    approved batch do not change until it is exported); then, with the batch locked, the
    file's count and total are checked against the database (a batch changed meanwhile
    refuses), and the access rows, the status change and the audit row are written
    together — each one statement."""
    require(actor, Can.EXPORT_PAYMENTS)
    if file_format not in FORMATS:
        raise ServiceError(errors.FORMAT_UNKNOWN, field="format")
    batch = PaymentBatch.objects.filter(pk=batch_id).first()  # the caller's area only
    if batch is None:
        raise ServiceError(errors.BATCH_MISSING, field="batch")
    flows.check(flows.BATCH, batch.status, "export", actor)
    rows = _export_rows(_carried(batch))
    missing = rows.filter(pl.col("cipher").is_null())["household_id"].n_unique()
    if missing:
        raise ServiceError(errors.ACCOUNT_MISSING.format(count=missing), field="batch")
    details = rows.select(
        pl.format("P{}", pl.col("id").cast(pl.String).str.zfill(12)).alias("reference"),
        pl.Series("account_number", decrypt_many([_blob(t) for t in rows["cipher"].to_list()])),
        pl.col("holder_name").alias("account_name"),
        "bank_name",
        "amount",
        "category",
        pl.col("month").dt.strftime("%Y-%m"),
        pl.col("household"),
    )
    payees = rows.select("household_id", "region_code").unique("household_id").sort("household_id")
    reads = access_reads_prepare(
        actor=actor,
        subject_type="payee_account",
        field="account_number",
        purpose=f"发放批次 {batch.pk} 银行代发文件"[:200],
        subjects=list(
            zip(
                payees["household_id"].cast(pl.String).to_list(),
                payees["region_code"].to_list(),
                strict=True,
            )
        ),
    )
    header = bankfile.Header(batch.pk, batch.region_code, f"{batch.month:%Y-%m}")
    writer = bankfile.csv_file if file_format == "csv" else bankfile.fixed_file
    content = writer(header, details)
    digest = hashlib.sha256(content).hexdigest()
    total = sum((Decimal(a) for a in rows["amount"].to_list()), Decimal("0.00"))
    with transaction.atomic(durable=True):
        locked = batch_locked(batch_id)
        carried = _carried(locked)
        now = carried.aggregate(n=Count("id"), s=Sum("amount"))
        if locked.status != batch.status or (now["n"], now["s"] or Decimal("0.00")) != (
            rows.height,
            total,
        ):
            raise ServiceError(errors.BATCH_CHANGED, field="batch")
        access_reads_append(reads)
        if locked.status == BatchStatus.APPROVED:
            carried.update(status=PaymentStatus.EXPORTED)
            locked.status, locked.exported_at = BatchStatus.EXPORTED, timezone.now()
        locked.export_format, locked.export_sha256 = file_format, digest
        locked.save(update_fields=["status", "exported_at", "export_format", "export_sha256"])
        audit_record(
            actor=actor,
            action="payment_batch.export",
            object_type="payment_batch",
            object_id=locked.pk,
            region_code=locked.region_code,
            new={
                "format": file_format,
                "records": rows.height,
                "total": f"{total:.2f}",
                "sha256": digest,
            },
        )
    return Export(locked, content, rows.height, f"{total:.2f}", digest)


def _blob(text: str) -> bytes:
    """A binary column as `query_frame` reads it (PostgreSQL's `\\x…` hex text)."""
    return bytes.fromhex(text[2:])


@dataclass
class Reconciliation:
    batch: PaymentBatch
    paid: int = 0
    failed: int = 0
    unknown: list[dict[str, Any]] = field(default_factory=list)
    duplicates: list[dict[str, Any]] = field(default_factory=list)
    mismatched: list[dict[str, Any]] = field(default_factory=list)
    outstanding: int = 0

    def as_dict(self) -> dict[str, Any]:
        return {
            "batch_id": self.batch.pk,
            "status": self.batch.status,
            "paid": self.paid,
            "failed": self.failed,
            "unknown": self.unknown,
            "duplicates": self.duplicates,
            "mismatched": self.mismatched,
            "outstanding": self.outstanding,
        }


def _classify(
    report: Reconciliation,
    lines: list[bankfile.ReturnLine],
    payments: dict[str, Payment],
    hashes: dict[int, str],
) -> list[tuple[Payment, bankfile.ReturnLine]]:
    seen: set[str] = set()
    apply: list[tuple[Payment, bankfile.ReturnLine]] = []
    for line in lines:
        masked = {"line": line.line, "reference": line.reference}
        payment = payments.get(line.reference)
        if line.reference in seen:
            report.duplicates.append(masked)
            continue
        seen.add(line.reference)
        if payment is None or hashes.get(payment.household_id) != account_hash(line.account_number):
            report.unknown.append(masked)
        elif line.amount != payment.amount:
            report.mismatched.append({**masked, "amount": f"{line.amount:.2f}"})
        elif payment.status == PaymentStatus.EXPORTED:
            apply.append((payment, line))
        else:
            report.duplicates.append(masked)  # reconciled by an earlier file
    return apply


def batch_reconcile(*, actor: Any, batch_id: int, content: bytes | str) -> Reconciliation:
    """Apply the bank's return file: paid lines → paid (posting payment), failed lines →
    held with the bank's reason (posting failure). The batch is reconciled once no payment
    it carries is still at the bank."""
    require(actor, Can.EXPORT_PAYMENTS)
    try:
        lines = bankfile.parse_return(content)
    except bankfile.ReturnFileError as exc:
        raise ServiceError(
            errors.RETURN_FILE_INVALID.format(reason=str(exc)), field="file"
        ) from None
    with transaction.atomic(durable=True):
        batch = batch_locked(batch_id)
        flows.check(flows.BATCH, batch.status, "reconcile", actor)
        carried = list(Payment.unscoped.filter(carrier=batch))
        payments = {bankfile.reference_of(p.pk): p for p in carried}
        hashes = dict(
            PayeeAccount.unscoped.filter(
                household_id__in={p.household_id for p in carried}
            ).values_list("household_id", "account_hash")
        )
        report = Reconciliation(batch=batch)
        apply = _classify(report, lines, payments, hashes)
        paid = [p for p, line in apply if line.result == "paid"]
        failed = [p for p, line in apply if line.result == "failed"]
        for payment, line in apply:
            payment.status = PaymentStatus.PAID if line.result == "paid" else PaymentStatus.HELD
            payment.failure_reason = line.reason if line.result == "failed" else ""
            payment.bank_reference = line.bank_reference
        bulk_set([p for p, _ in apply], ["status", "failure_reason", "bank_reference"])
        post(PostingKind.PAYMENT, paid, batch.pk)
        post(PostingKind.FAILURE, failed, batch.pk)
        report.paid, report.failed = len(paid), len(failed)
        report.outstanding = sum(1 for p in carried if p.status == PaymentStatus.EXPORTED)
        if report.outstanding == 0:
            batch.status, batch.reconciled_at = BatchStatus.RECONCILED, timezone.now()
        files = [
            *batch.reconciliation.get("files", []),
            {**report.as_dict(), "at": str(timezone.now())},
        ]
        batch.reconciliation = {"files": files}
        batch.save(update_fields=["status", "reconciled_at", "reconciliation"])
        audit_record(
            actor=actor,
            action="payment_batch.reconcile",
            object_type="payment_batch",
            object_id=batch.pk,
            region_code=batch.region_code,
            new={
                k: v
                for k, v in report.as_dict().items()
                if k not in ("unknown", "duplicates", "mismatched")
            }
            | {
                "unknown": len(report.unknown),
                "duplicates": len(report.duplicates),
                "mismatched": len(report.mismatched),
            },
        )
    return report


def _held(payment_ids: list[int]) -> list[Payment]:
    """The held payments of the caller's area among `payment_ids`, locked; anything else
    refuses the whole request."""
    found = list(Payment.objects.select_for_update().filter(id__in=payment_ids).order_by("id"))
    if len(found) != len(set(payment_ids)) or any(p.status != PaymentStatus.HELD for p in found):
        raise ServiceError(errors.PAYMENT_NOT_HELD, field="payments")
    return found


def payments_reissue(*, actor: Any, payment_ids: list[int], note: str = "") -> PaymentBatch:
    """Held payments go into the county-month's open reissue batch (created if needed),
    which is approved, exported and reconciled like any batch (posting reissue)."""
    require(actor, Can.PREPARE_PAYMENTS)
    with transaction.atomic(durable=True):
        held = _held(payment_ids)
        by_batch: dict[int, list[Payment]] = {}
        for payment in held:
            by_batch.setdefault(payment.carrier_id, []).append(payment)
        origins = PaymentBatch.unscoped.in_bulk(list(by_batch))
        keys = {(b.region_code, b.month) for b in origins.values()}
        if len(keys) != 1:
            raise ServiceError(errors.PAYMENT_NOT_HELD, field="payments")
        county, month = keys.pop()
        openness = {"region_code": county, "month": month, "kind": BatchKind.REISSUE}
        PaymentBatch.unscoped.bulk_create(
            [
                PaymentBatch(
                    **openness,
                    status=BatchStatus.PREPARED,
                    prepared_by=actor,
                    prepared_by_name=actor.get_username() if actor else "system",
                    prepared_at=timezone.now(),
                )
            ],
            ignore_conflicts=True,
        )
        target = (
            PaymentBatch.unscoped.select_for_update()
            .filter(status__in=["preparing", "prepared"], **openness)
            .get()
        )
        for payment in held:
            payment.carrier_id, payment.status = target.pk, PaymentStatus.PENDING
            payment.attempt += 1
        bulk_set(held, ["carrier_id", "status", "attempt"])
        post(PostingKind.REISSUE, held, target.pk)
        if actor is not None and actor.pk not in target.preparers:
            target.preparers = [*target.preparers, actor.pk]
        target.payment_count, target.total_amount = batch_totals(target)
        target.save(update_fields=["preparers", "payment_count", "total_amount"])
        audit_record(
            actor=actor,
            action="payment.reissue",
            object_type="payment_batch",
            object_id=target.pk,
            region_code=county,
            new={"payments": [p.pk for p in held], "note": note.strip()[:500]},
        )
    return target


def payments_cancel(*, actor: Any, payment_ids: list[int], reason: str) -> list[Payment]:
    """Held payments that will not be paid (the household moved away, the account closed
    for good): the money goes back to the fund (posting cancellation), with the reason."""
    require(actor, Can.APPROVE_PAYMENTS)
    if not reason.strip():
        raise ServiceError(errors.REASON_REQUIRED, field="reason")
    with transaction.atomic(durable=True):
        held = _held(payment_ids)
        for payment in held:
            payment.status = PaymentStatus.CANCELLED
            payment.failure_reason = reason.strip()[:200]
        bulk_set(held, ["status", "failure_reason"])
        for carrier, group in _group(held).items():
            post(PostingKind.CANCELLATION, group, carrier)
        audit_record_many(
            actor=actor,
            changes=[
                {
                    "action": "payment.cancel",
                    "object_type": "payment",
                    "object_id": p.pk,
                    "region_code": p.region_code,
                    "old": {"status": PaymentStatus.HELD},
                    "new": {"status": PaymentStatus.CANCELLED, "reason": p.failure_reason},
                }
                for p in held
            ],
        )
    return held


def _group(payments: list[Payment]) -> dict[int, list[Payment]]:
    out: dict[int, list[Payment]] = {}
    for payment in payments:
        out.setdefault(payment.carrier_id, []).append(payment)
    return out
