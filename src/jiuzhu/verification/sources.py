"""The departments' data sources (V-02): one typed declaration per department.

Each source lists its record's fields — type, unit, whether required, Chinese and English
element names in the manner of MZ/T 073-2024 (居民家庭经济状况核对 数据元), and a
sensitivity flag (073 gives every data element a 敏感信息标识; its element table itself
could not be obtained, see docs/verification.md). The flag decides how a value is kept:

- `identifier`: the ID number; kept only as the keyed hash (matching) and a masked form;
- `secret`: names, account and policy numbers; kept masked only, never in clear;
- `sensitive`: amounts, plates, addresses (personal financial and property information
  under PIPL): kept, shown to verification staff, every read of a record logged;
- `ordinary`: codes, kinds and dates.

Where a field goes in the record table is declared too (`column`): one field of each source
is the record's `kind`, one its `amount` (Decimal yuan), at most one its `quantity` and one
its date (`occurred_on`); the rest go in the JSON `data` column. Plain data, no Django: the
CLI lists it and docs/verification.md is checked against it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any


class FieldType(StrEnum):
    TEXT = "text"
    CHOICE = "choice"
    DATE = "date"  # YYYY-MM-DD
    MONTH = "month"  # YYYY-MM, stored as the first day of the month
    MONEY = "money"  # yuan, non-negative, at most two decimal places
    DECIMAL = "decimal"  # non-negative, at most two decimal places (m², shares)
    ID_NUMBER = "id_number"  # GB 11643
    USCC = "uscc"  # GB 32100 统一社会信用代码
    REGION = "region"  # GB/T 2260, 6, 9 or 12 digits


class Sensitivity(StrEnum):
    IDENTIFIER = "identifier"
    SECRET = "secret"
    SENSITIVE = "sensitive"
    ORDINARY = "ordinary"

    @property
    def flagged(self) -> bool:
        """MZ/T 073's 敏感信息标识: yes for everything but ordinary fields."""
        return self is not Sensitivity.ORDINARY


class Column(StrEnum):
    """Where a field's value is stored in `verification_departmentrecord`."""

    ID = "id_hash"
    KIND = "kind"
    AMOUNT = "amount"
    QUANTITY = "quantity"
    OCCURRED_ON = "occurred_on"
    DATA = "data"


@dataclass(frozen=True)
class SourceField:
    name: str
    type: FieldType
    label_zh: str
    label_en: str
    required: bool = False
    sensitivity: Sensitivity = Sensitivity.ORDINARY
    column: Column = Column.DATA
    unit: str = ""
    choices: tuple[str, ...] = ()
    max_length: int = 100

    def as_dict(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "type": str(self.type),
            "label_zh": self.label_zh,
            "label_en": self.label_en,
            "required": self.required,
            "sensitivity": str(self.sensitivity),
            "sensitive": self.sensitivity.flagged,
            "column": str(self.column),
            "unit": self.unit,
            "choices": list(self.choices),
        }


@dataclass(frozen=True)
class Source:
    code: str
    name_zh: str
    name_en: str
    department_zh: str
    department_en: str
    fields: tuple[SourceField, ...]
    rule: str = "V-02"
    note: str = ""
    by_name: dict[str, SourceField] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "by_name", {f.name: f for f in self.fields})

    def column(self, column: Column) -> SourceField | None:
        return next((f for f in self.fields if f.column is column), None)

    @property
    def required(self) -> tuple[str, ...]:
        return tuple(f.name for f in self.fields if f.required)

    def as_dict(self) -> dict[str, Any]:
        return {
            "code": self.code,
            "name_zh": self.name_zh,
            "name_en": self.name_en,
            "department_zh": self.department_zh,
            "department_en": self.department_en,
            "rule": self.rule,
            "note": self.note,
            "fields": [f.as_dict() for f in self.fields],
        }


T, S = FieldType, Sensitivity


def _f(name: str, type_: FieldType, zh: str, en: str, **kw: Any) -> SourceField:
    return SourceField(name, type_, zh, en, **kw)


def _person() -> tuple[SourceField, ...]:
    """Every record names one person: the ID number (matched through the keyed hash) and
    the name the department holds (kept masked)."""
    return (
        _f(
            "id_number",
            T.ID_NUMBER,
            "公民身份号码",
            "Citizen ID number",
            required=True,
            sensitivity=S.IDENTIFIER,
            column=Column.ID,
        ),
        _f("name", T.TEXT, "姓名", "Name", sensitivity=S.SECRET, max_length=50),
    )


def _kind(name: str, zh: str, en: str, choices: tuple[str, ...]) -> SourceField:
    return _f(name, T.CHOICE, zh, en, required=True, column=Column.KIND, choices=choices)


