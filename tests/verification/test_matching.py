"""Matching department records to households, without a database (V-03, I-02): flow records
delivered again in a later batch are counted once."""

from __future__ import annotations

import datetime as dt
import json
from decimal import Decimal
from typing import Any

import polars as pl
from hypothesis import given, settings
from hypothesis import strategies as st

from jiuzhu.verification.matching import found_facts, latest_deliveries

AS_OF = dt.date(2026, 3, 2)
PEOPLE = pl.DataFrame(
    {"household_id": [1, 1], "member_id": [10, 11], "id_hash": ["h-a", "h-b"]},
    schema={"household_id": pl.Int64, "member_id": pl.Int64, "id_hash": pl.String},
)


def tax(batch: int, person: str, month: int, income: str, payer: str = "P1") -> dict[str, Any]:
    start = dt.date(2026 if month < 3 else 2025, month, 1)
    return {
        "source": "tax",
        "batch_id": batch,
        "id_hash": person,
        "kind": "wages",
        "amount": Decimal(income),
        "quantity": None,
        "occurred_on": start,
        "data": json.dumps({"period_end": str(start), "withholder_uscc": payer}),
    }


def frame(rows: list[dict[str, Any]]) -> pl.DataFrame:
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
    )


def wages(rows: list[dict[str, Any]]) -> dict[int, int]:
    found = found_facts(PEOPLE, frame(rows), AS_OF, 12)
    return dict(found.filter(pl.col("item") == "income.wages").select("member_id", "value").rows())


def test_a_wage_record_delivered_again_in_a_later_batch_is_counted_once() -> None:
    """V-03, I-02: the same person, month, kind and payer in two batches is one record."""
    once = wages([tax(1, "h-a", 2, "4000.00")])
    assert once == {10: 400_000}
    assert wages([tax(1, "h-a", 2, "4000.00"), tax(2, "h-a", 2, "4000.00")]) == once


def test_a_correction_in_a_later_batch_replaces_the_earlier_figure() -> None:
    assert wages([tax(1, "h-a", 2, "4000.00"), tax(5, "h-a", 2, "4500.00")]) == {10: 450_000}


def test_two_records_of_one_batch_are_both_counted() -> None:
    """Two payments of a month from one payer in one delivery are two records, not one."""
    assert wages([tax(1, "h-a", 2, "1000.00"), tax(1, "h-a", 2, "1000.00")]) == {10: 200_000}


def test_other_months_and_other_payers_are_other_records() -> None:
    rows = [tax(1, "h-a", 1, "3000.00"), tax(2, "h-a", 2, "3000.00", payer="P2")]
    rows += [tax(2, "h-a", 1, "1000.00", payer="P2")]
    # January from P1 and P2, February from P2, averaged over the two months since January
    assert wages(rows) == {10: (300_000 + 300_000 + 100_000) // 2}


def test_stock_sources_are_not_deduplicated() -> None:
    bank = {**tax(1, "h-a", 2, "10.00"), "source": "bank", "kind": "current_deposit"}
    records = frame([bank, {**bank, "batch_id": 2}])
    assert latest_deliveries(records).height == 2


@settings(max_examples=40, deadline=None)
@given(
    months=st.lists(st.integers(1, 12), min_size=1, max_size=6),
    amounts=st.lists(st.integers(1, 900_000), min_size=6, max_size=6),
    deliveries=st.integers(1, 4),
)
def test_redelivering_the_same_records_never_changes_the_found_income(
    months: list[int], amounts: list[int], deliveries: int
) -> None:
    """V-03 property: whatever is delivered again in later batches, the income found is that
    of one delivery."""
    base = [
        tax(1, "h-b", month, f"{Decimal(amount) / 100:.2f}", payer=f"P{i}")
        for i, (month, amount) in enumerate(zip(months, amounts, strict=False))
    ]
    again = [{**row, "batch_id": 1 + d} for d in range(1, deliveries) for row in base]
    assert wages(base + again) == wages(base)
