"""Request and response shapes of the cases endpoints (issue #4), in the style of schemas.py:
amounts as decimal strings, ISO dates, text without control characters (long texts may hold
line breaks), unknown fields refused.

Each workflow event has its own body listing exactly the payload keys its effect reads
(cases/effects.py), plus `expected_state`; `action_body(event)` gives it.
"""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal
from typing import Annotated, Any, Literal

from ninja import Schema
from pydantic import (
    BeforeValidator,
    ConfigDict,
    Field,
    PlainSerializer,
    StringConstraints,
    WithJsonSchema,
)

from jiuzhu.api.schemas import (
    MONEY_IN_PATTERN,
    MULTILINE_CHARACTERS,
    Body,
    Day,
    Id,
    MoneyOut,
    StrictBool,
    Text,
    money_in,
    when,
)
from jiuzhu.cases import errors
from jiuzhu.cases.effects import MAX_AMOUNT, TEMPORARY
from jiuzhu.cases.models import Channel, DocumentKind, Kind, ReferralAid
from jiuzhu.core.categories import str_enum
from jiuzhu.rules import categories

# -- building blocks -------------------------------------------------------------------
# an amount of aid, as cases.effects.parse_amount takes it: above zero (a digit that is not
# 0) and below MAX_AMOUNT (at most 10 digits before the point, after any leading zeros)
ABOVE_ZERO = r"[1-9]"
BELOW_MAX_AMOUNT = r"^0*[0-9]{1,10}(\.[0-9]{1,2})?$"
assert Decimal(10**10) == MAX_AMOUNT, "BELOW_MAX_AMOUNT spells out MAX_AMOUNT"


def _aid_amount(value: Any) -> Decimal:
    amount = money_in(value)
    if not (re.search(ABOVE_ZERO, value) and re.fullmatch(BELOW_MAX_AMOUNT, value)):
        raise ValueError(str(errors.AMOUNT_REQUIRED))
    return amount


AidAmount = Annotated[
    Decimal,
    BeforeValidator(_aid_amount),
    WithJsonSchema(
        {
            "type": "string",
            "pattern": MONEY_IN_PATTERN,
            "allOf": [{"pattern": ABOVE_ZERO}, {"pattern": BELOW_MAX_AMOUNT}],
            "examples": ["800.00"],
        }
    ),
]
SIGNED_MONEY_OUT_PATTERN = r"^-?[0-9]+\.[0-9]{2}$"

# a long text (findings, opinions, reasons) may hold line breaks and tabs, no other control
Note = Annotated[str, Text(2000, characters=MULTILINE_CHARACTERS)]
LongText = Note
RequiredText = Annotated[str, Text(2000, 1, characters=MULTILINE_CHARACTERS)]
Person = Annotated[str, Text(100, 1)]
Visitors = Annotated[str, Text(200, 1)]
ShortNote = Annotated[str, Text(200)]
StateName = Annotated[str, StringConstraints(pattern=r"^[a-z_]{1,24}$")]
DOCUMENT_CODE = r"^[a-z_]{1,40}$"
DocumentStatus = Literal["received", "committed", "missing"]
# a checklist names documents by code; a name that is not a code is refused, so the schema
# says so (`additionalProperties: false` beside the pattern)
Checklist = Annotated[
    dict[Annotated[str, StringConstraints(pattern=DOCUMENT_CODE)], DocumentStatus],
    Field(max_length=40, json_schema_extra={"additionalProperties": False}),
]
SignedMoneyOut = Annotated[
    Decimal,
    PlainSerializer(lambda d: f"{d:.2f}", return_type=str),
    WithJsonSchema(
        {"type": "string", "pattern": SIGNED_MONEY_OUT_PATTERN, "examples": ["-800.00"]}
    ),
]


# -- intake, checklist -----------------------------------------------------------------
# the layers a review may move a household into (D-03), from the category catalogue
ReviewLayer = str_enum("ReviewLayer", categories.REVIEW_TARGETS)


class CaseIn(Body):
    """One-window acceptance (A-01). A referral names its `referral_aid`, temporary aid its
    `requested_amount`, an appeal its `parent_case_id` (only an appeal or a review names
    one)."""

    model_config = ConfigDict(
        json_schema_extra={
            "allOf": [
                when("kind", {Kind.REFERRAL}, require=("referral_aid",)),
                when("kind", TEMPORARY, require=("requested_amount",)),
                when("kind", {Kind.APPEAL}, require=("parent_case_id",)),
                when("kind", {Kind.APPEAL, Kind.REVIEW}, negate=True, refuse=("parent_case_id",)),
            ]
        }
    )

    household_id: Id
    kind: Kind
    channel: Channel = Channel.WINDOW
    applied_on: Day | None = Field(None, description="申请日期，默认今天；不能晚于今天")
    applicant_member_id: Id | None = Field(None, description="申请人：该家庭的在册成员")
    reason: LongText = ""
    requested_amount: AidAmount | None = Field(
        None, description="申请金额（元）；临时救助必填，须大于零"
    )
    referral_aid: ReferralAid | None = Field(None, description="转介事项；kind 为 referral 时必填")
    checklist: Checklist = Field(
        default_factory=dict,
        description="材料代码 → received（已收取）、committed（告知承诺）或 missing；"
        "未列出的材料为 missing",
    )
    authorization_on: Day | None = Field(None, description="核对授权书签署日期（一证一书）")
    parent_case_id: Id | None = Field(None, description="复核申请（kind=appeal）所针对的已决案件")