def _money(name: str, zh: str, en: str, *, required: bool = False, amount: bool = False) -> Any:
    return _f(
        name,
        T.MONEY,
        zh,
        en,
        required=required,
        sensitivity=S.SENSITIVE,
        column=Column.AMOUNT if amount else Column.DATA,
        unit="元",
    )


def _day(name: str, zh: str, en: str, *, occurred: bool = True, required: bool = True) -> Any:
    column = Column.OCCURRED_ON if occurred else Column.DATA
    return _f(name, T.DATE, zh, en, required=required, column=column)


def _month(name: str, zh: str, en: str) -> SourceField:
    return _f(name, T.MONTH, zh, en, required=True, column=Column.OCCURRED_ON)


def _uscc(name: str, zh: str, en: str, *, required: bool = False) -> SourceField:
    return _f(name, T.USCC, zh, en, required=required)


def _account(name: str, zh: str, en: str) -> SourceField:
    return _f(name, T.TEXT, zh, en, sensitivity=S.SECRET, max_length=40)


def _text(name: str, zh: str, en: str, *, required: bool = False, **kw: Any) -> SourceField:
    return _f(name, T.TEXT, zh, en, required=required, **kw)


def _choice(name: str, zh: str, en: str, choices: tuple[str, ...], **kw: Any) -> SourceField:
    return _f(name, T.CHOICE, zh, en, choices=choices, **kw)


