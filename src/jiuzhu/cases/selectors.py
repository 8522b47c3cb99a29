"""Reads of the cases context, always through the area-scoped managers (SECURITY.md 1):
a case outside the caller's area does not exist for them."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db.models import Q, QuerySet

from jiuzhu.accounts.roles import Can
from jiuzhu.cases.flows import TERMINAL, S
from jiuzhu.cases.models import Case, CaseEvent, ReserveFund, ReserveMovement

DEPARTMENT_OF_ROLE = "department"


def case_get(case_id: int) -> Case | None:
    return Case.objects.select_related("household", "applicant").filter(id=case_id).first()


def cases_open() -> QuerySet[Case]:
    return Case.objects.exclude(state__in=TERMINAL)


def worklist(
    *,
    actor: Any,
    mine: bool = False,
    due: str = "",
    kind: str = "",
    today: dt.date,
    region_prefix: str = "",
) -> QuerySet[Case]:
    """Open cases of the area by due date; `mine`: those the actor accepted or investigated;
    `due`: `overdue` or `soon` (within five calendar days)."""
    qs = cases_open()
    if region_prefix:
        qs = qs.filter(region_code__startswith=region_prefix)
    if mine:
        qs = qs.filter(Q(accepted_by=actor) | Q(investigated_by=actor))
    if kind:
        qs = qs.filter(kind=kind)
    if due == "overdue":
        qs = qs.filter(due_on__lt=today)
    elif due == "soon":
        qs = qs.filter(due_on__gte=today, due_on__lte=today + dt.timedelta(days=5))
    return qs.order_by("due_on", "id")


def approval_queue(*, actor: Any) -> QuerySet[Case]:
    """Cases waiting for this actor's level to decide (A-03, A-06)."""
    from jiuzhu.cases.facts import actor_level

    level = actor_level(actor)
    if not actor.can(Can.DECIDE) or not level:
        return Case.objects.none()
    authorities = ["county", "committee"] if level == "county" else [level]
    return (
        Case.objects.filter(state=S.READY, authority__in=authorities)
        .select_related("household")
        .order_by("due_on", "id")
    )


def committee_queue(*, actor: Any) -> QuerySet[Case]:
    """Temporary aid above the county ceiling, waiting for the county coordination
    mechanism's case-by-case decision (一事一议, A-06), with the votes so far."""
    from jiuzhu.cases.facts import actor_level

    if not actor.can(Can.DECIDE) or actor_level(actor) not in ("county", "city"):
        return Case.objects.none()
    return (
        Case.objects.filter(state=S.READY, authority="committee")
        .select_related("household")
        .prefetch_related("votes")
        .order_by("due_on", "id")
    )


def referral_queue(*, actor: Any) -> QuerySet[Case]:
    """Referrals waiting for the actor's department (A-01 分办转办)."""
    if not actor.can(Can.HANDLE_REFERRALS):
        return Case.objects.none()
    qs = Case.objects.filter(kind="referral", state=S.REFERRED)
    department = getattr(actor, "department", "")
    if department:
        qs = qs.filter(referral_aid=department)
    return qs.order_by("due_on", "id")


def notice_list(*, township_prefix: str, today: dt.date) -> QuerySet[Case]:
    """Cases posted for public notice now (公示): the page masks ID numbers and omits minors."""
    return (
        Case.objects.filter(state=S.IN_NOTICE, region_code__startswith=township_prefix)
        .filter(notice_from__lte=today)
        .select_related("household")
        .order_by("region_code", "number")
    )


def case_timeline(case: Case) -> QuerySet[CaseEvent]:
    return CaseEvent.objects.filter(case=case).select_related("actor").order_by("id")


def reserve_of(township_code: str) -> ReserveFund | None:
    return ReserveFund.objects.filter(region_code=township_code).first()


def reserve_movements(fund: ReserveFund) -> QuerySet[ReserveMovement]:
    return ReserveMovement.objects.filter(fund=fund).select_related("case").order_by("-id")


def case_number_peek(*, township_code: str, year: int) -> int:
    """How many numbers a township has used in a year (for reports)."""
    from jiuzhu.cases.models import CaseCounter

    counter = CaseCounter.objects.filter(township_code=township_code, year=year).first()
    return counter.last if counter else 0
