"""The facts the guards read: who counts as an adult for the public notice (A-05)."""

from __future__ import annotations

import datetime as dt

from jiuzhu.cases.facts import adult_born_by


def test_someone_turning_18_today_is_an_adult() -> None:
    assert adult_born_by(dt.date(2026, 3, 30)) == dt.date(2008, 3, 30)


def test_on_29_february_the_cutoff_is_28_february_of_a_common_year() -> None:
    assert adult_born_by(dt.date(2028, 2, 29)) == dt.date(2010, 2, 28)
