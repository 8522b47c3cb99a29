"""The registry as the rules engine's input, set-based: every household of an area (or the
households asked for) as of a date, as one nested Polars frame in the household JSON's
schema — the schema of `jiuzhu evaluate-bulk`'s Parquet files — so that
`rules.parquet.caseload_from_frame` validates and types it like any bulk input.

Five queries whatever the number of households (households, members, incomes, household
facts, supporters), through the scoped managers (the caller's area is the SQL's filter) and
read side by side by ADBC/COPY on PostgreSQL (`jiuzhu.db.query_frames`); no Python per row.
The same facts as `selectors.household_snapshots` (a test holds them equal): members who
had joined and not yet left on the day, incomes and facts in force on the day.

Batch jobs (re-verification, monitoring scans, standard adjustments) run it in the scope of
the area they were given, or `system_scope()`.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any

import polars as pl
from django.db.models import Q, QuerySet

from jiuzhu.db import query_frames
from jiuzhu.registry.models import (
    COUNT_KINDS,
    Household,
    HouseholdFact,
    IncomeFact,
    Member,
    Supporter,
)

INCOME_KINDS = ("wages", "business", "property", "transfer", "basic_pension", "other")
MONEY_FACTS = ("financial", "medical", "education", "disability", "employment_costs")
MEMBER_COLUMNS: dict[str, object] = {
    "id": pl.Int64,
    "household_id": pl.Int64,
    "birth_date": pl.Date,
    "sex": pl.String,
    "relation": pl.String,
    "disability_kind": pl.String,
    "disability_grade": pl.Int64,
    "serious_illness": pl.Boolean,
    "self_care": pl.String,
    "schooling": pl.String,
    "employment": pl.String,
    "unemployed_since": pl.Date,
    "left_school_on": pl.Date,
    "landless": pl.Boolean,
}


def households_frame(
    as_of: dt.date,
    *,
    region_prefix: str = "",
    household_ids: Sequence[int] | QuerySet[Any] | None = None,
) -> pl.DataFrame:
    """One row per household: `household_id`, `ref`, `region`, `residence`, `members` (list
    of member structs with `income` and `supporters`), `assets`, `expenses`,
    `employment_costs`. Amounts are decimal text (yuan), as the JSON has them. Through the
    scoped managers: a household outside the caller's area is not read.

    `region_prefix` alone: the area's open households. `household_ids` (a list, or a query
    of ids the database runs as a subquery): those households; with `region_prefix` too
    (the area they all lie in), members, incomes, facts and supporters are read by the
    prefix — each row carries its household's region code — and kept for the households
    read, in memory, instead of joining every query to the choice in the database."""
    chosen = Household.objects.all()
    if isinstance(household_ids, QuerySet):  # a subquery: the database selects them
        chosen = chosen.filter(id__in=household_ids)
    elif household_ids is not None:
        chosen = chosen.filter(id__in=sorted({int(i) for i in household_ids}))
    if household_ids is None or region_prefix:
        chosen = chosen.filter(region_code__startswith=region_prefix)
    if household_ids is None:
        chosen = chosen.filter(Q(closed_on__isnull=True) | Q(closed_on__gt=as_of))
    by_prefix = household_ids is None or bool(region_prefix)
    if by_prefix:
        area = Q(region_code__startswith=region_prefix)
        of_members, of_households = area, area
    else:
        ids = chosen.values("id")
        of_members, of_households = Q(member__household_id__in=ids), Q(household_id__in=ids)
    in_force = Q(valid_from__lte=as_of) & (Q(valid_to__isnull=True) | Q(valid_to__gte=as_of))
    households, members, incomes, facts, supporters = query_frames(
        [
            (
                chosen.order_by("id").values_list("id", "number", "region_code", "residence"),
                {
                    "household_id": pl.Int64,
                    "ref": pl.String,
                    "region": pl.String,
                    "residence": pl.String,
                },
            ),
            (
                Member.objects.filter(of_households, joined_on__lte=as_of)
                .filter(Q(left_on__isnull=True) | Q(left_on__gte=as_of))
                .order_by("id")
                .values_list(*MEMBER_COLUMNS),
                MEMBER_COLUMNS,
            ),
            (
                IncomeFact.objects.filter(in_force, of_members).values_list(
                    "member_id", "kind", "amount"
                ),
                {"id": pl.Int64, "kind": pl.String, "amount": pl.String},
            ),
            (
                HouseholdFact.objects.filter(in_force, of_households).values_list(
                    "household_id", "kind", "amount"
                ),
                {"household_id": pl.Int64, "kind": pl.String, "amount": pl.String},
            ),
            (
                Supporter.objects.filter(of_members)
                .order_by("id")
                .values_list(
                    "member_id",
                    "able",
                    "birth_date",
                    "monthly_income",
                    "assets_within_low_income_rules",
                ),
                {
                    "id": pl.Int64,
                    "able": pl.String,
                    "birth_date": pl.Date,
                    "monthly_income": pl.String,
                    "assets_within_low_income_rules": pl.Boolean,
                },
            ),
        ]
    )
    if by_prefix:  # the rows of the households read (open ones, or the ones chosen)
        members = members.join(households.select("household_id"), on="household_id", how="semi")
        incomes = incomes.join(members.select("id"), on="id", how="semi")
        facts = facts.join(households.select("household_id"), on="household_id", how="semi")
        supporters = supporters.join(members.select("id"), on="id", how="semi")
    return _nest(households, members, incomes, facts, supporters)


def _money(column: pl.Expr) -> pl.Expr:
    """Decimal text with two places ("0.00" when absent), as `selectors._money` writes it."""
    return (
        column.cast(pl.Decimal(16, 2)).fill_null(pl.lit(0).cast(pl.Decimal(16, 2))).cast(pl.String)
    )


def _with_columns(frame: pl.DataFrame, names: Sequence[str]) -> pl.DataFrame:
    """The pivot's columns, with the kinds nobody has as null columns."""
    missing = [n for n in names if n not in frame.columns]
    return frame.with_columns(pl.lit(None, pl.String).alias(n) for n in missing)


