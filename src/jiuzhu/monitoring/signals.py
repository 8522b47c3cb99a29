"""The departments' hardship signals (M-02, M-03): one typed declaration per kind.

A signal is a department's record about one person — a hospital bill, a job lost, a
disability certified, a death, a child out of school, a disaster's damage, utility arrears, a
hotline call — declared with the verification context's `Source` (same field types, element
names and sensitivity flags), so it is read, validated row by row, stored and kept with its
provenance by the same import pipeline (verification/importing.py): the ID number only as
keyed hash, names masked, money as Decimal. docs/monitoring.md is checked against it.
"""

from __future__ import annotations

from typing import Any

from jiuzhu.verification.sources import Column, FieldType, Sensitivity, Source, SourceField

T, S = FieldType, Sensitivity


def _f(name: str, type_: FieldType, zh: str, en: str, **kw: Any) -> SourceField:
    return SourceField(name, type_, zh, en, **kw)


PERSON = (
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


def _day(name: str, zh: str, en: str) -> SourceField:
    return _f(name, T.DATE, zh, en, required=True, column=Column.OCCURRED_ON)


def _money(name: str, zh: str, en: str, *, required: bool = False) -> SourceField:
    column = Column.AMOUNT if required else Column.DATA
    return _f(
        name, T.MONEY, zh, en, required=required, sensitivity=S.SENSITIVE, column=column, unit="元"
    )


def _text(name: str, zh: str, en: str, **kw: Any) -> SourceField:
    return _f(name, T.TEXT, zh, en, **kw)


SIGNALS_LIST: tuple[Source, ...] = (
    Source(
        "medical_expense",
        "医疗费用信息",
        "Medical expenses",
        "医疗保障部门",
        "Healthcare security",
        (
            *PERSON,
            _kind("care", "就诊类型", "Kind of care", ("inpatient", "outpatient", "pharmacy")),
            _money("out_of_pocket", "个人自付费用", "Out-of-pocket amount", required=True),
            _money("total_cost", "医疗总费用", "Total cost"),
            _day("settled_on", "结算日期", "Settled on"),
            _text("hospital", "医疗机构", "Hospital"),
        ),
        rule="M-02",
        note="个人自付费用：医保、大病保险和医疗救助报销后由个人负担的部分（元）",
    ),
    Source(
        "unemployment",
        "失业登记信息",
        "Unemployment registration",
        "人力资源社会保障部门",
        "Human resources and social security",
        (
            *PERSON,
            _kind("event", "登记事项", "Event", ("registered", "benefit_started", "benefit_ended")),
            _day("registered_on", "登记日期", "Registered on"),
            _text("employer_name", "原工作单位", "Former employer"),
        ),
        rule="M-02",
    ),
    Source(
        "disability",
        "残疾人信息",
        "Disability certification",
        "残疾人联合会",
        "Disabled Persons' Federation",
        (
            *PERSON,
            _kind(
                "disability_kind",
                "残疾类别",
                "Kind of disability",
                ("visual", "hearing", "speech", "physical", "intellectual", "mental", "multiple"),
            ),
            _f("grade", T.DECIMAL, "残疾等级", "Grade", required=True, column=Column.QUANTITY),
            _day("certified_on", "发证日期", "Certified on"),
        ),
        rule="M-02",
        note="残疾等级 1-4（一级最重）",
    ),
    Source(
        "death",
        "死亡信息",
        "Deaths",
        "公安部门、卫生健康部门、殡葬服务机构",
        "Public security, health, funeral services",
        (
            *PERSON,
            _kind(
                "record",
                "信息来源",
                "Record",
                ("hukou_cancelled", "death_certificate", "cremation"),
            ),
            _day("died_on", "死亡日期", "Died on"),
        ),
        rule="M-02",
    ),
    Source(
        "school_dropout",
        "辍学信息",
        "School dropouts",
        "教育部门",
        "Education",
        (
            *PERSON,
            _kind(
                "stage",
                "学段",
                "Stage",
                ("primary", "junior_secondary", "senior_secondary", "vocational", "higher"),
            ),
            _day("left_on", "离校日期", "Left school on"),
            _text("school_name", "学校", "School"),
        ),
        rule="M-02",
    ),
    Source(
        "disaster_damage",
        "受灾信息",
        "Disaster damage",
        "应急管理部门",
        "Emergency management",
        (
            *PERSON,
            _kind(
                "disaster",
                "灾害种类",
                "Disaster",
                ("flood", "typhoon", "earthquake", "fire", "drought", "snow", "landslide", "other"),
            ),
            _money("loss", "直接经济损失", "Direct loss", required=True),
            _day("occurred_on", "受灾日期", "Occurred on"),
            _f(
                "house_damage",
                T.CHOICE,
                "房屋损坏",
                "House damage",
                choices=("none", "damaged", "collapsed"),
            ),
        ),
        rule="M-02",
    ),
    Source(
        "utility_arrears",
        "水电气欠费信息",
        "Utility arrears",
        "供水、供电、供气、供热企业",
        "Water, power, gas and heating utilities",
        (
            *PERSON,
            _kind("utility", "费用类别", "Utility", ("water", "electricity", "gas", "heating")),
            _f(
                "months",
                T.DECIMAL,
                "欠费月数",
                "Months in arrears",
                required=True,
                column=Column.QUANTITY,
            ),
            _money("amount_owed", "欠费金额", "Amount owed", required=True),
            _f("month", T.MONTH, "统计月份", "Month", required=True, column=Column.OCCURRED_ON),
        ),
        rule="M-02",
    ),
    Source(
        "hotline_report",
        "热线反映信息",
        "Hotline reports",
        "12345 政务服务便民热线",
        "12345 government service hotline",
        (
            *PERSON,
            _kind("channel", "来源", "Channel", ("12345", "12349", "visit", "letter", "other")),
            _day("reported_on", "反映日期", "Reported on"),
            _text("ticket_no", "工单号", "Ticket number", max_length=40),
            _text("summary", "反映内容", "Summary", sensitivity=S.SENSITIVE, max_length=500),
        ),
        rule="M-03",
    ),
)

SIGNALS: dict[str, Source] = {s.code: s for s in SIGNALS_LIST}


def get_signal(code: str) -> Source | None:
    return SIGNALS.get(code)


def signals_markdown() -> str:
    """The record schemas as docs/monitoring.md shows them (a test compares the two)."""
    parts: list[str] = []
    for kind in SIGNALS_LIST:
        parts.append(
            f"### `{kind.code}` — {kind.name_zh} / {kind.name_en} ({kind.department_zh}; "
            f"{kind.rule})"
        )
        if kind.note:
            parts.append(kind.note)
        parts.append("")
        parts.append("| field | 数据元 | element | type | required | sensitivity | stored in |")
        parts.append("|---|---|---|---|---|---|---|")
        for f in kind.fields:
            shown = str(f.type)
            if f.choices:
                shown += ": " + ", ".join(f"`{c}`" for c in f.choices)
            if f.unit:
                shown += f" ({f.unit})"
            parts.append(
                f"| `{f.name}` | {f.label_zh} | {f.label_en} | {shown} | "
                f"{'yes' if f.required else ''} | {f.sensitivity} | `{f.column}` |"
            )
        parts.append("")
    return "\n".join(parts)