class ChecklistIn(Body):
    statuses: Checklist
    authorization_on: Day | None = None


# -- reading ---------------------------------------------------------------------------
class CaseSummaryOut(Schema):
    id: int
    number: str
    kind: Kind
    kind_label: str
    state: str
    state_label: str
    household: str = Field(description="家庭编号")
    household_id: int
    region_code: str
    applied_on: dt.date
    authority: str | None = Field(description="决定层级：township、county、committee 或 city")
    due_on: dt.date | None
    days_left: int | None = Field(description="剩余工作日；逾期为负数")
    overdue: bool
    due_provisional: bool = Field(description="时限按周一至周五暂算（该年节假日安排未配置）")
    verification_waiting: str = Field(
        "", description="待核对：暂无可用数据的数据源名称（空表示不在等待）"
    )


class CasePage(Schema):
    count: int
    limit: int
    offset: int
    items: list[CaseSummaryOut]


class ChecklistRowOut(Schema):
    code: str
    label: str
    status: str
    status_label: str


class ActionOut(Schema):
    event: str = Field(description="POST /cases/{case_id}/actions/{event}")
    label: str
    target: str = Field(description="操作后的状态")


class TimelineEventOut(Schema):
    at: dt.datetime
    event: str
    from_state: str
    to_state: str
    actor_name: str
    note: str


class ObjectionOut(Schema):
    id: int
    raised_on: dt.date
    raised_by: str
    content: str
    resolution: str
    appraisal: str
    upheld: bool | None
    resolved: bool


class VoteOut(Schema):
    member_name: str
    member_unit: str
    vote: str


class InstalmentOut(Schema):
    seq: int
    amount: MoneyOut
    due_on: dt.date


class DocumentOut(Schema):
    id: int
    kind: DocumentKind
    content_type: str
    size: int
    sha256: str


class CaseDetailOut(CaseSummaryOut):
    channel: Channel
    referral_aid: ReferralAid | None
    reason: str
    requested_amount: MoneyOut | None
    authorization_on: dt.date | None
    parent_case_id: int | None
    checklist: list[ChecklistRowOut]
    proposal: Literal["approve", "refuse"] | None
    opinion: str
    proposed_amount: MoneyOut | None
    decided_amount: MoneyOut | None
    outcome: Literal["approved", "refused", "withdrawn"] | None
    decided_on: dt.date | None
    decision_reason: str
    notice_from: dt.date | None
    notice_to: dt.date | None
    prepaid_amount: MoneyOut
    total_due: dt.date | None
    step_due: dt.date | None
    actions: list[ActionOut] = Field(description="本人现在可以进行的操作")
    timeline: list[TimelineEventOut]
    objections: list[ObjectionOut]
    votes: list[VoteOut]
    instalments: list[InstalmentOut]
    documents: list[DocumentOut]
    evaluation: dict[str, Any] | None = Field(
        description="冻结的测算结果（规则引擎的决定与解释，不含家庭数据快照）；未测算为 null"
    )


# -- the reserve fund ------------------------------------------------------------------
class TopUpIn(Body):
    amount: AidAmount = Field(description="拨付金额（元），大于零")
    note: ShortNote = ""


class ReserveMovementOut(Schema):
    id: int
    at: dt.datetime
    amount: SignedMoneyOut = Field(description="拨付为正，先行救助支出为负")
    balance_after: MoneyOut
    note: str
    case_id: int | None
    case_number: str | None
    actor: str


class ReserveOut(Schema):
    township_code: str
    balance: MoneyOut
    movements: list[ReserveMovementOut] = Field(description="最近 50 笔，新的在前")


# -- one body per workflow event (the keys cases/effects.py reads) -----------------------
class ActionIn(Body):
    expected_state: StateName | None = Field(
        None, description="案件应处的状态；案件已处于其他状态（已由他人处理）时 409，不做任何改动"
    )


class NoteIn(ActionIn):
    note: Note = ""


class RecordVisitIn(ActionIn):
    visited_on: Day | None = Field(None, description="入户日期，默认今天")
    visitors: Visitors
    findings: RequiredText


