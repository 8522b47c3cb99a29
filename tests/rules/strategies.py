"""Hypothesis strategies for households in the engine's JSON schema."""

from __future__ import annotations

import datetime as dt
from typing import Any

from hypothesis import strategies as st

REGIONS = ["440106", "440511", "441900", "442000", "440305", "150102", "150121", "152502"]
AS_OF_DATES = [dt.date(2023, 6, 1), dt.date(2024, 6, 1), dt.date(2025, 3, 1)]


def yuan(max_fen: int) -> st.SearchStrategy[str]:
    return st.integers(0, max_fen).map(lambda fen: f"{fen // 100}.{fen % 100:02d}")


def _date(lo: int, hi: int) -> st.SearchStrategy[dt.date]:
    return st.dates(dt.date(lo, 1, 1), dt.date(hi, 12, 31))


disability = st.one_of(
    st.none(),
    st.fixed_dictionaries(
        {
            "kind": st.sampled_from(
                ["physical", "visual", "hearing", "speech", "intellectual", "mental", "multiple"]
            ),
            "grade": st.integers(1, 4),
        }
    ),
)

member = st.fixed_dictionaries(
    {
        "birth_date": _date(1930, 2022).map(str),
        "sex": st.sampled_from(["female", "male"]),
        "disability": disability,
        "serious_illness": st.booleans(),
        "self_care": st.sampled_from(["full", "partial", "none"]),
        "schooling": st.sampled_from([None, "compulsory", "high_school", "higher"]),
        "employment": st.sampled_from(["employed", "unemployed", "retired", "student", "other"]),
        "unemployed_since": st.one_of(st.none(), _date(2015, 2022).map(str)),
        "landless": st.booleans(),
        "income": st.fixed_dictionaries(
            {
                "wages": yuan(400_000),
                "business": yuan(100_000),
                "transfer": yuan(50_000),
                "basic_pension": yuan(30_000),
            }
        ),
        "supporters": st.lists(st.fixed_dictionaries({"able": st.booleans()}), max_size=2),
    }
)


@st.composite
def households(draw: st.DrawFn, ref: str = "P1") -> dict[str, Any]:
    members = draw(st.lists(member, min_size=1, max_size=5))
    for i, m in enumerate(members, start=1):
        m["ref"] = f"m{i}"
    return {
        "ref": ref,
        "region": draw(st.sampled_from(REGIONS)),
        "residence": draw(st.sampled_from(["urban", "rural"])),
        "members": members,
        "assets": {
            "financial": draw(yuan(10_000_000)),
            "vehicles": draw(st.integers(0, 1)),
            "homes": draw(st.integers(0, 2)),
            "business_registrations": draw(st.integers(0, 1)),
        },
        "expenses": {"medical": draw(yuan(100_000)), "education": draw(yuan(50_000))},
        "employment_costs": draw(yuan(60_000)),
    }
