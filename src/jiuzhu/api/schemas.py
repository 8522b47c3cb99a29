"""Request and response shapes of the API (Pydantic, shared with the CLI).

Conventions: amounts are decimal strings with at most two places in and exactly two out
("1234.50"), never floats; dates are ISO (YYYY-MM-DD); ID numbers go out masked only
(440104********123X); text refuses control characters; bodies refuse unknown fields.
"""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal
from typing import Annotated, Any

from ninja import Schema
from pydantic import (
    BeforeValidator,
    ConfigDict,
    Field,
    PlainSerializer,
    StringConstraints,
    WithJsonSchema,
    field_validator,
)

from jiuzhu.registry.models import (
    DisabilityKind,
    Employment,
    HouseholdFactKind,
    HukouType,
    IncomeKind,
    Residence,
    Schooling,
    SelfCare,
    Sex,
)

# -- building blocks -------------------------------------------------------------------
MONEY_IN_PATTERN = r"^[0-9]{1,12}(\.[0-9]{1,2})?$"
MONEY_OUT_PATTERN = r"^[0-9]+\.[0-9]{2}$"
MONEY_MESSAGE = '金额应为不小于 0 的十进制字符串，最多两位小数，如 "1234.50"'


def _money_in(value: Any) -> Decimal:
    if isinstance(value, str) and re.fullmatch(MONEY_IN_PATTERN, value):
        return Decimal(value)
    raise ValueError(MONEY_MESSAGE)


MoneyIn = Annotated[
    Decimal,
    BeforeValidator(_money_in),
    WithJsonSchema({"type": "string", "pattern": MONEY_IN_PATTERN, "examples": ["1234.50"]}),
]
MoneyOut = Annotated[
    Decimal,
    PlainSerializer(lambda d: f"{d:.2f}", return_type=str),
    WithJsonSchema({"type": "string", "pattern": MONEY_OUT_PATTERN, "examples": ["1234.50"]}),
]
# dates a person or a fact can have; outside this range a date is a typing error
FIRST_DAY = dt.date(1900, 1, 1)
LAST_DAY = dt.date(2100, 12, 31)
Day = Annotated[dt.date, Field(ge=FIRST_DAY, le=LAST_DAY)]
NO_CONTROL = r"^[^\x00-\x1f\x7f]*$"
NOT_NULL = "不能为 null；不修改的字段请省略"


def _text(max_length: int, min_length: int = 1) -> StringConstraints:
    """A single-line string without control characters, stripped."""
    return StringConstraints(
        strip_whitespace=True, min_length=min_length, max_length=max_length, pattern=NO_CONTROL
    )


Name = Annotated[str, _text(50)]
Relation = Annotated[str, _text(20)]
Address = Annotated[str, _text(200)]
SearchText = Annotated[str, _text(64, 0)]
Phone = Annotated[str, StringConstraints(pattern=r"^[0-9+\- ]{0,20}$")]
# strict: JSON `true` is not the number 1, nor `1` a yes (schemathesis' negative cases)
StrictBool = Annotated[bool, Field(strict=True)]
Grade = Annotated[int, Field(ge=1, le=4, strict=True)]
IdNumber = Annotated[str, StringConstraints(strip_whitespace=True, max_length=32)]
RegionCode = Annotated[str, StringConstraints(pattern=r"^[0-9]{2,12}$")]
Id = Annotated[int, Field(ge=1, le=2**53 - 1, strict=True)]


class Body(Schema):
    """A request body: unknown fields are refused (422), not ignored (SECURITY.md 3)."""

    model_config = ConfigDict(extra="forbid")


# -- me, regions -----------------------------------------------------------------------
class AreaOut(Schema):
    code: str
    name: str
    level: str


class MeOut(Schema):
    id: int
    username: str
    display_name: str
    role: str
    role_label: str
    area: AreaOut | None
    scope_prefix: str | None = Field(
        description="区划代码前缀：本人可见的数据范围；null 表示无任何数据"
    )
    capabilities: list[str]
    auth: str = Field(description='"token" 或 "session"')


class RegionOut(Schema):
    code: str
    name: str
    level: str
    parent_code: str | None
    synthetic: bool
    in_scope: bool = Field(description="是否在本人的区域范围内（可在此登记家庭）")


class RegionDetailOut(RegionOut):
    path: list[AreaOut] = Field(description="从省级到本区划")


# -- households ------------------------------------------------------------------------
class HouseholdIn(Body):
    region_code: RegionCode = Field(description="县级或以下区划代码，须在本人区域内")
    residence: Residence
    address: Address
    hukou_type: HukouType = HukouType.LOCAL


class HouseholdPatch(Body):
    """Only these three; the region of a household is not changed here (SECURITY.md 3)."""

    residence: Residence | None = None
    address: Address | None = None
    hukou_type: HukouType | None = None

    @field_validator("residence", "address", "hukou_type", mode="before")
    @classmethod
    def _not_null(cls, value: Any) -> Any:
        if value is None:
            raise ValueError(NOT_NULL)
        return value


class HouseholdSummary(Schema):
    id: int
    number: str
    region_code: str
    residence: Residence
    hukou_type: HukouType
    address: str
    closed_on: dt.date | None
    member_count: int


class HouseholdPage(Schema):
    count: int
    limit: int
    offset: int
    items: list[HouseholdSummary]


class SearchIn(Body):
    q: SearchText = ""
    region: Annotated[str, StringConstraints(pattern=r"^[0-9]{0,12}$")] = ""
    limit: Annotated[int, Field(ge=1, le=200, strict=True)] = 50
    offset: Annotated[int, Field(ge=0, le=1_000_000, strict=True)] = 0


