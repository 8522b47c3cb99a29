"""Section 2 of the rule book: the layered classification (C-01 … C-08)."""

from __future__ import annotations

import datetime as dt

import polars as pl

from jiuzhu.rules.steps import aggregate, broadcast, rule
from jiuzhu.rules.vector import times_ratio, where, whole_years

IN_SCHOOL_STAYING_COVERED = ("compulsory", "high_school", "secondary_vocational")  # C-02


@rule(
    "C-06",
    level="household",
    zh="低收入家庭认定线",
    en="Low-income line (k × urban dibao standard)",
    params=("dibao_standard_urban", "low_income_multiplier"),
    unit="yuan",
)
def low_income_line(dibao_standard_urban: pl.Expr, low_income_multiplier: pl.Expr) -> pl.Expr:
    return times_ratio(dibao_standard_urban, low_income_multiplier)


@rule(
    "B-02",
    level="household",
    zh="适用的特困人员基本生活标准",
    en="特困 support standard applied",
    params=("tekun_standard_urban", "tekun_standard_rural"),
    unit="yuan",
)
def tekun_standard(
    is_urban: pl.Expr, tekun_standard_urban: pl.Expr, tekun_standard_rural: pl.Expr
) -> pl.Expr:
    return where(is_urban, tekun_standard_urban, tekun_standard_rural)


@rule(
    "C-04",
    level="household",
    zh="符合低保条件（人均收入低于低保标准且财产符合规定）",
    en="Meets dibao: per-capita income below the standard, assets within the rules",
)
def dibao_eligible(
    income_net: pl.Expr,
    members_count: pl.Expr,
    dibao_standard: pl.Expr,
    assets_ok_dibao: pl.Expr,
) -> pl.Expr:
    # per-capita income < standard  ⟺  income < members × standard, exactly, in fen
    return (income_net < members_count * dibao_standard) & assets_ok_dibao


@rule(
    "C-06",
    level="household",
    zh="符合低收入家庭条件",
    en="Meets low-income: per-capita income at most the low-income line, assets within rules",
)
def low_income(
    income_net: pl.Expr,
    members_count: pl.Expr,
    low_income_line: pl.Expr,
    assets_ok_low_income: pl.Expr,
) -> pl.Expr:
    return (income_net <= members_count * low_income_line) & assets_ok_low_income


broadcast("C-01", "hh_dibao_standard", "dibao_standard", level="member", zh="", en="")
broadcast("C-01", "hh_tekun_standard", "tekun_standard", level="member", zh="", en="")
broadcast("C-01", "hh_assets_ok_dibao", "assets_ok_dibao", level="member", zh="", en="")
broadcast("C-05", "hh_low_income", "low_income", level="member", zh="", en="")
broadcast("C-05", "hh_dibao_eligible", "dibao_eligible", level="member", zh="", en="")


@rule(
    "C-02",
    level="member",
    zh="未成年人（含超过年龄上限仍在义务教育、普通高中或中职就读）",
    en="Minor (incl. past the age limit, still in compulsory, high or secondary vocational school)",
    params=("minor_age_limit",),
)
def is_minor(age: pl.Expr, schooling: pl.Expr, minor_age_limit: pl.Expr) -> pl.Expr:
    return (age < minor_age_limit) | schooling.is_in(IN_SCHOOL_STAYING_COVERED)


@rule("C-01", level="member", zh="老年人", en="Elderly", params=("tekun_elderly_age",))
def is_elderly(age: pl.Expr, tekun_elderly_age: pl.Expr) -> pl.Expr:
    return age >= tekun_elderly_age


_GRADE_PARAMS = {
    "intellectual": "no_labour_max_grade_intellectual",
    "mental": "no_labour_max_grade_mental",
    "physical": "no_labour_max_grade_physical",
    "visual": "no_labour_max_grade_visual",
    "hearing": "no_labour_max_grade_hearing",
    "speech": "no_labour_max_grade_speech",
    "multiple": "no_labour_max_grade_multiple",
}


