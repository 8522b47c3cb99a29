"""D-01: how often a household's entitlement is reviewed."""

from __future__ import annotations

import polars as pl

from jiuzhu.rules.steps import aggregate, rule
from jiuzhu.rules.vector import where


@rule("D-01", level="member", zh="有劳动能力且收入不固定", en="Able to work, income irregular")
def irregular_income(
    able_to_work: pl.Expr, employment: pl.Expr, inc_business: pl.Expr, inc_other: pl.Expr
) -> pl.Expr:
    irregular = employment.is_in(("unemployed", "other")) | (inc_business > 0) | (inc_other > 0)
    return able_to_work & irregular


aggregate(
    "D-01",
    "irregular_members",
    "irregular_income",
    "sum",
    level="household",
    zh="有劳动能力且收入不固定的成员数",
    en="Able members with irregular income",
)


@rule(
    "D-01",
    level="household",
    zh="复核周期（月）",
    en="Review every N months",
    params=(
        "review_months_stable",
        "review_months_unstable",
        "review_months_low_income",
        "review_months_rigid",
    ),
)
def review_every_months(
    primary_category: pl.Expr,
    irregular_members: pl.Expr,
    review_months_stable: pl.Expr,
    review_months_unstable: pl.Expr,
    review_months_low_income: pl.Expr,
    review_months_rigid: pl.Expr,
) -> pl.Expr:
    """特困 and stable dibao households yearly; dibao households with unstable income and
    members able to work every six months (figures are parameters). 0 means no review."""
    dibao = where(irregular_members > 0, review_months_unstable, review_months_stable)
    return where(
        primary_category == "tekun",
        review_months_stable,
        where(
            primary_category == "dibao",
            dibao,
            where(
                primary_category == "low_income",
                review_months_low_income,
                where(primary_category == "rigid_expenditure", review_months_rigid, 0),
            ),
        ),
    )
