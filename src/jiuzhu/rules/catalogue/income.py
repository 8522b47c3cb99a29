"""Section 1 of the rule book: household income, deductions and assets (I-01 … I-06)."""

from __future__ import annotations

import datetime as dt

import polars as pl

from jiuzhu.rules.steps import aggregate, rule
from jiuzhu.rules.vector import (
    clip_zero,
    counted,
    div_half_up,
    minimum,
    nothing_or,
    times_ratio,
    where,
    whole_years,
)


@rule("C-02", level="member", zh="年龄（周岁）", en="Age in completed years")
def age(birth_date: pl.Expr, as_of: dt.date) -> pl.Expr:
    return whole_years(birth_date, as_of)


@rule(
    "I-03",
    level="member",
    zh="不计入收入的城乡居民基本养老保险基础养老金",
    en="Base pension of the residents' basic pension insurance left out",
    params=("basic_pension_excluded",),
    unit="yuan",
)
def pension_excluded(inc_basic_pension: pl.Expr, basic_pension_excluded: pl.Expr) -> pl.Expr:
    return counted(inc_basic_pension, basic_pension_excluded)


@rule(
    "I-02",
    level="member",
    zh="计入家庭收入的个人收入",
    en="Member income counted",
    params=(
        "income_counted_wages",
        "income_counted_business",
        "income_counted_property",
        "income_counted_transfer",
        "income_counted_other",
    ),
    unit="yuan",
)
def income_counted(
    inc_wages: pl.Expr,
    inc_business: pl.Expr,
    inc_property: pl.Expr,
    inc_transfer: pl.Expr,
    inc_basic_pension: pl.Expr,
    inc_other: pl.Expr,
    pension_excluded: pl.Expr,
    income_counted_wages: pl.Expr,
    income_counted_business: pl.Expr,
    income_counted_property: pl.Expr,
    income_counted_transfer: pl.Expr,
    income_counted_other: pl.Expr,
) -> pl.Expr:
    """Each income item counted or excluded by parameter (I-02), less the base pension that
    I-03 leaves out."""
    return (
        counted(inc_wages, income_counted_wages)
        + counted(inc_business, income_counted_business)
        + counted(inc_property, income_counted_property)
        + counted(inc_transfer, income_counted_transfer)
        + inc_basic_pension
        - pension_excluded
        + counted(inc_other, income_counted_other)
    )


@rule("I-06", level="member", zh="在业", en="Employed")
def is_employed(employment: pl.Expr) -> pl.Expr:
    return employment == "employed"


aggregate(
    "I-01",
    "members_count",
    "age",
    "count",
    level="household",
    zh="共同生活家庭成员人数",
    en="Members living together",
)
aggregate(
    "I-02",
    "income_gross",
    "income_counted",
    "sum",
    level="household",
    zh="家庭计入收入（扣除前）",
    en="Household income counted, before deductions",
    unit="yuan",
)
aggregate(
    "I-06",
    "employed_count",
    "is_employed",
    "sum",
    level="household",
    zh="在业人数",
    en="Employed members",
)


@rule(
    "I-04",
    level="household",
    zh="扣减前家庭人均收入",
    en="Per-capita household income before deductions",
    unit="yuan",
)
def per_capita_income_gross(income_gross: pl.Expr, members_count: pl.Expr) -> pl.Expr:
    return div_half_up(income_gross, members_count)


@rule(
    "I-04",
    level="household",
    zh="可予扣减的人均收入上限",
    en="Per-capita income up to which deductions are allowed",
    params=("deduction_income_ceiling_multiplier",),
    unit="yuan",
)
def deduction_ceiling(
    dibao_standard: pl.Expr, deduction_income_ceiling_multiplier: pl.Expr
) -> pl.Expr:
    """A multiple of the household's own dibao standard (by default the low-income line)."""
    return times_ratio(dibao_standard, deduction_income_ceiling_multiplier)


@rule(
    "I-04",
    level="household",
    zh="扣减前人均收入未超过上限，可予扣减",
    en="Gross per-capita income within the ceiling: deductions allowed",
)
def deductions_allowed(
    income_gross: pl.Expr, members_count: pl.Expr, deduction_ceiling: pl.Expr
) -> pl.Expr:
    """Above the ceiling a household gets no deduction towards dibao: it never becomes a
    dibao household through its spending, and is assessed as 支出型 instead (C-07)."""
    # per-capita gross ≤ ceiling  ⟺  gross ≤ members × ceiling, exactly, in fen
    return income_gross <= members_count * deduction_ceiling


def _capped(amount: pl.Expr, flag: pl.Expr, cap_share: pl.Expr, standard: pl.Expr) -> pl.Expr:
    """One rigid item: the monthly out-of-pocket amount, at most its cap (a share of the
    household's monthly dibao standard), where the item is deducted at all."""
    return nothing_or(
        amount, minimum(amount, times_ratio(standard, cap_share)) * flag.cast(pl.Int64)
    )


