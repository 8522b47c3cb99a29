"""Request and response shapes of the API (Pydantic, shared with the CLI).

Conventions: amounts are decimal strings with at most two places in and exactly two out
("1234.50"), never floats; dates are ISO (YYYY-MM-DD); ID numbers go out masked only
(440104********123X); text refuses control characters; bodies refuse unknown fields.

The OpenAPI schema says exactly what the server accepts (issue 15): every constraint a JSON
Schema can state is stated (patterns, lengths, ranges, date bounds as a pattern on the year,
nullability), and the server checks exactly that; what is left to the services is what no
schema can say (a check digit, whether a region exists, the state of a case).
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from decimal import Decimal
from typing import Annotated, Any, TypeVar

from django.utils.translation import gettext_lazy as _
from ninja import Schema
from pydantic import (
    BeforeValidator,
    ConfigDict,
    Field,
    GetCoreSchemaHandler,
    GetJsonSchemaHandler,
    PlainSerializer,
    StringConstraints,
    ValidationInfo,
    WithJsonSchema,
    field_validator,
)
from pydantic.json_schema import JsonDict, JsonSchemaValue, JsonValue
from pydantic_core import core_schema

from jiuzhu.registry import errors as registry_errors
from jiuzhu.registry.identity import (
    ERROR_FORMAT,
    PROVINCE_CODES,
    InvalidIdNumber,
    parse_id_number,
)
from jiuzhu.registry.models import (
    COUNT_KINDS,
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
from jiuzhu.rules.household import MAX_COUNT

# -- building blocks -------------------------------------------------------------------
MONEY_IN_PATTERN = r"^[0-9]{1,12}(\.[0-9]{1,2})?$"
MONEY_OUT_PATTERN = r"^[0-9]+\.[0-9]{2}$"
MONEY_MESSAGE = '金额应为不小于 0 的十进制字符串，最多两位小数，如 "1234.50"'


def money_in(value: Any) -> Decimal:
    """An amount as sent: a decimal string, at most 12 digits before the point and 2 after."""
    if isinstance(value, str) and re.fullmatch(MONEY_IN_PATTERN, value):
        return Decimal(value)
    raise ValueError(MONEY_MESSAGE)


MoneyIn = Annotated[
    Decimal,
    BeforeValidator(money_in),
    WithJsonSchema({"type": "string", "pattern": MONEY_IN_PATTERN, "examples": ["1234.50"]}),
]
MoneyOut = Annotated[
    Decimal,
    PlainSerializer(lambda d: f"{d:.2f}", return_type=str),
    WithJsonSchema({"type": "string", "pattern": MONEY_OUT_PATTERN, "examples": ["1234.50"]}),
]
# dates a person or a fact can have; outside this range a date is a typing error. JSON
# Schema has no bounds for a date, so the schema states them as a pattern on the year
FIRST_DAY = dt.date(1900, 1, 1)
LAST_DAY = dt.date(2100, 12, 31)
DAY_PATTERN = r"^(19[0-9]{2}|20[0-9]{2}|2100)-[0-9]{2}-[0-9]{2}$"
Day = Annotated[
    dt.date, Field(ge=FIRST_DAY, le=LAST_DAY, json_schema_extra={"pattern": DAY_PATTERN})
]
NO_CONTROL = r"^[^\x00-\x1f\x7f]*$"
# a character str.strip() removes, and one it keeps (the patterns refuse control characters
# but for line breaks and tabs in long texts)
BLANK = r"[\t\n\r\x20\u0085\u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000]"
NOT_BLANK = r"[^\x00-\x20\x7f\u0085\u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000]"
LINE_CHARACTERS = r"[^\x00-\x1f\x7f]"
# a long text (a note, findings, a reason) may hold line breaks and tabs, no other control
MULTILINE_CHARACTERS = r"[^\x00-\x08\x0b\x0c\x0e-\x1f\x7f]"
NOT_NULL = _("不能为 null；不修改的字段请省略")


TEXT_BLANK = _("请填写内容：不能只有空白，不能含控制字符")
TEXT_CONTROL = _("不能含控制字符")


@dataclass(frozen=True)
class Matches:
    """For `Annotated[str, ...]`: the value matches `pattern` (re.fullmatch; the patterns
    here mean the same to Python and to ECMA-262), which the schema states; else the error
    says `message`, a constant in Chinese with its English in the catalogue, or what
    `message(value)` returns."""

    pattern: str
    message: Any

    def __get_pydantic_core_schema__(
        self, source: Any, handler: GetCoreSchemaHandler
    ) -> core_schema.CoreSchema:
        return core_schema.no_info_after_validator_function(self.check, handler(source))

    def __get_pydantic_json_schema__(
        self, schema: core_schema.CoreSchema, handler: GetJsonSchemaHandler
    ) -> JsonSchemaValue:
        json_schema = handler(schema)
        json_schema["pattern"] = self.pattern
        return json_schema

    def check(self, value: str) -> str:
        if re.fullmatch(self.pattern, value):
            return value
        message = self.message(value) if callable(self.message) else self.message
        raise ValueError(str(message))


@dataclass(frozen=True)
class Text:
    """For `Annotated[str, ...]`: a text checked as sent — its lengths and characters, and
    for a required one (min_length 1) a character that is not blank — then stripped of
    surrounding blanks. Checking before stripping keeps the schema exact: nothing it refuses
    is accepted because stripping would have made it fit, and nothing it allows strips to
    nothing."""

    max_length: int
    min_length: int = 0
    characters: str = LINE_CHARACTERS

    def __get_pydantic_core_schema__(
        self, source: Any, handler: GetCoreSchemaHandler
    ) -> core_schema.CoreSchema:
        sized = core_schema.str_schema(min_length=self.min_length, max_length=self.max_length)
        return core_schema.no_info_after_validator_function(self.check, sized)

    def __get_pydantic_json_schema__(
        self, schema: core_schema.CoreSchema, handler: GetJsonSchemaHandler
    ) -> JsonSchemaValue:
        json_schema = handler(schema)
        json_schema["pattern"] = self.pattern
        return json_schema

    @property
    def pattern(self) -> str:
        c = self.characters
        return f"^{c}*{NOT_BLANK}{c}*$" if self.min_length else f"^{c}*$"

    def check(self, value: str) -> str:
        if not re.fullmatch(self.pattern, value):
            raise ValueError(str(TEXT_BLANK if self.min_length else TEXT_CONTROL))
        return value.strip()


# -- integers and nulls as JSON Schema reads them ----------------------------------------
def _json_integer(value: Any) -> Any:
    """JSON Schema's `integer` is any number without a fraction: 5.0 is 5. Strings and
    booleans stay refused (by the strict validation after this)."""
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return value


# after an `int`'s Field(strict=True), which it runs before: 5 or 5.0, never "5" or true
JSON_INT = BeforeValidator(_json_integer)


def _refuse_null(value: Any) -> Any:
    if value is None:
        raise ValueError(str(NOT_NULL))
    return value


def _drop_null(schema: dict[str, Any]) -> None:
    """The schema of a field that may be omitted but is never null."""
    options = [o for o in schema.pop("anyOf", []) if o != {"type": "null"}]
    if len(options) == 1:
        schema.update(options[0])
    elif options:
        schema["anyOf"] = options
    schema.pop("default", None)


T = TypeVar("T")
# a PATCH field that may be omitted (left unchanged) but not set to null
Omittable = Annotated[T | None, BeforeValidator(_refuse_null), Field(json_schema_extra=_drop_null)]

Name = Annotated[str, Text(50, 1)]
Relation = Annotated[str, Text(20, 1)]
Address = Annotated[str, Text(200, 1)]
SearchText = Annotated[str, Text(64)]
Phone = Annotated[str, StringConstraints(pattern=r"^[0-9+\- ]{0,20}$")]
# strict: JSON `true` is not the number 1, nor `1` a yes (schemathesis' negative cases)
StrictBool = Annotated[bool, Field(strict=True)]
Grade = Annotated[int, Field(ge=1, le=4, strict=True), JSON_INT]
# GB 11643: a province's code, four digits, a birth date's shape (YYYYMMDD), three digits, and
# a check digit or X (registry.identity.PROVINCE_CODES); whether the date exists and the check
# digit are the service's (no schema can say them)
ID_NUMBER_PATTERN = (
    f"^({'|'.join(sorted(PROVINCE_CODES))})[0-9]{{4}}"
    r"[0-9]{4}(0[1-9]|1[0-2])(0[1-9]|[12][0-9]|3[01])[0-9]{3}[0-9Xx]$"
)


def _id_number_refused(value: str) -> str:
    """The service's own reason where it has one (the province, the birth date), else the
    shape's."""
    try:
        parse_id_number(value)
    except InvalidIdNumber as exc:
        return str(exc)
    return str(ERROR_FORMAT)  # taken by the service once stripped: spaces around it


