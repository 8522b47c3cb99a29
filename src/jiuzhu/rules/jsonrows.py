"""The household JSON as Arrow columns: the JSON Lines reader's schema, a validated household
in that shape, and which parsed rows must still go through the model.

Amounts are decimal(18, 2): pyarrow parses them from the text of the JSON number or string
itself, never through float, and refuses a third decimal. `model_only` flags the rows that
the column checks (parquet.py) would pass but the Pydantic model might not, or not with the
same values, so the column path only accepts what the model accepts.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from decimal import Decimal
from typing import Any

import polars as pl
import pyarrow as pa

from jiuzhu.rules.errors import InputError
from jiuzhu.rules.household import Disability, Household
from jiuzhu.rules.money import MAX_YUAN

AMOUNT = pa.decimal128(18, 2)
# the largest amount any parser takes (money.MAX_YUAN); a larger one goes to the model, which
# refuses it with the same reason as `jiuzhu evaluate`
MAX_FEN = int(MAX_YUAN * 100) + 1
_CENT = Decimal("0.01")
_DATE = r"^[0-9]{4}-[0-9]{2}-[0-9]{2}$"
_PADDED = r"^[\s\x1c-\x1f]|[\s\x1c-\x1f]$"  # what str.strip() removes, as Pydantic does

_DISABILITY = pa.struct([("kind", pa.string()), ("grade", pa.int64())])
_EXPENSES = ("medical", "education", "disability")
_MEMBER_DATES = ("birth_date", "unemployed_since", "left_school_on")
_INCOME = ("wages", "business", "property", "transfer", "basic_pension", "other")
_MEMBER = pa.struct(
    [
        ("ref", pa.string()),
        ("birth_date", pa.string()),
        ("sex", pa.string()),
        ("relation", pa.string()),
        ("disability", _DISABILITY),
        ("serious_illness", pa.bool_()),
        ("self_care", pa.string()),
        ("schooling", pa.string()),
        ("employment", pa.string()),
        ("unemployed_since", pa.string()),
        ("left_school_on", pa.string()),
        ("landless", pa.bool_()),
        ("income", pa.struct([(k, AMOUNT) for k in _INCOME])),
        (
            "supporters",
            pa.list_(
                pa.struct(
                    [
                        ("able", pa.bool_()),
                        ("birth_date", pa.string()),
                        ("monthly_income", AMOUNT),
                        ("disability", _DISABILITY),
                        ("assets_within_low_income_rules", pa.bool_()),
                    ]
                )
            ),
        ),
    ]
)
ARROW_SCHEMA = pa.schema(
    [
        ("ref", pa.string()),
        ("region", pa.string()),
        ("residence", pa.string()),
        ("members", pa.list_(_MEMBER)),
        (
            "assets",
            pa.struct(
                [
                    ("financial", AMOUNT),
                    ("vehicles", pa.int64()),
                    ("homes", pa.int64()),
                    ("business_registrations", pa.int64()),
                ]
            ),
        ),
        ("expenses", pa.struct([(k, AMOUNT) for k in _EXPENSES])),
        ("employment_costs", AMOUNT),
        (
            "previous",
            pa.struct(
                [
                    ("category", pa.string()),
                    ("monthly_benefit", AMOUNT),
                    ("since", pa.string()),
                    ("income_exceeded_on", pa.string()),
                ]
            ),
        ),
    ]
)


def check_size(h: Household) -> None:
    """InputError when an amount is too large for the engine's integer fen."""
    amounts = [h.assets.financial, h.employment_costs, h.expenses.medical]
    amounts += [h.expenses.education, h.expenses.disability]
    amounts += [h.previous.monthly_benefit] if h.previous else []
    for m in h.members:
        amounts += [getattr(m.income, k) for k in _INCOME]
        amounts += [s.monthly_income for s in m.supporters]
    if any(a * 100 >= MAX_FEN for a in amounts):
        raise InputError(f"amounts must be less than {MAX_FEN // 100:,} yuan", ref=h.ref)


