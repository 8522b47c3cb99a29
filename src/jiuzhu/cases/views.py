"""Case pages: the worklist, the approval and referral queues, intake, a case with its
timeline and the actions this user may take now, and uploaded files.

Views parse input, call selectors and services, and render. A case outside the user's area
is the same 404 as a missing one (the scoped managers, SECURITY.md 1). An action not allowed
now, or refused by a service, comes back with its message and nothing changed.
"""

from __future__ import annotations

import datetime as dt
from typing import Any, cast
from urllib.parse import urlencode

from django.contrib import messages
from django.core.paginator import Paginator
from django.db import transaction
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from jiuzhu.accounts.roles import Can
from jiuzhu.cases import display, forms, selectors, services
from jiuzhu.cases.documents import case_document_add, upload_read
from jiuzhu.cases.effects import township_limit
from jiuzhu.cases.flows import STATE_LABELS
from jiuzhu.cases.models import Case, CaseDocument, DocumentKind, Kind, Objection, ReserveFund
from jiuzhu.cases.workflow import TransitionRefused
from jiuzhu.registry.display import decision_context
from jiuzhu.registry.errors import ServiceError
from jiuzhu.registry.models import Member
from jiuzhu.registry.selectors import household_get
from jiuzhu.registry.views import _user, requires
from jiuzhu.rules.procedure import checklist as checklist_of
from jiuzhu.verification.adopt import ADOPTERS, pending
from jiuzhu.verification.models import Verification
from jiuzhu.verification.views import READERS

PAGE_SIZE = 50
MAX_BATCH = 200  # cases approved in one batch


def _case(case_id: int) -> Case:
    case = selectors.case_get(case_id)
    if case is None:
        raise Http404
    return case


def _rows(cases: Any, today: Any) -> list[dict[str, Any]]:
    return [display.case_summary(c, today) for c in cases]


def _list_page(request: HttpRequest, qs: Any, template: str, **context: Any) -> HttpResponse:
    today = timezone.localdate()
    # the rows need neither the frozen evaluation nor the checklist (large JSON)
    listed = qs.select_related("household").defer("evaluation", "checklist", "reason", "opinion")
    page = Paginator(listed, PAGE_SIZE).get_page(request.GET.get("page"))
    context.update(page=page, rows=_rows(page.object_list, today), today=today)
    return render(request, template, context)


@requires(Can.VIEW_HOUSEHOLDS)
@require_GET
def worklist(request: HttpRequest) -> HttpResponse:
    """Open cases of the area by due date; filters: mine, overdue / due soon, kind."""
    mine = request.GET.get("mine") == "1"
    due = request.GET.get("due", "")
    kind = request.GET.get("kind", "")
    qs = selectors.worklist(
        actor=_user(request),
        mine=mine,
        due=due if due in ("overdue", "soon") else "",
        kind=kind if kind in Kind.values else "",
        today=timezone.localdate(),
    )
    paging = urlencode({"mine": "1" if mine else "", "due": due, "kind": kind})
    return _list_page(
        request, qs, "cases/worklist.html",
        mine=mine, due=due, kind=kind, kinds=Kind.choices, paging=paging,
    )  # fmt: skip


@requires(Can.DECIDE)
@require_GET
def approvals(request: HttpRequest) -> HttpResponse:
    """The leader's queue: each case with its evaluation and opinion beside it."""
    qs = selectors.approval_queue(actor=_user(request))
    page = Paginator(qs, 20).get_page(request.GET.get("page"))
    english = (get_language() or "").startswith("en")
    today = timezone.localdate()
    items = [
        {
            "case": c,
            "summary": display.case_summary(c, today),
            "evaluation": decision_context(c.evaluation, english=english) if c.evaluation else None,
        }
        for c in page.object_list
    ]
    return render(request, "cases/approvals.html", {"page": page, "items": items})


@requires(Can.DECIDE)
@require_GET
def committee(request: HttpRequest) -> HttpResponse:
    """一事一议: each case with its amount, the opinion and the tally of members' votes."""
    today = timezone.localdate()
    items = []
    for case in selectors.committee_queue(actor=_user(request))[:MAX_BATCH]:
        votes = list(case.votes.all())
        tally = {v: sum(1 for x in votes if x.vote == v) for v in ("for", "against", "abstain")}
        items.append({"case": case, "summary": display.case_summary(case, today),
                      "votes": votes, "tally": tally})  # fmt: skip
    return render(request, "cases/committee.html", {"items": items})