IdNumber = Annotated[str, Matches(ID_NUMBER_PATTERN, _id_number_refused)]
RegionCode = Annotated[str, StringConstraints(pattern=r"^[0-9]{2,12}$")]
Id = Annotated[int, Field(ge=1, le=2**53 - 1, strict=True), JSON_INT]


# -- rules between fields, as JSON Schema states them (if/then) -----------------------------
PRESENT: JsonDict = {"not": {"type": "null"}}


def when(
    field: str,
    values: Any,
    *,
    require: tuple[str, ...] = (),
    refuse: tuple[str, ...] = (),
    negate: bool = False,
) -> JsonDict:
    """An if/then of a body's schema: when `field` is one of `values` (or, with `negate`,
    none of them), the fields of `require` are present and not null, those of `refuse`
    absent or null. The service checks the same (with the field named in its 422)."""
    condition: dict[str, Any] = {"enum": sorted(str(v) for v in values)}
    return {
        "if": {
            "properties": {field: {"not": condition} if negate else condition},
            "required": [field],
        },
        "then": {
            "required": list(require),
            "properties": {
                **{name: PRESENT for name in require},
                **{name: {"type": "null"} for name in refuse},
            },
        },
    }


def together(*fields: str) -> list[JsonValue]:
    """Both or neither: each of `fields`, present and not null, requires the others."""
    return [
        {
            "if": {"properties": {name: PRESENT}, "required": [name]},
            "then": {
                "required": [o for o in fields if o != name],
                "properties": {o: PRESENT for o in fields if o != name},
            },
        }
        for name in fields
    ]


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
    """Only these three; the region of a household is not changed here (SECURITY.md 3).
    Omitted fields stay as they are; none of them may be null."""

    residence: Omittable[Residence] = None
    address: Omittable[Address] = None
    hukou_type: Omittable[HukouType] = None


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
    limit: Annotated[int, Field(ge=1, le=200, strict=True), JSON_INT] = 50
    offset: Annotated[int, Field(ge=0, le=1_000_000, strict=True), JSON_INT] = 0


