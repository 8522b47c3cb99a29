"""Schemas of the verification endpoints: the sources' record schemas, a pushed batch of
records, and a batch's import report."""

from __future__ import annotations

import datetime as dt
from typing import Annotated

from ninja import Schema
from pydantic import Field, StrictFloat, StrictInt, StringConstraints

from jiuzhu.api.schemas import Day

MAX_PUSH = 10_000
BatchKey = Annotated[str, StringConstraints(min_length=1, max_length=100, pattern=r"^[!-~]+$")]
ColumnName = Annotated[str, StringConstraints(min_length=1, max_length=64)]
Value = Annotated[str, StringConstraints(max_length=500)] | StrictInt | StrictFloat | None


class FieldOut(Schema):
    name: str
    type: str
    label_zh: str
    label_en: str
    required: bool
    sensitivity: str = Field(description="identifier / secret / sensitive / ordinary")
    sensitive: bool = Field(description="MZ/T 073 敏感信息标识")
    column: str
    unit: str
    choices: list[str]


class SourceOut(Schema):
    code: str
    name_zh: str
    name_en: str
    department_zh: str
    department_en: str
    rule: str
    note: str
    fields: list[FieldOut]


class RecordsIn(Schema):
    batch_key: BatchKey = Field(description="该部门的批次号；同一批次重复推送不会重复导入")
    as_of: Day = Field(description="数据截止日期")
    records: list[dict[ColumnName, Value]] = Field(min_length=0, max_length=MAX_PUSH)


class RowErrorOut(Schema):
    line: int
    field: str
    reason: str


class BatchOut(Schema):
    id: int
    source: str
    batch_key: str
    as_of: dt.date
    channel: str
    file_name: str
    status: str
    rows_total: int
    rows_ok: int
    rows_bad: int
    added: int = Field(description="本次请求新增的记录数")
    already_imported: bool
    warnings: list[str]
    errors: list[RowErrorOut] = Field(description="错误行（最多 1000 条）")
    started_at: dt.datetime
    finished_at: dt.datetime | None


RegionPrefix = Annotated[
    str, StringConstraints(pattern=r"^([0-9]{2}|[0-9]{4}|[0-9]{6}|[0-9]{9}|[0-9]{12})?$")
]


class ReverifyIn(Schema):
    as_of: Day = Field(description="核对日期")
    region: RegionPrefix = Field("", description="只核对该区划内的家庭（默认：本人辖区）")


class WaitingOut(Schema):
    region: str
    households: int
    missing: list[str]


class CategoryCountOut(Schema):
    recipients: int
    no_longer_fit: int


class ListedOut(Schema):
    household: str
    region: str
    category: str
    case: str
    decided_on: dt.date
    verified_categories: list[str]
    verified_primary: str
    per_capita_income: str | None
    reasons: list[str]
    sources: list[str]
    high: int
    medium: int


class ReverificationOut(Schema):
    as_of: dt.date
    region: str
    recipients: int
    verified: int
    waiting: list[WaitingOut]
    with_findings: int
    no_longer_fit: int
    by_category: dict[str, CategoryCountOut]
    by_reason: dict[str, int]
    errors: list[dict[str, str]]
    households: list[ListedOut]


class DeterminationOut(Schema):
    source: str
    id_masked: str
    household: str
    case: str
    kind: str
    outcome: str
    category: str
    decided_on: dt.date
    verification: int
    verified_on: dt.date
    records: int
    decisive: bool
    items: list[str]
