"""Writes of the cases context. So far: the next case number."""

from __future__ import annotations

from django.db import connection, transaction

from jiuzhu.cases.models import CaseCounter


def case_number_next(*, township_code: str, year: int) -> str:
    """The next number of a township's year, e.g. 440104001-2026-000042: unique and without
    gaps. Must run inside the transaction that creates the case (the counter row stays
    locked until it commits; a rollback returns the number)."""
    if not connection.in_atomic_block:
        raise RuntimeError("a case number is taken inside the transaction creating the case")
    # the row exists before it is locked: two first intakes of a year must not both insert
    CaseCounter.objects.bulk_create(
        [CaseCounter(township_code=township_code, year=year)], ignore_conflicts=True
    )
    counter = CaseCounter.objects.select_for_update().get(township_code=township_code, year=year)
    counter.last += 1
    counter.save(update_fields=["last"])
    return f"{township_code}-{year}-{counter.last:06d}"


@transaction.atomic
def case_number_peek(*, township_code: str, year: int) -> int:
    """How many numbers a township has used in a year (for reports)."""
    counter = CaseCounter.objects.filter(township_code=township_code, year=year).first()
    return counter.last if counter else 0
