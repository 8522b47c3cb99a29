"""Registered households with a category, members with incomes, and signals pushed as a
department would: the pieces every monitoring test builds on."""

from __future__ import annotations

import datetime as dt
import itertools
from collections.abc import Iterator
from decimal import Decimal
from typing import Any

import pytest

from jiuzhu.monitoring.services import signals_import_records
from jiuzhu.regions.scope import Scope, system_scope, using_scope
from jiuzhu.registry import services as registry
from jiuzhu.registry.identity import decrypt
from jiuzhu.registry.models import Household, Member
from tests.factories import decided_case, make_household, make_user, members

AS_OF = dt.date(2026, 3, 2)  # a Monday after Spring Festival 2026
_batches = itertools.count(1)


@pytest.fixture
def scope() -> Iterator[None]:
    with system_scope("test"):
        yield


@pytest.fixture
def assistant(gd_area: str) -> Any:
    return make_user("village_assistant", gd_area + "001", username="gd-assistant")


def registered(
    actor: Any,
    region: str,
    category: str = "none",
    *,
    wages: list[str] | None = None,
    size: int = 2,
) -> Household:
    """A household of `size` members, the first ones earning `wages` (yuan a month), with an
    approved case of `category` (none: no case) decided a year before AS_OF."""
    household = make_household(actor, region, members=size)
    people = members(household)
    with using_scope(Scope("")):
        for member, amount in zip(people, wages or [], strict=False):
            registry.member_income_set(
                actor=actor,
                member=member,
                kind="wages",
                amount=Decimal(amount),
                valid_from=dt.date(2024, 1, 1),
            )
    if category != "none":  # approved, with the entitlement its approval makes
        decided_case(
            household,
            category,
            on=AS_OF - dt.timedelta(days=365),
            number=f"T{household.id:08d}{category[:3]}",
            applied_on=AS_OF - dt.timedelta(days=400),
        )
    return household


def id_of(member: Member) -> str:
    return decrypt(member.id_cipher)


def push(kind: str, records: list[dict[str, Any]], *, as_of: dt.date = AS_OF, key: str = "") -> Any:
    """A department's push of signals (as the system: nationwide batch)."""
    with system_scope("test push"):
        return signals_import_records(
            actor=None,
            kind=kind,
            records=records,
            as_of=as_of,
            batch_key=key or f"test-{kind}-{next(_batches)}",
            region_code="",
        )


def medical(member: Member, amount: str, on: dt.date = AS_OF) -> dict[str, Any]:
    return {
        "id_number": id_of(member),
        "name": member.name,
        "care": "inpatient",
        "out_of_pocket": amount,
        "settled_on": on.isoformat(),
    }
