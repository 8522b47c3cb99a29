"""The column-wise GB 11643 check agrees with registry/identity.py (SECURITY.md 11): every
single-digit change of a valid number is refused, with the same message."""

from __future__ import annotations

import datetime as dt

import polars as pl
from hypothesis import given, settings
from hypothesis import strategies as st
from stdnum.cn import ric

from jiuzhu.registry.identity import InvalidIdNumber, parse_id_number
from jiuzhu.verification.validation import id_number_reason

TODAY = dt.date(2024, 6, 1)


def _reasons(numbers: list[str]) -> list[str | None]:
    frame = pl.DataFrame({"n": numbers}, schema={"n": pl.String})
    return frame.select(id_number_reason(pl.col("n"), TODAY)).to_series().to_list()


def _expected(number: str) -> str | None:
    try:
        parse_id_number(number, today=TODAY)
    except InvalidIdNumber as exc:
        return str(exc)
    return None


@settings(max_examples=60, deadline=None)
@given(
    birth=st.dates(dt.date(1920, 1, 1), dt.date(2023, 12, 31)),
    seq=st.integers(0, 999),
    province=st.sampled_from(["11", "44", "15", "65", "81"]),
)
def test_every_single_digit_change_of_a_valid_number_is_refused_like_parse_id_number(
    birth: dt.date, seq: int, province: str
) -> None:
    body = f"{province}0104{birth:%Y%m%d}{seq:03d}"
    number = body + ric.calc_check_digit(body + "0")
    variants = [number] + [
        number[:i] + d + number[i + 1 :]
        for i in range(18)
        for d in "0123456789X"
        if d != number[i] and (d != "X" or i == 17)
    ]
    got = _reasons(variants)
    assert got[0] is None
    assert all(r is not None for r in got[1:])
    assert got == [_expected(v) for v in variants]


def test_malformed_values_get_the_format_message() -> None:
    assert (
        _reasons(["12345", "44010419800301002Y", "4401041980030100２8"]) == [_expected("12345")] * 3
    )