@rule(
    "C-01",
    level="member",
    zh="残疾致无劳动能力",
    en="Disability that takes away labour capacity",
    params=tuple(_GRADE_PARAMS.values()),
)
def disability_no_labour(
    dis_kind: pl.Expr,
    dis_grade: pl.Expr,
    no_labour_max_grade_intellectual: pl.Expr,
    no_labour_max_grade_mental: pl.Expr,
    no_labour_max_grade_physical: pl.Expr,
    no_labour_max_grade_visual: pl.Expr,
    no_labour_max_grade_hearing: pl.Expr,
    no_labour_max_grade_speech: pl.Expr,
    no_labour_max_grade_multiple: pl.Expr,
) -> pl.Expr:
    """Grade 1 is the most severe: a grade at or under the kind's threshold qualifies."""
    limits = {
        "intellectual": no_labour_max_grade_intellectual,
        "mental": no_labour_max_grade_mental,
        "physical": no_labour_max_grade_physical,
        "visual": no_labour_max_grade_visual,
        "hearing": no_labour_max_grade_hearing,
        "speech": no_labour_max_grade_speech,
        "multiple": no_labour_max_grade_multiple,
    }
    out = pl.lit(False)
    for kind, limit in limits.items():
        out = out | ((dis_kind == kind) & (dis_grade >= 1) & (dis_grade <= limit))
    return out


@rule("C-01", level="member", zh="无劳动能力", en="No labour capacity")
def no_labour_capacity(
    is_minor: pl.Expr, is_elderly: pl.Expr, disability_no_labour: pl.Expr
) -> pl.Expr:
    return is_minor | is_elderly | disability_no_labour


@rule(
    "C-01",
    level="member",
    zh="无生活来源（本人收入低于低保标准且财产符合规定）",
    en="No source of livelihood: own income below the dibao standard, assets within rules",
)
def no_livelihood(
    income_counted: pl.Expr, hh_dibao_standard: pl.Expr, hh_assets_ok_dibao: pl.Expr
) -> pl.Expr:
    return (income_counted < hh_dibao_standard) & hh_assets_ok_dibao


@rule("C-03", level="supporter", zh="法定义务人年龄", en="Supporter's age")
def supporter_age(sup_birth_date: pl.Expr, as_of: dt.date) -> pl.Expr:
    return whole_years(sup_birth_date, as_of)


@rule(
    "C-03",
    level="supporter",
    zh="法定义务人无履行义务能力",
    en="Supporter unable to fulfil the duty",
    params=(
        "supporter_unable_age",
        "supporter_severe_max_grade",
        "supporter_intellectual_mental_max_grade",
        "per_capita_disposable_income_prev_year",
    ),
)
def supporter_unable(
    sup_able: pl.Expr,
    supporter_age: pl.Expr,
    sup_income: pl.Expr,
    sup_dis_kind: pl.Expr,
    sup_dis_grade: pl.Expr,
    sup_assets_ok: pl.Expr,
    supporter_unable_age: pl.Expr,
    supporter_severe_max_grade: pl.Expr,
    supporter_intellectual_mental_max_grade: pl.Expr,
    per_capita_disposable_income_prev_year: pl.Expr,
) -> pl.Expr:
    """A determined `able` wins; otherwise the three conditions of C-03 are tested."""
    disabled = sup_dis_grade >= 1
    severe = disabled & (sup_dis_grade <= supporter_severe_max_grade)
    mind = (
        disabled
        & sup_dis_kind.is_in(("intellectual", "mental"))
        & (sup_dis_grade <= supporter_intellectual_mental_max_grade)
    )
    old = (supporter_age >= supporter_unable_age).fill_null(False)
    # own monthly income × 12 below last year's local per-capita disposable income (yearly)
    poor = sup_income * 12 < per_capita_disposable_income_prev_year
    tested = poor & sup_assets_ok & (old | severe | mind)
    return (sup_able == 0) | ((sup_able < 0) & tested)


@rule("C-03", level="supporter", zh="法定义务人有能力履行义务", en="Supporter able")
def supporter_able(supporter_unable: pl.Expr) -> pl.Expr:
    return supporter_unable.not_()


aggregate(
    "C-03",
    "able_supporters",
    "supporter_able",
    "sum",
    level="member",
    zh="有履行能力的法定义务人数",
    en="Supporters able to fulfil the duty",
)


broadcast("C-01", "hh_able_members", "able_members", level="member", zh="", en="")


