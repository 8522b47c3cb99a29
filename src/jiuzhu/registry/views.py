"""Registry pages: search, a household with its members and dated facts, the forms that
change them, the trial evaluation (试算), the audit trail and the logged ID reveal.

Views parse input, call selectors and services, and render. Every page needs a capability
(403 page without it); a household or member outside the user's area does not exist for the
scoped selectors, so it is the same 404 as a missing id (SECURITY.md 1). ID numbers are shown
masked; the full number only in the response to a POST with a purpose (SECURITY.md 2, 24).
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable, Mapping
from decimal import Decimal
from functools import wraps
from typing import Any, cast
from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db.models import Prefetch, Q, QuerySet
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST
from django_htmx.http import HttpResponseClientRedirect

from jiuzhu.accounts.models import User
from jiuzhu.accounts.roles import Can
from jiuzhu.audit.models import AuditEvent
from jiuzhu.regions.models import Level, Region
from jiuzhu.regions.selectors import region_get, region_path, regions_within
from jiuzhu.registry import forms, selectors, services
from jiuzhu.registry.display import audit_row, decision_context
from jiuzhu.registry.errors import ServiceError
from jiuzhu.registry.evaluation import household_evaluate
from jiuzhu.registry.identity import InvalidIdNumber, parse_id_number
from jiuzhu.registry.models import (
    Household,
    HouseholdFactKind,
    IncomeKind,
    Member,
    Sex,
)

View = Callable[..., HttpResponse]
PAGE_SIZE = 50
AUDIT_PAGE_SIZE = 100
# a search text with a run of 15 digits may hold an ID number (old 15-digit ones too): such
# a text is never written back into the page or a paging link
ID_LIKE = re.compile(r"\d{15}")


# -- access --------------------------------------------------------------------------------
def _user(request: HttpRequest) -> User:
    return cast(User, request.user)


def capabilities(user: User) -> dict[str, bool]:
    """What a page may offer: links and buttons the user could not use are not shown."""
    return {
        "can_view": user.can(Can.VIEW_HOUSEHOLDS),
        "can_edit": user.can(Can.EDIT_HOUSEHOLDS),
        "can_evaluate": user.can(Can.EVALUATE),
        "can_audit": user.can(Can.VIEW_AUDIT),
        "can_reveal": user.can(Can.VIEW_FULL_ID),
    }


def _page(
    request: HttpRequest, template: str, context: Mapping[str, Any], status: int = 200
) -> HttpResponse:
    return render(request, template, {**capabilities(_user(request)), **context}, status=status)


def requires(capability: Can) -> Callable[[View], View]:
    """Signed in (two factors: the session middleware) and holding the capability."""

    def decorate(view: View) -> View:
        @wraps(view)
        def guarded(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
            if not _user(request).can(capability):
                return _page(request, "registry/forbidden.html", {}, status=403)
            return view(request, *args, **kwargs)

        return login_required(guarded)

    return decorate


def _household(household_id: int) -> Household:
    household = selectors.household_get(household_id)
    if household is None:
        raise Http404
    return household


def _member(member_id: int) -> Member:
    member = selectors.member_get(member_id)
    if member is None:
        raise Http404
    return member


def _htmx(request: HttpRequest) -> bool:
    return bool(getattr(request, "htmx", False))


def _data(request: HttpRequest) -> Any:
    return request.POST if request.method == "POST" else None


def _submit(
    request: HttpRequest,
    form: forms.RegistryForm,
    save: Callable[[dict[str, Any]], str],
    context: Mapping[str, Any],
) -> HttpResponse:
    """A valid form goes to its service, which returns where to go next. A refusal comes
    back next to its field with nothing saved (the service's transaction rolled back): the
    page with status 400, or for htmx the form fragment (htmx swaps only 2xx answers)."""
    posted = request.method == "POST"
    if posted and form.is_valid():
        try:
            url = save(form.cleaned_data)
        except (ServiceError, ValidationError) as exc:
            form.add_service_error(exc)
        else:
            messages.success(request, _("已保存"))
            return HttpResponseClientRedirect(url) if _htmx(request) else redirect(url)
    context = {**context, "form": form, "relations": forms.RELATIONS}
    if posted and _htmx(request):
        return _page(request, "registry/_form.html", context)
    return _page(request, "registry/form_page.html", context, status=400 if posted else 200)


def _detail_url(household_id: int) -> str:
    return reverse("registry:detail", args=[household_id])


def _area_regions(user: User) -> list[Region]:
    return list(regions_within(user.area)) if user.area is not None else []


# -- reading -------------------------------------------------------------------------------
@requires(Can.VIEW_HOUSEHOLDS)
@require_http_methods(["GET", "POST"])
def search(request: HttpRequest) -> HttpResponse:
    """GET answers links and paging; the page's own form POSTs, so a typed ID number never
    lands in a URL, a browser history or an access log (SECURITY.md 24)."""
    regions = {r.code: r for r in _area_regions(_user(request))}
    data = request.POST if request.method == "POST" else request.GET
    if request.method != "POST" and ID_LIKE.search(data.get("q", "")):
        # a full ID number in a URL is refused, not searched: the page's form POSTs it
        form = forms.SearchForm(None, regions=regions.values())
        context = {"form": form, "shown_q": "", "id_in_url": True, "rows": [], "page": None}
        return _page(request, "registry/search.html", context, status=400)
    form = forms.SearchForm(data, regions=regions.values())
    found = Household.objects.none()
    text = region_code = ""
    if form.is_valid():
        text, region_code = form.cleaned_data["q"], form.cleaned_data["region"]
        region = regions.get(region_code)
        found = selectors.households_search(
            text=text, region_prefix=region.scope_prefix if region else ""
        )
    current = Member.objects.filter(left_on__isnull=True).order_by("id")
    found = found.prefetch_related(Prefetch("members", current, to_attr="current_members"))
    page = Paginator(found, PAGE_SIZE).get_page(request.GET.get("page"))
    shown = "" if ID_LIKE.search(text) else text
    rows = [_search_row(h, regions) for h in page.object_list]
    context = {
        "form": form,
        "shown_q": shown,
        "region_code": region_code,
        "page": page,
        "rows": rows,
        "paging": urlencode({"q": shown, "region": region_code}),
        "searched": form.is_valid(),
    }
    return _page(request, "registry/search.html", context, status=200 if form.is_valid() else 400)


def _search_row(household: Household, regions: Mapping[str, Region]) -> dict[str, Any]:
    current: list[Member] = getattr(household, "current_members", [])
    head = next((m for m in current if m.relation == "户主"), current[0] if current else None)
    region = regions.get(household.region_code)
    return {
        "household": household,
        "region": region.name if region else household.region_code,
        "head": head,
        "count": len(current),
    }


def _age(birth: dt.date, today: dt.date) -> int:
    return today.year - birth.year - ((today.month, today.day) < (birth.month, birth.day))


def _labelled(values: Mapping[str, Decimal], choices: Any) -> list[tuple[str, Decimal]]:
    names = dict(choices.choices)
    return [(names.get(kind, kind), amount) for kind, amount in sorted(values.items())]


@requires(Can.VIEW_HOUSEHOLDS)
@require_GET
def detail(request: HttpRequest, household_id: int) -> HttpResponse:
    household = _household(household_id)
    today = timezone.localdate()
    incomes = selectors.income_facts(household, today)
    history = selectors.facts_history(household)
    region = region_get(household.region_code)
    context = {
        "household": household,
        "region_path": " › ".join(
            r.name for r in (region_path(region) if region else []) if r.level != Level.COUNTRY
        ),
        "members": [
            {
                "member": m,
                "age": _age(m.birth_date, today),
                "incomes": _labelled(incomes.get(m.id, {}), IncomeKind),
            }
            for m in selectors.members_of(household)
        ],
        "facts": _labelled(selectors.household_facts(household, today), HouseholdFactKind),
        "fact_history": history["household"],
        "income_history": history["income"],
        "reveal_form": forms.RevealForm(),
        "today": today,
    }
    return _page(request, "registry/detail.html", context)


# -- writing -------------------------------------------------------------------------------
@requires(Can.EDIT_HOUSEHOLDS)
@require_http_methods(["GET", "POST"])
def create(request: HttpRequest) -> HttpResponse:
    user = _user(request)
    levels = {Level.TOWNSHIP, Level.VILLAGE}
    regions = [r for r in _area_regions(user) if r.level in levels]
    form = forms.HouseholdCreateForm(_data(request), regions=regions)

    def save(data: dict[str, Any]) -> str:
        return _detail_url(services.household_create(actor=user, **data).id)

    context = {"title": _("新建家庭"), "cancel_url": reverse("registry:search")}
    return _submit(request, form, save, context)


@requires(Can.EDIT_HOUSEHOLDS)
@require_http_methods(["GET", "POST"])
def edit(request: HttpRequest, household_id: int) -> HttpResponse:
    household = _household(household_id)
    initial = {name: getattr(household, name) for name in services.HOUSEHOLD_FIELDS}
    form = forms.HouseholdForm(_data(request), initial=initial)

    def save(data: dict[str, Any]) -> str:
        services.household_update(actor=_user(request), household=household, **data)
        return _detail_url(household.id)

    context = {
        "title": _("修改家庭信息"),
        "household": household,
        "cancel_url": _detail_url(household.id),
    }
    return _submit(request, form, save, context)


@requires(Can.EDIT_HOUSEHOLDS)
@require_http_methods(["GET", "POST"])
def member_add(request: HttpRequest, household_id: int) -> HttpResponse:
    household = _household(household_id)
    form = forms.MemberAddForm(_data(request))

    def save(data: dict[str, Any]) -> str:
        fields = dict(data)
        sex = fields.pop("sex") or None
        services.member_add(actor=_user(request), household=household, sex=sex, **fields)
        return _detail_url(household.id)

    context = {
        "title": _("新增家庭成员"),
        "household": household,
        "cancel_url": _detail_url(household.id),
    }
    return _submit(request, form, save, context)


@requires(Can.EDIT_HOUSEHOLDS)
@require_http_methods(["GET", "POST"])
def member_edit(request: HttpRequest, member_id: int) -> HttpResponse:
    member = _member(member_id)
    initial = {name: getattr(member, name) for name in services.MEMBER_FIELDS}
    form = forms.MemberForm(_data(request), initial=initial, birth_date=member.birth_date)

    def save(data: dict[str, Any]) -> str:
        services.member_update(actor=_user(request), member=member, **data)
        return _detail_url(member.household_id)

    context = {
        "title": _("修改成员信息"),
        "household": member.household,
        "member": member,
        "cancel_url": _detail_url(member.household_id),
    }
    return _submit(request, form, save, context)


@requires(Can.EDIT_HOUSEHOLDS)
@require_POST
def validate_id(request: HttpRequest) -> HttpResponse:
    """The ID number field's inline check (htmx): the reason it is refused, or the birth date
    and sex it carries. The server decides; the number itself is never sent back."""
    form = forms.IdCheckForm(request.POST)
    error, facts = "", None
    if not form.is_valid():
        error = str(form.errors["id_number"][0])
    else:
        try:
            facts = parse_id_number(form.cleaned_data["id_number"])
        except InvalidIdNumber as exc:
            error = str(exc)
    context = {
        "error": error,
        "birth_date": facts.birth_date if facts else None,
        "sex": Sex(facts.sex).label if facts else "",
    }
    return render(request, "registry/_id_check.html", context)


@requires(Can.EDIT_HOUSEHOLDS)
@require_http_methods(["GET", "POST"])
def fact_set(request: HttpRequest, household_id: int) -> HttpResponse:
    household = _household(household_id)
    form = forms.HouseholdFactForm(_data(request))

    def save(data: dict[str, Any]) -> str:
        services.household_fact_set(actor=_user(request), household=household, **data)
        return _detail_url(household.id)

    context = {
        "title": _("登记财产或支出"),
        "household": household,
        "cancel_url": _detail_url(household.id),
    }
    return _submit(request, form, save, context)


@requires(Can.EDIT_HOUSEHOLDS)
@require_http_methods(["GET", "POST"])
def member_move(request: HttpRequest, member_id: int) -> HttpResponse:
    """Move a person to another household of the area: explicit, and logged on both sides."""
    member = _member(member_id)
    form = forms.MemberMoveForm(_data(request))

    def save(data: dict[str, Any]) -> str:
        target = selectors.households_search(text=data["to_household"]).first()
        if target is None:
            raise ServiceError(_("本区域内没有这个家庭编号"), field="to_household")
        services.member_move(
            actor=_user(request), member=member, to_household=target, on=data["on"]
        )
        return _detail_url(target.id)

    context = {
        "title": _("成员迁移：%(name)s") % {"name": member.name},
        "household": member.household,
        "member": member,
        "cancel_url": _detail_url(member.household_id),
    }
    return _submit(request, form, save, context)


@requires(Can.EDIT_HOUSEHOLDS)
@require_http_methods(["GET", "POST"])
def income_set(request: HttpRequest, member_id: int) -> HttpResponse:
    member = _member(member_id)
    form = forms.IncomeForm(_data(request))

    def save(data: dict[str, Any]) -> str:
        services.member_income_set(actor=_user(request), member=member, **data)
        return _detail_url(member.household_id)

    context = {
        "title": _("登记收入"),
        "household": member.household,
        "member": member,
        "cancel_url": _detail_url(member.household_id),
    }
    return _submit(request, form, save, context)


@requires(Can.VIEW_FULL_ID)
@require_POST
def reveal_id(request: HttpRequest, member_id: int) -> HttpResponse:
    """The full ID number once, in this response only; every reveal is logged with its
    purpose by the service (SECURITY.md 20)."""
    member = _member(member_id)
    form = forms.RevealForm(request.POST)
    number = ""
    if form.is_valid():
        try:
            number = services.member_reveal_id(
                actor=_user(request), member=member, purpose=form.cleaned_data["purpose"]
            )
        except ServiceError as exc:
            form.add_service_error(exc)
    context = {"member": member, "household": member.household, "form": form, "number": number}
    if _htmx(request):
        return _page(request, "registry/_reveal.html", context)
    return _page(request, "registry/reveal.html", context, status=200 if number else 400)


# -- trial evaluation and audit trail ------------------------------------------------------
@requires(Can.EVALUATE)
@require_GET
def evaluate(request: HttpRequest, household_id: int) -> HttpResponse:
    household = _household(household_id)
    data = request.GET if "as_of" in request.GET else forms.EvaluateForm.initial_data()
    form = forms.EvaluateForm(data)
    context: dict[str, Any] = {"household": household, "form": form}
    if form.is_valid() and not selectors.members_of(household, form.cleaned_data["as_of"]).exists():
        form.add_error("as_of", forms.NO_MEMBERS_ON_DATE)
    if form.is_valid():
        try:
            decision = household_evaluate(
                actor=_user(request), household=household, as_of=form.cleaned_data["as_of"]
            )
        except ServiceError as exc:
            form.add_service_error(exc)
        else:
            english = (get_language() or "").startswith("en")
            context.update(decision_context(decision, english=english))
            return _page(request, "registry/evaluate.html", context)
    return _page(request, "registry/evaluate.html", context, status=400)


def _audit_events(household: Household) -> QuerySet[AuditEvent]:
    """The household's rows and its members' (past members too). The log is not scoped by a
    manager: the household, fetched through the scoped selector, is the scope."""
    member_ids = [str(pk) for pk in household.members.values_list("id", flat=True)]
    return (
        AuditEvent.objects.filter(
            Q(object_type="household", object_id=str(household.id))
            | Q(object_type="member", object_id__in=member_ids)
        )
        .select_related("actor")
        .order_by("-at", "-id")
    )


@requires(Can.VIEW_AUDIT)
@require_GET
def audit(request: HttpRequest, household_id: int) -> HttpResponse:
    household = _household(household_id)
    page = Paginator(_audit_events(household), AUDIT_PAGE_SIZE).get_page(request.GET.get("page"))
    names = {str(m.id): f"{m.name}（{m.id_masked}）" for m in household.members.all()}
    rows = [audit_row(event, names) for event in page.object_list]
    return _page(
        request, "registry/audit.html", {"household": household, "page": page, "rows": rows}
    )
