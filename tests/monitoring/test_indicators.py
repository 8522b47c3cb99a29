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


def _one_signal(source: str, kind: str, quantity: str, amount_fen: int = 0) -> pl.DataFrame:
    from decimal import Decimal

    return pl.DataFrame(
        {"signal_id": [7], "source": [source], "id_hash": ["h"], "kind": [kind],
         "amount_fen": [amount_fen], "quantity": [Decimal(quantity)],
         "occurred_on": [AS_OF - dt.timedelta(days=3)]},
        schema={"signal_id": pl.Int64, "source": pl.String, "id_hash": pl.String,
                "kind": pl.String, "amount_fen": pl.Int64, "quantity": pl.Decimal(14, 2),
                "occurred_on": pl.Date},
    )  # fmt: skip


def test_m02_a_severe_disability_warns_up_to_the_grade_parameter() -> None:
    """Grades 1 and 2 (severe, GB/T 26341; parameter monitoring_disability_max_grade) warn
    yellow; grade 3 does not."""
    from jiuzhu.monitoring.indicators import disability

    households, members, _ = frames("none", 0, [0])
    found = {
        grade: with_levels(
            disability(households, members, _one_signal("disability", "physical", grade), CP),
            households,
            CP,
        )
        for grade in ("1", "2", "3")
    }
    assert [found[g].height for g in ("1", "2", "3")] == [1, 1, 0]
    assert found["2"].get_column("level").to_list() == ["yellow"]
    assert '"grade":2' in found["2"].get_column("evidence")[0]


def test_m02_utility_arrears_warn_from_three_months() -> None:
    """Below the months parameter (3, assumed) nothing; at it, a blue warning with the
    amount owed."""
    from jiuzhu.monitoring.indicators import utility_arrears

    households, members, _ = frames("low_income", 0, [0])
    below = utility_arrears(
        households, members, _one_signal("utility_arrears", "electricity", "2.99", 45_000), CP
    )
    at = with_levels(
        utility_arrears(
            households, members, _one_signal("utility_arrears", "electricity", "3", 45_000), CP
        ),
        households,
        CP,
    )
    assert below.height == 0 and at.height == 1
    assert (
        at.row(0, named=True)["level"] == "blue" and at.row(0, named=True)["amount_fen"] == 45_000
    )
    assert '"owed":"450.00"' in at.get_column("evidence")[0]


def _medical_by_household(
    households: pl.DataFrame, members: pl.DataFrame, signals: pl.DataFrame
) -> dict[int, tuple[int, list[int], bool]]:
    """The M-02 medical rule written out row by row (the reference): each household's
    costs in the window, above its category's threshold, with all its signal ids."""
    p = monitoring_parameters("440104", AS_OF)
    since = months_before(AS_OF, p.medical_window_months)
    category = dict(households.select("household_id", "category").iter_rows())
    year: dict[int, int] = {}
    of_hash: dict[str, list[int]] = {}
    for _, household, id_hash, monthly, _ in members.iter_rows():
        year[household] = year.get(household, 0) + 12 * monthly
        of_hash.setdefault(id_hash, []).append(household)
    costs: dict[int, tuple[int, list[int]]] = {}
    for signal_id, _, id_hash, _, amount, on in signals.iter_rows():
        for household in of_hash.get(id_hash, []) if on > since else []:
            total, ids = costs.get(household, (0, []))
            costs[household] = (total + amount, [*ids, signal_id])
    out = {}
    for household, (total, ids) in costs.items():
        threshold = int(p.medical_thresholds[category[household]] * 100)
        if total > threshold:
            share = total * 10_000 > int(p.medical_income_share * 10_000) * year[household]
            out[household] = (total, sorted(ids), share)
    return out


@settings(max_examples=60, deadline=None)
@given(
    rows=st.lists(
        st.tuples(st.integers(1, 6), st.integers(0, 3_000_000), st.integers(0, 500)),
        min_size=1,
        max_size=30,
    ),
    categories=st.lists(st.sampled_from(CATEGORIES), min_size=3, max_size=3),
)
def test_m02_medical_over_many_households_matches_the_rule_written_out(
    rows: list[tuple[int, int, int]], categories: list[str]
) -> None:
    """Three households, two members each (member 6 on two households, as a person who
    moved), bills of any size and age: the set-based rule (sums first, ids and incomes of
    the households above their threshold only) gives exactly the reference's warnings."""
    households = pl.DataFrame(
        {"household_id": [1, 2, 3], "region_code": ["440104001001"] * 3,
         "county": ["440104"] * 3, "category": categories}
    )  # fmt: skip
    members = pl.DataFrame(
        {"member_id": [1, 2, 3, 4, 5, 6, 7], "household_id": [1, 1, 2, 2, 3, 3, 1],
         "id_hash": ["a", "b", "c", "d", "e", "f", "f"],
         "monthly_fen": [0, 150_000, 80_000, 0, 300_000, 10_000, 10_000],
         "earned_fen": [0] * 7}
    )  # fmt: skip
    hashes = "abcdef"
    signals = pl.DataFrame(
        {
            "signal_id": list(range(len(rows), 0, -1)),  # not in id order
            "source": ["medical_expense"] * len(rows),
            "id_hash": [hashes[who - 1] for who, _, _ in rows],
            "kind": ["inpatient"] * len(rows),
            "amount_fen": [amount for _, amount, _ in rows],
            "occurred_on": [AS_OF - dt.timedelta(days=age) for _, _, age in rows],
        },
        schema={"signal_id": pl.Int64, "source": pl.String, "id_hash": pl.String,
                "kind": pl.String, "amount_fen": pl.Int64, "occurred_on": pl.Date},
    )  # fmt: skip
    found = medical(households, members, signals, CP)
    got = {
        r["household_id"]: (r["amount_fen"], r["signal_ids"], r["level_of"] == "medical_income")
        for r in found.iter_rows(named=True)
    }
    assert got == _medical_by_household(households, members, signals)
    assert all(
        k == f"m{max(ids)}" for k, (_, ids, _) in zip(found["key"], got.values(), strict=True)
    )
