"""Standard adjustments as a diff (P-05 动态调整, B-01, issue #6): who gains, loses, changes
layer or leaves, the cost by township, and the back pay owed for months already past."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import polars as pl
from hypothesis import given, settings
from hypothesis import strategies as st

from jiuzhu.rules.adjustment import (
    CHANGES,
    CURRENT_COLUMNS,
    adjustment_diff,
    adjustment_summary,
    months_between,
)

JAN, JUL = dt.date(2025, 1, 1), dt.date(2025, 7, 1)


def current(rows: list[tuple[int, str, str, str]]) -> pl.DataFrame:
    return pl.DataFrame(
        [(i, f"H{i}", town, category, Decimal(monthly)) for i, town, category, monthly in rows],
        schema=CURRENT_COLUMNS,
        orient="row",
    )  # fmt: skip


def decided(rows: list[tuple[int, str, str]]) -> pl.DataFrame:
    return pl.DataFrame(
        [(f"H{i}", category, Decimal(monthly)) for i, category, monthly in rows],
        schema={"ref": pl.String, "primary_category": pl.String,
                "monthly_benefit": pl.Decimal(18, 2)},
        orient="row",
    )  # fmt: skip


def test_p05_a_raised_standard_diff_with_back_pay_from_january() -> None:
    """Guangzhou adopts the year's standard in July with effect from January: a household
    whose amount rises by 85 yuan is owed 6 × 85 for January-June; one that loses keeps
    what it was paid; a layer change and an exit are told apart from gains and losses."""
    diff = adjustment_diff(
        current([(1, "440104001", "dibao", "600.00"), (2, "440104001", "dibao", "300.00"),
                 (3, "440104002", "low_income", "0.00"), (4, "440104002", "dibao", "120.00"),
                 (5, "440104002", "tekun", "1800.00")]),
        decided([(1, "dibao", "685.00"), (2, "dibao", "250.50"), (3, "dibao", "200.00"),
                 (4, "none", "0.00")]),
        effective=JAN,
        first_payment=JUL,
    )  # fmt: skip
    rows = {r["household_id"]: r for r in diff.iter_rows(named=True)}
    assert rows[1]["kind"] == "gains" and rows[1]["back_pay"] == Decimal("510.00")
    assert rows[2]["kind"] == "loses" and rows[2]["change"] == Decimal("-49.50")
    assert rows[2]["back_pay"] == Decimal("0.00")
    assert rows[3]["kind"] == "joins" and rows[3]["category_after"] == "dibao"
    assert rows[3]["back_pay"] == Decimal("0.00")  # D-03: its own determination first
    assert rows[4]["kind"] == "leaves"
    assert rows[5]["kind"] == "unchanged" and rows[5]["undecided"]  # keeps its 1,800
    assert rows[5]["monthly_after"] == Decimal("1800.00")
    summary = adjustment_summary(diff).row(1, named=True)
    assert summary["township"] == "440104002" and summary["households"] == 3
    assert summary["monthly_change"] == Decimal("80.00")  # +200 − 120 + 0
    assert summary["annual_change"] == Decimal("960.00")
    assert summary["back_pay"] == Decimal("0.00")


def test_no_back_pay_when_the_standard_takes_effect_with_the_first_payment() -> None:
    diff = adjustment_diff(
        current([(1, "t", "dibao", "600.00")]), decided([(1, "dibao", "700.00")]),
        effective=JUL, first_payment=JUL,
    )  # fmt: skip
    assert diff["back_pay"].to_list() == [Decimal("0.00")]
    assert months_between(dt.date(2024, 11, 1), dt.date(2025, 2, 1)) == 3
    assert months_between(JUL, JAN) == 0


amounts = st.decimals(min_value=0, max_value=Decimal("5000"), places=2)
categories = st.sampled_from(["tekun", "dibao", "low_income", "none"])
households = st.lists(
    st.tuples(st.sampled_from(["t1", "t2", "t3"]), categories, amounts, categories, amounts),
    min_size=1,
    max_size=40,
)


@settings(max_examples=60, deadline=None)
@given(households, st.integers(min_value=0, max_value=12))
def test_totals_add_up_and_only_rises_are_owed(rows: list[tuple], late: int) -> None:  # type: ignore[type-arg]
    """Whatever the caseload: every household in exactly one kind of change; township
    totals sum to the whole; back pay is a paid household's rise times the months past,
    never negative."""
    first = dt.date(2025, 1 + late, 1) if late < 12 else dt.date(2026, 1, 1)
    diff = adjustment_diff(
        current([(i, t, c, str(m)) for i, (t, c, m, _, _) in enumerate(rows)]),
        decided([(i, c, str(m)) for i, (_, _, _, c, m) in enumerate(rows)]),
        effective=JAN,
        first_payment=first,
    )
    assert diff.height == len(rows) and set(diff["kind"]) <= set(CHANGES)
    total = sum(Decimal(a2) - Decimal(a1) for _, _, a1, _, a2 in rows)
    summary = adjustment_summary(diff)
    assert sum(summary["monthly_change"].to_list(), Decimal(0)) == total
    assert sum(summary["households"].to_list()) == len(rows)
    assert sum(sum(summary[k].to_list()) for k in CHANGES) == len(rows)
    for r in diff.iter_rows(named=True):
        paid = r["category_before"] != "none" and r["monthly_before"] > 0
        expected = r["change"] * late if r["change"] > 0 and paid else Decimal(0)
        assert r["back_pay"] == expected
