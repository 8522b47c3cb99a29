"""Verifying households against the departments' data (MZ/T 072: obtain → verify → report).

`verify_households` takes any number of households (one application, a batch of cases, a
township) and answers for each: the sources without a usable batch (then it waits, 待核对,
and is never decided on unverified data — SECURITY.md 28), or the report (per member and
item: declared, found, verified, the sources and batches, the severity) and the verified
household JSON the rules engine evaluates. Set-based: a fixed number of queries and one
Polars run (verification/matching.py) whatever the number of households.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

import polars as pl
from django.db.models import Q, TextField
from django.db.models.functions import Cast

from jiuzhu.registry.models import Household, Member
from jiuzhu.registry.selectors import household_snapshots
from jiuzhu.rules.verification import VerificationParameters, verification_parameters
from jiuzhu.verification.matching import (
    COUNT_ITEMS,
    MONEY_ITEMS,
    STATUS_ITEMS,
    Tolerances,
    compare,
    found_facts,
)
from jiuzhu.verification.models import BatchStatus, DepartmentRecord, SourceBatch
from jiuzhu.verification.sources import SOURCES

FLOW_SOURCES = frozenset({"tax", "social_insurance", "provident_fund", "hukou"})
CHUNK = 5_000
ITEM_LABELS: dict[str, tuple[str, str]] = {
    "income.wages": ("工资性收入（元/月）", "Wages (yuan a month)"),
    "income.business": ("经营净收入（元/月）", "Business income (yuan a month)"),
    "income.property": ("财产净收入（元/月）", "Property income (yuan a month)"),
    "income.transfer": ("转移净收入（元/月）", "Transfer income (yuan a month)"),
    "income.basic_pension": (
        "城乡居民基础养老金（元/月）",
        "Residents' base pension (yuan a month)",
    ),
    "income.other": ("其他收入（元/月）", "Other income (yuan a month)"),
    "assets.financial": ("金融资产（元）", "Financial assets (yuan)"),
    "assets.vehicles": ("机动车辆（辆）", "Vehicles"),
    "assets.homes": ("房产（套）", "Real estate"),
    "assets.business_registrations": ("市场主体登记（户）", "Business registrations"),
    "status.deceased": ("死亡", "Deceased"),
    "status.moved_out": ("户籍迁出或注销", "Registration moved out or cancelled"),
    "employment.insured": (
        "以单位职工身份参保或缴存公积金",
        "Insured or contributing as an employee",
    ),
}
SEVERITY_LABELS = {
    "high": ("重大差异", "Major discrepancy"),
    "medium": ("一般差异", "Discrepancy"),
    "info": ("申报高于记录", "Declared more than found"),
    "none": ("一致", "Consistent"),
}


@dataclass
class Outcome:
    household_id: int
    as_of: dt.date
    missing: list[str]  # sources without a usable batch: the verification waits
    report: dict[str, Any] | None = None
    snapshot: dict[str, Any] | None = None  # the verified household JSON
    high: int = 0
    medium: int = 0


def _covers(batch_region: str, region: str) -> bool:
    return region.startswith(batch_region)


def _batches(as_of: dt.date) -> list[dict[str, Any]]:
    rows = (
        # only the verification sources: monitoring's signals share the batch tables
        SourceBatch.unscoped.filter(
            status=BatchStatus.COMPLETE, as_of__lte=as_of, source__in=list(SOURCES)
        )
        .order_by("source", "region_code", "-as_of", "-id")
        .values("id", "source", "region_code", "as_of", "batch_key")
    )
    return [dict(row) for row in rows]


def _usable(
    batches: list[dict[str, Any]], region: str, as_of: dt.date, params: VerificationParameters
) -> tuple[dict[str, list[dict[str, Any]]], list[str]]:
    """The batches to read per source for a household of `region`, and the sources that
    have no batch recent enough: a stock source (balances, registrations) reads its latest
    batch per delivering area, a flow source (income, hukou events) every batch."""
    oldest = as_of - dt.timedelta(days=params.max_age_days)
    by_source: dict[str, list[dict[str, Any]]] = defaultdict(list)
    latest_seen: set[tuple[str, str]] = set()
    for batch in batches:  # newest first within (source, region)
        if not _covers(batch["region_code"], region):
            continue
        key = (batch["source"], batch["region_code"])
        if batch["source"] in FLOW_SOURCES or key not in latest_seen:
            by_source[batch["source"]].append(batch)
        latest_seen.add(key)
    missing = [
        code for code in SOURCES if not any(b["as_of"] >= oldest for b in by_source.get(code, []))
    ]
    return by_source, missing


def _records(hashes: list[str], batch_ids: list[int]) -> pl.DataFrame:
    """The records of these people in these batches; `data` read as its JSON text (Polars
    reads the fields it needs from it), not decoded and encoded again."""
    rows: list[tuple[Any, ...]] = []
    for at in range(0, len(hashes), CHUNK):
        rows.extend(
            DepartmentRecord.objects.filter(
                id_hash__in=hashes[at : at + CHUNK], batch_id__in=batch_ids
            )
            .annotate(data_text=Cast("data", TextField()))
            .values_list(
                "source",
                "batch_id",
                "id_hash",
                "kind",
                "amount",
                "quantity",
                "occurred_on",
                "data_text",
            )
        )
    return pl.DataFrame(
        rows,
        schema={
            "source": pl.String,
            "batch_id": pl.Int64,
            "id_hash": pl.String,
            "kind": pl.String,
            "amount": pl.Decimal(16, 2),
            "quantity": pl.Decimal(14, 2),
            "occurred_on": pl.Date,
            "data": pl.String,
        },
        orient="row",
    )


def _fen(yuan: str | Decimal | None) -> int:
    return int(Decimal(str(yuan or "0")) * 100)


def _yuan(fen: int | None) -> str | None:
    return None if fen is None else f"{Decimal(fen) / 100:.2f}"


def declared_frame(snapshots: dict[int, dict[str, Any]]) -> pl.DataFrame:
    """The declaration of each household (its registry facts) as comparable items."""
    rows: list[tuple[int, int | None, str, int]] = []
    for household_id, snap in snapshots.items():
        rows.append((household_id, None, "assets.financial", _fen(snap["assets"]["financial"])))
        for item in COUNT_ITEMS:
            rows.append((household_id, None, item, int(snap["assets"][item.split(".")[1]])))
        for member in snap["members"]:
            for kind, amount in member["income"].items():
                rows.append((household_id, int(member["ref"]), f"income.{kind}", _fen(amount)))
    return pl.DataFrame(
        rows,
        schema={
            "household_id": pl.Int64,
            "member_id": pl.Int64,
            "item": pl.String,
            "declared": pl.Int64,
        },
        orient="row",
    )


def _render(item: str, value: int | None) -> str | int | None:
    if value is None:
        return None
    return _yuan(value) if item in MONEY_ITEMS else int(value)


def _verified_snapshot(snapshot: dict[str, Any], rows: list[dict[str, Any]]) -> dict[str, Any]:
    """The household JSON with the verified figures: the larger of declared and found for
    incomes and assets, and without a member who died or left the registration."""
    verified = {**snapshot, "assets": dict(snapshot["assets"])}
    gone = {r["member_id"] for r in rows if r["item"] in STATUS_ITEMS and r["found"]}
    members = []
    by_member: dict[int, dict[str, int]] = defaultdict(dict)
    for r in rows:
        if r["member_id"] is not None and r["item"].startswith("income."):
            by_member[r["member_id"]][r["item"].split(".")[1]] = r["verified"]
        elif r["member_id"] is None and r["item"] == "assets.financial":
            verified["assets"]["financial"] = _yuan(r["verified"])
        elif r["member_id"] is None and r["item"] in COUNT_ITEMS:
            verified["assets"][r["item"].split(".")[1]] = int(r["verified"])
    for member in snapshot["members"]:
        member_id = int(member["ref"])
        if member_id in gone:
            continue
        income = dict(member["income"])
        for kind, fen in by_member.get(member_id, {}).items():
            income[kind] = _yuan(fen)
        members.append({**member, "income": income})
    verified["members"] = members
    return verified


def _report(
    household: Household,
    snapshot: dict[str, Any],
    rows: list[dict[str, Any]],
    used: dict[str, list[dict[str, Any]]],
    params: VerificationParameters,
    as_of: dt.date,
) -> dict[str, Any]:
    names = {int(m["ref"]): m["name"] for m in snapshot["members"]}
    items = []
    for r in rows:
        if r["found"] is None and r["declared"] == 0:
            continue  # nothing declared, nothing found: not worth a line
        zh, en = ITEM_LABELS[r["item"]]
        items.append(
            {
                "member": r["member_id"],
                "member_name": names.get(r["member_id"], "") if r["member_id"] else "",
                "item": r["item"],
                "label_zh": zh,
                "label_en": en,
                "declared": _render(r["item"], r["declared"]),
                "found": _render(r["item"], r["found"]),
                "verified": _render(r["item"], r["verified"]),
                "sources": list(r["sources"] or []),
                "batches": list(r["batches"] or []),
                "records": int(r["records"] or 0),
                "severity": r["severity"],
            }
        )
    order = {s: i for i, s in enumerate(SEVERITY_LABELS)}
    items.sort(key=lambda i: (order[i["severity"]], i["member"] or 0, i["item"]))
    counts = {s: sum(1 for i in items if i["severity"] == s) for s in SEVERITY_LABELS}
    return {
        "household": household.number,
        "as_of": as_of.isoformat(),
        "rules": ["V-01", "V-02", "V-03", "I-02", "I-05"],
        "sources": [
            {
                "source": code,
                "name_zh": SOURCES[code].name_zh,
                "name_en": SOURCES[code].name_en,
                "department_zh": SOURCES[code].department_zh,
                "batches": [
                    {"id": b["id"], "as_of": b["as_of"].isoformat(), "batch_key": b["batch_key"]}
                    for b in used.get(code, [])
                ],
            }
            for code in SOURCES
        ],
        "items": items,
        "counts": counts,
        "parameters": params.as_dicts(),
    }


def verify_households(households: list[Household], as_of: dt.date) -> dict[int, Outcome]:
    """Verify each household as of a day (see the module docstring)."""
    if not households:
        return {}
    batches = _batches(as_of)
    snapshots = household_snapshots(households, as_of)
    members = list(
        Member.unscoped.filter(household_id__in=[h.id for h in households], joined_on__lte=as_of)
        .filter(Q(left_on__isnull=True) | Q(left_on__gte=as_of))
        .values_list("household_id", "id", "id_hash")
    )
    outcomes: dict[int, Outcome] = {}
    plans: dict[int, tuple[VerificationParameters, dict[str, list[dict[str, Any]]]]] = {}
    area_plans: dict[str, tuple[VerificationParameters, dict[str, Any], list[str]]] = {}
    for household in households:  # households of one area share their batches
        region = household.region_code
        if region not in area_plans:
            params = verification_parameters(region, as_of)
            area_plans[region] = (params, *_usable(batches, region, as_of, params))
        params, used, missing = area_plans[region]
        outcomes[household.id] = Outcome(household.id, as_of, list(missing))
        if not missing:
            plans[household.id] = (params, used)
    if not plans:
        return outcomes
    people = pl.DataFrame(
        [m for m in members if m[0] in plans],
        schema={"household_id": pl.Int64, "member_id": pl.Int64, "id_hash": pl.String},
        orient="row",
    )
    allowed = pl.DataFrame(
        [
            (h, b["id"])
            for h, (_, used) in plans.items()
            for source_batches in used.values()
            for b in source_batches
        ],
        schema={"household_id": pl.Int64, "batch_id": pl.Int64},
        orient="row",
    )
    records = _records(people["id_hash"].unique().to_list(), allowed["batch_id"].unique().to_list())
    by_params: dict[VerificationParameters, list[int]] = defaultdict(list)
    for household_id, (params, _) in plans.items():
        by_params[params].append(household_id)
    declared = declared_frame({h: snapshots[h] for h in plans})
    compared: list[pl.DataFrame] = []
    for params, ids in by_params.items():
        group = people.filter(pl.col("household_id").is_in(ids))
        found = found_facts(group, records, as_of, params.income_window_months, allowed)
        tolerances = Tolerances(
            income_ratio=params.income_tolerance,
            income_fen=_fen(params.income_tolerance_amount),
            financial_fen=_fen(params.financial_tolerance),
        )
        compared.append(
            compare(declared.filter(pl.col("household_id").is_in(ids)), found, tolerances)
        )
    rows_of: dict[int, list[dict[str, Any]]] = defaultdict(list)
    for row in pl.concat(compared).iter_rows(named=True):
        rows_of[row["household_id"]].append(row)
    for household in households:
        if household.id not in plans:
            continue
        params, used = plans[household.id]
        rows = rows_of[household.id]
        outcome = outcomes[household.id]
        outcome.report = _report(household, snapshots[household.id], rows, used, params, as_of)
        outcome.snapshot = _verified_snapshot(snapshots[household.id], rows)
        outcome.high = outcome.report["counts"]["high"]
        outcome.medium = outcome.report["counts"]["medium"]
    return outcomes


def with_verified_facts(decision: dict[str, Any], verification: Any) -> dict[str, Any]:
    """The decision made on a verification's figures, saying which figure came from which
    source (V-03): the verification's id and day, and an explanation step listing each item
    a department's record confirmed or changed, with the source and batch."""
    report = verification.report or {}
    facts = [
        {
            "member": item["member"],
            "item": item["item"],
            "label_zh": item["label_zh"],
            "label_en": item["label_en"],
            "declared": item["declared"],
            "found": item["found"],
            "verified": item["verified"],
            "sources": item["sources"],
            "batches": item["batches"],
            "severity": item["severity"],
        }
        for item in report.get("items", [])
        if item["found"] is not None
    ]
    step = {
        "rule": "V-03",
        "step": "verified_facts",
        "label_zh": "核对后采用的数据及其来源（申报与部门数据取其高者）",
        "label_en": "Figures used after verification and their sources (the higher of declared "
        "and found)",
        "level": "household",
        "value": facts,
        "parameters": report.get("parameters", []),
    }
    return {
        **decision,
        "verification": {
            "id": verification.id,
            "as_of": report.get("as_of"),
            "counts": report.get("counts", {}),
        },
        "explanation": [step, *decision.get("explanation", [])],
    }
