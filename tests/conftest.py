"""Shared fixtures: sample households and a cached evaluator."""

from __future__ import annotations

import copy
import datetime as dt
from typing import Any

import pytest

from jiuzhu.rules.evaluate import Evaluator

AS_OF = dt.date(2024, 6, 1)

_BASE: dict[str, Any] = {
    "ref": "H-GZ-1",
    "region": "440106",
    "residence": "urban",
    "members": [
        {
            "ref": "m1",
            "birth_date": "1980-05-01",
            "sex": "female",
            "relation": "head",
            "employment": "unemployed",
            "unemployed_since": "2022-01-10",
            "income": {"wages": "0", "transfer": "300.00"},
        },
        {
            "ref": "m2",
            "birth_date": "2012-09-01",
            "sex": "male",
            "relation": "child",
            "schooling": "compulsory",
            "employment": "student",
        },
    ],
    "assets": {"financial": "8000.00", "vehicles": 0, "homes": 1},
    "expenses": {"medical": "100.00"},
}


@pytest.fixture(scope="session")
def evaluator() -> Evaluator:
    return Evaluator()


@pytest.fixture
def household() -> dict[str, Any]:
    """A two-person Guangzhou household: an unemployed mother and a schoolboy."""
    return copy.deepcopy(_BASE)
