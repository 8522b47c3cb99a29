"""The audit pages: the change log and the personal-data access log of the user's area,
read-only, for roles that may view audits (auditors, audit administrators, officers)."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from jiuzhu.accounts.roles import Can
from jiuzhu.audit import selectors

PAGE_SIZE = 100


def _require_audit(request: HttpRequest) -> None:
    if not request.user.can(Can.VIEW_AUDIT):  # type: ignore[union-attr]
        raise PermissionDenied


@login_required
@require_GET
def events(request: HttpRequest) -> HttpResponse:
    _require_audit(request)
    action = request.GET.get("action", "")[:64]
    actor = request.GET.get("actor", "")[:150]
    page = Paginator(selectors.audit_events(action=action, actor=actor), PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    return render(request, "audit/events.html", {"page": page, "action": action, "actor": actor})


@login_required
@require_GET
def access(request: HttpRequest) -> HttpResponse:
    _require_audit(request)
    actor = request.GET.get("actor", "")[:150]
    page = Paginator(selectors.access_events(actor=actor), PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    return render(request, "audit/access.html", {"page": page, "actor": actor})