def arrow_row(h: Household) -> dict[str, Any]:
    """A household the model accepted, in the shape of ARROW_SCHEMA."""

    def day(value: dt.date | None) -> str | None:
        return value.isoformat() if value is not None else None

    def dis(d: Disability | None) -> dict[str, Any] | None:
        return {"kind": d.kind, "grade": d.grade} if d is not None else None

    def yuan(amount: Decimal) -> Decimal:
        return amount.quantize(_CENT)

    members = [
        {
            **{k: getattr(m, k) for k in ("ref", "sex", "relation", "serious_illness")},
            **{k: getattr(m, k) for k in ("self_care", "schooling", "employment", "landless")},
            "birth_date": day(m.birth_date),
            "unemployed_since": day(m.unemployed_since),
            "left_school_on": day(m.left_school_on),
            "disability": dis(m.disability),
            "income": {k: yuan(getattr(m.income, k)) for k in _INCOME},
            "supporters": [
                {
                    "able": s.able,
                    "birth_date": day(s.birth_date),
                    "monthly_income": yuan(s.monthly_income),
                    "disability": dis(s.disability),
                    "assets_within_low_income_rules": s.assets_within_low_income_rules,
                }
                for s in m.supporters
            ],
        }
        for m in h.members
    ]
    p = h.previous
    return {
        "ref": h.ref,
        "region": h.region,
        "residence": h.residence,
        "members": members,
        "assets": {
            "financial": yuan(h.assets.financial),
            "vehicles": h.assets.vehicles,
            "homes": h.assets.homes,
            "business_registrations": h.assets.business_registrations,
        },
        "expenses": {
            k: yuan(getattr(h.expenses, k)) for k in ("medical", "education", "disability")
        },
        "employment_costs": yuan(h.employment_costs),
        "previous": (
            {
                "category": p.category,
                "monthly_benefit": yuan(p.monthly_benefit),
                "since": day(p.since),
                "income_exceeded_on": day(p.income_exceeded_on),
            }
            if p is not None
            else None
        ),
    }


def _bad_date(expr: pl.Expr) -> pl.Expr:
    """A date the model would refuse: not exactly YYYY-MM-DD, or no such day."""
    text = expr.str.contains(_DATE).not_() | expr.str.starts_with("0000")
    return expr.is_not_null() & (text | expr.str.to_date("%Y-%m-%d", strict=False).is_null())


def _bad_ref(expr: pl.Expr, longest: int) -> pl.Expr:
    return (expr.str.len_chars() > longest) | (expr == "") | expr.str.contains(_PADDED)


def _bad_disability(expr: pl.Expr) -> pl.Expr:
    kind, grade = expr.struct.field("kind"), expr.struct.field("grade")
    return expr.is_not_null() & (kind.is_null() | grade.is_null())


def _too_large(expr: pl.Expr) -> pl.Expr:
    return expr.to_physical() >= MAX_FEN


def model_only(level: str, c: Callable[[str], pl.Expr]) -> list[pl.Expr]:
    """Flags of the rows of one level (household, member, supporter; `c` gives a field of the
    level's frame) that the column checks would pass but the model might not, or not with the
    same values: such households go through the model. Nulls for defaulted fields are
    defaults in both; a null supporter is flagged by the caller (its fields are all null)."""
    if level == "household":
        previous = c("previous")
        amounts = [c("assets.financial"), c("employment_costs"), c("previous.monthly_benefit")]
        return [
            _bad_ref(c("ref"), 64),
            c("members").list.len() > 50,
            previous.is_not_null() & c("previous.category").is_null(),
            _bad_date(c("previous.since")),
            _bad_date(c("previous.income_exceeded_on")),
            *(_too_large(a) for a in amounts),
            *(_too_large(c(f"expenses.{k}")) for k in _EXPENSES),
        ]
    if level == "member":
        relation = c("relation")
        return [
            _bad_ref(c("ref"), 64),
            (relation.str.len_chars() > 32) | relation.str.contains(_PADDED),
            *(_bad_date(c(k)) for k in _MEMBER_DATES),
            _bad_disability(c("disability")),
            *(_too_large(c(f"income.{k}")) for k in _INCOME),
            c("supporters").list.len() > 20,
        ]
    return [
        _bad_date(c("birth_date")),
        _bad_disability(c("disability")),
        _too_large(c("monthly_income")),
    ]
