"""Schemas of the monitoring endpoints: a warning's task with its evidence, the outcome of a
visit, the area's dashboard. Names carry `Monitoring` so they cannot override another
context's schema of the same name in the OpenAPI document."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any, Literal

from ninja import Schema
from pydantic import Field, StringConstraints

from jiuzhu.api.schemas import Body, Day, MoneyIn, MoneyOut

OutcomeCode = Literal["no_need", "refer_application", "refer_department", "emergency_aid"]
Note = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=2000)]
Department = Annotated[
    str, StringConstraints(strip_whitespace=True, max_length=100, pattern=r"^[^\x00-\x1f\x7f]*$")
]


class MonitoringSignalOut(Schema):
    id: int
    source: str = Field(description="信号类型")
    source_label: str
    kind: str
    id_masked: str
    amount: MoneyOut | None
    occurred_on: dt.date | None
    batch: str = Field(description="批次号（来源）")
    as_of: dt.date = Field(description="数据截止日期")


class MonitoringWarningOut(Schema):
    id: int
    kind: str
    kind_label: str
    rule: str = Field(description="规则编号（RULES.md 第 8 节）")
    level: Literal["blue", "yellow", "orange", "red"]
    category: str
    amount: MoneyOut | None
    raised_on: dt.date
    evidence: dict[str, Any]
    signal_ids: list[int]


class MonitoringTaskOut(Schema):
    id: int
    household_id: int
    household_number: str
    region_code: str
    state: Literal["open", "closed"]
    assigned_level: Literal["village", "township", "county"]
    assigned_area: str
    opened_on: dt.date
    due_on: dt.date
    overdue: bool
    escalations: int
    recommended: str
    outcome: str
    visited_on: dt.date | None
    note: str
    department: str
    case_id: int | None
    warning: MonitoringWarningOut
    signals: list[MonitoringSignalOut] = Field(description="预警依据的信号（仅任务详情）")


class MonitoringTaskCloseIn(Body):
    outcome: OutcomeCode
    note: Note = Field(description="入户核查情况")
    visited_on: Day = Field(description="入户日期")
    department: Department = Field("", description="转介部门（refer_department 时必填）")
    amount: MoneyIn | None = Field(None, description="申请或急难救助金额（临时救助时必填）")


class MonitoringDashboardOut(Schema):
    as_of: dt.date
    open_warnings: dict[str, int] = Field(description="未处置预警：按等级")
    by_kind: dict[str, int] = Field(description="未处置预警：按类型")
    open_tasks: int
    overdue_tasks: int
    tasks_by_level: dict[str, int]
    closed_tasks: int
