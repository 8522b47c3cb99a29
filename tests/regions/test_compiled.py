"""Compiled scoped queries (regions/compiled.py): the area filter is the scoped manager's,
compiled per area; arguments are substituted; no scope, no rows."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from jiuzhu.regions.compiled import CompiledQuery
from jiuzhu.regions.scope import Scope, using_scope
from jiuzhu.registry.models import Household, HouseholdFact
from tests.factories import make_household

BY_ID = CompiledQuery(lambda hid: Household.objects.filter(id=hid).values("id", "number"), int)
FACTS_ON = CompiledQuery(
    lambda hid, day: (
        HouseholdFact.objects.filter(household_id=hid, valid_from__lte=day)
        .filter(valid_to__isnull=True)
        .values("kind", "amount")
    ),
    int,
    dt.date,
)


def test_rows_follow_the_callers_area(caseworker: Any, im_caseworker: Any, gd_area: str) -> None:
    household = make_household(caseworker, gd_area)
    with using_scope(Scope("440104")):
        assert BY_ID.rows(household.id) == [{"id": household.id, "number": household.number}]
    with using_scope(Scope("150102")):
        assert BY_ID.rows(household.id) == []
    with using_scope(Scope("440104")):  # the first area's compiled form still answers
        assert len(BY_ID.rows(household.id)) == 1
    with using_scope(None):
        assert BY_ID.rows(household.id) == []


def test_arguments_are_substituted_everywhere_they_appear(caseworker: Any, gd_area: str) -> None:
    household = make_household(caseworker, gd_area)
    with using_scope(Scope("")):
        assert FACTS_ON.rows(household.id, dt.date(2019, 12, 31)) == []
        [row] = FACTS_ON.rows(household.id, dt.date(2024, 1, 1))
    assert row["kind"] == "financial" and str(row["amount"]) == "3000.00"


def test_a_query_without_its_argument_is_refused(db: Any) -> None:
    broken = CompiledQuery(lambda hid: Household.objects.values("id"), int)
    from django.db import connection

    if connection.vendor != "postgresql":
        pytest.skip("compiled only on PostgreSQL; elsewhere the ORM runs as usual")
    with using_scope(Scope("")), pytest.raises(ValueError, match="does not appear"):
        broken.rows(1)
