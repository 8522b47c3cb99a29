"""Section 2 of the rule book: the layered classification (C-01 … C-08)."""

from __future__ import annotations

import datetime as dt
from typing import Any

import polars as pl

from jiuzhu.rules.money import RATIO_SCALE
from jiuzhu.rules.steps import aggregate, broadcast, rule
from jiuzhu.rules.vector import div_half_up, times_ratio, where, whole_years

IN_SCHOOL_STAYING_COVERED = ("compulsory", "high_school", "secondary_vocational")  # C-02


@rule(
    "C-06",
    level="household",
    zh="低收入家庭认定线（当地适用低保标准的倍数）",
    en="Low-income line (k × the dibao standard that applies to the household)",
    params=("low_income_multiplier",),
    unit="yuan",
)
def low_income_line(dibao_standard: pl.Expr, low_income_multiplier: pl.Expr) -> pl.Expr:
    """k × the household's own standard: urban or rural by its residence (GD 1 当地低保标准)."""
    return times_ratio(dibao_standard, low_income_multiplier)


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
broadcast("C-03", "hh_assets_ok_low_income", "assets_ok_low_income", level="member", zh="", en="")


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


SUPPORTER_PARAMS = (
    "supporter_unable_age",
    "supporter_severe_max_grade",
    "supporter_intellectual_mental_max_grade",
    "per_capita_disposable_income_prev_year",
)


def unable_to_support(
    age: pl.Expr,
    monthly_income: pl.Expr,
    dis_kind: pl.Expr,
    dis_grade: pl.Expr,
    assets_ok: pl.Expr,
    supporter_unable_age: pl.Expr,
    supporter_severe_max_grade: pl.Expr,
    supporter_intellectual_mental_max_grade: pl.Expr,
    per_capita_disposable_income_prev_year: pl.Expr,
) -> pl.Expr:
    """C-03 (IM 五): own income below last year's local per-capita disposable income, assets
    within the low-income rules, and old, severely disabled, or intellectually or mentally
    disabled at the parameter's grade. An unknown age is not old."""
    disabled = dis_grade >= 1
    severe = disabled & (dis_grade <= supporter_severe_max_grade)
    mind = (
        disabled
        & dis_kind.is_in(("intellectual", "mental"))
        & (dis_grade <= supporter_intellectual_mental_max_grade)
    )
    old = age.is_not_null() & (age >= supporter_unable_age)
    # own monthly income × 12 below last year's per-capita disposable income (yearly)
    poor = monthly_income * 12 < per_capita_disposable_income_prev_year
    return poor & assets_ok & (old | severe | mind)


@rule("C-03", level="supporter", zh="法定义务人年龄", en="Supporter's age")
def supporter_age(sup_birth_date: pl.Expr, as_of: dt.date) -> pl.Expr:
    return whole_years(sup_birth_date, as_of)


@rule(
    "C-03",
    level="supporter",
    zh="法定义务人无履行义务能力",
    en="Supporter unable to fulfil the duty",
    params=SUPPORTER_PARAMS,
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
    """A determined `able` wins; otherwise the conditions of C-03 are tested."""
    tested = unable_to_support(
        supporter_age,
        sup_income,
        sup_dis_kind,
        sup_dis_grade,
        sup_assets_ok,
        supporter_unable_age,
        supporter_severe_max_grade,
        supporter_intellectual_mental_max_grade,
        per_capita_disposable_income_prev_year,
    )
    return pl.when(sup_able == 0).then(True).when(sup_able > 0).then(False).otherwise(tested)


@rule("C-03", level="supporter", zh="法定义务人有能力履行义务", en="Supporter able")
def supporter_able(supporter_unable: pl.Expr) -> pl.Expr:
    return supporter_unable.not_()


aggregate(
    "C-03",
    "able_supporters",
    "supporter_able",
    "sum",
    level="member",
    zh="有履行能力的其他法定义务人数（不共同生活）",
    en="Supporters living elsewhere able to fulfil the duty",
)


@rule(
    "C-03",
    level="member",
    zh="作为共同生活的法定义务人有履行能力",
    en="Able to support the other members (a legal supporter living in the household)",
    params=SUPPORTER_PARAMS,
)
def able_household_supporter(
    is_minor: pl.Expr,
    age: pl.Expr,
    income_counted: pl.Expr,
    dis_kind: pl.Expr,
    dis_grade: pl.Expr,
    hh_assets_ok_low_income: pl.Expr,
    supporter_unable_age: pl.Expr,
    supporter_severe_max_grade: pl.Expr,
    supporter_intellectual_mental_max_grade: pl.Expr,
    per_capita_disposable_income_prev_year: pl.Expr,
) -> pl.Expr:
    """Members living together are spouses, parents, children and others with a legal duty of
    support (民发〔2021〕57号): every adult member gets the same C-03 test as a supporter
    living elsewhere, with the household's assets."""
    unable = unable_to_support(
        age,
        income_counted,
        dis_kind,
        dis_grade,
        hh_assets_ok_low_income,
        supporter_unable_age,
        supporter_severe_max_grade,
        supporter_intellectual_mental_max_grade,
        per_capita_disposable_income_prev_year,
    )
    return is_minor.not_() & unable.not_()


aggregate(
    "C-03",
    "able_household_supporters",
    "able_household_supporter",
    "sum",
    level="household",
    zh="共同生活的有履行能力的法定义务人数",
    en="Members able to support the others",
)
broadcast(
    "C-03",
    "hh_able_household_supporters",
    "able_household_supporters",
    level="member",
    zh="",
    en="",
)


@rule(
    "C-01",
    level="member",
    zh="特困人员（无劳动能力、无生活来源、无有履行能力的法定义务人）",
    en="特困: no labour capacity, no livelihood, no able supporter",
)
def is_tekun(
    no_labour_capacity: pl.Expr,
    no_livelihood: pl.Expr,
    able_supporters: pl.Expr,
    able_household_supporter: pl.Expr,
    hh_able_household_supporters: pl.Expr,
) -> pl.Expr:
    """Every legal supporter counts (C-03): those living elsewhere and the other members of
    the household, each unless tested unable."""
    others = hh_able_household_supporters - able_household_supporter.cast(pl.Int64)
    return no_labour_capacity & no_livelihood & (able_supporters == 0) & (others == 0)


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
    zh="支出型困难家庭的收入上限（上年人均可支配收入的倍数）",
    en="Income ceiling of a rigid-expenditure household (× last year's disposable income)",
    params=("per_capita_disposable_income_prev_year", "rigid_expenditure_income_ceiling"),
    unit="yuan",
)
def rigid_expenditure_ceiling(
    per_capita_disposable_income_prev_year: pl.Expr, rigid_expenditure_income_ceiling: pl.Expr
) -> pl.Expr:
    """Monthly per-capita figure: the yearly disposable income × the ratio ÷ 12."""
    return div_half_up(
        times_ratio(per_capita_disposable_income_prev_year, rigid_expenditure_income_ceiling),
        pl.lit(12, dtype=pl.Int64),
    )


