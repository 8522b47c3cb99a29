"""政策找人 (policy finds people, M-02): registered households that meet the rules of an aid
they do not receive, found by running the rules engine over the register in bulk (the
registry read with `registry.frames`, one engine run per chunk of 200,000 households).
Its tasks go to the township, which offers the aid (M-02), not to the village's grid worker.

A household with an open application is left out (it is being decided), as is one whose
current category is already as high as what the rules give.
"""

from __future__ import annotations

import datetime as dt
import json

import polars as pl

from jiuzhu.monitoring.indicators import WARNING_SCHEMA
from jiuzhu.rules.categories import RANKED as CATEGORY_KINDS
from jiuzhu.rules.categories import to_engine

CHUNK = 200_000
RANK = {c: i for i, c in enumerate(CATEGORY_KINDS)}  # 0 = highest


def eligible_category() -> pl.Expr:
    """The highest category a decision gives (the same reading as the cases' guards,
    cases/effects.ELIGIBLE), as an expression over the engine's decisions frame."""
    flags = pl.col("categories")
    chain = (
        pl.when(
            (pl.col("tekun_members").list.len() > 0)
            | (pl.col("primary_category").cast(pl.String) == "tekun")
        )
        .then(pl.lit("tekun"))
        .when(flags.list.contains("dibao") | (pl.col("single_person_members").list.len() > 0))
        .then(pl.lit("dibao"))
    )
    for code in CATEGORY_KINDS:  # the layers below the basic ones, in the catalogue's rank
        if code not in ("tekun", "dibao"):
            chain = chain.when(flags.list.contains(to_engine(code))).then(pl.lit(code))
    return chain.otherwise(pl.lit(None, dtype=pl.String))


def open_case_households(household_ids: list[int]) -> set[int]:
    from jiuzhu.cases.models import Case

    found: set[int] = set()
    for at in range(0, len(household_ids), CHUNK):
        found.update(
            Case.unscoped.filter(household_id__in=household_ids[at : at + CHUNK])
            .exclude(state__in=["closed", "withdrawn"])
            .values_list("household_id", flat=True)
        )
    return found


def policy_warnings(households: pl.DataFrame, as_of: dt.date) -> pl.DataFrame:
    """One row (WARNING_SCHEMA) per household the rules place higher than its category: the
    registry read set-based (`registry.frames`) and the engine run once per chunk."""
    from jiuzhu.registry.evaluation import evaluator
    from jiuzhu.registry.frames import households_frame as registry_frame
    from jiuzhu.rules.parquet import caseload_from_frame

    ids = households.get_column("household_id").to_list()
    busy = open_case_households(ids)
    chosen = [i for i in ids if i not in busy]
    current = households.select("household_id", pl.col("category").alias("have"))
    rank = {**RANK, "none": len(RANK)}
    found: list[pl.DataFrame] = []
    for at in range(0, len(chosen), CHUNK):
        frame = registry_frame(as_of, household_ids=chosen[at : at + CHUNK])
        caseload, _, _ = caseload_from_frame(frame.drop("household_id"), evaluator().regions)
        decisions, _ = evaluator().evaluate_caseload(caseload, as_of)  # undecidable: left out
        found.append(
            decisions.select(
                "ref",
                eligible_category().alias("best"),
                pl.col("primary_category").cast(pl.String),
                "monthly_benefit",
                pl.col("per_capita_income").cast(pl.String),
            )
            .join(frame.select("household_id", "ref"), on="ref")
            .join(current, on="household_id")
            .filter(
                pl.col("best").is_not_null()
                & (
                    pl.col("have").replace_strict(rank, default=len(RANK), return_dtype=pl.Int64)
                    > pl.col("best").replace_strict(rank, return_dtype=pl.Int64)
                )
            )
        )
    if not found:
        return pl.DataFrame(schema=WARNING_SCHEMA)
    matched = pl.concat(found)
    evidence = [
        json.dumps(
            {
                "category": r["have"],
                "eligible": r["best"],
                "primary_category": r["primary_category"],
                "monthly_benefit": f"{r['monthly_benefit']:.2f}",
                "per_capita_income": r["per_capita_income"],
            },
            ensure_ascii=False,
        )
        for r in matched.iter_rows(named=True)
    ]
    return matched.select(
        "household_id",
        pl.lit("policy_match").alias("kind"),
        pl.lit("policy_match").alias("level_of"),
        pl.lit("M-02").alias("rule"),
        (pl.col("best") + f":{as_of.year}").alias("key"),
        (pl.col("monthly_benefit") * 100).cast(pl.Int64).alias("amount_fen"),
        pl.lit([], dtype=pl.List(pl.Int64)).alias("signal_ids"),
        pl.Series("evidence", evidence, dtype=pl.String),
    ).cast(WARNING_SCHEMA)  # type: ignore[arg-type]
