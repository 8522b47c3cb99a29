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
from functools import cache, wraps
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
from django.utils.translation import get_language, gettext_lazy
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST
from django_htmx.http import HttpResponseClientRedirect

from jiuzhu.accounts.models import User
from jiuzhu.accounts.roles import Can
from jiuzhu.audit.models import AuditEvent
from jiuzhu.regions.models import Level, Region
from jiuzhu.regions.selectors import region_get, region_path, regions_within
from jiuzhu.registry import forms, selectors, services
from jiuzhu.registry.errors import ServiceError
from jiuzhu.registry.evaluation import household_evaluate
from jiuzhu.registry.identity import InvalidIdNumber, parse_id_number
from jiuzhu.registry.models import (
    Household,
    HouseholdFact,
    HouseholdFactKind,
    IncomeKind,
    Member,
    Sex,
)
from jiuzhu.rules.params import ASSUMED

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
            context.update(_decision_context(decision, english=english))
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
    rows = [_audit_row(event, names) for event in page.object_list]
    return _page(
        request, "registry/audit.html", {"household": household, "page": page, "rows": rows}
    )


# -- display of decisions and audit rows ---------------------------------------------------
CODE_LABELS: dict[str, Any] = {
    # categories (C-08)
    "tekun": gettext_lazy("特困人员救助供养"),
    "dibao": gettext_lazy("最低生活保障"),
    "low_income": gettext_lazy("低收入家庭"),
    "rigid_expenditure": gettext_lazy("刚性支出困难家庭"),
    "none": gettext_lazy("不符合救助条件"),
    # employment difficulty (S-04)
    "older_unemployed": gettext_lazy("大龄失业人员"),
    "disabled": gettext_lazy("残疾人"),
    "zero_employment_household": gettext_lazy("零就业家庭成员"),
    "landless": gettext_lazy("失地农民"),
    "long_term_unemployed": gettext_lazy("长期失业人员"),
    "graduate": gettext_lazy("离校未就业高校毕业生"),
    # specialized aid (C-08)
    "medical": gettext_lazy("医疗救助"),
    "education": gettext_lazy("教育救助"),
    "housing": gettext_lazy("住房救助"),
    "employment": gettext_lazy("就业救助"),
    "temporary": gettext_lazy("临时救助"),
    "electricity_fee_waiver": gettext_lazy("电费减免"),
}
ACTION_LABELS: dict[str, Any] = {
    "household.create": gettext_lazy("新建家庭"),
    "household.update": gettext_lazy("修改家庭信息"),
    "household.fact": gettext_lazy("登记财产或支出"),
    "member.add": gettext_lazy("新增家庭成员"),
    "member.update": gettext_lazy("修改成员信息"),
    "member.leave": gettext_lazy("成员离开家庭"),
    "member.move": gettext_lazy("成员迁移"),
    "member.income": gettext_lazy("登记收入"),
    "supporter.add": gettext_lazy("新增法定义务人"),
}
AUDIT_KEYS: dict[str, Any] = {
    "id_number": gettext_lazy("身份证号"),
    "household": gettext_lazy("家庭编号"),
    "member": gettext_lazy("成员"),
    "on": gettext_lazy("日期"),
    "reason": gettext_lazy("原因"),
    "supporter": gettext_lazy("法定义务人"),
}


def _shown(value: Any, *, codes: bool = True) -> str:
    """A value for a table cell: yes/no, lists joined, the engine's codes in words."""
    if value is None:
        return "—"
    if isinstance(value, bool):
        return _("是") if value else _("否")
    if isinstance(value, list | tuple):
        return "、".join(_shown(v, codes=codes) for v in value) or "—"
    if codes and isinstance(value, str):
        return str(CODE_LABELS.get(value, value))
    return str(value)


def _step_row(step: Mapping[str, Any], names: Mapping[str, str], english: bool) -> dict[str, Any]:
    if "value" in step:
        values = [("", step["value"])]
    elif isinstance(step.get("values"), dict):
        values = [(names.get(ref, ref), v) for ref, v in step["values"].items()]
    else:
        values = [(names.get(i["member"], i["member"]), i["value"]) for i in step["values"]]
    return {
        "rule": step["rule"],
        "label": step["label_en"] if english else step["label_zh"],
        "values": [(who, _shown(v)) for who, v in values],
        "parameters": [
            {
                "name": p["name"],
                "value": _shown(p["value"]),
                "unit": p.get("unit", ""),
                "source": p.get("source", {}),
                "from": p.get("from"),
                "to": p.get("to"),
                "assumed": p.get("default") == ASSUMED,
                "unverified": bool(p.get("unverified")),
            }
            for p in step.get("parameters", [])
        ],
    }


def _decision_context(decision: Mapping[str, Any], *, english: bool) -> dict[str, Any]:
    names = {m["ref"]: m["name"] for m in decision["snapshot"]["members"]}
    difficulty = decision["employment_difficulty"]
    return {
        "decision": decision,
        "categories": _shown(decision["categories"]),
        "primary": _shown(decision["primary_category"]),
        "aid": _shown(decision["specialized_aid"]),
        "tekun_members": _shown([names.get(r, r) for r in decision["tekun_members"]]),
        "difficulty": [(names.get(ref, ref), _shown(cats)) for ref, cats in difficulty.items()],
        "steps": [_step_row(s, names, english) for s in decision.get("explanation", [])],
    }


@cache
def _audit_fields() -> dict[str, tuple[Any, dict[Any, Any]]]:
    """Field name → (label, code → label): the words of the models, for old → new."""
    out: dict[str, tuple[Any, dict[Any, Any]]] = {}
    for model in (HouseholdFact, Household, Member):
        for field in model._meta.fields:
            choices = dict(field.flatchoices) if field.choices else {}
            out[field.name] = (field.verbose_name, choices)
    for kind in (*HouseholdFactKind, *IncomeKind):
        out[kind.value] = (kind.label, {})
    out.update({key: (label, {}) for key, label in AUDIT_KEYS.items()})
    return out


def _audit_row(event: AuditEvent, names: Mapping[str, str]) -> dict[str, Any]:
    fields = _audit_fields()
    old, new = event.old or {}, event.new or {}

    def show(values: Mapping[str, Any], key: str, choices: Mapping[Any, Any]) -> str:
        if key not in values:
            return ""
        value = values[key]
        return _shown(choices.get(value, value) if isinstance(value, str) else value, codes=False)

    changes = []
    for key in dict.fromkeys([*old, *new]):
        label, choices = fields.get(key, (key, {}))
        changes.append((label, show(old, key, choices), show(new, key, choices)))
    subject = _("家庭") if event.object_type == "household" else names.get(event.object_id, "")
    return {
        "event": event,
        "action": ACTION_LABELS.get(event.action, event.action),
        "subject": subject,
        "changes": changes,
    }