def _nest(
    households: pl.DataFrame,
    members: pl.DataFrame,
    incomes: pl.DataFrame,
    facts: pl.DataFrame,
    supporters: pl.DataFrame,
) -> pl.DataFrame:
    income = (
        incomes.pivot(on="kind", index="id", values="amount", aggregate_function="first")
        .pipe(_with_columns, INCOME_KINDS)
        .select("id", pl.struct(_money(pl.col(k)).alias(k) for k in INCOME_KINDS).alias("income"))
    )
    supporter_lists = (
        supporters.select(
            "id",
            pl.struct(
                pl.when(pl.col("able").is_null())
                .then(None)
                .otherwise(pl.col("able").is_in(["t", "true", "True", "1"]))
                .alias("able"),
                "birth_date",
                _money(pl.col("monthly_income")).alias("monthly_income"),
                "assets_within_low_income_rules",
            ).alias("supporter"),
        )
        .group_by("id", maintain_order=True)
        .agg(pl.col("supporter").alias("supporters"))
    )
    disability = pl.when(
        pl.col("disability_kind").fill_null("").ne("") & pl.col("disability_grade").is_not_null()
    ).then(
        pl.struct(
            pl.col("disability_kind").alias("kind"),
            pl.col("disability_grade").alias("grade"),
        )
    )
    member_rows = (
        members.join(income, on="id", how="left", maintain_order="left")
        .join(supporter_lists, on="id", how="left", maintain_order="left")
        .select(
            "household_id",
            pl.struct(
                pl.col("id").cast(pl.String).alias("ref"),
                "birth_date",
                "sex",
                "relation",
                disability.alias("disability"),
                "serious_illness",
                "self_care",
                pl.when(pl.col("schooling") != "").then(pl.col("schooling")).alias("schooling"),
                "employment",
                "unemployed_since",
                "left_school_on",
                "landless",
                pl.col("income").fill_null(
                    pl.struct(pl.lit("0.00").alias(k) for k in INCOME_KINDS)
                ),
                pl.col("supporters").fill_null([]),
            ).alias("member"),
        )
        .group_by("household_id", maintain_order=True)
        .agg(pl.col("member").alias("members"))
    )
    fact_kinds = sorted({*MONEY_FACTS, *COUNT_KINDS})
    wide = facts.pivot(
        on="kind", index="household_id", values="amount", aggregate_function="first"
    ).pipe(_with_columns, fact_kinds)
    counts = {k: pl.col(k).cast(pl.Decimal(16, 2)).cast(pl.Int64).fill_null(0) for k in COUNT_KINDS}
    return (
        households.join(member_rows, on="household_id", how="left", maintain_order="left")
        .join(wide, on="household_id", how="left", maintain_order="left")
        .select(
            "household_id",
            "ref",
            "region",
            "residence",
            pl.col("members").fill_null([]),
            pl.struct(
                _money(pl.col("financial")).alias("financial"),
                *(counts[k].alias(k) for k in sorted(COUNT_KINDS)),
            ).alias("assets"),
            pl.struct(
                _money(pl.col(k)).alias(k) for k in ("medical", "education", "disability")
            ).alias("expenses"),
            _money(pl.col("employment_costs")).alias("employment_costs"),
        )
    )