@requires(Can.DECIDE)
@require_POST
def approve_selected(request: HttpRequest) -> HttpResponse:
    """批量审批: the ticked cases of the queue approved at their proposed amounts; a case that
    cannot be (moved on, another level, a guard) is named with its reason."""
    ids = [int(i) for i in request.POST.getlist("case") if i.isdigit()][:MAX_BATCH]
    done, refused = services.case_act_many(actor=_user(request), case_ids=ids, event="approve")
    if done:
        messages.success(request, _("已批准 %(n)s 件") % {"n": len(done)})
    numbers = dict(Case.objects.filter(id__in=refused).values_list("id", "number"))
    for case_id, reason in refused.items():
        messages.error(request, f"{numbers.get(case_id, case_id)}：{reason}")
    return redirect("cases:approvals")


@requires(Can.HANDLE_REFERRALS)
@require_GET
def referrals(request: HttpRequest) -> HttpResponse:
    return _list_page(
        request, selectors.referral_queue(actor=_user(request)), "cases/referrals.html"
    )


@requires(Can.HANDLE_CASES)
@require_http_methods(["GET", "POST"])
def intake(request: HttpRequest, household_id: int) -> HttpResponse:
    """One-window acceptance (A-01): choose the kind, tick the checklist (告知承诺 where the
    government systems can confirm), record the authorization (一证一书)."""
    household = household_get(household_id)
    if household is None:
        raise Http404
    kind = request.GET.get("kind", "")
    if kind not in Kind.values:
        return render(
            request, "cases/intake_kind.html", {"household": household, "kinds": Kind.choices}
        )
    today = timezone.localdate()
    documents, committable, _params = checklist_of(
        kind, household.region_code, today,
        residence_permit=household.hukou_type == "residence_permit",
    )  # fmt: skip
    members = [
        (m.id, str(m)) for m in Member.objects.filter(household=household, left_on__isnull=True)
    ]
    decided = [
        (c.id, f"{c.number} {display.kind_label(c.kind)}")
        for c in Case.objects.filter(household=household, outcome__in=services.DECIDED)
    ]
    form = forms.IntakeForm(
        request.POST if request.method == "POST" else None,
        request.FILES if request.method == "POST" else None,
        kind=kind, members=members, decided=decided,
        documents=documents, committable=committable,
    )  # fmt: skip
    if request.method == "POST" and form.is_valid():
        try:
            case = _accept(request, household, kind, form)
        except (ServiceError, TransitionRefused) as exc:
            form.add_service_error(exc)
        else:
            messages.success(request, _("已受理，案件编号 %(n)s") % {"n": case.number})
            return redirect("cases:detail", case.id)
    status = 400 if request.method == "POST" else 200
    context = {
        "household": household,
        "kind": kind,
        "kind_label": display.kind_label(kind),
        "form": form,
    }
    return render(request, "cases/intake.html", context, status=status)


def _accept(request: HttpRequest, household: Any, kind: str, form: forms.IntakeForm) -> Case:
    data = form.cleaned_data
    parent = Case.objects.filter(id=data.get("parent") or 0).first()
    applicant = Member.objects.filter(id=data["applicant"], household=household).first()
    with transaction.atomic():
        case = services.case_create(
            actor=_user(request),
            household=household,
            kind=kind,
            channel=data["channel"],
            applied_on=data["applied_on"],
            applicant=applicant,
            reason=data.get("reason") or "",
            requested_amount=data.get("requested_amount"),
            referral_aid=data.get("referral_aid") or "",
            checklist=form.checklist(),
            authorization_on=data.get("authorization_on"),
            parent=parent,
        )
        scan = data.get("authorization_scan")
        if scan is not None:
            case_document_add(
                actor=_user(request), case=case, kind=DocumentKind.AUTHORIZATION,
                name=scan.name, content=upload_read(scan),
            )  # fmt: skip
    return case


def _objections(case: Case) -> list[tuple[int, str]]:
    return [
        (o.id, f"{o.raised_on} {o.raised_by}：{o.content[:40]}")
        for o in Objection.objects.filter(case=case, resolved_at__isnull=True)
    ]


@requires(Can.VIEW_HOUSEHOLDS)
@require_GET
def detail(request: HttpRequest, case_id: int) -> HttpResponse:
    return _detail(request, _case(case_id))