@rule(
    "I-04",
    level="household",
    zh="因病因残因学刚性支出扣减（个人自付部分，分项封顶）",
    en="Rigid expenditure deducted (out-of-pocket illness, disability, schooling; each capped)",
    params=(
        "deduct_medical",
        "deduct_education",
        "deduct_disability",
        "deduction_cap_medical",
        "deduction_cap_education",
        "deduction_cap_disability",
    ),
    unit="yuan",
)
def rigid_deduction(
    expense_medical: pl.Expr,
    expense_education: pl.Expr,
    expense_disability: pl.Expr,
    dibao_standard: pl.Expr,
    deductions_allowed: pl.Expr,
    deduct_medical: pl.Expr,
    deduct_education: pl.Expr,
    deduct_disability: pl.Expr,
    deduction_cap_medical: pl.Expr,
    deduction_cap_education: pl.Expr,
    deduction_cap_disability: pl.Expr,
) -> pl.Expr:
    """The declared amounts are monthly averages of the verified out-of-pocket part (after
    basic medical insurance, critical-illness insurance and medical aid); each is deducted up
    to its cap, and nothing at all above the income ceiling."""
    total = expense_medical + expense_education + expense_disability
    capped = (
        _capped(expense_medical, deduct_medical, deduction_cap_medical, dibao_standard)
        + _capped(expense_education, deduct_education, deduction_cap_education, dibao_standard)
        + _capped(expense_disability, deduct_disability, deduction_cap_disability, dibao_standard)
    )
    return nothing_or(total, where(deductions_allowed, capped, 0))


@rule(
    "I-06",
    level="household",
    zh="必要就业成本扣减",
    en="Necessary employment costs deducted",
    params=("employment_cost_cap_per_employed",),
    unit="yuan",
)
def employment_deduction(
    employment_costs: pl.Expr,
    employed_count: pl.Expr,
    deductions_allowed: pl.Expr,
    employment_cost_cap_per_employed: pl.Expr,
) -> pl.Expr:
    """Costs as declared, capped per employed member by parameter; none above the income
    ceiling (I-04)."""
    capped = minimum(employment_costs, employment_cost_cap_per_employed * employed_count)
    return nothing_or(employment_costs, where(deductions_allowed, capped, 0))


@rule(
    "I-04",
    level="household",
    zh="核算后家庭收入",
    en="Household income after deductions",
    unit="yuan",
)
def income_net(
    income_gross: pl.Expr, rigid_deduction: pl.Expr, employment_deduction: pl.Expr
) -> pl.Expr:
    return clip_zero(income_gross - rigid_deduction - employment_deduction)


@rule("I-01", level="household", zh="家庭人均收入", en="Per-capita household income", unit="yuan")
def per_capita_income(income_net: pl.Expr, members_count: pl.Expr) -> pl.Expr:
    return div_half_up(income_net, members_count)


@rule(
    "P-03",
    level="household",
    zh="适用的低保标准",
    en="Dibao standard applied (urban or rural)",
    params=("dibao_standard_urban", "dibao_standard_rural"),
    unit="yuan",
)
def dibao_standard(
    is_urban: pl.Expr, dibao_standard_urban: pl.Expr, dibao_standard_rural: pl.Expr
) -> pl.Expr:
    return where(is_urban, dibao_standard_urban, dibao_standard_rural)


def within_limits(*pairs: tuple[pl.Expr, pl.Expr]) -> pl.Expr:
    """I-05: every asset (financial amount, counts of vehicles, homes, businesses) at most its
    limit; the financial limit is N months of the dibao standard per member."""
    return pl.all_horizontal(held <= limit for held, limit in pairs)


@rule(
    "I-05",
    level="household",
    zh="家庭财产符合低保规定",
    en="Assets within the dibao rules",
    params=(
        "dibao_financial_assets_months",
        "dibao_max_vehicles",
        "dibao_max_homes",
        "dibao_max_business_registrations",
    ),
)
def assets_ok_dibao(
    assets_financial: pl.Expr,
    assets_vehicles: pl.Expr,
    assets_homes: pl.Expr,
    assets_business: pl.Expr,
    dibao_standard: pl.Expr,
    members_count: pl.Expr,
    dibao_financial_assets_months: pl.Expr,
    dibao_max_vehicles: pl.Expr,
    dibao_max_homes: pl.Expr,
    dibao_max_business_registrations: pl.Expr,
) -> pl.Expr:
    return within_limits(
        (assets_financial, dibao_standard * members_count * dibao_financial_assets_months),
        (assets_vehicles, dibao_max_vehicles),
        (assets_homes, dibao_max_homes),
        (assets_business, dibao_max_business_registrations),
    )


@rule(
    "I-05",
    level="household",
    zh="家庭财产符合低收入家庭规定",
    en="Assets within the low-income rules",
    params=(
        "low_income_financial_assets_months",
        "low_income_max_vehicles",
        "low_income_max_homes",
        "low_income_max_business_registrations",
    ),
)
def assets_ok_low_income(
    assets_financial: pl.Expr,
    assets_vehicles: pl.Expr,
    assets_homes: pl.Expr,
    assets_business: pl.Expr,
    dibao_standard: pl.Expr,
    members_count: pl.Expr,
    low_income_financial_assets_months: pl.Expr,
    low_income_max_vehicles: pl.Expr,
    low_income_max_homes: pl.Expr,
    low_income_max_business_registrations: pl.Expr,
) -> pl.Expr:
    return within_limits(
        (assets_financial, dibao_standard * members_count * low_income_financial_assets_months),
        (assets_vehicles, low_income_max_vehicles),
        (assets_homes, low_income_max_homes),
        (assets_business, low_income_max_business_registrations),
    )
