"""The recipients' caseload and their department records, read set-based (V-01 re-verification).

Every read goes through the scoped managers (regions/scope.py), so the caller's area is the
SQL's own filter; the SQL Django compiles is then run with COPY on PostgreSQL (text, typed
in Polars) and as a `values_list` elsewhere. No model instance is built per row.

**Recipients** are read from the entitlements (benefits.recipients, issue 16): a household
is re-verified in the highest category it receives on the day.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import polars as pl
from django.db.models import Q, QuerySet

from jiuzhu.cases.flows import TERMINAL
from jiuzhu.cases.models import Case
from jiuzhu.db import query_frame
from jiuzhu.registry.models import HouseholdFact, IncomeFact, Member, Supporter
from jiuzhu.rules import categories
from jiuzhu.verification.matching import HUKOU_EVENTS
from jiuzhu.verification.models import DepartmentRecord

CATEGORY_KINDS = categories.RECIPIENT
# the layer of the rules engine (C-08) each category kind grants
CATEGORY_LAYER = {
    c: categories.to_engine(c) for c in CATEGORY_KINDS if categories.BY_CODE[c].engine
}
RECORD_SCHEMA: dict[str, Any] = {
    "source": pl.String,
    "batch_id": pl.Int64,
    "id_hash": pl.String,
    "kind": pl.String,
    "amount": pl.Decimal(16, 2),
    "quantity": pl.Decimal(14, 2),
    "occurred_on": pl.Date,
    "data": pl.String,
}


def _in_force(qs: QuerySet[Any], as_of: dt.date) -> QuerySet[Any]:
    return qs.filter(valid_from__lte=as_of).filter(
        Q(valid_to__isnull=True) | Q(valid_to__gte=as_of)
    )


def recipients(as_of: dt.date, prefix: str) -> pl.DataFrame:
    """household_id, household, region, residence, category, case (number), decided_on — one
    row per recipient household of the scope and region prefix on the day, read from the
    entitlements (benefits.recipients: the one answer to "who receives what")."""
    from jiuzhu.benefits.recipients import recipients as running_recipients

    return running_recipients(as_of, prefix).select(
        "household_id", "household", "region", "residence", "category", "case", "decided_on"
    )


def open_reviews(prefix: str) -> set[int]:
    """Households of the scope with a review case still open."""
    rows = (
        Case.objects.filter(region_code__startswith=prefix, kind="review")
        .exclude(state__in=list(TERMINAL))
        .values_list("household_id", flat=True)
    )
    return set(rows)


def registry_frames(as_of: dt.date, prefix: str) -> dict[str, pl.DataFrame]:
    """The members in the household on the day, their incomes, their supporters and the
    household facts in force, of every household of the scope and prefix."""
    members = Member.objects.filter(region_code__startswith=prefix, joined_on__lte=as_of).filter(
        Q(left_on__isnull=True) | Q(left_on__gte=as_of)
    )
    return {
        "members": query_frame(
            members.values_list(
                "id",
                "household_id",
                "id_hash",
                "birth_date",
                "sex",
                "disability_kind",
                "disability_grade",
                "serious_illness",
                "self_care",
                "schooling",
                "employment",
                "unemployed_since",
                "left_school_on",
                "landless",
            ),
            {
                "member_id": pl.Int64,
                "household_id": pl.Int64,
                "id_hash": pl.String,
                "birth_date": pl.Date,
                "sex": pl.String,
                "dis_kind": pl.String,
                "dis_grade": pl.Int64,
                "serious_illness": pl.Boolean,
                "self_care": pl.String,
                "schooling": pl.String,
                "employment": pl.String,
                "unemployed_since": pl.Date,
                "left_school_on": pl.Date,
                "landless": pl.Boolean,
            },
        ),
        "incomes": query_frame(
            _in_force(IncomeFact.objects.filter(region_code__startswith=prefix), as_of).values_list(
                "member_id", "kind", "amount"
            ),
            {"member_id": pl.Int64, "kind": pl.String, "amount": pl.String},
        ),
        "facts": query_frame(
            _in_force(
                HouseholdFact.objects.filter(region_code__startswith=prefix), as_of
            ).values_list("household_id", "kind", "amount"),
            {"household_id": pl.Int64, "kind": pl.String, "amount": pl.String},
        ),
        "supporters": query_frame(
            Supporter.objects.filter(region_code__startswith=prefix)
            .order_by("id")
            .values_list(
                "member_id",
                "able",
                "birth_date",
                "monthly_income",
                "assets_within_low_income_rules",
            ),
            {
                "member_id": pl.Int64,
                "able": pl.String,
                "birth_date": pl.Date,
                "monthly_income": pl.String,
                "assets_ok": pl.Boolean,
            },
        ),
    }


def records_of_members(batch_ids: list[int], as_of: dt.date, prefix: str) -> pl.DataFrame:
    """The records of these batches about anyone who is a member of a household of the
    scope and prefix: the join on the keyed hash is made by the database, so only the
    records that concern the caseload leave it."""
    people = Member.objects.filter(region_code__startswith=prefix, joined_on__lte=as_of).values(
        "id_hash"
    )
    qs = (
        DepartmentRecord.objects.filter(batch_id__in=batch_ids, id_hash__in=people)
        .exclude(Q(source="hukou") & ~Q(kind__in=HUKOU_EVENTS))  # matching.proving()
        .values_list(
            "source", "batch_id", "id_hash", "kind", "amount", "quantity", "occurred_on", "data"
        )
    )
    schema = {**RECORD_SCHEMA, "amount": pl.String, "quantity": pl.String}
    return query_frame(qs, schema).with_columns(
        pl.col("amount").cast(pl.Decimal(16, 2)), pl.col("quantity").cast(pl.Decimal(14, 2))
    )
