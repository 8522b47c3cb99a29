"""China's official working-day calendar for statutory deadlines (A-05, NATIONAL.md).

Holidays and adjusted working weekends come from the `chinese-calendar` package for the
years it knows, and from `data/workday-overrides.yaml` for the others (the State Council
publishes each year's schedule in the autumn before: an administrator adds it there). A date
in a year neither knows is an error, never a guess: a deadline must not silently ignore a
holiday week.
"""

from __future__ import annotations

import bisect
import datetime as dt
from dataclasses import dataclass
from functools import cache
from importlib import resources

import chinese_calendar
import yaml

from jiuzhu.rules.errors import RulesError


class CalendarUnknown(RulesError):
    """The holiday schedule of a year is not configured."""


@dataclass(frozen=True)
class YearOverride:
    holidays: frozenset[dt.date]
    workdays: frozenset[dt.date]  # adjusted working weekends (调休上班)
    source: str


@cache
def overrides() -> dict[int, YearOverride]:
    text = (
        resources.files("jiuzhu.rules").joinpath("data/workday-overrides.yaml").read_text("utf-8")
    )
    raw = yaml.safe_load(text) or {}
    out: dict[int, YearOverride] = {}
    for year, entry in (raw.get("years") or {}).items():
        out[int(year)] = YearOverride(
            holidays=frozenset(entry.get("holidays") or ()),
            workdays=frozenset(entry.get("workdays") or ()),
            source=str(entry["source"]),
        )
    return out


def is_working_day(day: dt.date) -> bool:
    """True on a working day of the official calendar (weekends and holidays off, adjusted
    weekends on)."""
    override = overrides().get(day.year)
    if override is not None:
        if day in override.workdays:
            return True
        if day in override.holidays:
            return False
        return day.weekday() < 5
    try:
        return bool(chinese_calendar.is_workday(day))
    except NotImplementedError:  # chinese-calendar's answer for a year it has no data for
        raise CalendarUnknown(
            f"the official holiday schedule for {day.year} is not configured: add it to "
            "src/jiuzhu/rules/data/workday-overrides.yaml"
        ) from None


def add_working_days(start: dt.date, days: int) -> dt.date:
    """The date `days` working days after `start` (start itself not counted): a deadline of
    N working days from the day a file is received."""
    if days < 0:
        raise ValueError("days must not be negative")
    if days == 0:
        return start
    year, remaining = start.year, days
    if start == dt.date(year, 12, 31):  # counting starts in the next year
        year, index = year + 1, 0
        working = _working_days_of(year)
    else:
        working = _working_days_of(year)
        index = bisect.bisect_right(working, start)  # the first working day after start
    while remaining > len(working) - index:  # walk the cached lists, a year at a time
        remaining -= len(working) - index
        year, index = year + 1, 0
        working = _working_days_of(year)
    return working[index + remaining - 1]


@cache
def _working_days_of(year: int) -> tuple[dt.date, ...]:
    """The year's working days in order (raises CalendarUnknown for an unknown year)."""
    day, out = dt.date(year, 1, 1), []
    while day.year == year:
        if is_working_day(day):
            out.append(day)
        day += dt.timedelta(days=1)
    return tuple(out)


def working_days_between(start: dt.date, end: dt.date) -> int:
    """Working days after `start` up to and including `end` (0 when end ≤ start). Counted by
    bisecting each year's cached list of working days: a worklist computes this per row."""
    if end <= start:
        return 0
    count = 0
    for year in range(start.year, end.year + 1):
        days = _working_days_of(year)
        low = bisect.bisect_right(days, start) if year == start.year else 0
        high = bisect.bisect_right(days, end) if year == end.year else len(days)
        count += high - low
    return count