@rule(
    "C-07",
    level="household",
    zh="刚性支出（医疗、教育、残疾康复，月均个人自付）",
    en="Rigid spending (medical, schooling, disability; monthly out-of-pocket)",
    unit="yuan",
)
def rigid_spending(
    expense_medical: pl.Expr, expense_education: pl.Expr, expense_disability: pl.Expr
) -> pl.Expr:
    return expense_medical + expense_education + expense_disability


@rule(
    "C-07",
    level="household",
    zh="刚性支出困难家庭",
    en="Household in hardship from rigid expenditure",
    params=(
        "rigid_expenditure_min_share",
        "per_capita_disposable_income_prev_year",
        "rigid_expenditure_income_ceiling",
    ),
)
def rigid_expenditure(
    tekun_count: pl.Expr,
    dibao_household: pl.Expr,
    single_person_count: pl.Expr,
    low_income: pl.Expr,
    income_gross: pl.Expr,
    members_count: pl.Expr,
    assets_ok_low_income: pl.Expr,
    rigid_spending: pl.Expr,
    rigid_expenditure_min_share: pl.Expr,
    per_capita_disposable_income_prev_year: pl.Expr,
    rigid_expenditure_income_ceiling: pl.Expr,
) -> pl.Expr:
    """Not in an upper layer; gross per-capita income (before any deduction) below the
    ceiling; assets within the low-income rules; rigid spending above the local share of
    gross income (NAT 刚性支出困难家庭认定办法 2024, GD 1 支出型贫困家庭)."""
    upper = (tekun_count > 0) | dibao_household | (single_person_count > 0) | low_income
    # exactly, in yearly fen × ratio units: gross × 12 < members × disposable income × ratio
    below_ceiling = income_gross * 12 * RATIO_SCALE < (
        members_count * per_capita_disposable_income_prev_year * rigid_expenditure_income_ceiling
    )
    heavy = rigid_spending * 10_000 > income_gross * rigid_expenditure_min_share
    return upper.not_() & below_ceiling & assets_ok_low_income & heavy & (rigid_spending > 0)


CATEGORY_ORDER = ("tekun", "dibao", "low_income", "rigid_expenditure")


@rule("C-08", level="household", zh="主要救助类别", en="Primary category (highest layer met)")
def primary_category(
    tekun_count: pl.Expr,
    dibao_household: pl.Expr,
    single_person_count: pl.Expr,
    low_income: pl.Expr,
    rigid_expenditure: pl.Expr,
) -> pl.Expr:
    """The first layer met, from the top; unknown (null) when a layer above the one met
    could not be decided for want of a parameter."""
    layers = (
        (tekun_count > 0, "tekun"),
        (dibao_household | (single_person_count > 0), "dibao"),
        (low_income, "low_income"),
        (rigid_expenditure, "rigid_expenditure"),
    )
    unknown = pl.lit(None, dtype=pl.String)
    chain: Any = pl.when(layers[0][0].is_null()).then(unknown)
    for i, (met, name) in enumerate(layers):
        if i:
            chain = chain.when(met.is_null()).then(unknown)
        chain = chain.when(met).then(pl.lit(name))
    result: pl.Expr = chain.otherwise(pl.lit("none"))
    return result
