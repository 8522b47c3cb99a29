"""Price-linked temporary subsidies (价格临时补贴, P-05): the price-index table and the
subsidy of a county-month.

When the month's year-on-year CPI rise, or its food component's, reaches the threshold (the
parameters of 社会救助和保障标准与物价上涨挂钩联动机制), every household of the covered groups
(parameter `price_subsidy_groups`: dibao, 特困, 低保边缘) gets the subsidy for its persons as a
one-off entitlement of that month, so the month's payment batch pays it like any other
(`payments_run` grants before it prepares). Exactly once per household and month: the grants
of a county-month are made under a lock of the month's price index, and the unique
constraint on (household, month) refuses a second one whatever happens.

Set-based: the covered entitlements, the members counted and the households already granted
are read in three queries; the entitlements, their history, the grants and the audit rows
are inserted in bulk.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any

from django.db import transaction
from django.db.models import Count, Q
from django.utils import timezone

from jiuzhu.accounts.roles import Can
from jiuzhu.audit.services import audit_record
from jiuzhu.benefits import dynamic_errors as errors
from jiuzhu.benefits.entitlements import _insert
from jiuzhu.benefits.models import (
    Category,
    ChangeReason,
    Entitlement,
    PriceIndex,
    PriceSubsidy,
    Status,
)
from jiuzhu.db import bulk_insert
from jiuzhu.regions.models import Region
from jiuzhu.registry import errors as registry_errors
from jiuzhu.registry.errors import ServiceError
from jiuzhu.registry.models import Member
from jiuzhu.rules import categories
from jiuzhu.rules.dynamic_management import (
    PriceTrigger,
    price_subsidy_groups,
    price_subsidy_per_person,
    price_trigger,
)
from jiuzhu.rules.params import default_parameters
from jiuzhu.rules.procedure import add_months

INDEX_RANGE = (Decimal("50.00"), Decimal("200.00"))  # a year-on-year index, not a typo's


def _require(actor: Any) -> None:
    if actor is not None and not actor.can(Can.PREPARE_PAYMENTS):
        raise ServiceError(registry_errors.NOT_ALLOWED)


def parse_index(raw: Any, field: str, *, required: bool = True) -> Decimal | None:
    """A year-on-year index such as 103.6 (previous year = 100), two decimals at most."""
    if raw in (None, ""):
        if required:
            raise ServiceError(errors.INDEX_INVALID, field=field)
        return None
    try:
        value = Decimal(str(raw).strip())
    except InvalidOperation:
        raise ServiceError(errors.INDEX_INVALID, field=field) from None
    if not value.is_finite() or value != value.quantize(Decimal("0.01")):
        raise ServiceError(errors.INDEX_INVALID, field=field)
    if not INDEX_RANGE[0] <= value <= INDEX_RANGE[1]:
        raise ServiceError(errors.INDEX_INVALID, field=field)
    return value


def _checked(
    region: str, cpi: Any, food: Any, field: str = ""
) -> tuple[str, Decimal, Decimal | None]:
    code = (region or "").strip()
    if not Region.objects.filter(code=code).exists():
        raise ServiceError(registry_errors.REGION_UNKNOWN, field=field + "region")
    cpi_value = parse_index(cpi, field + "cpi")
    assert cpi_value is not None
    return code, cpi_value, parse_index(food, field + "food", required=False)


def _store(
    actor: Any, code: str, month: dt.date, cpi: Decimal, food: Decimal | None, source: str
) -> PriceIndex:
    """Insert or correct one index, inside the caller's transaction, with its audit row."""
    index = PriceIndex.unscoped.select_for_update().filter(region_code=code, month=month).first()
    old = None
    if index is not None:
        if PriceSubsidy.unscoped.filter(index=index).exists():
            raise ServiceError(errors.INDEX_USED, field="month")
        old = {"cpi": str(index.cpi), "food": str(index.food) if index.food else None}
    else:
        index = PriceIndex(region_code=code, month=month)
    index.cpi, index.food, index.source = cpi, food, source.strip()[:200]
    index.recorded_by_name = actor.get_username() if actor is not None else "system"
    index.recorded_at = timezone.now()
    index.save()
    audit_record(
        actor=actor,
        action="price_index.set",
        object_type="price_index",
        object_id=index.pk,
        region_code=code,
        old=old,
        new={"month": f"{month:%Y-%m}", "cpi": str(cpi), "food": str(food or "")},
    )
    return index


