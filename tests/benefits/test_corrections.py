"""Corrections and recoveries (F-02, F-04): the cause of every correction recorded (the staff
member responsible only for a staff error), overpayments recovered on a schedule, each
repayment posted to the ledger (`recovery`: paid → fund) so that the control report still
balances to the cent, concealment flagged for the credit list."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from jiuzhu.audit.models import AuditEvent
from jiuzhu.benefits.corrections import (
    allocate,
    entitlement_correct,
    recoveries_list,
    recovery_record_repayment,
    recovery_write_off,
    schedule_of,
)
from jiuzhu.benefits.ledger import control_report, post
from jiuzhu.benefits.models import (
    Correction,
    EntitlementChange,
    Payment,
    PaymentStatus,
    Posting,
    PostingKind,
    Recovery,
    RecoveryStatus,
)
from jiuzhu.benefits.payments import payments_run
from jiuzhu.registry.errors import ServiceError
from tests.benefits.conftest import COUNTY, TODAY, as_user, entitled

JAN, FEB, MAR = dt.date(2026, 1, 1), dt.date(2026, 2, 1), dt.date(2026, 3, 1)


@given(
    amount=st.decimals(min_value=0, max_value=10_000, places=2),
    portions=st.lists(st.decimals(min_value=0, max_value=5_000, places=2), max_size=8),
)
def test_a_repayment_is_allocated_within_each_payments_overpayment(
    amount: Decimal, portions: list[Decimal]
) -> None:
    """F-02 property: parts never exceed their portion, and sum to the amount while it
    is not more than all that is owed."""
    parts = allocate(amount, portions)
    assert all(Decimal(0) <= p <= max(q, Decimal(0)) for p, q in zip(parts, portions, strict=True))
    assert sum(parts, Decimal(0)) == min(
        amount, sum((max(q, Decimal(0)) for q in portions), Decimal(0))
    )


@given(
    owed=st.decimals(min_value=Decimal("0.01"), max_value=100_000, places=2),
    n=st.integers(min_value=1, max_value=60),
)
def test_a_schedule_sums_to_what_is_owed(owed: Decimal, n: int) -> None:
    schedule = schedule_of(owed, n, dt.date(2026, 12, 1))
    assert sum((Decimal(i["amount"]) for i in schedule), Decimal(0)) == owed
    assert schedule[0]["due"] == "2026-12"


@pytest.fixture
def paid(db: None, officers: dict[str, Any], gd_area: str) -> Any:
    """One household paid 1,000 yuan of dibao for January to March 2026."""
    (entitlement,) = entitled(officers["caseworker"], gd_area + "001", ["1000.00"])
    preparer = officers["preparer"]
    for month in (JAN, FEB, MAR):
        with as_user(preparer):
            batch = payments_run(actor=preparer, county=COUNTY, month=month, today=TODAY).batch
        payments = list(Payment.unscoped.filter(batch=batch))
        Payment.unscoped.filter(batch=batch).update(status=PaymentStatus.PAID)
        post(PostingKind.PAYMENT, payments, batch.pk)
    return entitlement


def _correct(officers: dict[str, Any], entitlement: Any, **fields: Any) -> Correction:
    county = officers["preparer"]
    fields.setdefault("cause", "shared_data_error")
    fields.setdefault("month_from", JAN)
    fields.setdefault("month_to", MAR)
    fields.setdefault("correct_amount", "800.00")
    fields.setdefault("note", "社保数据更正后收入增加")
    with as_user(county):
        return entitlement_correct(
            actor=county, entitlement_id=entitlement.pk, today=TODAY, **fields
        )


def _repay(officers: dict[str, Any], recovery: Recovery, amount: str) -> Recovery:
    county = officers["preparer"]
    with as_user(county):
        return recovery_record_repayment(
            actor=county, recovery_id=recovery.pk, amount=amount, paid_on=TODAY, today=TODAY
        )


@pytest.mark.django_db
def test_an_overpayment_becomes_a_recovery_and_the_cause_is_recorded(
    officers: dict[str, Any], paid: Any
) -> None:
    """F-04: shared data was wrong — recorded, the staff member not at fault; F-02: 3 × 200
    yuan overpaid is owed back."""
    correction = _correct(officers, paid, instalments=3)
    assert correction.cause == "shared_data_error" and not correction.staff_at_fault
    assert correction.overpaid == Decimal("600.00") and not correction.credit_flag
    recovery = Recovery.unscoped.get(correction=correction)
    assert recovery.status == RecoveryStatus.OPEN and recovery.amount_owed == Decimal("600.00")
    assert [i["amount"] for i in recovery.schedule] == ["200.00", "200.00", "200.00"]
    change = EntitlementChange.unscoped.filter(entitlement=paid, reason="correction").get()
    assert change.note.startswith("共享数据不准确")
    assert AuditEvent.objects.filter(action="entitlement.correct").count() == 1


@pytest.mark.django_db
def test_a_staff_error_is_the_staff_members_and_concealment_flags_the_credit_list(
    officers: dict[str, Any], paid: Any
) -> None:
    """F-04 and D-02."""
    staff = _correct(officers, paid, cause="staff_error", month_to=JAN)
    concealed = _correct(officers, paid, cause="concealment", month_from=FEB, correct_amount="0")
    assert staff.staff_at_fault and not staff.credit_flag
    assert not concealed.staff_at_fault and concealed.credit_flag
    assert concealed.overpaid == Decimal("2000.00")
    listed = {r["cause"]: r for r in _list(officers)}
    assert listed["concealment"]["credit_flag"] and not listed["concealment"]["staff_at_fault"]
    assert listed["staff_error"]["staff_at_fault"]


def _list(officers: dict[str, Any], **filters: Any) -> list[dict[str, Any]]:
    with as_user(officers["preparer"]):
        return recoveries_list(**filters)


@pytest.mark.django_db
def test_repayments_are_posted_to_the_ledger_and_it_still_balances(
    officers: dict[str, Any], paid: Any
) -> None:
    """F-02: each repayment moves money from paid back to the fund; the control report of
    each month agrees to the cent; the status follows what is left."""
    recovery = Recovery.unscoped.get(correction=_correct(officers, paid))
    recovery = _repay(officers, recovery, "250.00")
    assert recovery.status == RecoveryStatus.PARTIAL and recovery.repaid == Decimal("250.00")
    recovered = Posting.unscoped.filter(kind=PostingKind.RECOVERY)
    assert [(p.month, p.amount) for p in recovered.order_by("id")] == [
        (JAN, Decimal("200.00")),
        (FEB, Decimal("50.00")),
    ]
    with pytest.raises(ServiceError, match=r"350\.00"):
        _repay(officers, recovery, "350.01")
    recovery = _repay(officers, recovery, "350.00")
    assert recovery.status == RecoveryStatus.REPAID
    assert sum(p.amount for p in recovered) == recovery.amount_owed
    for month in (JAN, FEB, MAR):
        report = control_report(COUNTY, month)
        assert report["balanced"], report
        assert report["postings"]["recovery"] == "200.00"
    with pytest.raises(ServiceError):
        _repay(officers, recovery, "1.00")  # repaid: closed


@pytest.mark.django_db
def test_a_write_off_needs_a_reason_and_closes_the_recovery(
    officers: dict[str, Any], paid: Any
) -> None:
    recovery = Recovery.unscoped.get(correction=_correct(officers, paid))
    county = officers["preparer"]
    with as_user(county):
        with pytest.raises(ServiceError):
            recovery_write_off(actor=county, recovery_id=recovery.pk, reason=" ")
        done = recovery_write_off(actor=county, recovery_id=recovery.pk, reason="当事人死亡")
    assert done.status == RecoveryStatus.WRITTEN_OFF
    assert _list(officers, status="written_off")[0]["outstanding"] == "600.00"


@pytest.mark.django_db
@pytest.mark.parametrize(
    "fields",
    [
        {"cause": "bad_luck"},
        {"month_from": MAR, "month_to": JAN},
        {"month_to": dt.date(2026, 5, 1)},  # after this month
        {"correct_amount": "-1"},
        {"correct_amount": "1.005"},
        {"note": "  "},
        {"instalments": 0},
    ],
)
def test_an_invalid_correction_is_refused_and_nothing_is_written(
    officers: dict[str, Any], paid: Any, fields: dict[str, Any]
) -> None:
    with pytest.raises(ServiceError):
        _correct(officers, paid, **fields)
    assert not Correction.unscoped.exists() and not Recovery.unscoped.exists()


@pytest.mark.django_db
def test_an_underpayment_is_recorded_without_a_recovery(
    officers: dict[str, Any], paid: Any
) -> None:
    correction = _correct(officers, paid, correct_amount="1100.00", cause="staff_error")
    assert correction.underpaid == Decimal("300.00") and correction.overpaid == 0
    assert not Recovery.unscoped.exists()
