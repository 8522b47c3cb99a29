"""Schemas of the monitoring endpoints: a warning's task with its evidence, the outcome of a
visit, the area's dashboard. Names carry `Monitoring` so they cannot override another
context's schema of the same name in the OpenAPI document."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any, Literal

from ninja import Schema
from pydantic import ConfigDict, Field, StringConstraints

from jiuzhu.api.case_schemas import AidAmount
from jiuzhu.api.schemas import (
    MULTILINE_CHARACTERS,
    NOT_BLANK,
    Body,
    Day,
    Matches,
    MoneyOut,
    StrictBool,
    Text,
)
from jiuzhu.monitoring.hotline import PHONE, PHONE_INVALID

OutcomeCode = Literal["no_need", "refer_application", "refer_department", "emergency_aid"]
Note = Annotated[str, Text(2000, 1, characters=MULTILINE_CHARACTERS)]
Department = Annotated[str, Text(100)]


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
    """The visit's outcome; `refer_department` names the department."""

    model_config = ConfigDict(
        json_schema_extra={
            "if": {"properties": {"outcome": {"const": "refer_department"}}},
            "then": {
                "required": ["department"],
                "properties": {"department": {"pattern": NOT_BLANK}},
            },
        }
    )

    outcome: OutcomeCode
    note: Note = Field(description="入户核查情况")
    visited_on: Day = Field(description="入户日期：不早于任务下达日期，不晚于今天")
    department: Department = Field("", description="转介部门（refer_department 时必填）")
    amount: AidAmount | None = Field(
        None, description="申请或急难救助金额，大于零（临时救助时必填）"
    )


class MonitoringDashboardOut(Schema):
    as_of: dt.date
    open_warnings: dict[str, int] = Field(description="未处置预警：按等级")
    by_kind: dict[str, int] = Field(description="未处置预警：按类型")
    open_tasks: int
    overdue_tasks: int
    tasks_by_level: dict[str, int]
    closed_tasks: int


Line = Annotated[str, StringConstraints(max_length=200, pattern=r"^[^\x00-\x1f\x7f]*$")]


class HotlineCallIn(Body):
    """A call, placed by a member's ID number or, without one, a region code."""

    model_config = ConfigDict(
        json_schema_extra={
            "anyOf": [
                {"properties": {"region_code": {"minLength": 1}}, "required": ["region_code"]},
                {"properties": {"id_number": {"minLength": 1}}, "required": ["id_number"]},
            ]
        }
    )

    number: Annotated[str, Text(40, 1)]
    line: Literal["12345", "12349"]
    received_on: Day = Field(description="来电日期，不能晚于今天")
    caller_name: Annotated[str, Text(50, 1)]
    caller_phone: Annotated[
        str, StringConstraints(max_length=20), Matches(PHONE.pattern, PHONE_INVALID)
    ]
    subject: Literal["hardship", "inquiry", "application", "complaint", "other"]
    request: Note = Field(description="诉求内容")
    urgent: StrictBool = False
    region_code: Annotated[str, StringConstraints(pattern=r"^([0-9]{6}([0-9]{3}){0,2})?$")] = Field(
        "", description="诉求所在区划代码（县、乡镇或村）；给出身份证号时可省略"
    )
    id_number: Annotated[str, StringConstraints(pattern=r"^([0-9]{17}[0-9Xx])?$")] = Field(
        "", description="来电家庭成员的身份证号（可选；只用于匹配，不保存明文）"
    )


class HotlineAnswerIn(Body):
    answer: Note = Field(description="答复内容")


class HotlineFeedbackIn(Body):
    feedback: Literal["satisfied", "basically", "unsatisfied", "unreachable"]
    note: Line = ""


class HotlineCallOut(Schema):
    id: int
    number: str
    line: str
    received_on: dt.date
    caller_name: str
    caller_phone_masked: str
    subject: str
    urgent: bool
    request: str
    household_id: int | None
    region_code: str
    assigned_level: Literal["township", "county"]
    assigned_area: str
    state: Literal["routed", "answered", "closed"]
    due_on: dt.date
    overdue: bool
    escalations: int
    reopened: int
    answer: str
    answered_on: dt.date | None
    feedback: str
    closed_on: dt.date | None