# a counted asset (vehicles, homes, business registrations) is a whole number up to the
# engine's MAX_COUNT, written like an amount ("2", "2.00"); the schema says so with an if/then
COUNT_IN_PATTERN = r"^([0-9]{1,3}|1000)(\.00?)?$"
assert MAX_COUNT == 1000, "COUNT_IN_PATTERN and errors.COUNT_WHOLE spell out MAX_COUNT"


class FactIn(Body):
    model_config = ConfigDict(
        json_schema_extra={
            "if": {
                "properties": {"kind": {"enum": [k for k in sorted(COUNT_KINDS)]}},
                "required": ["kind"],
            },
            "then": {"properties": {"amount": {"pattern": COUNT_IN_PATTERN}}},
        }
    )

    kind: HouseholdFactKind
    amount: MoneyIn = Field(description="金额（元）；车辆、住房、市场主体为 0 至 1000 的整数")
    valid_from: Day

    @field_validator("amount")
    @classmethod
    def _count_is_whole(cls, amount: Decimal, info: ValidationInfo) -> Decimal:
        if info.data.get("kind") in COUNT_KINDS and (
            amount != amount.to_integral_value() or amount > MAX_COUNT
        ):
            raise ValueError(str(registry_errors.COUNT_WHOLE))
        return amount


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
    """A member; `disability_kind` and `disability_grade` both or neither."""

    model_config = ConfigDict(
        json_schema_extra={"allOf": together("disability_kind", "disability_grade")}
    )

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

    to_household_id: Id = Field(description="目标家庭")
    on: Day = Field(description="在新家庭的起始日期；原家庭成员资格截止前一日")


class MemberPatch(Body):
    """Any of the member's fields except identity (ID number, birth date, sex); omitted
    fields stay as they are. `null` clears only the optional ones (disability, schooling,
    the dates); a disability is cleared with its grade."""

    model_config = ConfigDict(
        json_schema_extra={
            "allOf": [
                {
                    "if": {"properties": {name: {"type": "null"}}, "required": [name]},
                    "then": {"properties": {other: {"type": "null"}}},
                }
                for name, other in (
                    ("disability_kind", "disability_grade"),
                    ("disability_grade", "disability_kind"),
                )
            ]
        }
    )

    name: Omittable[Name] = None
    relation: Omittable[Relation] = None
    disability_kind: DisabilityKind | None = None
    disability_grade: Grade | None = None
    serious_illness: Omittable[StrictBool] = None
    self_care: Omittable[SelfCare] = None
    schooling: Schooling | None = None
    employment: Omittable[Employment] = None
    unemployed_since: Day | None = None
    left_school_on: Day | None = None
    landless: Omittable[StrictBool] = None
    phone: Omittable[Phone] = None


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
