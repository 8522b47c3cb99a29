"""Section 1 of the rule book: household income, deductions and assets (I-01 … I-06)."""

from __future__ import annotations

import datetime as dt

import polars as pl

from jiuzhu.rules.steps import aggregate, rule
from jiuzhu.rules.vector import clip_zero, div_half_up, minimum, whole_years


@rule("C-02", level="member", zh="年龄（周岁）", en="Age in completed years")
def age(birth_date: pl.Series, as_of: dt.date) -> pl.Series:
    return whole_years(birth_date, as_of)


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
        "basic_pension_excluded",
    ),
    unit="yuan",
)
def income_counted(
    inc_wages: pl.Series,
    inc_business: pl.Series,
    inc_property: pl.Series,
    inc_transfer: pl.Series,
    inc_basic_pension: pl.Series,
    inc_other: pl.Series,
    income_counted_wages: pl.Series,
    income_counted_business: pl.Series,
    income_counted_property: pl.Series,
    income_counted_transfer: pl.Series,
    income_counted_other: pl.Series,
    basic_pension_excluded: pl.Series,
) -> pl.Series:
    """Each income item counted or excluded by parameter; the base pension of the residents'
    basic pension insurance is excluded while I-03 says so."""
    return (
        inc_wages * income_counted_wages
        + inc_business * income_counted_business
        + inc_property * income_counted_property
        + inc_transfer * income_counted_transfer
        + inc_basic_pension * basic_pension_excluded.not_()
        + inc_other * income_counted_other
    )


@rule("I-06", level="member", zh="在业", en="Employed")
def is_employed(employment: pl.Series) -> pl.Series:
    return employment == "employed"


aggregate("I-01", "members_count", "age", "count", level="household", zh="共同生活家庭成员人数",
          en="Members living together")
aggregate("I-02", "income_gross", "income_counted", "sum", level="household",
          zh="家庭计入收入（扣除前）", en="Household income counted, before deductions",
          unit="yuan")
aggregate("I-06", "employed_count", "is_employed", "sum", level="household", zh="在业人数",
          en="Employed members")


@rule(
    "I-04",
    level="household",
    zh="因病因残因学刚性支出扣减",
    en="Rigid expenditure deducted (illness, disability, schooling)",
    params=("deduct_medical", "deduct_education", "deduct_disability"),
    unit="yuan",
)
def rigid_deduction(
    expense_medical: pl.Series,
    expense_education: pl.Series,
    expense_disability: pl.Series,
    deduct_medical: pl.Series,
    deduct_education: pl.Series,
    deduct_disability: pl.Series,
) -> pl.Series:
    return (
        expense_medical * deduct_medical
        + expense_education * deduct_education
        + expense_disability * deduct_disability
    )


@rule(
    "I-06",
    level="household",
    zh="必要就业成本扣减",
    en="Necessary employment costs deducted",
    params=("employment_cost_cap_per_employed",),
    unit="yuan",
)
def employment_deduction(
    employment_costs: pl.Series, employed_count: pl.Series, employment_cost_cap_per_employed: pl.Series
) -> pl.Series:
    """Costs as declared, capped per employed member by parameter."""
    return minimum(employment_costs, employment_cost_cap_per_employed * employed_count)


@rule("I-04", level="household", zh="核算后家庭收入", en="Household income after deductions", unit="yuan")
def income_net(
    income_gross: pl.Series, rigid_deduction: pl.Series, employment_deduction: pl.Series
) -> pl.Series:
    return clip_zero(income_gross - rigid_deduction - employment_deduction)


@rule("I-01", level="household", zh="家庭人均收入", en="Per-capita household income", unit="yuan")
def per_capita_income(income_net: pl.Series, members_count: pl.Series) -> pl.Series:
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
    is_urban: pl.Series, dibao_standard_urban: pl.Series, dibao_standard_rural: pl.Series
) -> pl.Series:
    return dibao_standard_urban.zip_with(is_urban, dibao_standard_rural)


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
    assets_financial: pl.Series,
    assets_vehicles: pl.Series,
    assets_homes: pl.Series,
    assets_business: pl.Series,
    dibao_standard: pl.Series,
    members_count: pl.Series,
    dibao_financial_assets_months: pl.Series,
    dibao_max_vehicles: pl.Series,
    dibao_max_homes: pl.Series,
    dibao_max_business_registrations: pl.Series,
) -> pl.Series:
    limit = dibao_standard * members_count * dibao_financial_assets_months
    return (
        (assets_financial <= limit)
        & (assets_vehicles <= dibao_max_vehicles)
        & (assets_homes <= dibao_max_homes)
        & (assets_business <= dibao_max_business_registrations)
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
    assets_financial: pl.Series,
    assets_vehicles: pl.Series,
    assets_homes: pl.Series,
    assets_business: pl.Series,
    dibao_standard: pl.Series,
    members_count: pl.Series,
    low_income_financial_assets_months: pl.Series,
    low_income_max_vehicles: pl.Series,
    low_income_max_homes: pl.Series,
    low_income_max_business_registrations: pl.Series,
) -> pl.Series:
    limit = dibao_standard * members_count * low_income_financial_assets_months
    return (
        (assets_financial <= limit)
        & (assets_vehicles <= low_income_max_vehicles)
        & (assets_homes <= low_income_max_homes)
        & (assets_business <= low_income_max_business_registrations)
    )
