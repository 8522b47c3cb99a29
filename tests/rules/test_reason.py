"""The reason a caseworker reads first: one or two sentences naming the decisive figures, in
Chinese and English, first in the decision JSON (issue 14)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from jiuzhu.rules.evaluate import Evaluator
from jiuzhu.rules.household import parse_household
from jiuzhu.rules.reason import yuan

EVALUATOR = Evaluator()


def _decide(members: list[dict[str, Any]], as_of: str = "2025-06-01", **extra: Any) -> dict:
    raw = {"ref": "r", "region": "440106", "residence": "urban", "members": members, **extra}
    return EVALUATOR.evaluate(parse_household(raw), dt.date.fromisoformat(as_of))


def test_a_low_income_household_is_told_its_income_the_standard_and_the_line_c06() -> None:
    """Guangzhou 2025: standard 1,309, low-income line 1,963.50 (C-04, C-06)."""
    decision = _decide(
        [
            {
                "ref": "a",
                "birth_date": "1980-01-01",
                "sex": "female",
                "employment": "employed",
                "income": {"wages": "1450.00"},
            }
        ]
    )
    assert next(iter(decision)) == "reason"
    assert decision["reason"]["zh"] == (
        "家庭人均收入1,450.00元，高于当地低保标准1,309.00元，不符合低保条件；"
        "低于低收入家庭认定线1,963.50元，认定为低收入家庭。"
    )
    assert "1,963.50" in decision["reason"]["en"] and "low-income" in decision["reason"]["en"]


def test_a_household_exactly_at_the_standard_is_told_equal_not_above_c04() -> None:
    decision = _decide(
        [
            {
                "ref": "a",
                "birth_date": "1980-01-01",
                "sex": "female",
                "employment": "employed",
                "income": {"wages": "1309.00"},
            }
        ]
    )
    assert decision["primary_category"] == "low_income"
    assert "等于当地低保标准1,309.00元" in decision["reason"]["zh"]


def test_a_gradual_exit_says_where_its_amount_comes_from_b03() -> None:
    members = [
        {
            "ref": "m",
            "name": "王芳",
            "birth_date": "1978-03-03",
            "sex": "female",
            "employment": "employed",
            "income": {"wages": "2800.00"},
        },
        {
            "ref": "s",
            "name": "王强",
            "birth_date": "2000-01-01",
            "sex": "male",
            "employment": "other",
            "disability": {"kind": "physical", "grade": 1},
        },
    ]
    previous = {
        "category": "dibao",
        "monthly_benefit": "500.00",
        "income_exceeded_on": "2025-03-15",
    }
    decision = _decide(members, previous=previous)
    assert decision["monthly_benefit"] == "1309.00"
    zh = decision["reason"]["zh"]
    assert "渐退期（至2025-09-14）" in zh and "王强单独可得1,309.00元" in zh
    assert "原救助金500.00元" in zh and "不重复发放" in zh


def test_a_high_earner_is_told_nothing_was_deducted_i04() -> None:
    decision = _decide(
        [
            {
                "ref": "a",
                "birth_date": "1980-01-01",
                "sex": "female",
                "employment": "employed",
                "income": {"wages": "30000.00"},
            }
        ],
        expenses={"medical": "30000.00"},
    )
    assert "刚性支出不予扣减" in decision["reason"]["zh"]
    assert "nothing deducted" in decision["reason"]["en"]


@settings(max_examples=60, deadline=None)
@given(
    wages=st.integers(min_value=0, max_value=800_000),
    medical=st.integers(min_value=0, max_value=300_000),
    children=st.integers(min_value=0, max_value=3),
)
def test_every_reason_names_the_per_capita_income_it_was_decided_on(
    wages: int, medical: int, children: int
) -> None:
    members = [
        {
            "ref": "a",
            "birth_date": "1980-01-01",
            "sex": "female",
            "employment": "employed",
            "income": {"wages": yuan(wages).replace(",", "")},
        }
    ]
    members += [
        {"ref": f"c{i}", "birth_date": "2015-01-01", "sex": "male", "schooling": "compulsory"}
        for i in range(children)
    ]
    decision = _decide(members, expenses={"medical": yuan(medical).replace(",", "")})
    pci = f"{Decimal(decision['per_capita_income']):,.2f}"
    assert (
        f"家庭人均收入{pci}元" in decision["reason"]["zh"]
        or decision["primary_category"] == "tekun"
    )
    assert decision["reason"]["en"]