SOURCES_LIST: tuple[Source, ...] = (
    Source(
        "hukou",
        "户籍信息",
        "Household registration",
        "公安部门",
        "Public security",
        (
            *_person(),
            _kind("event", "户籍事项", "Event", ("registered", "death", "cancelled", "moved_out")),
            _day("event_date", "事项日期", "Date of the event"),
            _f("hukou_region", T.REGION, "户籍地区划代码", "Region of registration"),
            _text("hukou_number", "户号", "Hukou number", sensitivity=S.SENSITIVE, max_length=20),
        ),
        note="死亡、注销、迁出：家庭人口变化的依据",
    ),
    Source(
        "tax",
        "纳税信息",
        "Taxable income",
        "税务部门",
        "Taxation",
        (
            *_person(),
            _kind(
                "income_kind",
                "所得项目",
                "Kind of income",
                ("wages", "labour", "business", "property", "interest", "other"),
            ),
            _day("period_start", "所属期起", "Period from"),
            _day("period_end", "所属期止", "Period to", occurred=False),
            _money("income", "收入额", "Income", required=True, amount=True),
            _money("tax_paid", "已缴税额", "Tax paid"),
            _uscc("withholder_uscc", "扣缴义务人统一社会信用代码", "Withholding agent's USCC"),
            _text("withholder_name", "扣缴义务人名称", "Withholding agent"),
        ),
        note="收入额为所属期内的合计（元）",
    ),
    Source(
        "social_insurance",
        "社会保险信息",
        "Social insurance",
        "人力资源社会保障部门",
        "Human resources and social security",
        (
            *_person(),
            _kind(
                "item",
                "缴费或待遇",
                "Contribution or benefit",
                ("contribution", "pension", "unemployment_benefit", "injury_benefit"),
            ),
            _choice(
                "insurance",
                "险种",
                "Insurance",
                ("employee_pension", "resident_pension", "unemployment", "medical", "injury"),
                required=True,
            ),
            _month("month", "所属月份", "Month"),
            _money("amount", "金额", "Amount", required=True, amount=True),
            _money("contribution_base", "缴费基数", "Contribution base"),
            _uscc("employer_uscc", "参保单位统一社会信用代码", "Employer's USCC"),
            _text("employer_name", "参保单位名称", "Employer"),
        ),
        note="金额为该月缴费额或待遇额（元）",
    ),
    Source(
        "real_estate",
        "不动产登记信息",
        "Real estate registration",
        "自然资源部门（不动产登记机构）",
        "Natural resources (real estate registry)",
        (
            *_person(),
            _kind(
                "property_kind",
                "不动产类型",
                "Kind of property",
                ("residential", "commercial", "office", "industrial", "land", "other"),
            ),
            _text(
                "certificate_no", "不动产权证书号", "Certificate number", sensitivity=S.SENSITIVE
            ),
            _text("location", "坐落", "Location", sensitivity=S.SENSITIVE, max_length=200),
            _f(
                "floor_area",
                T.DECIMAL,
                "建筑面积",
                "Floor area",
                column=Column.QUANTITY,
                unit="平方米",
            ),
            _day("registered_on", "登记日期", "Registered on"),
            _choice("ownership", "共有情况", "Ownership", ("sole", "joint", "share")),
            _choice("status", "登记状态", "Status", ("registered", "cancelled"), required=True),
        ),
    ),
    Source(
        "market_entity",
        "市场主体登记信息",
        "Business registration",
        "市场监督管理部门",
        "Market regulation",
        (
            *_person(),
            _kind(
                "role",
                "人员身份",
                "Role",
                ("legal_representative", "shareholder", "sole_proprietor", "executive"),
            ),
            _uscc("uscc", "统一社会信用代码", "Unified social credit code", required=True),
            _text("entity_name", "市场主体名称", "Entity name", required=True, max_length=200),
            _choice(
                "entity_type",
                "市场主体类型",
                "Kind of entity",
                ("company", "individual_business", "cooperative", "partnership", "other"),
            ),
            _money("registered_capital", "注册资本", "Registered capital", amount=True),
            _day("registered_on", "成立日期", "Established on"),
            _choice(
                "status",
                "登记状态",
                "Status",
                ("active", "revoked", "cancelled"),
                required=True,
            ),
        ),
    ),
    Source(
        "provident_fund",
        "住房公积金信息",
        "Housing provident fund",
        "住房公积金管理中心",
        "Housing provident fund centre",
        (
            *_person(),
            _kind("event", "业务类型", "Kind", ("contribution", "withdrawal", "loan")),
            _month("month", "所属月份", "Month"),
            _money("amount", "金额", "Amount", required=True, amount=True),
            _money("wage_base", "缴存基数", "Contribution base"),
            _money("balance", "账户余额", "Balance"),
            _uscc("employer_uscc", "缴存单位统一社会信用代码", "Employer's USCC"),
        ),
        note="缴存额为个人与单位合计（元/月）",
    ),
    Source(
        "vehicles",
        "车船登记信息",
        "Vehicles and vessels",
        "公安交通管理部门、交通运输部门",
        "Traffic police, transport",
        (
            *_person(),
            _kind(
                "vehicle_kind",
                "车船类型",
                "Kind of vehicle",
                ("car", "truck", "bus", "motorcycle", "tricycle", "trailer", "vessel", "other"),
            ),
            _text("plate_no", "号牌号码", "Plate number", sensitivity=S.SENSITIVE, max_length=20),
            _text("brand", "品牌型号", "Make and model"),
            _day("registered_on", "初次登记日期", "First registered on"),
            _money("value", "评估价值", "Assessed value", amount=True),
            _choice(
                "status",
                "机动车状态",
                "Status",
                ("registered", "scrapped", "cancelled", "seized"),
                required=True,
            ),
        ),
    ),
    Source(
        "bank",
        "银行存款信息",
        "Bank deposits",
        "银行业金融机构",
        "Banks",
        (
            *_person(),
            _kind(
                "product",
                "产品类型",
                "Product",
                ("current_deposit", "time_deposit", "wealth_management", "other"),
            ),
            _text("bank_name", "开户机构", "Bank", required=True),
            _account("account_no", "账号", "Account number"),
            _money("balance", "余额", "Balance", required=True, amount=True),
            _day("balance_on", "余额日期", "Balance on"),
        ),
    ),
    Source(
        "commercial_insurance",
        "商业保险信息",
        "Commercial insurance",
        "保险公司",
        "Insurers",
        (
            *_person(),
            _kind(
                "policy_kind",
                "险种类别",
                "Kind of policy",
                ("life", "health", "accident", "annuity", "property", "other"),
            ),
            _text("insurer", "保险机构", "Insurer", required=True),
            _account("policy_no", "保单号", "Policy number"),
            _choice("role", "人员身份", "Role", ("policyholder", "insured", "beneficiary")),
            _money("cash_value", "现金价值", "Cash value", required=True, amount=True),
            _money("premium", "年缴保费", "Annual premium"),
            _day("effective_on", "生效日期", "Effective on"),
        ),
    ),
    Source(
        "securities",
        "证券信息",
        "Securities",
        "证券登记结算机构、证券公司",
        "Securities depository, brokers",
        (
            *_person(),
            _kind("holding", "持有品种", "Holding", ("stock", "fund", "bond", "other")),
            _text("broker", "托管机构", "Broker"),
            _account("account_no", "证券账户", "Securities account"),
            _money("market_value", "市值", "Market value", required=True, amount=True),
            _day("valued_on", "估值日期", "Valued on"),
        ),
    ),
    Source(
        "internet_finance",
        "互联网金融信息",
        "Internet finance",
        "互联网金融平台",
        "Internet finance platforms",
        (
            *_person(),
            _kind(
                "product",
                "产品类型",
                "Product",
                ("balance", "money_market_fund", "wealth_management", "loan"),
            ),
            _text("platform", "平台名称", "Platform", required=True),
            _account("account_no", "账户", "Account"),
            _money("balance", "余额或市值", "Balance or value", required=True, amount=True),
            _day("valued_on", "估值日期", "Valued on"),
        ),
    ),
)

SOURCES: dict[str, Source] = {s.code: s for s in SOURCES_LIST}


def get_source(code: str) -> Source | None:
    return SOURCES.get(code)
