"""The verified caseload as the rules engine's columns, without a database (V-03, I-02, I-05):
each figure is the larger of declared and found, a member who died is taken out."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import polars as pl
from hypothesis import given, settings
from hypothesis import strategies as st

from jiuzhu.rules.params import default_parameters
from jiuzhu.verification.matching import Tolerances, compare
from jiuzhu.verification.verified import declared_items, verified_caseload

TOLERANCES = Tolerances(Decimal("0.1"), 10_000, 100_000)
KINDS = ("wages", "business", "property", "transfer", "basic_pension", "other")


def registry(incomes: list[tuple[int, str, int]], financial: int) -> dict[str, pl.DataFrame]:
    """One urban household (id 1) of two adults (members 11 and 12)."""
    members = pl.DataFrame(
        {
            "member_id": [11, 12], "household_id": [1, 1], "id_hash": ["a", "b"],
            "birth_date": [dt.date(1980, 1, 1), dt.date(1982, 1, 1)], "sex": ["female", "male"],
            "dis_kind": ["", ""], "dis_grade": [None, None], "serious_illness": [False, False],
            "self_care": ["full", "full"], "schooling": ["", ""],
            "employment": ["unemployed", "unemployed"], "unemployed_since": [None, None],
            "left_school_on": [None, None], "landless": [False, False],
        },
        schema_overrides={"dis_grade": pl.Int64, "unemployed_since": pl.Date,
                          "left_school_on": pl.Date},
    )  # fmt: skip
    return {
        "members": members,
        "incomes": pl.DataFrame(
            [(m, k, f"{Decimal(v) / 100:.2f}") for m, k, v in incomes],
            schema={"member_id": pl.Int64, "kind": pl.String, "amount": pl.String},
            orient="row",
        ),
        "facts": pl.DataFrame(
            {"household_id": [1], "kind": ["financial"], "amount": [f"{financial / 100:.2f}"]}
        ),
        "supporters": pl.DataFrame(
            schema={
                "member_id": pl.Int64,
                "able": pl.String,
                "birth_date": pl.Date,
                "monthly_income": pl.String,
                "assets_ok": pl.Boolean,
            }
        ),
    }


def found(rows: list[tuple[int | None, str, int]]) -> pl.DataFrame:
    return pl.DataFrame(
        [(1, m, item, "tax", value, 1, [7]) for m, item, value in rows],
        schema={"household_id": pl.Int64, "member_id": pl.Int64, "item": pl.String,
                "source": pl.String, "value": pl.Int64, "records": pl.UInt32,
                "batches": pl.List(pl.Int64)},
        orient="row",
    )  # fmt: skip


HOUSEHOLDS = pl.DataFrame(
    {"household_id": [1], "household": ["SYN1"], "region": ["440104"], "residence": ["urban"],
     "category": ["dibao"]}
)  # fmt: skip


@settings(max_examples=60, deadline=None)
@given(
    declared=st.lists(
        st.tuples(st.sampled_from([11, 12]), st.sampled_from(KINDS), st.integers(1, 900_000)),
        max_size=6,
        unique_by=lambda t: (t[0], t[1]),
    ),
    records=st.lists(
        st.tuples(st.sampled_from([11, 12]), st.sampled_from(KINDS), st.integers(1, 900_000)),
        max_size=6,
        unique_by=lambda t: (t[0], t[1]),
    ),
    financial=st.integers(0, 5_000_000),
    bank=st.one_of(st.none(), st.integers(0, 5_000_000)),
)
def test_every_verified_figure_is_the_larger_of_declared_and_found(
    declared: list[tuple[int, str, int]],
    records: list[tuple[int, str, int]],
    financial: int,
    bank: int | None,
) -> None:
    """V-03, I-02, I-05 property: a record proves income or assets exist, its absence does
    not prove there are none — so the engine sees max(declared, found), never less."""
    reg = registry(declared, financial)
    rows = [(m, f"income.{k}", v) for m, k, v in records]
    if bank is not None:
        rows.append((None, "assets.financial", bank))
    compared = compare(declared_items(reg), found(rows), TOLERANCES)
    caseload, _, errors = verified_caseload(HOUSEHOLDS, reg, compared, default_parameters().regions)
    assert errors == []
    members = pl.DataFrame(caseload.members)
    for position, member in enumerate((11, 12)):
        for kind in KINDS:
            d = next((v for m, k, v in declared if (m, k) == (member, kind)), 0)
            f = next((v for m, k, v in records if (m, k) == (member, kind)), 0)
            assert members[f"inc_{kind}"][position] == max(d, f)
    assert caseload.households["assets_financial"][0] == max(financial, bank or 0)


def test_a_member_who_died_is_taken_out_of_the_verified_household() -> None:
    reg = registry([(12, "wages", 300_000)], 0)
    compared = compare(declared_items(reg), found([(12, "status.deceased", 1)]), TOLERANCES)
    caseload, _, _ = verified_caseload(HOUSEHOLDS, reg, compared, default_parameters().regions)
    assert caseload.members["ref"].to_list() == ["11"]
    assert caseload.members["inc_wages"].to_list() == [0]


def test_a_household_with_no_member_left_is_not_in_the_caseload() -> None:
    reg = registry([], 0)
    gone = found([(11, "status.deceased", 1), (12, "status.moved_out", 1)])
    caseload, evaluated, errors = verified_caseload(
        HOUSEHOLDS, reg, compare(declared_items(reg), gone, TOLERANCES),
        default_parameters().regions,
    )  # fmt: skip
    assert evaluated.height == 0 and caseload.size("member") == 0 and errors == []