class FactIn(Body):
    kind: HouseholdFactKind
    amount: MoneyIn
    valid_from: Day


class FactOut(Schema):
    id: int
    kind: HouseholdFactKind
    amount: MoneyOut
    valid_from: dt.date
    valid_to: dt.date | None


class IncomeIn(Body):
    kind: IncomeKind
    amount: MoneyIn = Field(description="月收入（元）")
    valid_from: Day


class IncomeOut(Schema):
    id: int
    member_id: int
    kind: IncomeKind
    amount: MoneyOut
    valid_from: dt.date
    valid_to: dt.date | None


def member_service_fields(body: Body, *, only_set: bool = False) -> dict[str, Any]:
    """Keyword arguments for the registry services ("" for a blank choice)."""
    data = body.model_dump(exclude_unset=only_set)
    for key in ("disability_kind", "schooling"):
        if key in data and data[key] is None:
            data[key] = ""
    return data


class MemberIn(Body):
    name: Name
    id_number: IdNumber = Field(
        description="18 位身份证号码（GB 11643，校验位必须正确）；响应中只返回脱敏形式"
    )
    relation: Relation
    joined_on: Day
    birth_date: Day | None = Field(None, description="可省略：取自身份证号码；填写则须一致")
    sex: Sex | None = Field(None, description="可省略：取自身份证号码；填写则须一致")
    disability_kind: DisabilityKind | None = None
    disability_grade: Grade | None = None
    serious_illness: StrictBool = False
    self_care: SelfCare = SelfCare.FULL
    schooling: Schooling | None = None
    employment: Employment = Employment.OTHER
    unemployed_since: Day | None = None
    left_school_on: Day | None = None
    landless: StrictBool = False
    phone: Phone = ""


class MemberMoveIn(Body):
    """Moving a person to another household of the area: an explicit, logged operation."""

    to_household_id: int = Field(ge=1, le=2**53 - 1, description="目标家庭")
    on: Day = Field(description="在新家庭的起始日期；原家庭成员资格截止前一日")


class MemberPatch(Body):
    """Any of the member's fields except identity (ID number, birth date, sex); omitted
    fields stay as they are."""

    name: Name | None = None
    relation: Relation | None = None
    disability_kind: DisabilityKind | None = None
    disability_grade: Grade | None = None
    serious_illness: StrictBool | None = None
    self_care: SelfCare | None = None
    schooling: Schooling | None = None
    employment: Employment | None = None
    unemployed_since: Day | None = None
    left_school_on: Day | None = None
    landless: StrictBool | None = None
    phone: Phone | None = None

    @field_validator(
        "name",
        "relation",
        "serious_illness",
        "self_care",
        "employment",
        "landless",
        "phone",
        mode="before",
    )
    @classmethod
    def _not_null(cls, value: Any) -> Any:
        if value is None:
            raise ValueError(NOT_NULL)
        return value


class MemberOut(Schema):
    id: int
    household_id: int
    name: str
    id_number_masked: str = Field(description="脱敏身份证号码：前 6 位和后 4 位")
    birth_date: dt.date
    sex: Sex
    relation: str
    disability_kind: DisabilityKind | None
    disability_grade: int | None
    serious_illness: bool
    self_care: SelfCare
    schooling: Schooling | None
    employment: Employment
    unemployed_since: dt.date | None
    left_school_on: dt.date | None
    landless: bool
    phone: str
    joined_on: dt.date
    left_on: dt.date | None
    incomes: list[IncomeOut] = Field(description="今天有效的收入")


class HouseholdOut(Schema):
    id: int
    number: str
    region_code: str
    residence: Residence
    hukou_type: HukouType
    address: str
    closed_on: dt.date | None
    created_at: dt.datetime
    updated_at: dt.datetime
    members: list[MemberOut] = Field(description="在册成员")
    facts: list[FactOut] = Field(description="今天有效的财产与支出")


# -- evaluation, audit -----------------------------------------------------------------
class ExplanationStep(Schema):
    rule: str = Field(description="规则编号，如 I-01")
    step: str
    label_zh: str
    label_en: str
    level: str
    value: Any = None
    values: Any = None
    parameters: list[dict[str, Any]] = []


class ReasonOut(Schema):
    zh: str = Field(description="认定理由（中文），一两句话，列明起决定作用的数额")
    en: str = Field(description="The reason in English")


class DecisionOut(Schema):
    reason: ReasonOut = Field(description="认定理由：先于其他内容阅读")
    ref: str
    region: str
    as_of: dt.date
    standards: dict[str, str]
    per_capita_income: str
    categories: list[str]
    primary_category: str
    monthly_benefit: str
    tekun_members: list[str]
    single_person_members: list[str]
    gradual_exit_until: dt.date | None
    review_every_months: int | None
    employment_difficulty: dict[str, list[str]]
    specialized_aid: list[str]
    unset_parameters: list[str] = Field(
        default=[], description="该地当日未设定、本决定未用到的参数（P-01）"
    )
    explanation: list[ExplanationStep]
    snapshot: dict[str, Any] = Field(description="试算所用的家庭数据（与规则引擎的输入相同）")


class AuditEventOut(Schema):
    id: int
    at: dt.datetime
    actor: str
    action: str
    object_type: str
    object_id: str
    old: dict[str, Any] | None
    new: dict[str, Any] | None


class AuditPage(Schema):
    count: int
    limit: int
    offset: int
    items: list[AuditEventOut]
