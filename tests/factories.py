"""Builders for platform tests: users with a role, an area and a TOTP device; households.

Synthetic ID numbers have valid check digits (GB 11643) and are made up."""

from __future__ import annotations

import datetime as dt
import itertools
from decimal import Decimal
from typing import Any

from django.test import Client
from django_otp import DEVICE_ID_SESSION_KEY
from django_otp.plugins.otp_totp.models import TOTPDevice
from stdnum.cn import ric

from jiuzhu.accounts.models import User
from jiuzhu.regions.models import Region
from jiuzhu.regions.scope import Scope, using_scope
from jiuzhu.regions.services import regions_generate_subdivisions, regions_load_gbt2260
from jiuzhu.registry import services
from jiuzhu.registry.models import Household, Member

PASSWORD = "correct horse battery staple 9"
_serial = itertools.count(1)


def id_number(birth: dt.date, region: str = "440104", sex: str = "female") -> str:
    """A made-up ID number with a valid check digit; the sequence digit gives the sex."""
    n = next(_serial) % 50
    seq = f"{n * 2 + (1 if sex == 'male' else 0):03d}"
    body = f"{region[:6]}{birth:%Y%m%d}{seq}"
    return body + ric.calc_check_digit(body + "0")  # the function expects a check position


def subdivisions(county: str) -> list[Region]:
    # a transactional test before this one may have flushed the regions the migration loaded
    regions_load_gbt2260()
    return regions_generate_subdivisions(county, townships=2, villages=2)


def make_user(role: str, area: str, username: str | None = None, **extra: Any) -> User:
    user = User.objects.create_user(
        username=username or f"{role}-{area}-{next(_serial)}",
        password=PASSWORD,
        role=role,
        area=Region.objects.get(code=area),
        **extra,
    )
    TOTPDevice.objects.create(user=user, name="default", confirmed=True)
    return user


def signed_in(user: User, *, verified: bool = True) -> Client:
    """A test client signed in as `user`, past the second factor unless said otherwise."""
    client = Client()
    client.force_login(user)
    if verified:
        device = TOTPDevice.objects.get(user=user)
        session = client.session
        session[DEVICE_ID_SESSION_KEY] = device.persistent_id
        session.save()
    return client


def make_household(actor: User, region: str, *, members: int = 2, **fields: Any) -> Household:
    """A household with members (head female born 1980, then children)."""
    with using_scope(Scope(actor.area.scope_prefix if actor.area else "")):
        household = services.household_create(
            actor=actor,
            region_code=region,
            residence=fields.pop("residence", "urban"),
            address=fields.pop("address", "合成路1号"),
            **fields,
        )
        for i in range(members):
            birth = dt.date(1980, 3, 1) if i == 0 else dt.date(2010 + i, 5, 1)
            services.member_add(
                actor=actor,
                household=household,
                name=f"合成成员{i + 1}",
                id_number=id_number(birth, region),
                relation="户主" if i == 0 else "子女",
                joined_on=dt.date(2020, 1, 1),
            )
        services.household_fact_set(
            actor=actor,
            household=household,
            kind="financial",
            amount=Decimal("3000.00"),
            valid_from=dt.date(2020, 1, 1),
        )
    return household


def members(household: Household) -> list[Member]:
    return list(Member.unscoped.filter(household=household, left_on__isnull=True).order_by("id"))


def department_batches(*days: dt.date, region: str = "") -> None:
    """A complete, empty batch of every department source for each day: the departments
    delivered and hold no record of anyone (so a verification can finish, finding nothing)."""
    from django.utils import timezone

    from jiuzhu.verification.models import BatchStatus, Channel, SourceBatch
    from jiuzhu.verification.sources import SOURCES

    SourceBatch.unscoped.bulk_create(
        [
            SourceBatch(
                source=code,
                region_code=region,
                batch_key=f"test-{code}-{day.isoformat()}",
                content_sha256="0" * 64,
                as_of=day,
                channel=Channel.API,
                status=BatchStatus.COMPLETE,
                started_at=timezone.now(),
                finished_at=timezone.now(),
                imported_by_name="test",
            )
            for day in days
            for code in SOURCES
        ],
        ignore_conflicts=True,
    )


def decided_case(
    household: Any,
    kind: str,
    *,
    on: dt.date,
    number: str,
    applied_on: dt.date | None = None,
    **fields: Any,
) -> Any:
    """A decided case of the household as the procedure leaves it when closed (approved
    unless `outcome` says otherwise; a paid approval with its amount, 500.00), with the
    entitlement its approval makes, in one transaction."""
    from django.db import transaction

    from jiuzhu.benefits.entitlements import entitlements_from_decisions
    from jiuzhu.cases.models import PAID_KINDS, Case

    fields.setdefault("outcome", "approved")
    if fields["outcome"] == "approved" and kind in PAID_KINDS:
        fields.setdefault("decided_amount", Decimal("500.00"))
    with transaction.atomic():
        case = Case.unscoped.create(
            number=number,
            kind=kind,
            state="closed",
            household=household,
            region_code=household.region_code,
            township_code=household.region_code[:9],
            channel="window",
            applied_on=applied_on or on - dt.timedelta(days=30),
            decided_on=on,
            **fields,
        )
        if case.outcome == "approved":
            entitlements_from_decisions(actor=None, cases=[case], today=on)
    return case
