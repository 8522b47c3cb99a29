"""Reads of the logs, limited to the caller's area like every other read.

The log tables keep an unscoped manager (the chain links every row to the one before, in
whatever area); what a person may *read* is filtered here by the same current scope."""

from __future__ import annotations

from typing import TypeVar

from django.db.models import QuerySet

from jiuzhu.audit.models import AccessEvent, AuditEvent
from jiuzhu.regions.scope import current_scope

Row = TypeVar("Row", AuditEvent, AccessEvent)


def _scoped(qs: QuerySet[Row]) -> QuerySet[Row]:
    scope = current_scope()
    if scope is None:
        return qs.none()
    if scope.prefix == "":
        return qs
    return qs.filter(region_code__startswith=scope.prefix)


def audit_events(*, action: str = "", actor: str = "") -> QuerySet[AuditEvent]:
    qs = _scoped(AuditEvent.objects.select_related("actor").order_by("-id"))
    if action:
        qs = qs.filter(action__startswith=action)
    if actor:
        qs = qs.filter(actor_name=actor)
    return qs


def access_events(*, actor: str = "") -> QuerySet[AccessEvent]:
    qs = _scoped(AccessEvent.objects.select_related("actor").order_by("-id"))
    if actor:
        qs = qs.filter(actor_name=actor)
    return qs
