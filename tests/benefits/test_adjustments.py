"""Standard adjustments (P-05 动态调整): Guangzhou's 2025 standard (1238 → 1309 yuan,
rules/params/440100, a published change) applied to households paid under the 2023 one,
adopted in June with back pay from January; approved by a second person (F-01); applying
twice changes nothing; the back pay is paid by the first payment month's batch (B-01)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

import polars as pl
import pytest

from jiuzhu.benefits.adjustments import (
    APPROVER_IS_PREPARER,
    adjustment_apply,
    adjustment_approve,
    adjustment_prepare,
    diff_frame,
    write_diff,
)
from jiuzhu.benefits.models import (
    AdjustmentRow,
    AdjustmentStatus,
    ChangeReason,
    Entitlement,
    EntitlementChange,
    Payment,
)
from jiuzhu.benefits.payments import payments_run
from jiuzhu.regions.scope import system_scope
from jiuzhu.registry.errors import ServiceError
from tests.benefits.conftest import COUNTY, as_user, entitled
from tests.benefits.consumers import category_in_every_consumer, everywhere

EFFECTIVE = dt.date(2025, 1, 1)
FIRST = dt.date(2025, 6, 1)


@pytest.fixture
def paid(officers: dict[str, Any], gd_area: str) -> list[Entitlement]:
    """Three one-person households paid under the 2023 standard: the full 1238, and two
    partial amounts; and one household of another county (never read)."""
    rows = entitled(
        officers["caseworker"], gd_area + "001", ["1238.00", "1000.00", "1500.00"],
        start=dt.date(2024, 1, 1),
    )  # fmt: skip
    return rows


def prepare(actor: Any) -> Any:
    with as_user(actor):
        return adjustment_prepare(
            actor=actor, region=COUNTY, effective=EFFECTIVE, first_payment=FIRST
        )


def test_p05_the_diff_redetermines_every_paid_household(
    officers: dict[str, Any], paid: list[Entitlement]
) -> None:
    """P-05: each household decided again under the 2025 standard (1309 for one person with
    no income): gains and losses, back pay for January to May."""
    prepared = prepare(officers["preparer"])
    diff = prepared.diff.sort("monthly_before")
    assert diff["monthly_after"].to_list() == [Decimal("1309.00")] * 3
    assert diff["kind"].to_list() == ["gains", "gains", "loses"]
    assert diff["change"].to_list() == [Decimal("309.00"), Decimal("71.00"), Decimal("-191.00")]
    assert diff["back_pay"].to_list() == [Decimal("1545.00"), Decimal("355.00"), Decimal("0.00")]
    adjustment = prepared.adjustment
    assert adjustment.status == AdjustmentStatus.PREPARED and adjustment.households == 3
    totals = adjustment.summary["totals"]
    assert totals["gains"] == 2 and totals["loses"] == 1
    assert totals["monthly_change"] == "189.00" and totals["annual_change"] == "2268.00"
    assert totals["back_pay"] == "1900.00"
    assert [r["township"] for r in adjustment.summary["by_township"]] == ["440104001"]
    assert AdjustmentRow.unscoped.filter(adjustment=adjustment).count() == 3
    assert diff_frame(adjustment).sort("monthly_before")["back_pay"].to_list() == [
        Decimal("1545.00"), Decimal("355.00"), Decimal("0.00"),
    ]  # fmt: skip


def test_f01_the_preparer_cannot_approve(officers: dict[str, Any], paid: Any) -> None:
    adjustment = prepare(officers["preparer"]).adjustment
    with as_user(officers["preparer"]), pytest.raises(ServiceError) as refused:
        adjustment_approve(actor=officers["preparer"], adjustment_id=adjustment.pk)
    assert refused.value.message == APPROVER_IS_PREPARER
    with as_user(officers["approver"]):  # not yet approved: cannot be applied
        with pytest.raises(ServiceError):
            adjustment_apply(actor=officers["approver"], adjustment_id=adjustment.pk)
        assert (
            adjustment_approve(actor=officers["approver"], adjustment_id=adjustment.pk).status
            == AdjustmentStatus.APPROVED
        )


def test_p05_applying_changes_amounts_from_the_first_month_with_back_pay_once(
    officers: dict[str, Any], paid: list[Entitlement]
) -> None:
    """P-05 + B-01: from June 2025 the new amounts; the old entitlements end in May; back
    pay is a one-off entitlement paid by June's batch; applying twice changes nothing."""
    adjustment = prepare(officers["preparer"]).adjustment
    approver = officers["approver"]
    with as_user(approver):
        adjustment_approve(actor=approver, adjustment_id=adjustment.pk)
        result = adjustment_apply(actor=approver, adjustment_id=adjustment.pk)
    assert result["households_changed"] == 3 and result["entitlements_created"] == 3
    assert result["back_pay_payments"] == 2 and result["back_pay_total"] == "1900.00"
    assert result["stale_count"] == 0
    for old in paid:
        old.refresh_from_db()
        assert old.end_month == dt.date(2025, 5, 1)
        assert old.status_reason == ChangeReason.STANDARD_ADJUSTMENT
    june = Entitlement.unscoped.filter(start_month=FIRST)
    monthly = sorted(e.monthly_amount for e in june if not e.one_off)
    assert monthly == [Decimal("1309.00")] * 3
    assert sorted(e.monthly_amount for e in june if e.one_off) == [
        Decimal("355.00"), Decimal("1545.00"),
    ]  # fmt: skip
    history = EntitlementChange.unscoped.filter(reason=ChangeReason.STANDARD_ADJUSTMENT)
    assert history.count() == 3 + 5 and {c.effective_month for c in history} == {FIRST}
    before = Entitlement.unscoped.count(), EntitlementChange.unscoped.count()
    with as_user(approver), pytest.raises(ServiceError):
        adjustment_apply(actor=approver, adjustment_id=adjustment.pk)
    assert (Entitlement.unscoped.count(), EntitlementChange.unscoped.count()) == before
    with system_scope("test"):
        payments_run(actor=None, county=COUNTY, month=FIRST, today=dt.date(2025, 6, 5))
        may = payments_run(actor=None, county=COUNTY, month=dt.date(2025, 5, 1),
                           today=dt.date(2025, 6, 5))  # fmt: skip
    june_paid = sorted(p.amount for p in Payment.unscoped.filter(month=FIRST))
    assert june_paid == sorted([Decimal("1309.00")] * 3 + [Decimal("355.00"), Decimal("1545.00")])
    assert may.batch is not None
    assert sorted(p.amount for p in Payment.unscoped.filter(month=dt.date(2025, 5, 1))) == [
        Decimal("1000.00"), Decimal("1238.00"), Decimal("1500.00"),
    ]  # fmt: skip


