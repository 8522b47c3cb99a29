"""The verified household as the rules engine's columns, built in Polars (V-03, I-02, I-05).

The registry's declaration (members, their incomes, the household facts, supporters — read
by verification/caseload.py or built by a benchmark) and the compared items of
`matching.compare` become `rules.engine.Caseload` directly, the verified figure (the larger
of declared and found) in place of each declared one and a member who died or left taken
out — the figures `checking._verified_snapshot` gives one application, without a household
JSON per row. No Django here.
"""

from __future__ import annotations

import polars as pl

from jiuzhu.rules.caseload import INPUT_COLUMNS
from jiuzhu.rules.engine import Caseload
from jiuzhu.rules.regions import RegionTable, UnknownRegion
from jiuzhu.verification.matching import INCOME_ITEMS, STATUS_ITEMS


def fen(column: str) -> pl.Expr:
    """Decimal yuan as text → integer fen: parsed as a decimal (exact, never a float)."""
    decimal = pl.col(column).str.strip_chars().cast(pl.Decimal(20, 2))
    return (decimal * 100).cast(pl.Int64).fill_null(0)


def declared_items(registry: dict[str, pl.DataFrame]) -> pl.DataFrame:
    """The declaration as comparable items (fen or counts), the non-zero ones: an item
    declared 0 and found nowhere is consistent and needs no row."""
    incomes = registry["incomes"].join(
        registry["members"].select("member_id", "household_id"), on="member_id"
    )
    member_items = incomes.select(
        "household_id",
        "member_id",
        ("income." + pl.col("kind")).alias("item"),
        fen("amount").alias("declared"),
    )
    facts = registry["facts"].filter(
        pl.col("kind").is_in(["financial", "vehicles", "homes", "business_registrations"])
    )
    household_items = facts.select(
        "household_id",
        pl.lit(None, dtype=pl.Int64).alias("member_id"),
        ("assets." + pl.col("kind")).alias("item"),
        pl.when(pl.col("kind") == "financial")
        .then(fen("amount"))
        .otherwise(fen("amount") // 100)
        .alias("declared"),
    )
    return (
        pl.concat([member_items, household_items])
        .group_by("household_id", "member_id", "item")
        .agg(pl.col("declared").sum())
        .filter(pl.col("declared") > 0)
    )


def verified_caseload(
    households: pl.DataFrame,
    registry: dict[str, pl.DataFrame],
    compared: pl.DataFrame,
    regions: RegionTable,
) -> tuple[Caseload, pl.DataFrame, list[dict[str, str]]]:
    """The rules engine's columns on the verified figures; the households as evaluated
    (in caseload order) and those that cannot be (unknown region, no member left)."""
    gone = compared.filter(pl.col("item").is_in(STATUS_ITEMS) & pl.col("found").is_not_null())
    members = registry["members"].join(gone.select("member_id"), on="member_id", how="anti")
    verified = compared.filter(pl.col("found").is_not_null())
    incomes = pl.concat(
        [
            registry["incomes"].select(
                "member_id", "kind", fen("amount").alias("v"), pl.lit(0).alias("o")
            ),
            verified.filter(pl.col("item").str.starts_with("income.")).select(
                "member_id",
                pl.col("item").str.slice(7).alias("kind"),
                pl.col("verified").alias("v"),
                pl.lit(1).alias("o"),
            ),
        ]
    )
    # the verified figure replaces the declared one (it is never lower)
    incomes = incomes.sort("o").group_by("member_id", "kind").agg(pl.col("v").last())
    wide = incomes.pivot(on="kind", index="member_id", values="v", aggregate_function="sum")
    for kind in INCOME_ITEMS:
        if kind not in wide.columns:
            wide = wide.with_columns(pl.lit(0, dtype=pl.Int64).alias(kind))
    wide = wide.select(
        "member_id", *(pl.col(k).fill_null(0).alias(f"inc_{k}") for k in INCOME_ITEMS)
    )

    facts = pl.concat(
        [
            registry["facts"].select(
                "household_id", "kind", fen("amount").alias("v"), pl.lit(0).alias("o")
            ),
            verified.filter(
                pl.col("member_id").is_null() & pl.col("item").str.starts_with("assets.")
            ).select(
                "household_id",
                pl.col("item").str.slice(7).alias("kind"),
                (
                    pl.when(pl.col("item") == "assets.financial")
                    .then(pl.col("verified"))
                    .otherwise(pl.col("verified") * 100)
                ).alias("v"),
                pl.lit(1).alias("o"),
            ),
        ]
    )
    facts = facts.sort("o").group_by("household_id", "kind").agg(pl.col("v").last())
    fact_wide = facts.pivot(on="kind", index="household_id", values="v", aggregate_function="sum")
    fact_columns = {
        "assets_financial": ("financial", 1),
        "assets_vehicles": ("vehicles", 100),
        "assets_homes": ("homes", 100),
        "assets_business": ("business_registrations", 100),
        "expense_medical": ("medical", 1),
        "expense_education": ("education", 1),
        "expense_disability": ("disability", 1),
        "employment_costs": ("employment_costs", 1),
    }

    county_of: dict[str, str | None] = {}
    errors: list[dict[str, str]] = []
    for region in households["region"].unique().to_list():
        try:
            county_of[region] = regions.leaf_of(region)
        except UnknownRegion as exc:
            county_of[region] = None
            unknown = households.filter(pl.col("region") == region)["household"]
            errors += [{"household": h, "reason": str(exc)} for h in unknown.to_list()]
    with_members = members.select("household_id").unique()
    hh = (
        households.join(with_members, on="household_id", how="semi")
        .with_columns(
            pl.col("region").replace_strict(county_of, return_dtype=pl.String).alias("county")
        )
        .filter(pl.col("county").is_not_null())
        .join(fact_wide, on="household_id", how="left")
        .sort("household_id")
        .with_row_index("hh")
    )
    # a household with no member left (all died or left) is not evaluated: it no longer
    # fits any layer and is listed with its findings
    hh_cols = hh.select(
        pl.col("household").alias("ref"),
        "region",
        "county",
        (pl.col("residence") == "urban").alias("is_urban"),
        *(
            ((pl.col(src) if src in hh.columns else pl.lit(0)).fill_null(0) // div)
            .cast(pl.Int64)
            .alias(name)
            for name, (src, div) in fact_columns.items()
        ),
        pl.lit("").alias("prev_category"),
        pl.lit(0, dtype=pl.Int64).alias("prev_benefit"),
        pl.lit(None, dtype=pl.Date).alias("prev_exceeded_on"),
    )
    mm = (
        members.join(hh.select("household_id", "hh"), on="household_id")
        .join(wide, on="member_id", how="left")
        .sort("hh", "member_id")
        .with_row_index("m")
    )
    has_disability = (pl.col("dis_kind").fill_null("") != "") & pl.col("dis_grade").is_not_null()
    m_cols = mm.select(
        pl.col("hh").cast(pl.Int64),
        pl.col("member_id").cast(pl.String).alias("ref"),
        "birth_date",
        (pl.col("sex") == "female").alias("is_female"),
        pl.when(has_disability).then(pl.col("dis_kind")).otherwise(pl.lit("")).alias("dis_kind"),
        pl.when(has_disability).then(pl.col("dis_grade")).otherwise(0).alias("dis_grade"),
        "serious_illness",
        pl.col("self_care").fill_null(""),
        pl.col("schooling").fill_null(""),
        pl.col("employment").fill_null(""),
        "unemployed_since",
        "left_school_on",
        "landless",
        *(pl.col(f"inc_{k}").fill_null(0) for k in INCOME_ITEMS),
    )
    sup = registry["supporters"].join(mm.select("member_id", "m", "hh"), on="member_id").sort("m")
    s_cols = sup.select(
        pl.col("m").cast(pl.Int64).alias("member"),
        pl.col("hh").cast(pl.Int64),
        pl.when(pl.col("able").is_null())
        .then(-1)
        .when(pl.col("able").is_in(["t", "true", "True", "1"]))
        .then(1)
        .otherwise(0)
        .cast(pl.Int64)
        .alias("sup_able"),
        pl.col("birth_date").alias("sup_birth_date"),
        fen("monthly_income").alias("sup_income"),
        pl.lit("").alias("sup_dis_kind"),
        pl.lit(0, dtype=pl.Int64).alias("sup_dis_grade"),
        pl.col("assets_ok").alias("sup_assets_ok"),
    )

    def columns(frame: pl.DataFrame, level: str) -> dict[str, pl.Series]:
        return {k: frame[k].cast(t).rechunk() for k, t in INPUT_COLUMNS[level].items()}

    caseload = Caseload(
        columns(hh_cols, "household"), columns(m_cols, "member"), columns(s_cols, "supporter")
    )
    return caseload, hh, errors
