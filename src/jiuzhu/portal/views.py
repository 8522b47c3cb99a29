"""The applicant's pages: their own household's cases with their status and letters, an
online application, a report of a change (D-02). Nothing of any other household exists
here: every read goes through the applicant's own household (cases.online)."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from jiuzhu.accounts.roles import Can
from jiuzhu.cases import display
from jiuzhu.cases.letters import LETTERS, letter_context
from jiuzhu.cases.online import applicant_cases, applicant_household, case_submit_online
from jiuzhu.notices.pdf import render_pdf
from jiuzhu.portal.forms import ApplyForm, ChangeReportForm
from jiuzhu.registry.errors import ServiceError

View = Callable[..., HttpResponse]


def applicant_only(view: View) -> View:
    @wraps(view)
    def guarded(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if not request.user.can(Can.APPLY_ONLINE):  # type: ignore[union-attr]
            raise Http404
        return view(request, *args, **kwargs)

    return login_required(guarded)


@applicant_only
@require_GET
def home(request: HttpRequest) -> HttpResponse:
    today = timezone.localdate()
    household = applicant_household(request.user)
    rows = [
        {
            "case": c,
            "summary": display.case_summary(c, today),
            # what is still missing, once a caseworker has accepted the application
            "missing": display.missing_documents(c) if c.accepted_by_id and not c.outcome else [],
        }
        for c in applicant_cases(request.user).select_related("household")
    ]
    return render(request, "portal/home.html", {"household": household, "rows": rows})


def _submit(request: HttpRequest, form: Any, kind: str | None, template: str) -> HttpResponse:
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            case = case_submit_online(
                actor=request.user,
                kind=kind or data["kind"],
                reason=data["reason"],
                signed_name=data["signed_name"],
                authorize=bool(data.get("authorize", kind == "review")),
                requested_amount=data.get("requested_amount"),
            )
        except ServiceError as exc:
            form.add_service_error(exc)
        else:
            messages.success(
                request,
                _("已提交，编号 %(n)s；乡镇（街道）将在受理后与您联系") % {"n": case.number},
            )
            return redirect("portal:home")
    status = 400 if request.method == "POST" else 200
    household = applicant_household(request.user)
    return render(request, template, {"form": form, "household": household}, status=status)


@applicant_only
@require_http_methods(["GET", "POST"])
def apply(request: HttpRequest) -> HttpResponse:
    form = ApplyForm(request.POST if request.method == "POST" else None)
    return _submit(request, form, None, "portal/apply.html")


@applicant_only
@require_http_methods(["GET", "POST"])
def report_change(request: HttpRequest) -> HttpResponse:
    form = ChangeReportForm(request.POST if request.method == "POST" else None)
    return _submit(request, form, "review", "portal/report.html")


@applicant_only
@require_GET
def letter_pdf(request: HttpRequest, case_id: int, letter: str) -> HttpResponse:
    """The applicant's own letters only: any other case is missing (404)."""
    case = applicant_cases(request.user).filter(id=case_id).first()
    if case is None or letter not in LETTERS:
        raise Http404
    html = render_to_string(LETTERS[letter], letter_context(case, letter))
    response = HttpResponse(render_pdf(html), content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="{case.number}-{letter}.pdf"'
    return response
