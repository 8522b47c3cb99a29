"""Working days on China's official calendar (A-05): holidays off, adjusted weekends on,
an unknown year refused rather than guessed."""

from __future__ import annotations

import datetime as dt

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from jiuzhu.rules.workdays import (
    CalendarUnknown,
    add_working_days,
    is_working_day,
    working_days_between,
)


def test_national_day_week_is_off_and_the_adjusted_sunday_is_on() -> None:
    """2025: 1-8 October off; Sunday 28 September and Saturday 11 October worked."""
    assert not is_working_day(dt.date(2025, 10, 1))
    assert not is_working_day(dt.date(2025, 10, 8))
    assert is_working_day(dt.date(2025, 9, 28))
    assert is_working_day(dt.date(2025, 10, 11))


def test_seven_working_days_of_public_notice_skip_the_holiday_week() -> None:
    """7 working days from 30 September 2025 (a 公示, NATIONAL.md): 1-8 October are holidays,
    so they are 9, 10, 11 (a working Saturday), 13, 14, 15 and 16 October."""
    end = add_working_days(dt.date(2025, 9, 30), 7)
    assert end == dt.date(2025, 10, 16)
    assert working_days_between(dt.date(2025, 9, 30), end) == 7
    assert is_working_day(end)


def test_a_year_without_a_schedule_is_refused() -> None:
    with pytest.raises(CalendarUnknown, match="2031"):
        is_working_day(dt.date(2031, 5, 1))


@settings(max_examples=100, deadline=None)
@given(
    start=st.dates(dt.date(2016, 1, 1), dt.date(2025, 12, 1)),
    days=st.integers(0, 30),
)
def test_adding_then_counting_working_days_agrees(start: dt.date, days: int) -> None:
    end = add_working_days(start, days)
    assert working_days_between(start, end) == days
    assert days == 0 or is_working_day(end)
    assert add_working_days(start, days + 1) > end


def _one_day_at_a_time(start: dt.date, days: int) -> dt.date:
    day, counted = start, 0
    while counted < days:
        day += dt.timedelta(days=1)
        counted += is_working_day(day)
    return day


@settings(max_examples=200, deadline=None)
@given(
    start=st.dates(dt.date(2016, 1, 1), dt.date(2025, 12, 31)),
    days=st.integers(0, 400),
)
def test_adding_working_days_equals_walking_the_calendar_day_by_day(
    start: dt.date, days: int
) -> None:
    """The bisecting implementation against the definition, across year ends (A-05)."""
    try:
        expected: dt.date | None = _one_day_at_a_time(start, days)
    except CalendarUnknown:
        expected = None
    if expected is None:
        with pytest.raises(CalendarUnknown):
            add_working_days(start, days)
    else:
        assert add_working_days(start, days) == expected


def test_counting_from_new_years_eve_starts_in_the_next_year() -> None:
    """1-3 January 2026 are the New Year holiday; Sunday 4 January is worked (调休)."""
    assert add_working_days(dt.date(2025, 12, 31), 1) == dt.date(2026, 1, 4)
