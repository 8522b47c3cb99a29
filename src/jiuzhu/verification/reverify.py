"""Re-verifying the whole caseload (V-01 逢救必核 … recipients re-verified periodically; V-03).

Set-based, whatever the number of households: the recipients (verification/caseload.py),
their members and declared facts and the department records about them are read once
(COPY on PostgreSQL); every household is matched and compared in one Polars run per set of
verification parameters (`matching.found_facts`, `matching.compare` — the very path of one
application); the verified figures (the larger of declared and found; a member who died or
left taken out) become the rules engine's columns directly and are evaluated in one run
(`Evaluator.evaluate_caseload`). A household is **listed** when the layer it was granted is
not among the layers its verified situation meets, with the reasons found (`REASONS`).
Households of an area where a source has no usable batch are not re-verified: they are
counted as waiting, with the sources, never judged on incomplete data (SECURITY.md 28).
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import polars as pl

from jiuzhu.registry.evaluation import evaluator
from jiuzhu.rules.caseload import INPUT_COLUMNS
from jiuzhu.rules.engine import Caseload
from jiuzhu.rules.regions import UnknownRegion
from jiuzhu.rules.verification import VerificationParameters, verification_parameters
from jiuzhu.verification.caseload import (
    CATEGORY_LAYER,
    fen,
    recipients,
    records_of_members,
    registry_frames,
)
from jiuzhu.verification.checking import _batches, _usable
from jiuzhu.verification.matching import INCOME_ITEMS, STATUS_ITEMS, Tolerances, compare
from jiuzhu.verification.matching import found_facts as match

# a finding (severity high or medium) → the reason a household may no longer fit
REASONS: dict[str, tuple[str, str]] = {
    "vehicle": ("新增机动车辆", "A vehicle not declared"),
    "business_registration": (
        "市场主体登记（法定代表人、股东、经营者）",
        "A business registration",
    ),
    "income_above_line": ("收入超过标准", "Income above the line"),
    "income_undeclared": ("未申报的收入", "Income not declared"),
    "member_died": ("家庭成员死亡（户籍）", "A member died (hukou)"),
    "member_moved_out": ("家庭成员户籍迁出或注销", "A member's registration moved or cancelled"),
    "property": ("房产", "Real estate"),
    "financial_assets": ("金融资产超过申报", "Financial assets above the declaration"),
    "employment_undeclared": ("以单位职工身份参保", "Insured as an employee"),
    "not_eligible_as_declared": ("按申报情况已不符合", "No longer eligible as declared"),
}
ITEM_REASON = {
    "assets.vehicles": "vehicle",
    "assets.business_registrations": "business_registration",
    "status.deceased": "member_died",
    "status.moved_out": "member_moved_out",
    "assets.homes": "property",
    "assets.financial": "financial_assets",
    "employment.insured": "employment_undeclared",
}
EMPTY = pl.lit([], dtype=pl.List(pl.String))
STAGES = ("recipients", "registry", "records", "matching", "evaluation")
LISTED_SCHEMA: dict[str, Any] = {
    "household": pl.String,
    "household_id": pl.Int64,
    "region": pl.String,
    "category": pl.String,
    "case": pl.String,
    "decided_on": pl.Date,
    "verified_categories": pl.List(pl.String),
    "verified_primary": pl.String,
    "per_capita_income": pl.String,
    "reasons": pl.List(pl.String),
    "sources": pl.List(pl.String),
    "high": pl.Int64,
    "medium": pl.Int64,
}


@dataclass
class Reverification:
    as_of: dt.date
    region: str
    recipients: int = 0
    verified: int = 0
    with_findings: int = 0
    waiting: list[dict[str, Any]] = field(default_factory=list)  # per region: sources missing
    errors: list[dict[str, str]] = field(default_factory=list)  # households not evaluated
    by_category: dict[str, dict[str, int]] = field(default_factory=dict)
    listed: pl.DataFrame = field(default_factory=lambda: pl.DataFrame(schema=LISTED_SCHEMA))


def _plans(
    regions: list[str], as_of: dt.date
) -> tuple[dict[str, tuple[VerificationParameters, frozenset[int]]], dict[str, list[str]]]:
    """Per region: its parameters and the batches it reads, or the sources it lacks."""
    batches = _batches(as_of)
    plans: dict[str, tuple[VerificationParameters, frozenset[int]]] = {}
    missing: dict[str, list[str]] = {}
    for region in regions:
        params = verification_parameters(region, as_of)
        used, lacking = _usable(batches, region, as_of, params)
        if lacking:
            missing[region] = lacking
        else:
            plans[region] = (params, frozenset(b["id"] for bs in used.values() for b in bs))
    return plans, missing


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


def _matched(
    plans: dict[str, tuple[VerificationParameters, frozenset[int]]],
    households: pl.DataFrame,
    registry: dict[str, pl.DataFrame],
    records: pl.DataFrame,
    as_of: dt.date,
) -> pl.DataFrame:
    """Compared items of every household (matching.compare), one run per parameter set."""
    people = registry["members"].select("household_id", "member_id", "id_hash")
    declared = declared_items(registry)
    allowed = None
    if len({batches for _, batches in plans.values()}) > 1:
        by_region = pl.DataFrame(
            [(r, b) for r, (_, batches) in plans.items() for b in batches],
            schema={"region": pl.String, "batch_id": pl.Int64},
            orient="row",
        )
        allowed = households.select("household_id", "region").join(by_region, on="region")
        allowed = allowed.select("household_id", "batch_id")
    groups: dict[VerificationParameters, list[str]] = defaultdict(list)
    for region, (params, _) in plans.items():
        groups[params].append(region)
    compared = []
    for params, regions in groups.items():
        ids = households.filter(pl.col("region").is_in(regions))["household_id"]
        found = match(
            people.filter(pl.col("household_id").is_in(ids)),
            records,
            as_of,
            params.income_window_months,
            allowed,
        )
        tolerances = Tolerances(
            income_ratio=params.income_tolerance,
            income_fen=int(params.income_tolerance_amount * 100),
            financial_fen=int(params.financial_tolerance * 100),
        )
        compared.append(
            compare(declared.filter(pl.col("household_id").is_in(ids)), found, tolerances)
        )
    return pl.concat(compared)


def verified_caseload(
    households: pl.DataFrame, registry: dict[str, pl.DataFrame], compared: pl.DataFrame
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

    regions = evaluator().regions
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


def _reasons(compared: pl.DataFrame, evaluated: pl.DataFrame) -> pl.DataFrame:
    """Per household: the reasons its findings give, and the sources that gave them."""
    findings = compared.filter(pl.col("severity").is_in(["high", "medium"]))
    income_line = (
        pl.when(pl.col("category").is_in(["low_income", "rigid_expense"]))
        .then(pl.col("low_income_line"))
        .otherwise(pl.col("dibao"))
    )
    above = evaluated.select(
        "household_id", (pl.col("per_capita_income") >= income_line).alias("above")
    )
    reason = (
        pl.when(pl.col("item").str.starts_with("income."))
        .then(
            pl.when(pl.col("above").fill_null(False))
            .then(pl.lit("income_above_line"))
            .otherwise(pl.lit("income_undeclared"))
        )
        .otherwise(pl.col("item").replace_strict(ITEM_REASON, default=None))
    )
    return (
        findings.join(above, on="household_id", how="left")
        .with_columns(reason.alias("reason"))
        .group_by("household_id")
        .agg(
            pl.col("reason").drop_nulls().unique().sort().alias("reasons"),
            pl.col("sources").explode().drop_nulls().unique().sort().alias("sources"),
            (pl.col("severity") == "high").sum().cast(pl.Int64).alias("high"),
            (pl.col("severity") == "medium").sum().cast(pl.Int64).alias("medium"),
        )
    )


def reverify(
    as_of: dt.date, region: str = "", on_stage: Callable[[str], None] | None = None
) -> Reverification:
    """Re-verify every recipient household of the current scope within `region` (a code
    prefix; "" is the whole scope) as of a day (module docstring)."""
    stage = on_stage or (lambda _: None)
    result = Reverification(as_of, region)
    rec = recipients(as_of, region)
    result.recipients = rec.height
    stage("recipients")
    plans, missing = _plans(rec["region"].unique().sort().to_list(), as_of)
    for area, sources in sorted(missing.items()):
        count = rec.filter(pl.col("region") == area).height
        result.waiting.append({"region": area, "households": count, "missing": sources})
    households = rec.filter(pl.col("region").is_in(list(plans)))
    registry = registry_frames(as_of, region)
    registry["members"] = registry["members"].join(
        households.select("household_id"), on="household_id", how="semi"
    )
    stage("registry")
    batch_ids = sorted({b for _, batches in plans.values() for b in batches})
    records = records_of_members(batch_ids, as_of, region) if households.height else None
    stage("records")
    if records is None:
        _count(result, rec, pl.DataFrame(schema={"household_id": pl.Int64}))
        return result
    compared = _matched(plans, households, registry, records, as_of)
    stage("matching")
    caseload, hh, errors = verified_caseload(households, registry, compared)
    decisions, row_errors = evaluator().evaluate_caseload(caseload, as_of)
    stage("evaluation")
    result.errors = errors + [{"household": e.ref or "", "reason": e.reason} for e in row_errors]
    evaluated = decisions.join(
        hh.select(pl.col("household").alias("ref"), "household_id"), on="ref"
    ).join(households.select("household_id", "category"), on="household_id")
    reasons = _reasons(compared, evaluated)
    result.verified = households.height
    result.with_findings = reasons.height
    layer = pl.col("category").replace_strict(CATEGORY_LAYER, return_dtype=pl.String)
    fits = evaluated.filter(pl.col("categories").cast(pl.List(pl.String)).list.contains(layer))
    unfit = households.join(fits.select("household_id"), on="household_id", how="anti").join(
        pl.DataFrame(
            {"household": [e["household"] for e in result.errors if "household" in e]},
            schema={"household": pl.String},
        ),
        on="household",
        how="anti",
    )
    listed = (
        unfit.join(
            evaluated.select(
                "household_id",
                pl.col("categories").cast(pl.List(pl.String)).alias("verified_categories"),
                pl.col("primary_category").cast(pl.String).alias("verified_primary"),
                pl.col("per_capita_income").cast(pl.String),
            ),
            on="household_id",
            how="left",
        )
        .join(reasons, on="household_id", how="left")
        .with_columns(
            pl.when(pl.col("reasons").list.len().fill_null(0) > 0)
            .then(pl.col("reasons"))
            .otherwise(pl.concat_list(pl.lit("not_eligible_as_declared")))
            .alias("reasons"),
            pl.col("sources").fill_null(EMPTY),
            pl.col("high").fill_null(0),
            pl.col("medium").fill_null(0),
            pl.col("verified_categories").fill_null(EMPTY),
            pl.col("verified_primary").fill_null("none"),
        )
    )
    result.listed = listed.select(list(LISTED_SCHEMA)).sort("region", "household")
    _count(result, rec, result.listed)
    return result


def _count(result: Reverification, rec: pl.DataFrame, listed: pl.DataFrame) -> None:
    totals = rec.group_by("category").len()
    unfit = listed.group_by("category").len() if listed.height else None
    out = {}
    for category, n in totals.iter_rows():
        k = 0
        if unfit is not None:
            hit = unfit.filter(pl.col("category") == category)
            k = int(hit["len"][0]) if hit.height else 0
        out[category] = {"recipients": int(n), "no_longer_fit": k}
    result.by_category = dict(sorted(out.items()))
