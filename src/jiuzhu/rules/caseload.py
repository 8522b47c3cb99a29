"""Households as the engine's columns: from validated JSON models, or straight from Parquet.

The JSON path validates with the Pydantic model (household.py). The Parquet path validates the
same constraints column-wise, so a million households never pass through Python objects; a
household that fails is reported with its ref and reason and left out, the rest go on.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

import polars as pl

from jiuzhu.rules.engine import Caseload
from jiuzhu.rules.household import Household
from jiuzhu.rules.money import yuan_to_fen
from jiuzhu.rules.regions import RegionTable

if TYPE_CHECKING:
    import numpy as np

INPUT_COLUMNS: dict[str, dict[str, pl.DataType]] = {
    "household": {
        "ref": pl.String(),
        "region": pl.String(),
        "county": pl.String(),
        "is_urban": pl.Boolean(),
        "assets_financial": pl.Int64(),
        "assets_vehicles": pl.Int64(),
        "assets_homes": pl.Int64(),
        "assets_business": pl.Int64(),
        "expense_medical": pl.Int64(),
        "expense_education": pl.Int64(),
        "expense_disability": pl.Int64(),
        "employment_costs": pl.Int64(),
        "prev_category": pl.String(),
        "prev_benefit": pl.Int64(),
        "prev_exceeded_on": pl.Date(),
    },
    "member": {
        "hh": pl.Int64(),
        "ref": pl.String(),
        "birth_date": pl.Date(),
        "is_female": pl.Boolean(),
        "dis_kind": pl.String(),
        "dis_grade": pl.Int64(),
        "serious_illness": pl.Boolean(),
        "self_care": pl.String(),
        "schooling": pl.String(),
        "employment": pl.String(),
        "unemployed_since": pl.Date(),
        "left_school_on": pl.Date(),
        "landless": pl.Boolean(),
        "inc_wages": pl.Int64(),
        "inc_business": pl.Int64(),
        "inc_property": pl.Int64(),
        "inc_transfer": pl.Int64(),
        "inc_basic_pension": pl.Int64(),
        "inc_other": pl.Int64(),
    },
    "supporter": {
        "member": pl.Int64(),
        "hh": pl.Int64(),
        "sup_able": pl.Int64(),
        "sup_birth_date": pl.Date(),
        "sup_income": pl.Int64(),
        "sup_dis_kind": pl.String(),
        "sup_dis_grade": pl.Int64(),
        "sup_assets_ok": pl.Boolean(),
    },
}


AFTER_AS_OF = "is after the as-of date"


@dataclass(frozen=True)
class RowError:
    """A household left out of a bulk run, with the reason."""

    line: int  # 1-based position in the input
    ref: str | None
    reason: str


def _columns(level: str, rows: list[dict[str, object]]) -> dict[str, pl.Series]:
    # (built row-wise in one call: a tenth of the time of a Series per column, for few rows)
    frame = pl.from_dicts(rows, schema=INPUT_COLUMNS[level])
    return {series.name: series for series in frame.get_columns()}


def from_households(households: Sequence[Household], regions: RegionTable) -> Caseload:
    """Columns from validated household models (the JSON path). Region codes must be known."""
    hh: list[dict[str, object]] = []
    mm: list[dict[str, object]] = []
    ss: list[dict[str, object]] = []
    for index, h in enumerate(households):
        prev = h.previous
        hh.append(
            {
                "ref": h.ref,
                "region": h.region,
                "county": regions.leaf_of(h.region),
                "is_urban": h.residence == "urban",
                "assets_financial": yuan_to_fen(h.assets.financial),
                "assets_vehicles": h.assets.vehicles,
                "assets_homes": h.assets.homes,
                "assets_business": h.assets.business_registrations,
                "expense_medical": yuan_to_fen(h.expenses.medical),
                "expense_education": yuan_to_fen(h.expenses.education),
                "expense_disability": yuan_to_fen(h.expenses.disability),
                "employment_costs": yuan_to_fen(h.employment_costs),
                "prev_category": prev.category if prev else "",
                "prev_benefit": yuan_to_fen(prev.monthly_benefit) if prev else 0,
                "prev_exceeded_on": prev.income_exceeded_on if prev else None,
            }
        )
        for m in h.members:
            member_index = len(mm)
            inc = m.income
            mm.append(
                {
                    "hh": index,
                    "ref": m.ref,
                    "birth_date": m.birth_date,
                    "is_female": m.sex == "female",
                    "dis_kind": m.disability.kind if m.disability else "",
                    "dis_grade": m.disability.grade if m.disability else 0,
                    "serious_illness": m.serious_illness,
                    "self_care": m.self_care,
                    "schooling": m.schooling or "",
                    "employment": m.employment,
                    "unemployed_since": m.unemployed_since,
                    "left_school_on": m.left_school_on,
                    "landless": m.landless,
                    "inc_wages": yuan_to_fen(inc.wages),
                    "inc_business": yuan_to_fen(inc.business),
                    "inc_property": yuan_to_fen(inc.property),
                    "inc_transfer": yuan_to_fen(inc.transfer),
                    "inc_basic_pension": yuan_to_fen(inc.basic_pension),
                    "inc_other": yuan_to_fen(inc.other),
                }
            )
            for s in m.supporters:
                ss.append(
                    {
                        "member": member_index,
                        "hh": index,
                        "sup_able": -1 if s.able is None else int(s.able),
                        "sup_birth_date": s.birth_date,
                        "sup_income": yuan_to_fen(s.monthly_income),
                        "sup_dis_kind": s.disability.kind if s.disability else "",
                        "sup_dis_grade": s.disability.grade if s.disability else 0,
                        "sup_assets_ok": s.assets_within_low_income_rules,
                    }
                )
    return Caseload(_columns("household", hh), _columns("member", mm), _columns("supporter", ss))


DATE_FIELDS = ("birth_date", "unemployed_since", "left_school_on")


def check_dates(caseload: Caseload, as_of: dt.date) -> dict[int, tuple[str, str]]:
    """Households whose members' dates make no sense on the as-of date: index → (field, why)."""
    m = caseload.members
    problems: dict[int, tuple[str, str]] = {}
    late = pl.DataFrame([m[f] for f in DATE_FIELDS]).select(
        (pl.col(f) > as_of).fill_null(False) for f in DATE_FIELDS
    )
    for field in DATE_FIELDS:
        bad = late[field]
        if bad.any():
            for hh_index, member_ref in zip(
                m["hh"].filter(bad).to_list(), m["ref"].filter(bad).to_list(), strict=True
            ):
                problems.setdefault(hh_index, (f"members[{member_ref}].{field}", AFTER_AS_OF))
    return problems


def late_dates(households: Sequence[Household], as_of: dt.date) -> dict[int, tuple[str, str]]:
    """check_dates read from the models (a few households: no query), with the same result."""
    problems: dict[int, tuple[str, str]] = {}
    for field in DATE_FIELDS:
        for index, household in enumerate(households):
            if index in problems:
                continue
            for member in household.members:
                day = getattr(member, field)
                if day is not None and day > as_of:
                    problems[index] = (f"members[{member.ref}].{field}", AFTER_AS_OF)
                    break
    return problems


def keep_mask(n: int, drop: Sequence[int]) -> np.ndarray:
    import numpy as np

    keep = np.ones(n, dtype=bool)
    if drop:
        keep[np.asarray(list(drop), dtype=np.int64)] = False
    return keep


__all__ = [
    "INPUT_COLUMNS",
    "RowError",
    "check_dates",
    "from_households",
    "keep_mask",
    "late_dates",
]