def price_index_set(
    *, actor: Any, region: str, month: dt.date, cpi: Any, food: Any = None, source: str = ""
) -> PriceIndex:
    """Record (or correct, while nothing was granted on it) a region's indices of a month."""
    _require(actor)
    code, cpi_value, food_value = _checked(region, cpi, food)
    with transaction.atomic(durable=True):
        return _store(actor, code, month, cpi_value, food_value, source)


IMPORT_HEADER = ["region", "month", "cpi", "food", "source"]


def price_indices_import(*, actor: Any, text: str) -> list[PriceIndex]:
    """Indices from CSV (`region,month,cpi,food,source`, UTF-8): every line checked first,
    then all stored in one transaction — a bad line stores none (its number in the error)."""
    from jiuzhu.benefits.payments import parse_month

    _require(actor)
    rows = list(csv.reader(io.StringIO(text.lstrip("\ufeff"))))
    if not rows or [c.strip() for c in rows[0]] != IMPORT_HEADER:
        raise ServiceError(
            errors.IMPORT_HEADER.format(header=",".join(IMPORT_HEADER)), field="file"
        )
    checked = []
    for number, row in enumerate(rows[1:], start=2):
        if not any(c.strip() for c in row):
            continue
        where = f"line {number}: "
        if len(row) != len(IMPORT_HEADER):
            raise ServiceError(errors.IMPORT_HEADER.format(header=",".join(IMPORT_HEADER)),
                               field=where.rstrip(": "))  # fmt: skip
        code, cpi, food = _checked(row[0], row[2], row[3], where)
        try:
            month = parse_month(row[1])
        except ServiceError:
            raise ServiceError(errors.MONTHS_INVALID, field=where + "month") from None
        checked.append((code, month, cpi, food, row[4]))
    with transaction.atomic(durable=True):
        return [_store(actor, *item) for item in checked]


def index_for(county: str, month: dt.date) -> PriceIndex | None:
    """The most specific index published for the county's month: county, city, province."""
    chain = default_parameters().regions.chain(county)
    found = {
        i.region_code: i for i in PriceIndex.unscoped.filter(region_code__in=chain, month=month)
    }
    return next((found[c] for c in chain if c in found), None)


@dataclass
class GrantResult:
    index: PriceIndex | None
    trigger: PriceTrigger | None
    granted: int = 0
    total: Decimal = Decimal("0.00")


def _covered(county: str, month: dt.date, groups: tuple[str, ...]) -> dict[int, dict[str, Any]]:
    """The covered households of the county-month: group, residence, region, and the persons
    of their entitlements (None: the whole household's members). A group is an entitlement
    category: dibao and 特困 paid, 低保边缘 recognised (until a review ends it);
    suspended ones are left out. A household paid and recognised counts as paid."""
    out: dict[int, dict[str, Any]] = {}
    wanted = [g for g in groups if g in categories.MONTHLY or g in categories.RECOGNITIONS]
    running = (
        Entitlement.unscoped.filter(
            Q(end_month__isnull=True) | Q(end_month__gte=month),
            region_code__startswith=county,
            category__in=wanted,
            one_off=False,
            start_month__lte=month,
        )
        .exclude(status=Status.SUSPENDED)
        .order_by("id")
        .values_list("household_id", "member_id", "category", "household__residence", "region_code")
    )
    rows = list(running)
    paid = [r for r in rows if r[2] not in categories.RECOGNITIONS]
    for household, member, category, residence, region in paid:
        row = out.setdefault(
            household,
            {"group": category, "residence": residence, "region": region, "members": set()},
        )
        row["members"] = (
            None if member is None or row["members"] is None else row["members"] | {member}
        )
    for household, _member, category, residence, region in rows:
        if category in categories.RECOGNITIONS and household not in out:
            out[household] = {"group": category, "residence": residence, "region": region,
                              "members": None}  # fmt: skip
    return out


