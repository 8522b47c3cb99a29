"""Monthly payment batches (SECURITY.md 16, F-01): computed set-based from active
entitlements, exactly once per entitlement and month, resumable after a crash, approved by
someone other than the preparer."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

import pytest

from jiuzhu.benefits import errors
from jiuzhu.benefits.ledger import control_report
from jiuzhu.benefits.models import BatchStatus, Payment, PaymentBatch, Status
from jiuzhu.benefits.payments import batch_approve, parse_month, payments_run
from jiuzhu.registry.errors import ServiceError
from tests.benefits.conftest import COUNTY, MONTH, TODAY, as_user

pytestmark = pytest.mark.django_db


def run(actor: Any, month: dt.date = MONTH, **options: Any) -> Any:
    with as_user(actor):
        return payments_run(actor=actor, county=COUNTY, month=month, today=TODAY, **options)


def test_a_run_pays_every_active_entitlement_of_the_month_once(
    officers: dict[str, Any], five: list[Any]
) -> None:
    result = run(officers["preparer"])
    assert result.batch.status == BatchStatus.PREPARED
    assert (result.added, result.batch.payment_count) == (5, 5)
    assert result.batch.total_amount == Decimal("5005.51")
    again = run(officers["preparer"])
    assert again.added == 0 and again.batch.pk == result.batch.pk
    assert Payment.unscoped.count() == 5


def test_suspended_ended_and_future_entitlements_are_not_paid(
    officers: dict[str, Any], five: list[Any]
) -> None:
    five[0].status = Status.SUSPENDED
    five[1].end_month = dt.date(2026, 3, 1)
    five[2].start_month = dt.date(2026, 5, 1)
    for e in five[:3]:
        e.save()
    assert run(officers["preparer"]).added == 2


def test_a_run_killed_between_chunks_is_completed_by_running_again(
    officers: dict[str, Any], five: list[Any]
) -> None:
    """SECURITY.md 16: a crash after the first chunk keeps that chunk; the rerun adds the
    rest and nobody twice."""

    def crash(n: int) -> None:
        raise RuntimeError("killed")

    with pytest.raises(RuntimeError):
        run(officers["preparer"], chunk=2, progress=crash)
    assert Payment.unscoped.count() == 2
    assert PaymentBatch.unscoped.get().status == BatchStatus.PREPARING
    result = run(officers["preparer"], chunk=2)
    assert result.added == 3 and result.batch.status == BatchStatus.PREPARED
    assert sorted(Payment.unscoped.values_list("entitlement_id", flat=True)) == sorted(
        e.pk for e in five
    )
    assert control_report(COUNTY, MONTH)["balanced"]


def test_the_preparer_cannot_approve_their_own_batch(
    officers: dict[str, Any], five: list[Any]
) -> None:
    """F-01, SECURITY.md 4: a second person approves."""
    batch = run(officers["preparer"]).batch
    with as_user(officers["preparer"]), pytest.raises(ServiceError) as refused:
        batch_approve(actor=officers["preparer"], batch_id=batch.pk)
    assert refused.value.message == str(errors.APPROVER_IS_PREPARER)
    with as_user(officers["approver"]):
        approved = batch_approve(actor=officers["approver"], batch_id=batch.pk)
    assert approved.status == BatchStatus.APPROVED


def test_an_approved_batch_gets_later_entitlements_in_a_supplementary_batch(
    officers: dict[str, Any], five: list[Any], gd_area: str
) -> None:
    from tests.benefits.conftest import entitled

    first = run(officers["preparer"]).batch
    with as_user(officers["approver"]):
        batch_approve(actor=officers["approver"], batch_id=first.pk)
    assert run(officers["preparer"]).batch is None  # nothing new to pay
    entitled(officers["caseworker"], gd_area + "001", ["500.00"])
    second = run(officers["preparer"])
    assert second.batch.pk != first.pk and second.added == 1


def test_another_areas_county_is_refused(officers: dict[str, Any], five: list[Any]) -> None:
    with as_user(officers["im"]), pytest.raises(ServiceError) as refused:
        payments_run(actor=officers["im"], county=COUNTY, month=MONTH, today=TODAY)
    assert refused.value.message == str(errors.COUNTY_OUTSIDE)
    assert not PaymentBatch.unscoped.exists()


@pytest.mark.parametrize("text", ["2026-13", "2026-4", "26-04", "2026/04", "", "abcd-ef"])
def test_a_malformed_month_is_refused(text: str) -> None:
    with pytest.raises(ServiceError) as refused:
        parse_month(text)
    assert refused.value.field == "month"


def test_a_month_after_next_is_refused(officers: dict[str, Any], five: list[Any]) -> None:
    with pytest.raises(ServiceError) as refused:
        run(officers["preparer"], month=dt.date(2026, 6, 1))
    assert refused.value.message == str(errors.MONTH_AHEAD)
    assert run(officers["preparer"], month=dt.date(2026, 5, 1)).added == 5
