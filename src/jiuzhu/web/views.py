"""The home page (one per role) and the error pages (a request id, never a traceback)."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.template import loader

from jiuzhu.accounts.roles import Can
from jiuzhu.registry.selectors import households_search


@login_required
def home(request: HttpRequest) -> HttpResponse:
    """One page per role: what this role does, with the counts of its area."""
    user = request.user
    if user.can(Can.APPLY_ONLINE):  # type: ignore[union-attr]
        return redirect("portal:home")
    context: dict[str, object] = {}
    if user.can(Can.VIEW_HOUSEHOLDS):  # type: ignore[union-attr]
        context["household_count"] = households_search().count()
        context.update(_case_counts(user))
    if user.can(Can.VIEW_AUDIT):  # type: ignore[union-attr]
        from jiuzhu.audit.selectors import access_events, audit_events

        context["recent_events"] = list(audit_events()[:5])
        context["access_count"] = access_events().count()
    return render(request, "web/home.html", context)


def _case_counts(user: object) -> dict[str, object]:
    """The area's open and overdue cases, the user's own, and what waits for their decision."""
    from django.utils import timezone

    from jiuzhu.cases.selectors import approval_queue, cases_open, referral_queue

    today = timezone.localdate()
    open_cases = cases_open()
    return {
        "cases_open": open_cases.count(),
        "cases_overdue": open_cases.filter(due_on__lt=today).count(),
        "approvals_waiting": approval_queue(actor=user).count(),
        "referrals_waiting": referral_queue(actor=user).count(),
    }


def not_found(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    return render(request, "web/404.html", status=404)


def server_error(request: HttpRequest) -> HttpResponse:
    template = loader.get_template("web/500.html")
    body = template.render({"request_id": getattr(request, "request_id", "")})
    return HttpResponse(body, status=500)
