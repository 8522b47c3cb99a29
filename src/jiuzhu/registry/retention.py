"""Retention (SECURITY.md 25): households closed longer than the configured years are
anonymised — names, ID numbers, addresses and phones erased, birth dates kept to the year —
while their region, residence, category history and amounts stay for statistics, and the
audit chain stays verifiable (its rows are never touched).

Set-based, in chunks, idempotent: an anonymised household is skipped next time. Other
contexts erase what they hold about the same households through their own services (the
payee accounts: benefits.services); the CLI runs them together.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterator, Sequence
from typing import Any

from django.db import transaction
from django.db.models import CharField, Value
from django.db.models.functions import Cast, Concat, Substr, TruncYear

from jiuzhu.audit.services import audit_record_many
from jiuzhu.registry.models import Household, Member, Supporter

ERASED = "已匿名"
CHUNK = 5_000


def retention_due(*, closed_before: dt.date) -> list[int]:
    """Households closed before the day and not yet anonymised, in id order."""
    return list(
        Household.unscoped.filter(closed_on__lt=closed_before, anonymised_on__isnull=True)
        .order_by("id")
        .values_list("id", flat=True)
    )


def chunks(ids: list[int], size: int = CHUNK) -> Iterator[list[int]]:
    for start in range(0, len(ids), size):
        yield ids[start : start + size]


@transaction.atomic(durable=True)
def households_anonymise(
    *,
    actor: Any,
    household_ids: list[int],
    today: dt.date,
    also: Sequence[Callable[..., int]] = (),
) -> dict[str, int]:
    """One chunk, one transaction with its audit rows: the households, their members and
    supporters anonymised, and what other contexts hold of them (`also`: erasers called with
    `household_ids=` in the same transaction); households already anonymised (or not closed)
    are left alone."""
    chosen = list(
        Household.unscoped.select_for_update()
        .filter(id__in=household_ids, anonymised_on__isnull=True, closed_on__isnull=False)
        .values_list("id", "region_code")
    )
    ids = [i for i, _ in chosen]
    if not ids:
        return {"households": 0, "members": 0, "supporters": 0, "other_records": 0}
    members = Member.unscoped.filter(household_id__in=ids)
    member_count = members.update(
        name=ERASED,
        id_cipher=b"",
        # the keyed hash goes too (no more matching); the region part of the masked number
        # stays for statistics by place of registration
        id_hash=Concat(Value("erased:"), Cast("id", CharField())),
        id_masked=Concat(Substr("id_masked", 1, 6), Value("*" * 12)),
        birth_date=TruncYear("birth_date"),
        phone="",
    )
    supporter_count = Supporter.unscoped.filter(member__household_id__in=ids).update(
        name=ERASED, birth_date=TruncYear("birth_date")
    )
    Household.unscoped.filter(id__in=ids).update(address=ERASED, anonymised_on=today)
    others = sum(erase(household_ids=ids) for erase in also)
    audit_record_many(
        actor=actor,
        changes=[
            {
                "action": "retention.anonymise",
                "object_type": "household",
                "object_id": household_id,
                "region_code": region,
                "new": {"anonymised_on": today.isoformat()},
            }
            for household_id, region in chosen
        ],
    )
    return {
        "households": len(ids),
        "members": member_count,
        "supporters": supporter_count,
        "other_records": others,
    }
