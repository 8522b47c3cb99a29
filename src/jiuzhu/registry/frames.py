"""The registry as the rules engine's input, set-based: every household of an area (or the
households asked for) as of a date, as one nested Polars frame in the household JSON's
schema — the schema of `jiuzhu evaluate-bulk`'s Parquet files — so that
`rules.parquet.caseload_from_frame` validates and types it like any bulk input.

Five queries whatever the number of households (households, members, incomes, household
facts, supporters), read by COPY on PostgreSQL (`jiuzhu.db.query_frame`); no Python per row.
The same facts as `selectors.household_snapshots` (a test holds them equal): members who
had joined and not yet left on the day, incomes and facts in force on the day.

Batch jobs (re-verification, monitoring scans, standard adjustments) run it in
`system_scope()` for an area they were given; it does not consult the caller's scope.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

import polars as pl

from jiuzhu.db import query_frame
from jiuzhu.registry.models import COUNT_KINDS

INCOME_KINDS = ("wages", "business", "property", "transfer", "basic_pension", "other")
MONEY_FACTS = ("financial", "medical", "education", "disability", "employment_costs")


def _where(region_prefix: str, household_ids: Sequence[int] | None) -> tuple[str, list[object]]:
    """The households chosen: by id, or the open households of an area."""
    if household_ids is not None:
        ids = sorted({int(i) for i in household_ids})
        if not ids:
            return "1 = 0", []
        return f"h.id IN ({', '.join(['%s'] * len(ids))})", list(ids)
    return "h.region_code LIKE %s AND (h.closed_on IS NULL OR h.closed_on > %s)", [
        f"{region_prefix}%"
    ]


def _bool(name: str) -> pl.Expr:
    return pl.col(name).is_in(["t", "true", "True", "1"]).alias(name)


def _date(*names: str) -> pl.Expr:
    return pl.col(*names).str.slice(0, 10).str.strptime(pl.Date, "%Y-%m-%d")


def households_frame(
    as_of: dt.date,
    *,
    region_prefix: str = "",
    household_ids: Sequence[int] | None = None,
) -> pl.DataFrame:
    """One row per household: `household_id`, `ref`, `region`, `residence`, `members` (list
    of member structs with `income` and `supporters`), `assets`, `expenses`,
    `employment_costs`. Amounts are decimal text (yuan), as the JSON has them."""
    where, params = _where(region_prefix, household_ids)
    if household_ids is None:
        params = [*params, as_of]
    chosen = f"SELECT h.id FROM registry_household h WHERE {where}"
    households = query_frame(
        f"SELECT h.id, h.number, h.region_code, h.residence FROM registry_household h "
        f"WHERE {where} ORDER BY h.id",
        params,
        ["household_id", "ref", "region", "residence"],
    ).with_columns(pl.col("household_id").cast(pl.Int64))
    member_columns = [
        "id", "household_id", "birth_date", "sex", "relation", "disability_kind",
        "disability_grade", "serious_illness", "self_care", "schooling", "employment",
        "unemployed_since", "left_school_on", "landless",
    ]  # fmt: skip
    members = query_frame(
        f"SELECT {', '.join('m.' + c for c in member_columns)} FROM registry_member m "
        f"WHERE m.household_id IN ({chosen}) AND m.joined_on <= %s "
        "AND (m.left_on IS NULL OR m.left_on >= %s) ORDER BY m.id",
        [*params, as_of, as_of],
        member_columns,
    )
    in_force = "f.valid_from <= %s AND (f.valid_to IS NULL OR f.valid_to >= %s)"
    incomes = query_frame(
        "SELECT f.member_id, f.kind, CAST(f.amount AS TEXT) FROM registry_incomefact f "
        "JOIN registry_member m ON m.id = f.member_id "
        f"WHERE m.household_id IN ({chosen}) AND {in_force}",
        [*params, as_of, as_of],
        ["id", "kind", "amount"],
    )
    facts = query_frame(
        "SELECT f.household_id, f.kind, CAST(f.amount AS TEXT) FROM registry_householdfact f "
        f"WHERE f.household_id IN ({chosen}) AND {in_force}",
        [*params, as_of, as_of],
        ["household_id", "kind", "amount"],
    )
    supporters = query_frame(
        "SELECT s.member_id, s.able, s.birth_date, CAST(s.monthly_income AS TEXT), "
        "s.assets_within_low_income_rules FROM registry_supporter s "
        "JOIN registry_member m ON m.id = s.member_id "
        f"WHERE m.household_id IN ({chosen}) ORDER BY s.id",
        params,
        ["id", "able", "birth_date", "monthly_income", "assets_within_low_income_rules"],
    )
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
    member_ids = pl.col("id").cast(pl.Int64)
    income = (
        incomes.with_columns(member_ids)
        .pivot(on="kind", index="id", values="amount", aggregate_function="first")
        .pipe(_with_columns, INCOME_KINDS)
        .select("id", pl.struct(_money(pl.col(k)).alias(k) for k in INCOME_KINDS).alias("income"))
    )
    supporter_lists = (
        supporters.with_columns(member_ids)
        .select(
            "id",
            pl.struct(
                pl.when(pl.col("able").is_null()).then(None).otherwise(_bool("able")).alias("able"),
                _date("birth_date").alias("birth_date"),
                _money(pl.col("monthly_income")).alias("monthly_income"),
                _bool("assets_within_low_income_rules"),
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
            pl.col("disability_grade").cast(pl.Int64).alias("grade"),
        )
    )
    member_rows = (
        members.with_columns(member_ids, pl.col("household_id").cast(pl.Int64))
        .join(income, on="id", how="left", maintain_order="left")
        .join(supporter_lists, on="id", how="left", maintain_order="left")
        .select(
            "household_id",
            pl.struct(
                pl.col("id").cast(pl.String).alias("ref"),
                _date("birth_date").alias("birth_date"),
                "sex",
                "relation",
                disability.alias("disability"),
                _bool("serious_illness"),
                "self_care",
                pl.when(pl.col("schooling") != "").then(pl.col("schooling")).alias("schooling"),
                "employment",
                _date("unemployed_since").alias("unemployed_since"),
                _date("left_school_on").alias("left_school_on"),
                _bool("landless"),
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
    wide = (
        facts.with_columns(pl.col("household_id").cast(pl.Int64))
        .pivot(on="kind", index="household_id", values="amount", aggregate_function="first")
        .pipe(_with_columns, fact_kinds)
    )
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
