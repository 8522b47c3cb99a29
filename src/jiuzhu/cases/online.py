"""Online applications and change reports (A-01 “网上办、掌上办”, D-02) by the applicant
for their own household: submitted with an electronic authorization (一证一书 signed by
typing one's name), then accepted by a township caseworker, who takes first-inquiry
responsibility, before the ordinary procedure starts."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone

from jiuzhu.accounts.roles import Can
from jiuzhu.cases import errors
from jiuzhu.cases.deadlines import deadlines_on_enter, refresh_due_on
from jiuzhu.cases.effects import TEMPORARY, parse_amount
from jiuzhu.cases.flows import S
from jiuzhu.cases.models import Case, Channel
from jiuzhu.cases.services import _log, _township_of, case_number_next, checklist_normalise
from jiuzhu.registry import errors as registry_errors
from jiuzhu.registry.errors import ServiceError
from jiuzhu.registry.models import Household, Member
from jiuzhu.rules import categories

ONLINE_KINDS = (*categories.CODES, "review")  # every category, and a change report


def applicant_household(actor: Any) -> Household | None:
    """The applicant's own household, and nothing else."""
    if not actor.can(Can.APPLY_ONLINE) or not actor.household_number:
        return None
    return Household.objects.filter(number=actor.household_number, closed_on__isnull=True).first()


def applicant_cases(actor: Any) -> QuerySet[Case]:
    household = applicant_household(actor)
    if household is None:
        return Case.objects.none()
    return Case.objects.filter(household=household).order_by("-applied_on", "-id")


@transaction.atomic
def case_submit_online(
    *,
    actor: Any,
    kind: str,
    reason: str,
    signed_name: str,
    authorize: bool,
    requested_amount: Any = None,
    today: dt.date | None = None,
) -> Case:
    """An application (or, kind `review`, a report of a change) from the applicant's phone.
    The electronic authorization is the applicant typing their own name, as registered."""
    today = today or timezone.localdate()
    household = applicant_household(actor)
    if household is None:
        raise ServiceError(registry_errors.NOT_ALLOWED)
    if kind not in ONLINE_KINDS:
        raise ServiceError(errors.KIND_UNKNOWN, field="kind")
    reason = reason.strip()[:2000]
    if not reason:
        raise ServiceError(errors.TEXT_REQUIRED, field="reason")
    signer = (
        Member.objects.filter(household=household, left_on__isnull=True, name=signed_name.strip())
        .order_by("id")
        .first()
    )
    if signer is None:
        raise ServiceError(errors.SIGNATURE_MISMATCH, field="signed_name")
    if kind != "review" and not authorize:
        raise ServiceError(errors.AUTHORIZATION_REQUIRED, field="authorize")
    amount = parse_amount(requested_amount, "requested_amount", required=kind in TEMPORARY)
    statuses = {"verification_authorization": "received"} if authorize else {}
    township = _township_of(household, actor)
    case = Case(
        number=case_number_next(township_code=township, year=today.year),
        kind=kind,
        state=S.SUBMITTED,
        household=household,
        applicant=signer,
        region_code=household.region_code,
        township_code=township,
        channel=Channel.ONLINE,
        applied_on=today,
        reason=reason,
        requested_amount=amount,
        checklist=checklist_normalise(
            kind=kind, household=household, statuses=statuses, today=today
        ),
        authorization_on=today if authorize else None,
        accepted_by=None,
        synthetic=household.synthetic,
    )
    deadlines_on_enter(case, "", today)
    refresh_due_on(case)
    case.save()
    authorization = {"electronic": True, "signed_name": signer.name} if authorize else None
    _log(
        case,
        actor,
        "submit",
        "",
        {"kind": kind, "channel": "online", "authorization": authorization},
    )
    return case
