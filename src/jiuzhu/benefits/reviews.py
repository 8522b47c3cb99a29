"""The review calendar (D-01): which households are due for their periodic review, and the
review cases opened for them.

A household's next review is its anchor — the later of the decision of its running monthly
entitlement and its last decided review — plus its period: the `review_every_months` the
rules engine froze in the deciding case's evaluation (特困 and stable dibao households
yearly, dibao households with irregular income and members able to work six-monthly), or
the stable period where the evaluation has none. Months are added calendar-wise (31 January
+ 1 month → the last day of February; 29 February + 12 → 28 February).

`reviews_schedule` is set-based: the running entitlements, the last reviews and the open
reviews of the area are read in three queries; the due households are opened in chunks,
each one transaction that locks its households and checks again that none has an open
review (idempotent: a second run, or two at once, never opens a second one).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from django.db import transaction
from django.db.models import Max, Q

from jiuzhu.accounts.roles import Can
from jiuzhu.audit.services import audit_record
from jiuzhu.benefits.entitlements import MONTHLY, month_of
from jiuzhu.benefits.models import Entitlement, Status
from jiuzhu.cases.flows import TERMINAL
from jiuzhu.cases.models import Case, Channel
from jiuzhu.cases.services import Intake, case_create_many
from jiuzhu.registry import errors as registry_errors
from jiuzhu.registry.errors import ServiceError
from jiuzhu.registry.models import Household
from jiuzhu.rules.dynamic_management import add_months_to_day, review_months

CHUNK = 500  # households per transaction
REVIEWED = (Status.ACTIVE, Status.SUSPENDED)  # a gradual exit ends on its own (B-03)


@dataclass(frozen=True)
class Due:
    household_id: int
    region_code: str
    anchor: dt.date
    months: int
    due_on: dt.date
    parent_id: int | None  # the case that decided the entitlement


@dataclass
class ScheduleResult:
    due: list[Due] = field(default_factory=list)
    opened: list[int] = field(default_factory=list)  # case ids
    already_open: int = 0
    refused: dict[int, str] = field(default_factory=dict)  # household id → why


def _period(row: Mapping[str, Any], as_of: dt.date) -> int:
    months = row["case__evaluation__review_every_months"]
    if isinstance(months, int) and months > 0:
        return months
    return review_months(row["region_code"], as_of)


def reviews_due(*, as_of: dt.date, region: str = "", lead_days: int = 0) -> list[Due]:
    """The households of the caller's area (and `region`) whose next review falls on or
    before `as_of` + `lead_days`, by due date; those with an open review are included (the
    schedule skips them)."""
    horizon = as_of + dt.timedelta(days=lead_days)
    running = (
        Entitlement.objects.filter(
            Q(end_month__isnull=True) | Q(end_month__gte=month_of(as_of)),
            region_code__startswith=region,
            category__in=list(MONTHLY),
            status__in=REVIEWED,
            start_month__lte=month_of(horizon),
        )
        .order_by("id")
        .values(
            "household_id", "region_code", "decided_on", "case_id",
            "case__evaluation__review_every_months",
        )
    )  # fmt: skip
    last_review = dict(
        Case.objects.filter(kind="review", region_code__startswith=region, decided_on__isnull=False)
        .values("household_id")
        .annotate(last=Max("decided_on"))
        .values_list("household_id", "last")
    )
    by_household: dict[int, Due] = {}
    for row in running:
        household = row["household_id"]
        anchor = max(row["decided_on"], last_review.get(household) or row["decided_on"])
        months = _period(row, as_of)
        due = Due(
            household, row["region_code"], anchor, months,
            add_months_to_day(anchor, months), row["case_id"],
        )  # fmt: skip
        known = by_household.get(household)
        if known is None or due.due_on < known.due_on:
            by_household[household] = due
    return sorted(
        (d for d in by_household.values() if d.due_on <= horizon),
        key=lambda d: (d.due_on, d.household_id),
    )


def _open_reviews(household_ids: list[int]) -> set[int]:
    return set(
        Case.unscoped.filter(kind="review", household_id__in=household_ids)
        .exclude(state__in=TERMINAL)
        .values_list("household_id", flat=True)
    )


def _open_chunk(actor: Any, chunk: list[Due], today: dt.date, result: ScheduleResult) -> None:
    with transaction.atomic(durable=True):
        ids = [d.household_id for d in chunk]
        list(Household.unscoped.select_for_update().filter(id__in=ids).order_by("id").values("id"))
        already = _open_reviews(ids)  # checked again under the households' locks
        result.already_open += len(already)
        todo = [d for d in chunk if d.household_id not in already]
        intakes = [
            Intake(
                household=Household(id=d.household_id),
                kind="review",
                channel=Channel.PROACTIVE,
                reason=f"定期复核（D-01）：每{d.months}个月，应于{d.due_on.isoformat()}前复核",
                parent=Case(id=d.parent_id) if d.parent_id else None,
            )
            for d in todo
        ]
        created, refused = case_create_many(actor=actor, intakes=intakes, today=today)
        result.opened.extend(c.id for c in created)
        for index, error in refused.items():
            result.refused[todo[index].household_id] = error.message
        if created:
            audit_record(
                actor=actor,
                action="reviews.schedule",
                object_type="case",
                object_id=created[0].id,
                region_code=created[0].region_code[:6],
                new={"opened": len(created), "as_of": today.isoformat()},
            )


def reviews_schedule(
    *,
    actor: Any,
    as_of: dt.date,
    region: str = "",
    lead_days: int = 0,
    chunk: int = CHUNK,
    on_total: Callable[[int], None] | None = None,
    progress: Callable[[int], None] | None = None,
) -> ScheduleResult:
    """Open a review case (kind `review`, channel 主动发现, parent the deciding case) for
    every household of the area due by `as_of` + `lead_days` that has no open review."""
    if actor is None or not actor.can(Can.HANDLE_CASES):
        raise ServiceError(registry_errors.NOT_ALLOWED)
    result = ScheduleResult(due=reviews_due(as_of=as_of, region=region, lead_days=lead_days))
    if on_total is not None:
        on_total(len(result.due))
    size = max(1, chunk)
    for start in range(0, len(result.due), size):
        part = result.due[start : start + size]
        _open_chunk(actor, part, as_of, result)
        if progress is not None:
            progress(len(part))
    return result
