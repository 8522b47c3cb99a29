"""Registry services: validation, deduplication, dated facts, audit rows in the same
transaction (SECURITY.md 11, 19, 23)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

import pytest

from jiuzhu.audit.models import AccessEvent, AuditEvent
from jiuzhu.regions.scope import Scope, using_scope
from jiuzhu.registry import errors, services
from jiuzhu.registry.errors import ServiceError
from jiuzhu.registry.models import Household, Member
from jiuzhu.registry.selectors import household_snapshot
from tests.factories import id_number, make_household, members


@pytest.fixture
def scope(caseworker: Any) -> Any:
    with using_scope(Scope(caseworker.area.scope_prefix)):
        yield


def test_a_household_is_created_with_its_audit_row(
    caseworker: Any, gd_area: str, scope: Any
) -> None:
    household = services.household_create(
        actor=caseworker, region_code=gd_area + "001", residence="urban", address="合成路2号"
    )
    assert household.number.startswith("JZ440104")
    event = AuditEvent.objects.get(action="household.create", object_id=str(household.id))
    assert event.actor == caseworker and event.new["region_code"] == gd_area + "001"


def test_a_household_outside_the_users_area_is_refused(
    caseworker: Any, scope: Any, im_area: str
) -> None:
    with pytest.raises(ServiceError) as caught:
        services.household_create(
            actor=caseworker, region_code=im_area, residence="urban", address="x"
        )
    assert caught.value.message == str(errors.REGION_OUTSIDE)
    assert not Household.unscoped.exists()


def test_birth_date_and_sex_come_from_the_id_number(
    caseworker: Any, gd_area: str, scope: Any
) -> None:
    household = make_household(caseworker, gd_area, members=0)
    number = id_number(dt.date(1975, 6, 30), sex="male")
    member = services.member_add(
        actor=caseworker,
        household=household,
        name="甲",
        id_number=number,
        relation="户主",
        joined_on=dt.date(2000, 1, 1),
    )
    assert (member.birth_date, member.sex) == (dt.date(1975, 6, 30), "male")
    assert member.id_masked == number[:6] + "********" + number[-4:]
    assert number not in str(bytes(member.id_cipher)) and member.id_hash != number


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (lambda n: n[:-1] + ("0" if n[-1] != "0" else "1"), errors_checksum := "校验位"),
        (lambda n: n[:6] + "19990231" + n[14:], "出生日期"),
        (lambda n: n[:10], "18位"),
    ],
    ids=["check digit", "impossible date", "too short"],
)
def test_invalid_id_numbers_are_refused_and_nothing_is_saved(
    caseworker: Any, gd_area: str, scope: Any, change: Any, message: str
) -> None:
    household = make_household(caseworker, gd_area, members=0)
    before = AuditEvent.objects.count()
    with pytest.raises(ServiceError) as caught:
        services.member_add(
            actor=caseworker,
            household=household,
            name="乙",
            id_number=change(id_number(dt.date(1990, 1, 1))),
            relation="子女",
            joined_on=dt.date(2020, 1, 1),
        )
    assert caught.value.field == "id_number" and message in caught.value.message
    assert not Member.unscoped.filter(household=household).exists()
    assert AuditEvent.objects.count() == before


def test_a_typed_birth_date_that_disagrees_with_the_id_is_refused(
    caseworker: Any, gd_area: str, scope: Any
) -> None:
    household = make_household(caseworker, gd_area, members=0)
    with pytest.raises(ServiceError) as caught:
        services.member_add(
            actor=caseworker,
            household=household,
            name="丙",
            id_number=id_number(dt.date(1990, 1, 1)),
            relation="子女",
            joined_on=dt.date(2020, 1, 1),
            birth_date=dt.date(1990, 1, 2),
        )
    assert caught.value.field == "birth_date"


def test_one_id_number_belongs_to_one_active_household(
    caseworker: Any, gd_area: str, scope: Any
) -> None:
    first = make_household(caseworker, gd_area, members=0)
    second = make_household(caseworker, gd_area, members=0)
    number = id_number(dt.date(1960, 2, 2))
    services.member_add(
        actor=caseworker,
        household=first,
        name="丁",
        id_number=number,
        relation="户主",
        joined_on=dt.date(2020, 1, 1),
    )
    with pytest.raises(ServiceError) as caught:
        services.member_add(
            actor=caseworker,
            household=second,
            name="丁",
            id_number=number,
            relation="户主",
            joined_on=dt.date(2020, 1, 1),
        )
    assert caught.value.message == str(errors.DUPLICATE_ID)


def test_moving_a_member_is_explicit_and_logged(caseworker: Any, gd_area: str, scope: Any) -> None:
    source = make_household(caseworker, gd_area, members=2)
    target = make_household(caseworker, gd_area, members=1)
    person = members(source)[1]
    moved = services.member_move(
        actor=caseworker, member=person, to_household=target, on=dt.date(2024, 3, 1)
    )
    person.refresh_from_db()
    assert person.left_on == dt.date(2024, 2, 29) and moved.household == target
    assert AuditEvent.objects.filter(action="member.move", object_id=str(person.id)).exists()


def test_a_new_fact_value_closes_the_previous_one(
    caseworker: Any, gd_area: str, scope: Any
) -> None:
    household = make_household(caseworker, gd_area, members=1)
    services.household_fact_set(
        actor=caseworker,
        household=household,
        kind="financial",
        amount=Decimal("9000.00"),
        valid_from=dt.date(2024, 1, 1),
    )
    before = household_snapshot(household, dt.date(2023, 12, 31))
    after = household_snapshot(household, dt.date(2024, 1, 1))
    assert (before["assets"]["financial"], after["assets"]["financial"]) == ("3000.00", "9000.00")
    with pytest.raises(ServiceError) as caught:
        services.household_fact_set(
            actor=caseworker,
            household=household,
            kind="financial",
            amount=Decimal("1.00"),
            valid_from=dt.date(2023, 6, 1),
        )
    assert caught.value.field == "valid_from"


@pytest.mark.parametrize("amount", ["2.5", "1001"])
def test_a_count_of_vehicles_homes_or_businesses_is_whole_and_at_most_1000(
    caseworker: Any, gd_area: str, scope: Any, amount: str
) -> None:
    """SECURITY.md 12: the engine counts whole homes (2.5 was read as 2) up to 1000; the
    pages and the CLI go through this service as the API does."""
    household = make_household(caseworker, gd_area, members=1)
    with pytest.raises(ServiceError) as caught:
        services.household_fact_set(
            actor=caseworker,
            household=household,
            kind="homes",
            amount=Decimal(amount),
            valid_from=dt.date(2024, 1, 1),
        )
    assert (caught.value.field, caught.value.message) == ("amount", str(errors.COUNT_WHOLE))


def test_negative_amounts_are_refused(caseworker: Any, gd_area: str, scope: Any) -> None:
    household = make_household(caseworker, gd_area, members=1)
    with pytest.raises(ServiceError) as caught:
        services.member_income_set(
            actor=caseworker,
            member=members(household)[0],
            kind="wages",
            amount=Decimal("-1"),
            valid_from=dt.date(2024, 1, 1),
        )
    assert caught.value.field == "amount"


def test_revealing_an_id_number_is_logged_with_its_purpose(
    caseworker: Any, gd_area: str, scope: Any
) -> None:
    household = make_household(caseworker, gd_area, members=1)
    member = members(household)[0]
    full = services.member_reveal_id(actor=caseworker, member=member, purpose="核对户口簿")
    assert len(full) == 18 and full.endswith(member.id_masked[-4:])
    access = AccessEvent.objects.get(subject_id=str(member.id))
    assert (access.actor, access.purpose, access.field) == (caseworker, "核对户口簿", "id_number")


def test_the_snapshot_is_the_rules_engines_household_json(
    caseworker: Any, gd_area: str, scope: Any
) -> None:
    from jiuzhu.rules.household import parse_household

    household = make_household(caseworker, gd_area, members=2)
    snapshot = household_snapshot(household, dt.date(2024, 6, 1))
    parsed = parse_household(snapshot)
    assert parsed.region == gd_area and len(parsed.members) == 2
