"""Written notices of a case, as pages and as Chinese PDFs (WeasyPrint, embedded CJK font):
the one-time notification of missing materials (A-01), the decision letter explaining the
amount with the rule IDs, the refusal letter with its reasons, and a township's public-notice
list (公示, A-05), which masks ID numbers and omits minors."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from typing import Any

from django.http import Http404, HttpRequest, HttpResponse
from django.template.loader import render_to_string
from django.utils import timezone
from django.views.decorators.http import require_GET

from jiuzhu.accounts.roles import Can
from jiuzhu.cases import display, selectors
from jiuzhu.cases.facts import adult_born_by
from jiuzhu.cases.models import Case
from jiuzhu.notices.pdf import render_pdf
from jiuzhu.regions.models import Region
from jiuzhu.regions.selectors import region_path
from jiuzhu.registry.display import decision_context
from jiuzhu.registry.models import Member
from jiuzhu.registry.views import _user, requires

LETTERS = {
    "notification": "cases/letters/notification.html",
    "decision": "cases/letters/decision.html",
    "refusal": "cases/letters/refusal.html",
}


def _place(code: str, levels: int = 0) -> str:
    """The region's name from the province down (or only its last `levels` names)."""
    region = Region.objects.filter(code=code).first()
    if region is None:
        return code
    names = [r.name for r in region_path(region)[1:]]
    return "".join(names[-levels:] if levels else names)


def deciding_body(case: Case) -> str:
    """Who decided, by name, as a letter says it (issue 17: "由乡镇（街道）审批" named no one):
    the township's office (街道办事处 / 镇人民政府), the county's civil-affairs bureau, its
    coordination mechanism (一事一议), or the civil-affairs department above (an appeal)."""
    township = _place(case.township_code, levels=1)
    county = _place(case.township_code[:6], levels=1)
    if case.authority == "township":
        return f"{township}{'办事处' if township.endswith('街道') else '人民政府'}"
    if case.authority == "county":
        return f"{county}民政局"
    if case.authority == "committee":
        return f"{county}困难群众基本生活保障协调机制"
    if case.authority == "city":
        return f"{_place(case.township_code[:4] + '00', levels=1)}民政局"
    return str(display.AUTHORITY_LABELS.get(case.authority, ""))


def _next_month(day: dt.date) -> dt.date:
    return dt.date(day.year + day.month // 12, day.month % 12 + 1, 1)


def letter_context(case: Case, letter: str) -> dict[str, Any]:
    """Everything a letter shows; refuses a letter the case does not have (404)."""
    if letter == "notification" and not display.missing_documents(case):
        raise Http404
    if letter == "decision" and case.outcome != "approved":
        raise Http404
    if letter == "refusal" and case.outcome != "refused":
        raise Http404
    evaluation = decision_context(case.evaluation, english=False) if case.evaluation else None
    return {
        "case": case,
        "kind_label": display.kind_label(case.kind),
        "township": _place(case.township_code),
        "applicant": case.applicant,
        "missing": display.missing_documents(case),
        "committed": [
            r["label"] for r in display.checklist_rows(case) if r["status"] == "committed"
        ],
        "authority": deciding_body(case),
        "evaluation": evaluation,
        "starts": _next_month(case.decided_on) if case.decided_on else None,
        "instalments": list(case.instalments.all()),
        "today": timezone.localdate(),
    }


def _case(case_id: int, letter: str) -> Case:
    case = selectors.case_get(case_id)
    if case is None or letter not in LETTERS:
        raise Http404
    return case


@requires(Can.VIEW_HOUSEHOLDS)
@require_GET
def letter(request: HttpRequest, case_id: int, letter: str) -> HttpResponse:
    case = _case(case_id, letter)
    return HttpResponse(render_to_string(LETTERS[letter], letter_context(case, letter)))


@requires(Can.VIEW_HOUSEHOLDS)
@require_GET
def letter_pdf(request: HttpRequest, case_id: int, letter: str) -> HttpResponse:
    case = _case(case_id, letter)
    html = render_to_string(LETTERS[letter], letter_context(case, letter))
    response = HttpResponse(render_pdf(html), content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="{case.number}-{letter}.pdf"'
    return response


def notice_rows(township: str, today: dt.date) -> list[dict[str, Any]]:
    """One row per posted case: the applicant (never a minor), masked ID, household size,
    kind and proposed amount. Minors are neither named nor counted by name (A-05)."""
    cases = list(selectors.notice_list(township_prefix=township, today=today))
    current: dict[int, list[Member]] = defaultdict(list)
    for member in Member.objects.filter(
        household_id__in={c.household_id for c in cases}, left_on__isnull=True
    ).order_by("id"):
        current[member.household_id].append(member)
    adult_by = adult_born_by(today)
    places: dict[str, str] = {}
    rows = []
    for case in cases:
        adults = [m for m in current[case.household_id] if m.birth_date <= adult_by]
        shown = next((m for m in adults if m.id == case.applicant_id), None)
        shown = shown or (adults[0] if adults else None)
        if shown is None:
            continue  # a household of minors only is never posted
        if case.region_code not in places:
            places[case.region_code] = _place(case.region_code, levels=2)
        rows.append(
            {
                "case": case,
                "name": shown.name,
                "id_masked": shown.id_masked,
                "size": len(current[case.household_id]),
                "kind": display.kind_label(case.kind),
                "amount": case.proposed_amount,
                "place": places[case.region_code],
            }
        )
    return rows


def _notice_context(request: HttpRequest) -> dict[str, Any]:
    user, today = _user(request), timezone.localdate()
    township = request.GET.get("township") or (user.area.code if user.area else "")
    if not township or (user.area and not township.startswith(user.area.scope_prefix)):
        raise Http404
    return {
        "township": _place(township),
        "rows": notice_rows(township, today),
        "today": today,
        "township_code": township,
    }


@requires(Can.VIEW_HOUSEHOLDS)
@require_GET
def notice_list(request: HttpRequest) -> HttpResponse:
    return HttpResponse(
        render_to_string("cases/letters/notice_list.html", _notice_context(request))
    )


@requires(Can.VIEW_HOUSEHOLDS)
@require_GET
def notice_list_pdf(request: HttpRequest) -> HttpResponse:
    html = render_to_string("cases/letters/notice_list.html", _notice_context(request))
    response = HttpResponse(render_pdf(html), content_type="application/pdf")
    response["Content-Disposition"] = 'inline; filename="notice-list.pdf"'
    return response