def _detail(
    request: HttpRequest, case: Case, failed: tuple[str, forms.CaseForm] | None = None
) -> HttpResponse:
    user, today = _user(request), timezone.localdate()
    english = (get_language() or "").startswith("en")
    actions = []
    for transition in display.actions_for(case, user, today):
        if failed and failed[0] == transition.event:
            form = failed[1]
        else:
            form = forms.event_form(transition.event, objections=_objections(case), kind=case.kind)
        if transition.event == "pay_first" and "amount" in form.fields:
            form.fields["amount"].help_text = _reserve_in_view(case, today)
        actions.append(
            {"t": transition, "form": form, "open": bool(failed and failed[0] == transition.event)}
        )
    verification = Verification.objects.filter(case=case).order_by("-id").first()
    context = {
        "case": case,
        "summary": display.case_summary(case, today),
        "checklist": display.checklist_rows(case),
        "missing": display.missing_documents(case),
        "authority": display.AUTHORITY_LABELS.get(case.authority, ""),
        "proposal": display.PROPOSAL_LABELS.get(case.proposal, ""),
        "outcome": display.OUTCOME_LABELS.get(case.outcome, ""),
        "evaluation": decision_context(case.evaluation, english=english)
        if case.evaluation
        else None,
        "timeline": [
            {
                "e": e,
                "from": STATE_LABELS.get(e.from_state, ""),
                "to": STATE_LABELS.get(e.to_state, ""),
            }
            for e in selectors.case_timeline(case)
        ],
        "visits": case.visits.all(),
        "objections": case.objections.all(),
        "votes": case.votes.all(),
        "documents": case.documents.all(),
        "instalments": case.instalments.all(),
        "actions": actions,
        "letters": _letters(case),
        "verification": verification,
        "can_read_report": any(user.can(c) for c in READERS),
        "to_adopt": len(pending(verification)) if verification else 0,
        "can_adopt": any(user.can(c) for c in ADOPTERS),
    }
    return render(request, "cases/detail.html", context, status=400 if failed else 200)


def _reserve_in_view(case: Case, today: dt.date) -> str:
    """The money limits of 先行救助 in view before paying (A-07, A-09): the township reserve
    fund's balance and what the township may approve itself."""
    fund = ReserveFund.objects.filter(region_code=case.township_code).first()
    limit = township_limit(case, today)
    balance = f"{fund.balance:.2f}" if fund is not None else "—"
    shown = f"{limit - case.prepaid_amount:.2f}" if limit is not None else _("不限（由县级审批）")
    return _("备用金余额 %(balance)s 元；本案还可先行救助 %(left)s 元（乡镇审批权限）") % {
        "balance": balance,
        "left": shown,
    }


def _letters(case: Case) -> list[tuple[str, str]]:
    out = []
    if any(s == "missing" for s in case.checklist.values()):
        out.append(("notification", _("一次性告知书")))
    if case.outcome == "approved":
        out.append(("decision", _("审批决定书")))
    if case.outcome == "refused":
        out.append(("refusal", _("不予批准通知书")))
    return out


@requires(Can.VIEW_HOUSEHOLDS)
@require_POST
def act(request: HttpRequest, case_id: int, event: str) -> HttpResponse:
    """One workflow event: the form is validated, the service decides; a refusal shows its
    message on the case page (status 400 or 409) and nothing changes."""
    case = _case(case_id)
    form = forms.event_form(
        event, request.POST, request.FILES, objections=_objections(case), kind=case.kind
    )
    if not form.is_valid():
        return _detail(request, case, failed=(event, form))
    user = _user(request)
    try:
        with transaction.atomic():  # the step and its photo together, or neither
            case = services.case_act(
                actor=user, case=case, event=event, payload=form.payload(),
                expected_state=request.POST.get("expected_state") or None,
            )  # fmt: skip
            photo = form.cleaned_data.get("photo")
            if photo is not None:
                case_document_add(
                    actor=user, case=case, kind=DocumentKind.VISIT_PHOTO, name=photo.name,
                    content=getattr(form, "photo_content", b""),
                )  # fmt: skip
    except TransitionRefused as exc:
        messages.error(request, str(exc))
        response = _detail(request, _case(case_id))
        response.status_code = 409
        return response
    except ServiceError as exc:
        form.add_service_error(exc)
        return _detail(request, _case(case_id), failed=(event, form))
    messages.success(request, _("已办理：%(label)s") % {"label": _label(case, event)})
    return redirect("cases:detail", case.id)


def _label(case: Case, event: str) -> str:
    from jiuzhu.cases.flows import flow_of

    transition = next((t for t in flow_of(case.kind).transitions if t.event == event), None)
    return str(transition.label) if transition else event


@requires(Can.VIEW_HOUSEHOLDS)
@require_GET
def document(request: HttpRequest, case_id: int, document_id: int) -> HttpResponse:
    """An uploaded file, only to users of the case's area; served as an attachment."""
    case = _case(case_id)
    doc = CaseDocument.objects.filter(case=case, id=document_id).first()
    if doc is None or not doc.file:  # unknown, or erased after the retention period
        raise Http404
    response = FileResponse(
        doc.file.open("rb"),
        as_attachment=True,
        filename=doc.original_name,
        content_type=doc.content_type,
    )
    response["X-Content-Type-Options"] = "nosniff"
    return cast(HttpResponse, response)  # a streaming response; the decorators only pass it on


def case_url(case: Case) -> str:
    return reverse("cases:detail", args=[case.id])
