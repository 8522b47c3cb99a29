"""The verification report of a case (MZ/T 072 出具报告), as a page and a Chinese PDF.

Amounts, holdings and registrations are personal financial information: only the people
who handle, verify or decide cases read a report, and every read is in the access log
(SECURITY.md 20)."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.db import transaction
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.template.loader import render_to_string
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from jiuzhu.accounts.roles import Can
from jiuzhu.audit.services import access_record
from jiuzhu.cases import selectors
from jiuzhu.notices.pdf import render_pdf
from jiuzhu.registry.errors import ServiceError
from jiuzhu.registry.views import _page, _user, requires
from jiuzhu.verification.adopt import verification_adopt
from jiuzhu.verification.checking import SEVERITY_LABELS
from jiuzhu.verification.models import Verification

READERS = (Can.HANDLE_CASES, Can.VERIFY, Can.DECIDE)


def _context(request: HttpRequest, case_id: int) -> dict[str, Any]:
    user = _user(request)
    case = selectors.case_get(case_id)
    if case is None:
        raise Http404
    verification = Verification.objects.filter(case=case).order_by("-id").first()
    if verification is None:
        raise Http404
    with transaction.atomic():
        access_record(
            actor=user,
            subject_type="household",
            subject_id=case.household_id,
            field="verification_report",
            purpose=f"查阅核对报告 {case.number}",
            region_code=case.region_code,
        )
    report = verification.report or {}
    return {
        "case": case,
        "verification": verification,
        "report": report,
        "items": [
            {**item, "severity_label": SEVERITY_LABELS[item["severity"]][0]}
            for item in report.get("items", [])
        ],
        "missing": verification.missing_sources,
    }


def _allowed(request: HttpRequest) -> bool:
    user = _user(request)
    return any(user.can(c) for c in READERS)


@requires(Can.VIEW_HOUSEHOLDS)
@require_GET
def report(request: HttpRequest, case_id: int) -> HttpResponse:
    if not _allowed(request):
        return _page(request, "registry/forbidden.html", {}, status=403)
    return HttpResponse(render_to_string("verification/report.html", _context(request, case_id)))


@requires(Can.VIEW_HOUSEHOLDS)
@require_GET
def report_pdf(request: HttpRequest, case_id: int) -> HttpResponse:
    if not _allowed(request):
        return _page(request, "registry/forbidden.html", {}, status=403)
    context = _context(request, case_id)
    html = render_to_string("verification/report.html", context)
    response = HttpResponse(render_pdf(html), content_type="application/pdf")
    number = context["case"].number
    response["Content-Disposition"] = f'inline; filename="{number}-verification.pdf"'
    return response


@requires(Can.VIEW_HOUSEHOLDS)
@require_POST
def adopt(request: HttpRequest, case_id: int) -> HttpResponse:
    """采用核对结果: the case's latest verification's figures into the household's record
    (verification/adopt.py), then back to the case with what was done or why not."""
    case = selectors.case_get(case_id)
    verification = Verification.objects.filter(case=case).order_by("-id").first() if case else None
    if case is None or verification is None:
        raise Http404
    try:
        done = verification_adopt(actor=_user(request), verification_id=verification.id)
    except ServiceError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(
            request,
            _("已采用核对结果：%(n)s 项数据自 %(day)s 起记入家庭档案，申报数据保留在历史中")
            % {"n": done["adopted"], "day": done["valid_from"]},
        )
    return redirect("cases:detail", case.id)
