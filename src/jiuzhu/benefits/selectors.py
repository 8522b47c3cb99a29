"""Reads of the benefits context, always through the scoped managers (another area's
entitlement or batch does not exist for the caller)."""

from __future__ import annotations

import datetime as dt

from django.db.models import QuerySet

from jiuzhu.benefits.models import Entitlement, EntitlementChange, PaymentBatch


def entitlements_list(
    *, household_id: int | None = None, status: str | None = None
) -> QuerySet[Entitlement]:
    rows = Entitlement.objects.select_related("household").order_by("id")
    if household_id is not None:
        rows = rows.filter(household_id=household_id)
    if status:
        rows = rows.filter(status=status)
    return rows


def entitlement_get(entitlement_id: int) -> Entitlement | None:
    return Entitlement.objects.select_related("household").filter(id=entitlement_id).first()


def entitlement_changes(entitlement: Entitlement) -> QuerySet[EntitlementChange]:
    return EntitlementChange.objects.filter(entitlement=entitlement).order_by("id")


def batches_list(*, county: str = "", month: dt.date | None = None) -> QuerySet[PaymentBatch]:
    rows = PaymentBatch.objects.select_related("approved_by").order_by("-month", "-id")
    if county:
        rows = rows.filter(region_code=county)
    if month is not None:
        rows = rows.filter(month=month)
    return rows


def batch_get(batch_id: int) -> PaymentBatch | None:
    return PaymentBatch.objects.select_related("approved_by").filter(id=batch_id).first()
