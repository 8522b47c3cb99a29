"""Who receives which assistance, as of a day: one answer, read from the entitlements
(issue 16). Every consumer — verify-all (V-01), the monitoring register (M-01), price
subsidies (P-05), statistics — asks this selector, never the cases.

A household is a recipient of a category on a day when one of its entitlements of that
category runs in the day's month: started (`start_month` ≤ the month) and not ended
(`end_month` null or ≥ the month). So a household terminated by a review, a standard
adjustment or a correction stops being a recipient after the last month it was paid; a
household in gradual exit (B-03) is one until its exit period ends; a suspended one still
is (its status says so). The paid categories (低保, 特困) run from their first payment month;
the recognitions (nothing paid) from the month of their decision — 低保边缘 until a review
or a correction ends it, 刚性支出困难 for its term (review_months_rigid). One-off payments
(临时救助, 价格临时补贴) make no recipient.

Read through the scoped manager (the caller's area is the SQL's own filter), set-based:
one query, no model instance per row.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import polars as pl
from django.db.models import Q

from jiuzhu.benefits.models import Entitlement
from jiuzhu.db import query_frame
from jiuzhu.rules import categories

SCHEMA: dict[str, Any] = {
    "entitlement_id": pl.Int64,
    "household_id": pl.Int64,
    "member_id": pl.Int64,
    "household": pl.String,
    "region": pl.String,
    "residence": pl.String,
    "category": pl.String,
    "status": pl.String,
    "case": pl.String,
    "decided_on": pl.Date,
    "start_month": pl.Date,
    "end_month": pl.Date,
}
COLUMNS = ("household_id", "household", "region", "residence", "category", "categories",
           "status", "case", "decided_on")  # fmt: skip


def entitlements_running(
    as_of: dt.date, prefix: str = "", codes: tuple[str, ...] | None = None
) -> pl.DataFrame:
    """Every entitlement of a recipient category running on the day (one row each), with
    its household's number, region and residence (SCHEMA)."""
    month = as_of.replace(day=1)
    wanted = [c for c in (codes or categories.RECIPIENT) if c in categories.RECIPIENT]
    rows = (
        Entitlement.objects.filter(
            Q(end_month__isnull=True) | Q(end_month__gte=month),
            Q(household__closed_on__isnull=True) | Q(household__closed_on__gt=as_of),
            region_code__startswith=prefix,
            category__in=wanted,
            one_off=False,
            start_month__lte=month,
        )
        .order_by("id")
        .values_list(
            "id",
            "household_id",
            "member_id",
            "household__number",
            "household__region_code",
            "household__residence",
            "category",
            "status",
            "case__number",
            "decided_on",
            "start_month",
            "end_month",
        )
    )
    return query_frame(rows, SCHEMA)


def recipients(
    as_of: dt.date, prefix: str = "", codes: tuple[str, ...] | None = None
) -> pl.DataFrame:
    """One row per recipient household of the area on the day: its highest category (the
    catalogue's rank: 特困, 低保, 低保边缘, 刚性支出困难), every category it is in, and the
    status, case and decision day of the entitlement of its highest category (COLUMNS)."""
    running = entitlements_running(as_of, prefix, codes)
    rank = {code: i for i, code in enumerate(categories.RANKED)}
    return (
        running.with_columns(
            pl.col("category").replace_strict(rank, default=len(rank)).alias("rank")
        )
        .sort("household_id", "rank", "decided_on", "entitlement_id")
        .group_by("household_id", maintain_order=True)
        .agg(
            pl.col("household", "region", "residence", "category", "status", "case").first(),
            pl.col("decided_on").first(),
            pl.col("category").unique(maintain_order=True).alias("categories"),
        )
        .select(COLUMNS)
    )
