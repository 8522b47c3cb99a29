"""ID numbers (SECURITY.md 11, 23): GB 11643 validation, every single-digit change refused;
stored encrypted, found by keyed hash, never in a form that looks like an ID number."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

import pytest
from django.db import connection
from hypothesis import given, settings
from hypothesis import strategies as st

from jiuzhu.registry.identity import (
    InvalidIdNumber,
    decrypt,
    encrypt,
    id_hash,
    mask_id_number,
    parse_id_number,
)
from tests.factories import id_number, make_household

ID_PATTERN = re.compile(r"\d{17}[\dX]")


@st.composite
def valid_numbers(draw: st.DrawFn) -> str:
    birth = draw(st.dates(dt.date(1920, 1, 1), dt.date(2020, 12, 31)))
    region = draw(st.sampled_from(["440104", "440305", "150102", "152502", "110101"]))
    return id_number(birth, region, draw(st.sampled_from(["female", "male"])))


@given(number=valid_numbers(), position=st.integers(0, 17), digit=st.integers(0, 10))
@settings(max_examples=300, deadline=None)
def test_every_single_character_change_of_a_valid_number_is_refused(
    number: str, position: int, digit: int
) -> None:
    parse_id_number(number)  # the original is valid
    replacement = "X" if digit == 10 else str(digit)
    changed = number[:position] + replacement + number[position + 1 :]
    if changed == number:
        return
    with pytest.raises(InvalidIdNumber):
        parse_id_number(changed)


@given(number=valid_numbers())
@settings(max_examples=50, deadline=None)
def test_birth_date_and_sex_are_read_from_the_number(number: str) -> None:
    facts = parse_id_number(number.lower())
    assert facts.birth_date.strftime("%Y%m%d") == number[6:14]
    assert facts.sex == ("male" if int(number[16]) % 2 else "female")


def test_a_birth_date_in_the_future_is_refused() -> None:
    with pytest.raises(InvalidIdNumber):
        parse_id_number(id_number(dt.date.today() + dt.timedelta(days=2)))


def test_encryption_round_trips_and_hashing_is_stable_and_keyed() -> None:
    number = id_number(dt.date(1990, 1, 1))
    blob = encrypt(number)
    assert decrypt(blob) == number and encrypt(number) != blob  # a fresh nonce each time
    assert id_hash(number) == id_hash(number) and len(id_hash(number)) == 64
    assert mask_id_number(number) == number[:6] + "********" + number[-4:]


def test_no_stored_column_looks_like_an_id_number(caseworker: Any, gd_area: str) -> None:
    """SECURITY.md 23: the raw table holds ciphertext, hash and mask, no ID pattern."""
    make_household(caseworker, gd_area, members=3)
    with connection.cursor() as cursor:
        cursor.execute("SELECT * FROM registry_member")
        rows = cursor.fetchall()
    assert rows
    for row in rows:
        for value in row:
            text = value.hex() if isinstance(value, bytes | memoryview) else str(value)
            assert not ID_PATTERN.search(text), text