def _persons(covered: dict[int, dict[str, Any]], month: dt.date) -> dict[int, int]:
    whole = [h for h, row in covered.items() if row["members"] is None]
    last_day = add_months(month, 1) - dt.timedelta(days=1)
    counts = dict(
        Member.unscoped.filter(household_id__in=whole, joined_on__lte=last_day)
        .filter(Q(left_on__isnull=True) | Q(left_on__gte=month))
        .values("household_id")
        .annotate(n=Count("id"))
        .values_list("household_id", "n")
    )
    return {
        h: (counts.get(h, 0) if row["members"] is None else len(row["members"]))
        for h, row in covered.items()
    }


def price_subsidies_grant(*, actor: Any, county: str, month: dt.date) -> GrantResult:
    """Grant the county-month's price subsidies when the trigger fired (P-05); again, it
    grants only the households still missing (none, when all were granted)."""
    _require(actor)
    index = index_for(county, month)
    if index is None:
        return GrantResult(None, None)
    trigger = price_trigger(county, month, index.cpi, index.food)
    result = GrantResult(index, trigger)
    if not trigger.fired:
        return result
    with transaction.atomic():
        PriceIndex.unscoped.select_for_update().filter(pk=index.pk).first()  # one grant at once
        covered = _covered(county, month, price_subsidy_groups(county, month))
        done = set(
            PriceSubsidy.unscoped.filter(month=month, household_id__in=list(covered)).values_list(
                "household_id", flat=True
            )
        )
        covered = {h: row for h, row in covered.items() if h not in done}
        persons = _persons(covered, month)
        per_person: dict[str, Decimal] = {}
        rows: list[tuple[int, dict[str, Any], int, Decimal]] = []
        for household, row in sorted(covered.items()):
            residence = row["residence"]
            if residence not in per_person:
                per_person[residence] = price_subsidy_per_person(
                    county, month, residence, index.cpi
                )
            amount = per_person[residence] * persons[household]
            if amount > 0:
                rows.append((household, row, persons[household], amount))
        entitlements = [
            Entitlement(
                household_id=household,
                region_code=row["region"],
                category=Category.PRICE_SUBSIDY,
                monthly_amount=amount,
                one_off=True,
                start_month=month,
                end_month=month,
                status=Status.ACTIVE,
                status_reason=ChangeReason.STANDARD_ADJUSTMENT,
                decided_on=timezone.localdate(),
            )
            for household, row, _, amount in rows
        ]
        if not entitlements:
            return result
        _insert(entitlements, actor, ChangeReason.STANDARD_ADJUSTMENT)
        now = timezone.now()
        bulk_insert(
            [
                PriceSubsidy(
                    household_id=household,
                    region_code=row["region"],
                    month=month,
                    entitlement_id=entitlement.pk,
                    index=index,
                    group=row["group"],
                    persons=n,
                    per_person=per_person[row["residence"]],
                    amount=amount,
                    created_at=now,
                )
                for (household, row, n, amount), entitlement in zip(rows, entitlements, strict=True)
            ]
        )
        result.granted = len(rows)
        result.total = sum((amount for *_, amount in rows), Decimal("0.00"))
        audit_record(
            actor=actor,
            action="price_subsidy.grant",
            object_type="price_index",
            object_id=index.pk,
            region_code=county,
            new={
                "month": f"{month:%Y-%m}",
                "households": result.granted,
                "total": f"{result.total:.2f}",
                "trigger": list(trigger.on),
            },
        )
    return result