def test_p05_a_household_changed_since_the_diff_is_left_out(
    officers: dict[str, Any], paid: list[Entitlement]
) -> None:
    adjustment = prepare(officers["preparer"]).adjustment
    Entitlement.unscoped.filter(pk=paid[0].pk).update(monthly_amount=Decimal("1200.00"))
    with as_user(officers["approver"]):
        adjustment_approve(actor=officers["approver"], adjustment_id=adjustment.pk)
        result = adjustment_apply(actor=officers["approver"], adjustment_id=adjustment.pk)
    assert result["stale_count"] == 1 and result["households_changed"] == 2
    paid[0].refresh_from_db()
    assert paid[0].end_month is None


def test_another_countys_officer_cannot_adjust_here(officers: dict[str, Any], paid: Any) -> None:
    with as_user(officers["im"]), pytest.raises(ServiceError) as refused:
        adjustment_prepare(actor=officers["im"], region=COUNTY, effective=EFFECTIVE)
    assert refused.value.field == "region"


def test_the_diff_as_spreadsheet_csv_and_parquet(
    officers: dict[str, Any], paid: Any, tmp_path: Any
) -> None:
    diff = prepare(officers["preparer"]).diff
    for suffix in ("xlsx", "csv", "parquet"):
        write_diff(diff, tmp_path / f"d.{suffix}")
    from openpyxl import load_workbook

    sheet = load_workbook(tmp_path / "d.xlsx").active
    assert sheet is not None and sheet.max_row == 4
    back = pl.read_parquet(tmp_path / "d.parquet")
    assert back["back_pay"].dtype == pl.Decimal(18, 2)


def test_p05_a_household_above_the_new_line_leaves_and_is_terminated(
    officers: dict[str, Any], paid: list[Entitlement]
) -> None:
    """P-05: a household whose income is now above the standard leaves: its entitlement
    ends the month before the first payment month, terminated, with no successor."""
    from jiuzhu.registry import services
    from tests.factories import members

    worker = officers["caseworker"]
    with as_user(worker):
        services.member_income_set(
            actor=worker, member=members(paid[0].household)[0], kind="wages",
            amount=Decimal("5000.00"), valid_from=dt.date(2024, 12, 1),
        )  # fmt: skip
    prepared = prepare(officers["preparer"])
    kinds = dict(zip(prepared.diff["household_id"], prepared.diff["kind"], strict=True))
    assert kinds[paid[0].household_id] == "leaves"
    with as_user(officers["approver"]):
        adjustment_approve(actor=officers["approver"], adjustment_id=prepared.adjustment.pk)
        result = adjustment_apply(actor=officers["approver"], adjustment_id=prepared.adjustment.pk)
    assert result["leaves"] == 1 and result["entitlements_created"] == 2
    paid[0].refresh_from_db()
    assert paid[0].status == "terminated" and paid[0].end_month == dt.date(2025, 5, 1)
    assert not Entitlement.unscoped.filter(
        household_id=paid[0].household_id, start_month=FIRST
    ).exists()
    # a recipient through May in every consumer, none from June (issue 16)
    household = paid[0].household_id
    assert category_in_every_consumer(household, dt.date(2025, 5, 31)) == everywhere("dibao")
    assert category_in_every_consumer(household, FIRST) == everywhere(None)