@rule(
    "C-01",
    level="member",
    zh="特困人员（无劳动能力、无生活来源、无有能力的法定义务人）",
    en="特困: no labour capacity, no livelihood, no able supporter",
)
def is_tekun(
    no_labour_capacity: pl.Expr,
    no_livelihood: pl.Expr,
    able_supporters: pl.Expr,
    able_to_work: pl.Expr,
    hh_able_members: pl.Expr,
) -> pl.Expr:
    """Supporters are those living elsewhere who are able (C-03) and, within the household,
    every other member able to work: living together, they carry the duty of support."""
    others_able = hh_able_members - able_to_work.cast(pl.Int64)
    return no_labour_capacity & no_livelihood & (able_supporters == 0) & (others_able == 0)


@rule(
    "C-05",
    level="member",
    zh="重度残疾或重病（单人户条件）",
    en="Severe disability or serious illness (single-person household condition)",
    params=("single_person_max_grade", "single_person_intellectual_mental_max_grade"),
)
def severe_condition(
    dis_kind: pl.Expr,
    dis_grade: pl.Expr,
    serious_illness: pl.Expr,
    single_person_max_grade: pl.Expr,
    single_person_intellectual_mental_max_grade: pl.Expr,
) -> pl.Expr:
    disabled = dis_grade >= 1
    return (
        (disabled & (dis_grade <= single_person_max_grade))
        | (
            disabled
            & dis_kind.is_in(("intellectual", "mental"))
            & (dis_grade <= single_person_intellectual_mental_max_grade)
        )
        | serious_illness
    )


@rule(
    "C-05",
    level="member",
    zh="单人户纳入低保",
    en="Covered by dibao as a single-person household",
)
def single_person_dibao(
    severe_condition: pl.Expr,
    hh_low_income: pl.Expr,
    hh_dibao_eligible: pl.Expr,
    is_tekun: pl.Expr,
) -> pl.Expr:
    return severe_condition & hh_low_income & hh_dibao_eligible.not_() & is_tekun.not_()


aggregate(
    "C-01",
    "tekun_count",
    "is_tekun",
    "sum",
    level="household",
    zh="特困人员数",
    en="Members who are 特困",
)
aggregate(
    "C-05",
    "single_person_count",
    "single_person_dibao",
    "sum",
    level="household",
    zh="单人户低保人数",
    en="Members covered as single-person households",
)


@rule(
    "C-07",
    level="household",
    zh="刚性支出困难家庭",
    en="Household in hardship from rigid expenditure",
    params=("per_capita_disposable_income_prev_year", "rigid_expenditure_min_share"),
)
def rigid_expenditure(
    dibao_eligible: pl.Expr,
    low_income: pl.Expr,
    tekun_count: pl.Expr,
    income_gross: pl.Expr,
    members_count: pl.Expr,
    assets_ok_low_income: pl.Expr,
    expense_medical: pl.Expr,
    expense_education: pl.Expr,
    expense_disability: pl.Expr,
    per_capita_disposable_income_prev_year: pl.Expr,
    rigid_expenditure_min_share: pl.Expr,
) -> pl.Expr:
    """Not in an upper layer; income under last year's per-capita disposable income; rigid
    spending above the local share of income (NAT 刚性支出困难家庭认定办法 2024, GD 1)."""
    rigid = expense_medical + expense_education + expense_disability
    below_income = income_gross * 12 < members_count * per_capita_disposable_income_prev_year
    heavy = rigid * 10_000 > income_gross * rigid_expenditure_min_share
    upper = dibao_eligible | low_income | (tekun_count > 0)
    return upper.not_() & below_income & assets_ok_low_income & heavy & (rigid > 0)


CATEGORY_ORDER = ("tekun", "dibao", "low_income", "rigid_expenditure")


@rule("C-08", level="household", zh="主要救助类别", en="Primary category (highest layer met)")
def primary_category(
    tekun_count: pl.Expr,
    dibao_household: pl.Expr,
    single_person_count: pl.Expr,
    low_income: pl.Expr,
    rigid_expenditure: pl.Expr,
) -> pl.Expr:
    return (
        pl.when(tekun_count > 0)
        .then(pl.lit("tekun"))
        .when(dibao_household | (single_person_count > 0))
        .then(pl.lit("dibao"))
        .when(low_income)
        .then(pl.lit("low_income"))
        .when(rigid_expenditure)
        .then(pl.lit("rigid_expenditure"))
        .otherwise(pl.lit("none"))
    )
