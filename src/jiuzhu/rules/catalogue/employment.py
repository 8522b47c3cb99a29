"""S-04: employment-difficulty persons (就业困难人员) and the able-to-work test used by D-01."""

from __future__ import annotations

import datetime as dt

import polars as pl

from jiuzhu.rules.steps import aggregate, broadcast, rule
from jiuzhu.rules.vector import whole_months, whole_years

IN_SCHOOL = ("preschool", "compulsory", "high_school", "secondary_vocational", "higher")


def _by_sex(is_female: pl.Expr, female: pl.Expr, male: pl.Expr) -> pl.Expr:
    return pl.when(is_female).then(female).otherwise(male)


@rule(
    "S-04",
    level="member",
    zh="法定劳动年龄内",
    en="Of working age (below statutory retirement)",
    params=("working_age_min", "retirement_age_female", "retirement_age_male"),
)
def working_age(
    age: pl.Expr,
    is_female: pl.Expr,
    working_age_min: pl.Expr,
    retirement_age_female: pl.Expr,
    retirement_age_male: pl.Expr,
) -> pl.Expr:
    return (age >= working_age_min) & (
        age < _by_sex(is_female, retirement_age_female, retirement_age_male)
    )


@rule("D-01", level="member", zh="有劳动能力", en="Able to work")
def able_to_work(working_age: pl.Expr, severe_condition: pl.Expr, schooling: pl.Expr) -> pl.Expr:
    return working_age & severe_condition.not_() & schooling.is_in(IN_SCHOOL).not_()


@rule("S-04", level="member", zh="失业", en="Unemployed and of working age")
def unemployed_of_working_age(employment: pl.Expr, working_age: pl.Expr) -> pl.Expr:
    return (employment == "unemployed") & working_age


aggregate(
    "S-04",
    "able_members",
    "able_to_work",
    "sum",
    level="household",
    zh="有劳动能力成员数",
    en="Members able to work",
)


@rule("S-04", level="household", zh="零就业家庭", en="Zero-employment household")
def zero_employment(employed_count: pl.Expr, able_members: pl.Expr) -> pl.Expr:
    return (employed_count == 0) & (able_members > 0)


broadcast("S-04", "hh_zero_employment", "zero_employment", level="member", zh="", en="")


@rule(
    "S-04",
    level="member",
    zh="大龄失业人员（达到规定年龄）",
    en="Older unemployed (from the set age for women or men)",
    params=("emp_older_age_female", "emp_older_age_male"),
)
def emp_older_unemployed(
    unemployed_of_working_age: pl.Expr,
    age: pl.Expr,
    is_female: pl.Expr,
    emp_older_age_female: pl.Expr,
    emp_older_age_male: pl.Expr,
) -> pl.Expr:
    return unemployed_of_working_age & (
        age >= _by_sex(is_female, emp_older_age_female, emp_older_age_male)
    )


@rule("S-04", level="member", zh="有就业愿望的残疾人", en="Disabled person seeking work")
def emp_disabled(unemployed_of_working_age: pl.Expr, dis_grade: pl.Expr) -> pl.Expr:
    return unemployed_of_working_age & (dis_grade >= 1)


@rule("S-04", level="member", zh="零就业家庭成员", en="Member of a zero-employment household")
def emp_zero_employment(unemployed_of_working_age: pl.Expr, hh_zero_employment: pl.Expr) -> pl.Expr:
    return unemployed_of_working_age & hh_zero_employment


@rule("S-04", level="member", zh="失地农牧民", en="Land-lost farmer or herder")
def emp_landless(unemployed_of_working_age: pl.Expr, landless: pl.Expr) -> pl.Expr:
    return unemployed_of_working_age & landless


@rule(
    "S-04",
    level="member",
    zh="长期失业人员（连续失业达到规定月数且达到规定年龄）",
    en="Long-term unemployed (out of work the set months, from the set age)",
    params=("emp_long_term_months", "emp_long_term_age_female", "emp_long_term_age_male"),
)
def emp_long_term(
    unemployed_of_working_age: pl.Expr,
    unemployed_since: pl.Expr,
    age: pl.Expr,
    is_female: pl.Expr,
    emp_long_term_months: pl.Expr,
    emp_long_term_age_female: pl.Expr,
    emp_long_term_age_male: pl.Expr,
    as_of: dt.date,
) -> pl.Expr:
    long_enough = (whole_months(unemployed_since, as_of) >= emp_long_term_months).fill_null(False)
    old_enough = age >= _by_sex(is_female, emp_long_term_age_female, emp_long_term_age_male)
    return unemployed_of_working_age & long_enough & old_enough


@rule(
    "S-04",
    level="member",
    zh="离校达到规定年数仍未就业的高校毕业生",
    en="Graduate still without work the set number of years after leaving school",
    params=("emp_graduate_years",),
)
def emp_graduate(
    unemployed_of_working_age: pl.Expr,
    left_school_on: pl.Expr,
    emp_graduate_years: pl.Expr,
    as_of: dt.date,
) -> pl.Expr:
    years = whole_years(left_school_on, as_of)
    return unemployed_of_working_age & (years >= emp_graduate_years).fill_null(False)


EMPLOYMENT_DIFFICULTY = {
    "emp_older_unemployed": "older_unemployed",
    "emp_disabled": "disabled",
    "emp_zero_employment": "zero_employment_household",
    "emp_landless": "landless",
    "emp_long_term": "long_term_unemployed",
    "emp_graduate": "graduate",
}
