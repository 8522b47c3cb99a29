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
from jiuzhu.rules import categories
from jiuzhu.rules.errors import RulesError
from jiuzhu.rules.verification import VerificationParameters, verification_parameters
from jiuzhu.verification.caseload import (
    CATEGORY_LAYER,
    recipients,
    records_of_members,
    registry_frames,
)
from jiuzhu.verification.checking import _batches, _usable
from jiuzhu.verification.matching import Tolerances, compare
from jiuzhu.verification.matching import found_facts as match
from jiuzhu.verification.verified import declared_items, verified_caseload

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
    """Per region: its parameters and the batches it reads, or the sources it lacks (a
    region without verification parameters lacks `parameters`)."""
    batches = _batches(as_of)
    plans: dict[str, tuple[VerificationParameters, frozenset[int]]] = {}
    missing: dict[str, list[str]] = {}
    for region in regions:
        try:
            params = verification_parameters(region, as_of)
        except RulesError:  # an unknown region code, no parameter in force that day
            missing[region] = ["parameters"]
            continue
        used, lacking = _usable(batches, region, as_of, params)
        if lacking:
            missing[region] = lacking
        else:
            plans[region] = (params, frozenset(b["id"] for bs in used.values() for b in bs))
    return plans, missing


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
            compare(
                declared.filter(pl.col("household_id").is_in(ids)), found, tolerances, ordered=False
            )
        )
    return pl.concat(compared)


def _reasons(compared: pl.DataFrame, evaluated: pl.DataFrame) -> pl.DataFrame:
    """Per household: the reasons its findings give, and the sources that gave them."""
    findings = compared.filter(pl.col("severity").is_in(["high", "medium"]))
    income_line = (
        pl.when(pl.col("category").is_in(categories.RECOGNITIONS))
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
    judge(result, households, registry, records, plans, stage)
    _count(result, rec, result.listed)
    return result


def judge(
    result: Reverification,
    households: pl.DataFrame,
    registry: dict[str, pl.DataFrame],
    records: pl.DataFrame,
    plans: dict[str, tuple[VerificationParameters, frozenset[int]]],
    stage: Callable[[str], None],
) -> None:
    """Match, compare, evaluate and list, in memory (no database): the part of `reverify`
    a benchmark runs on frames of its own."""
    as_of = result.as_of
    compared = _matched(plans, households, registry, records, as_of)
    stage("matching")
    engine = evaluator()
    caseload, hh, errors = verified_caseload(households, registry, compared, engine.regions)
    decisions, row_errors = engine.evaluate_caseload(caseload, as_of)
    stage("evaluation")
    result.errors = errors + [{"household": e.ref or "", "reason": e.reason} for e in row_errors]
    evaluated = decisions.join(
        hh.select(pl.col("household").alias("ref"), "household_id"), on="ref"
    ).join(households.select("household_id", "category"), on="household_id")
    reasons = _reasons(compared, evaluated)
    result.verified = households.height
    result.with_findings = reasons.height
    # a category the engine does not decide (none in the catalogue today) is not judged here
    layer = pl.col("category").replace_strict(CATEGORY_LAYER, default=None, return_dtype=pl.String)
    fits = evaluated.filter(
        layer.is_null() | pl.col("categories").cast(pl.List(pl.String)).list.contains(layer)
    )
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


def reverification_summary(result: Reverification) -> dict[str, Any]:
    """The result as the JSON of `jiuzhu verify-all` and the API (docs/cli.md): counts, the
    regions waiting, and the households listed (dates as dates)."""
    by_reason: dict[str, int] = {}
    for reasons in result.listed["reasons"].to_list():
        for reason in reasons:
            by_reason[reason] = by_reason.get(reason, 0) + 1
    return {
        "as_of": result.as_of.isoformat(),
        "region": result.region,
        "recipients": result.recipients,
        "verified": result.verified,
        "waiting": result.waiting,
        "with_findings": result.with_findings,
        "no_longer_fit": result.listed.height,
        "by_category": result.by_category,
        "by_reason": dict(sorted(by_reason.items())),
        "errors": result.errors,
        "households": result.listed.drop("household_id").to_dicts(),
    }
