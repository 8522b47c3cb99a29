"""The pages' access matrix, generated from the URL list (SECURITY.md 1): every page that
takes an object id answers 404 to a user of another area, with the body of a missing id,
for GET and POST, and writes nothing. A new page without an entry here fails the suite."""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from jiuzhu.audit.models import AuditEvent
from jiuzhu.cases.documents import case_document_add
from jiuzhu.cases.services import case_create
from jiuzhu.regions.scope import Scope, using_scope
from tests.factories import make_household, members, signed_in

# page name → which object its id names; pages without an id are listed with None
PAGES: dict[str, str | None] = {
    "registry:search": None,
    "registry:create": None,
    "registry:validate_id": None,
    "registry:detail": "household",
    "registry:edit": "household",
    "registry:member_add": "household",
    "registry:fact_set": "household",
    "registry:evaluate": "household",
    "registry:audit": "household",
    "registry:member_edit": "member",
    "registry:member_move": "member",
    "registry:income_set": "member",
    "registry:reveal_id": "member",
    "web:home": None,
    "audit:events": None,
    "audit:access": None,
    "cases:worklist": None,
    "cases:approvals": None,
    "cases:approve_selected": None,
    "cases:committee": None,
    "cases:referrals": None,
    "cases:notice_list": None,
    "cases:notice_list_pdf": None,
    "cases:intake": "household",
    "cases:detail": "case",
    "cases:act": "case",
    "cases:document": "case",
    "cases:letter": "case",
    "cases:letter_pdf": "case",
    "cases:verification": "case",
    "cases:verification_pdf": "case",
    "cases:verification_adopt": "case",
    "portal:home": None,
    "portal:apply": None,
    "portal:report_change": None,
    "portal:letter_pdf": "case",
    "monitoring:dashboard": None,
    "monitoring:tasks": None,
    "monitoring:task": "task",
    "monitoring:timeline": "household",
    "monitoring:hotline": None,
    "monitoring:hotline_new": None,
    "monitoring:hotline_call": "call",
    # payment and adjustment pages need VIEW_PAYMENTS, which the matrix's township caseworker
    # lacks (403 first): their 404 for another county is tests/benefits/test_views.py's
    "benefits:batches": None,
    "benefits:run": None,
    "benefits:batch": None,
    "benefits:approve": None,
    "benefits:export": None,
    "benefits:reconcile": None,
    "benefits:reissue": None,
    "benefits:cancel": None,
    "benefits:adjustments": None,
    "benefits:adjustment_prepare": None,
    "benefits:adjustment": None,
    "benefits:adjustment_approve": None,
    "benefits:adjustment_apply": None,
    "benefits:adjustment_xlsx": None,
}
# the other parts of a page's address, besides the object's id
EXTRA: dict[str, dict[str, Any]] = {
    "cases:act": {"event": "withdraw"},
    "cases:document": {"document_id": "document"},
    "cases:letter": {"letter": "notification"},
    "cases:letter_pdf": {"letter": "notification"},
    "portal:letter_pdf": {"letter": "notification"},
}
OPEN_NAMESPACES = {"accounts", None}
DATA = {"purpose": "x", "amount": "1"}
PNG = b"\x89PNG\r\n\x1a\n" + b"\0" * 16  # sign-in pages and Django's own (i18n)


def page_names() -> set[str]:
    names: set[str] = set()

    def walk(patterns: list[Any], namespace: str | None) -> None:
        for pattern in patterns:
            if isinstance(pattern, URLResolver):
                if pattern.namespace == "api" or str(pattern.pattern).startswith("api/"):
                    continue  # the API has its own matrix (tests/api/test_scope.py)
                walk(pattern.url_patterns, pattern.namespace or namespace)
            elif (
                isinstance(pattern, URLPattern)
                and pattern.name
                and namespace not in OPEN_NAMESPACES
            ):
                names.add(f"{namespace}:{pattern.name}")

    walk(get_resolver().url_patterns, None)
    return names


def without_tokens(body: bytes) -> bytes:
    """The page without its per-response CSRF token (masked differently every time)."""
    return re.sub(rb'("X-CSRFToken": "|name="csrfmiddlewaretoken" value=")[^"]+', rb"\1", body)


def test_the_matrix_lists_every_page() -> None:
    assert page_names() == set(PAGES)


@pytest.fixture
def gd_objects(caseworker: Any, gd_area: str) -> dict[str, int]:
    household = make_household(caseworker, gd_area, members=1)
    with using_scope(Scope(caseworker.area.scope_prefix)):
        case = case_create(actor=caseworker, household=household, kind="dibao")
        document = case_document_add(
            actor=caseworker, case=case, kind="material", name="a.png", content=PNG
        )
    return {
        "household": household.id,
        "member": members(household)[0].id,
        "case": case.id,
        "document": document.id,
        "task": _task(household).id,
        "call": _call(household).id,
    }


def _task(household: Any) -> Any:
    """A monitoring task of the household (a hotline warning), as a scan writes it."""
    import datetime as dt

    from jiuzhu.monitoring.models import RiskWarning, Task

    day = dt.date(2026, 3, 2)
    warning = RiskWarning.unscoped.create(
        household=household, region_code=household.region_code, kind="hotline", rule="M-03",
        level="yellow", rank=2, key="s1", category="none", raised_on=day,
    )  # fmt: skip
    return Task.unscoped.create(
        warning=warning, household=household, region_code=household.region_code,
        assigned_area=household.region_code, rank=2, opened_on=day, due_on=day,
    )  # fmt: skip


def _call(household: Any) -> Any:
    """A hotline call about the household, routed to its township."""
    import datetime as dt

    from jiuzhu.monitoring.models import HotlineCall

    return HotlineCall.unscoped.create(
        number="12345-T1", line="12345", received_on=dt.date(2026, 3, 2), caller_name="王某",
        caller_phone="13800001234", subject="hardship", request="生活困难", household=household,
        region_code=household.region_code, assigned_area=household.region_code[:9],
        due_on=dt.date(2026, 3, 9),
    )  # fmt: skip


@pytest.mark.parametrize("name", sorted(n for n, kind in PAGES.items() if kind))
def test_another_areas_object_is_missing_on_every_page(
    name: str, gd_objects: dict[str, int], im_caseworker: Any
) -> None:
    kind = PAGES[name]
    assert kind is not None
    arg = {
        "household": "household_id",
        "member": "member_id",
        "case": "case_id",
        "task": "task_id",
        "call": "call_id",
    }[kind]
    extra = {k: gd_objects.get(v, v) for k, v in EXTRA.get(name, {}).items()}
    url = reverse(name, kwargs={arg: gd_objects[kind], **extra})
    missing = reverse(name, kwargs={arg: 999_999_999, **extra})
    client = signed_in(im_caseworker)
    before = AuditEvent.objects.count()
    for method in ("get", "post"):
        response = getattr(client, method)(url, DATA)
        if response.status_code == 405:
            continue
        assert response.status_code == 404, (name, method, response.status_code)
        other = getattr(client, method)(missing, DATA)
        # the same page but for the address itself (the language switch returns to it)
        assert without_tokens(response.content).replace(url.encode(), b"URL") == without_tokens(
            other.content
        ).replace(missing.encode(), b"URL")
    assert AuditEvent.objects.count() == before
