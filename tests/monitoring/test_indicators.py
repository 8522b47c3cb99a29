"""The warning rules as pure functions of frames (no database): properties over many
households — more medical cost never lowers or removes a warning (M-02), duplicate
deliveries of one fact count once."""

from __future__ import annotations

import datetime as dt

import polars as pl
from hypothesis import given, settings
from hypothesis import strategies as st

from jiuzhu.monitoring.indicators import (
    county_parameters,
    distinct_signals,
    medical,
    months_before,
    with_levels,
)
from jiuzhu.rules.monitoring import CATEGORIES, LEVEL_RANK, monitoring_parameters

AS_OF = dt.date(2026, 3, 2)
CP = county_parameters({"440104": monitoring_parameters("440104", AS_OF)}, AS_OF)


def frames(category: str, income_fen: int, bills: list[int]) -> tuple[pl.DataFrame, ...]:
    households = pl.DataFrame(
        {"household_id": [1], "region_code": ["440104001001"], "county": ["440104"],
         "category": [category]}
    )  # fmt: skip
    members = pl.DataFrame(
        {"member_id": [10], "household_id": [1], "id_hash": ["h"], "monthly_fen": [income_fen],
         "earned_fen": [income_fen]}
    )  # fmt: skip
    signals = pl.DataFrame(
        {
            "signal_id": list(range(1, len(bills) + 1)),
            "source": ["medical_expense"] * len(bills),
            "id_hash": ["h"] * len(bills),
            "kind": ["inpatient"] * len(bills),
            "amount_fen": bills,
            "occurred_on": [AS_OF - dt.timedelta(days=i) for i in range(len(bills))],
        },
        schema={"signal_id": pl.Int64, "source": pl.String, "id_hash": pl.String,
                "kind": pl.String, "amount_fen": pl.Int64, "occurred_on": pl.Date},
    )  # fmt: skip
    return households, members, signals


def rank(category: str, income_fen: int, bills: list[int]) -> int:
    households, members, signals = frames(category, income_fen, bills)
    found = with_levels(medical(households, members, signals, CP), households, CP)
    return max((LEVEL_RANK[level] for level in found.get_column("level")), default=0)


@settings(max_examples=200, deadline=None)
@given(
    category=st.sampled_from(CATEGORIES),
    income=st.integers(0, 2_000_000),
    bills=st.lists(st.integers(0, 3_000_000), min_size=1, max_size=5),
    extra=st.integers(0, 3_000_000),
)
def test_m02_more_medical_cost_never_lowers_the_warning(
    category: str, income: int, bills: list[int], extra: int
) -> None:
    """M-02 (property): adding to a bill never removes a warning or lowers its level."""
    more = [bills[0] + extra, *bills[1:]]
    assert rank(category, income, more) >= rank(category, income, bills)


@settings(max_examples=100, deadline=None)
@given(category=st.sampled_from(CATEGORIES), bills=st.lists(st.integers(0, 3_000_000), min_size=1))
def test_m02_more_income_never_raises_the_warning(category: str, bills: list[int]) -> None:
    assert rank(category, 500_000, bills) <= rank(category, 0, bills)


def test_a_fact_delivered_twice_is_counted_once() -> None:
    _, _, signals = frames("dibao", 0, [100_00, 200_00])
    twice = pl.concat([signals, signals.with_columns(pl.col("signal_id") + 10)])
    assert distinct_signals(twice).get_column("signal_id").to_list() == [1, 2]


def test_months_before_keeps_the_day_or_the_months_last() -> None:
    assert months_before(dt.date(2026, 3, 31), 1) == dt.date(2026, 2, 28)
    assert months_before(dt.date(2026, 3, 2), 12) == dt.date(2025, 3, 2)
    assert months_before(dt.date(2026, 1, 15), 1) == dt.date(2025, 12, 15)
