"""Procedure parameters (A-01…A-07): who determines, what an application needs, and due dates
on China's working-day calendar."""

from __future__ import annotations

import datetime as dt

import pytest
from hypothesis import given
from hypothesis import strategies as st

from jiuzhu.rules.procedure import (
    CHECKLISTS,
    checklist,
    determination_authority,
    due_after,
)
from jiuzhu.rules.workdays import add_working_days

DAY = dt.date(2026, 6, 1)


@pytest.mark.parametrize(
    ("region", "level"),
    [
        ("440104001", "township"),  # 广州 (Pearl River Delta): devolved by GD 7
        ("441900", "township"),  # 东莞
        ("440203", "county"),  # 韶关, outside the Pearl River Delta: the county decides
        ("150102001001", "township"),  # 呼和浩特: the IM city's measures devolve it (IM （二十一）)
        ("150202", "county"),  # 包头: the IM city's measures do not reach it (P-01)
        ("152502", "county"),  # 锡林浩特, another Inner Mongolia city
    ],
)
def test_a03_the_determining_level_follows_the_region(region: str, level: str) -> None:
    assert determination_authority(region, DAY).value == level


def test_a03_before_the_inner_mongolia_city_measures_its_counties_were_county_level() -> None:
    assert determination_authority("150102", dt.date(2021, 9, 17)).value == "county"
    assert determination_authority("150102", dt.date(2021, 9, 18)).value == "township"


def test_a03_before_the_guangdong_plan_guangzhou_was_county_level() -> None:
    assert determination_authority("440104", dt.date(2021, 7, 25)).value == "county"
    assert determination_authority("440104", dt.date(2021, 7, 26)).value == "township"


def test_a02_every_kind_has_a_checklist_and_commitment_covers_only_certificates() -> None:
    for kind in CHECKLISTS:
        documents, committable, params = checklist(kind, "440104", DAY)
        assert documents and len(params) == 2
    documents, committable, _ = checklist("dibao", "440104", DAY)
    assert "verification_authorization" in documents  # 一证一书
    assert "hukou_book" in committable and "income_statement" not in committable


def test_a01_a_residence_permit_holder_shows_the_permit_instead_of_a_hukou_book() -> None:
    local, _, _ = checklist("dibao", "440104", DAY)
    elsewhere, _, _ = checklist("dibao", "440104", DAY, residence_permit=True)
    assert "hukou_book" in local and "residence_permit" not in local
    assert "residence_permit" in elsewhere and "hukou_book" not in elsewhere


def test_a05_the_public_notice_counts_calendar_days_and_the_decision_working_days() -> None:
    # Friday 25 September 2026: National Day week follows
    start = dt.date(2026, 9, 25)
    assert due_after(start, "public_notice_days", "440104").on == dt.date(2026, 10, 2)
    decision = due_after(start, "deadline_decision", "440104")
    assert decision.on == add_working_days(start, 10) and decision.on > dt.date(2026, 10, 8)
    assert decision.parameter.dated.unverified  # NATIONAL.md marks the figure unverified


def test_a05_a_year_without_a_holiday_schedule_gives_a_provisional_monday_to_friday_date() -> None:
    due = due_after(dt.date(2026, 12, 28), "deadline_notification", "440104")
    assert not due.provisional and due.on == dt.date(2026, 12, 31)  # still within 2026
    late = due_after(dt.date(2026, 12, 30), "deadline_notification", "440104")
    assert late.provisional and late.on == dt.date(2027, 1, 4)


@given(st.dates(dt.date(2021, 8, 1), dt.date(2026, 11, 30)))
def test_a05_a_due_date_is_never_earlier_than_the_same_number_of_weekdays_minus_holidays(
    start: dt.date,
) -> None:
    due = due_after(start, "deadline_investigation", "440104")
    if not due.provisional:
        assert due.on > start and (due.on - start).days >= 15  # 15 working days ≥ 15 days
