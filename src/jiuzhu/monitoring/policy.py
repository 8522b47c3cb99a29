"""政策找人 (policy finds people, M-02): registered households that meet the rules of an aid
they do not receive, found by running the rules engine over the register in bulk
(`registry.evaluation.households_evaluate`, one engine run per chunk).

A household with an open application is left out (it is being decided), as is one whose
current category is already as high as what the rules give.
"""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

import polars as pl

from jiuzhu.monitoring.indicators import WARNING_SCHEMA
from jiuzhu.monitoring.register import CATEGORY_KINDS
from jiuzhu.registry.errors import ServiceError

CHUNK = 5_000
RANK = {c: i for i, c in enumerate(CATEGORY_KINDS)}  # 0 = highest


def eligible_category(decision: dict[str, Any]) -> str | None:
    """The highest category the decision gives (the same reading as the cases' guards)."""
    categories = decision.get("categories") or []
    if decision.get("tekun_members") or decision.get("primary_category") == "tekun":
        return "tekun"
    if "dibao" in categories or decision.get("single_person_members"):
        return "dibao"
    if "low_income" in categories:
        return "low_income"
    if "rigid_expenditure" in categories:
        return "rigid_expense"
    return None


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
    """One row (WARNING_SCHEMA) per household the rules place higher than its category."""
    from jiuzhu.registry.evaluation import households_evaluate
    from jiuzhu.registry.models import Household

    ids = households.get_column("household_id").to_list()
    busy = open_case_households(ids)
    current = dict(zip(ids, households.get_column("category").to_list(), strict=True))
    rows: list[dict[str, Any]] = []
    for at in range(0, len(ids), CHUNK):
        chunk = [i for i in ids[at : at + CHUNK] if i not in busy]
        objects = list(Household.unscoped.filter(id__in=chunk).order_by("id"))
        decisions = households_evaluate(actor=None, households=objects, as_of=as_of, explain=False)
        for household_id, decision in decisions.items():
            if isinstance(decision, ServiceError):
                continue
            best = eligible_category(decision)
            have = current[household_id]
            if best is None or RANK.get(have, len(RANK)) <= RANK[best]:
                continue
            rows.append(
                {
                    "household_id": household_id,
                    "kind": "policy_match",
                    "level_of": "policy_match",
                    "rule": "M-02",
                    "key": f"{best}:{as_of.year}",
                    "amount_fen": _fen(decision.get("monthly_benefit")),
                    "signal_ids": [],
                    "evidence": json.dumps(
                        {
                            "category": have,
                            "eligible": best,
                            "primary_category": decision.get("primary_category"),
                            "monthly_benefit": decision.get("monthly_benefit"),
                            "per_capita_income": decision.get("per_capita_income"),
                        },
                        ensure_ascii=False,
                    ),
                }
            )
    return pl.DataFrame(rows, schema=WARNING_SCHEMA)


def _fen(value: Any) -> int | None:
    from decimal import Decimal

    if value in (None, ""):
        return None
    return int(Decimal(str(value)) * 100)
