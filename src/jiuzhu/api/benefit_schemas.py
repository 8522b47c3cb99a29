"""Schemas of the benefits endpoints (issue #6). Names carry `Benefit`/`Payment`: ninja
silently merges schemas of the same name across routers."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Literal

from ninja import Schema
from pydantic import Field, StringConstraints

from jiuzhu.api.schemas import Body, Matches, MoneyOut
from jiuzhu.benefits import errors

# the months a batch can be of (benefits.payments.parse_month): 2000-01 to 2099-12
MonthText = Annotated[str, Matches(r"^20[0-9]{2}-(0[1-9]|1[0-2])$", errors.MONTH_INVALID)]
CountyCode = Annotated[str, StringConstraints(pattern=r"^[0-9]{6}$")]


class EntitlementChangeOut(Schema):
    reason: str
    from_status: str
    to_status: str
    amount_before: MoneyOut | None
    amount_after: MoneyOut
    effective_month: dt.date
    note: str
    actor: str
    at: dt.datetime


class EntitlementOut(Schema):
    id: int
    household_id: int
    household_number: str
    member_id: int | None
    case_id: int | None
    region_code: str
    category: str
    monthly_amount: MoneyOut
    one_off: bool
    start_month: dt.date
    end_month: dt.date | None
    status: str
    status_reason: str
    decided_on: dt.date


class EntitlementDetailOut(EntitlementOut):
    changes: list[EntitlementChangeOut]


class EntitlementPage(Schema):
    count: int
    limit: int
    offset: int
    items: list[EntitlementOut]


class PaymentBatchOut(Schema):
    id: int
    county: str
    month: str = Field(description="YYYY-MM")
    kind: str
    status: str
    payments: int
    total: MoneyOut
    prepared_by: str
    approved_by: str | None
    export_format: str
    export_sha256: str


class PaymentBatchPage(Schema):
    count: int
    limit: int
    offset: int
    items: list[PaymentBatchOut]


class PaymentStatusTotal(Schema):
    count: int
    amount: str


class PaymentBatchControlOut(Schema):
    accrued: str
    by_status: dict[str, PaymentStatusTotal]
    ledger: dict[str, str]
    balanced: bool


class PaymentBatchDetailOut(PaymentBatchOut):
    control: PaymentBatchControlOut


class PaymentRunIn(Body):
    county: CountyCode
    month: MonthText


class PaymentRunOut(Schema):
    batch: PaymentBatchOut | None
    added: int
    entitlements: int
    nothing_to_pay: bool


class PaymentExportIn(Body):
    format: Literal["csv", "fixed"]


class PaymentExportOut(Schema):
    batch: PaymentBatchOut
    format: str
    records: int
    total: str
    sha256: str
    content_base64: str = Field(description="银行代发文件（GB18030，docs/payments.md）")


class PaymentReconcileIn(Body):
    content: Annotated[str, StringConstraints(min_length=1, max_length=20_000_000)] = Field(
        description="银行回盘文件的文本（CSV，docs/payments.md）"
    )


class PaymentReturnLineOut(Schema):
    line: int
    reference: str
    amount: str | None = None


class PaymentReconcileOut(Schema):
    batch: PaymentBatchOut
    paid: int
    failed: int
    unknown: list[PaymentReturnLineOut]
    duplicates: list[PaymentReturnLineOut]
    mismatched: list[PaymentReturnLineOut]
    outstanding: int