class CompleteVerificationIn(ActionIn):
    summary: LongText = ""


class ProposeIn(ActionIn):
    proposal: Literal["approve", "refuse"]
    amount: AidAmount | None = Field(
        None, description="拟救助金额；低保、特困默认测算金额，临时救助默认先行救助或申请金额"
    )
    opinion: LongText = Field("", description="与测算结果不一致时必填")
    outcome: Literal["confirm", "adjust", "move_layer", "gradual_exit", "terminate"] | None = Field(
        None, description="复核案件的复核结论（D-01）：维持、调整、转换类别、渐退、终止"
    )
    layer: ReviewLayer | None = Field(  # type: ignore[valid-type]
        None, description="转换类别时转入的类别（D-03），默认测算结果的主类别"
    )


class RaiseObjectionIn(ActionIn):
    raised_on: Day | None = Field(None, description="默认今天")
    raised_by: Person
    content: RequiredText


class ResolveObjectionIn(ActionIn):
    objection_id: Id
    resolution: RequiredText
    appraisal: LongText = Field("", description="民主评议情况（仅有争议时）")
    upheld: StrictBool = False


class RecordVoteIn(ActionIn):
    member_name: Person
    member_unit: Person
    vote: Literal["for", "against", "abstain"]


class InstalmentIn(Body):
    amount: AidAmount
    due_on: Day


class ApproveIn(ActionIn):
    amount: AidAmount | None = Field(None, description="决定金额，默认拟救助金额")
    reason: LongText = Field("", description="决定理由；复核案件必填")
    instalments: list[InstalmentIn] = Field(
        default_factory=list,
        max_length=24,
        description="分阶段救助（仅临时救助）：各期金额之和等于决定金额",
    )


class ReasonIn(ActionIn):
    reason: RequiredText


class ApproveOverProposalIn(ActionIn):
    """Approving a case proposed for refusal: its own act, with the amount and the reason."""

    amount: AidAmount = Field(description="决定金额（低保、特困、临时救助必填，大于零）")
    reason: RequiredText = Field(description="改为批准的书面理由")
    instalments: list[InstalmentIn] = Field(
        default_factory=list,
        max_length=24,
        description="分阶段救助（仅临时救助）：各期金额之和等于决定金额",
    )


class AnswerIn(ReasonIn):
    accepted: StrictBool = Field(False, description="部门是否予以救助")


class WithdrawIn(ActionIn):
    reason: LongText = ""


class PayFirstIn(ActionIn):
    amount: AidAmount = Field(description="先行救助金额，从乡镇备用金支出")


BODIES: dict[str, type[ActionIn]] = {
    "record_visit": RecordVisitIn,
    "complete_verification": CompleteVerificationIn,
    "propose": ProposeIn,
    "raise_objection": RaiseObjectionIn,
    "resolve_objection": ResolveObjectionIn,
    "record_vote": RecordVoteIn,
    "approve": ApproveIn,
    "approve_over_proposal": ApproveOverProposalIn,
    "refuse": ReasonIn,
    "return": ReasonIn,
    "extend": ReasonIn,
    "decline": ReasonIn,
    "answer": AnswerIn,
    "withdraw": WithdrawIn,
    "pay_first": PayFirstIn,
}
_made: dict[str, type[ActionIn]] = {}


def action_body(event: str) -> type[ActionIn]:
    """The body of an event, a class of its own (`Case<Event>In` in the OpenAPI schema):
    the keys its effect reads, or only a `note` for the events that record nothing else."""
    if event not in _made:
        base = BODIES.get(event, NoteIn)
        name = "Case" + "".join(part.title() for part in event.split("_")) + "In"
        _made[event] = type(name, (base,), {"__doc__": base.__doc__, "__module__": __name__})
    return _made[event]


BATCH_MAX = 1000


class CaseBatchDoneOut(Schema):
    id: int
    number: str
    state: str


class CaseBatchRefusedOut(Schema):
    case_id: int
    reason: str = Field(description="为何未办理（状态不符、无权办理、条件不满足或不存在）")


class CaseBatchOut(Schema):
    done: list[CaseBatchDoneOut]
    refused: list[CaseBatchRefusedOut]


_batches: dict[str, type[ActionIn]] = {}


def batch_body(event: str) -> type[ActionIn]:
    """The event's body plus the cases it is taken on (`Case<Event>BatchIn`)."""
    if event not in _batches:
        base = action_body(event)
        name = base.__name__.removesuffix("In") + "BatchIn"
        annotations = {
            "case_ids": Annotated[
                list[Id],
                Field(min_length=1, max_length=BATCH_MAX, description="案件 ID，最多 1000 件"),
            ]
        }
        _batches[event] = type(
            name,
            (base,),
            {"__annotations__": annotations, "__module__": __name__, "__doc__": base.__doc__},
        )
    return _batches[event]
