"""The demo population as the input of the synthetic department-data generator: every
active member of the synthetic households with the facts declared as of a date (demo mode
only: the made-up ID numbers are decrypted to be written into the departments' files)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

import polars as pl
from django.db.models import Q

from jiuzhu.registry.identity import decrypt
from jiuzhu.registry.models import HouseholdFact, IncomeFact, Member
from jiuzhu.synthetic.departments import PERSON_COLUMNS


def _in_force(day: dt.date) -> Q:
    return Q(valid_from__lte=day) & (Q(valid_to__isnull=True) | Q(valid_to__gte=day))


def demo_population(as_of: dt.date) -> pl.DataFrame:
    """One row per active member of the synthetic households (PERSON_COLUMNS); call under
    `system_scope()`."""
    members = list(
        Member.unscoped.filter(household__synthetic=True, left_on__isnull=True)
        .order_by("household_id", "id")
        .values_list(
            "id",
            "household_id",
            "household__number",
            "id_cipher",
            "name",
            "birth_date",
            "region_code",
        )
    )
    incomes: dict[tuple[int, str], Decimal] = {}
    for member_id, kind, amount in IncomeFact.unscoped.filter(
        _in_force(as_of), kind__in=["wages", "basic_pension"], member__household__synthetic=True
    ).values_list("member_id", "kind", "amount"):
        incomes[(member_id, kind)] = incomes.get((member_id, kind), Decimal(0)) + amount
    facts: dict[tuple[int, str], Decimal] = {}
    for household_id, kind, amount in HouseholdFact.unscoped.filter(
        _in_force(as_of), household__synthetic=True
    ).values_list("household_id", "kind", "amount"):
        facts[(household_id, kind)] = amount
    rows = []
    position: dict[int, int] = {}
    for member_id, household_id, number, cipher, name, birth, region in members:
        index = position.get(household_id, 0)
        position[household_id] = index + 1
        rows.append(
            (
                number,
                index,
                decrypt(cipher),
                name,
                birth,
                region,
                incomes.get((member_id, "wages"), Decimal(0)),
                incomes.get((member_id, "basic_pension"), Decimal(0)),
                facts.get((household_id, "financial"), Decimal(0)),
                int(facts.get((household_id, "vehicles"), 0)),
                int(facts.get((household_id, "homes"), 0)),
                int(facts.get((household_id, "business_registrations"), 0)),
            )
        )
    money = pl.Decimal(14, 2)
    schema: dict[str, Any] = dict(
        zip(
            PERSON_COLUMNS,
            [
                pl.String,
                pl.Int64,
                pl.String,
                pl.String,
                pl.Date,
                pl.String,
                money,
                money,
                money,
                pl.Int64,
                pl.Int64,
                pl.Int64,
            ],
            strict=True,
        )
    )
    return pl.DataFrame(rows, schema=schema, orient="row")
