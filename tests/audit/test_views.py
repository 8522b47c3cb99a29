"""The audit pages: read-only, for roles that may view audits, limited to their area."""

from __future__ import annotations

from typing import Any

from django.urls import reverse

from jiuzhu.regions.scope import Scope, using_scope
from jiuzhu.registry import services
from tests.factories import make_household, make_user, members, signed_in


def test_auditors_see_their_areas_changes_and_reads_only(
    caseworker: Any, im_caseworker: Any, gd_area: str, im_area: str
) -> None:
    gd = make_household(caseworker, gd_area)
    make_household(im_caseworker, im_area)
    with using_scope(Scope(caseworker.area.scope_prefix)):
        services.member_reveal_id(actor=caseworker, member=members(gd)[0], purpose="核对")
    auditor = make_user("auditor", "440104")
    client = signed_in(auditor)
    page = client.get(reverse("audit:events")).content.decode()
    assert gd.number in page and "150102" not in page
    access = client.get(reverse("audit:access")).content.decode()
    assert "核对" in access
    assert client.post(reverse("audit:events")).status_code == 405


def test_roles_without_audit_rights_are_refused(caseworker: Any, gd_area: str) -> None:
    assistant = make_user("village_assistant", gd_area)
    assert signed_in(assistant).get(reverse("audit:events")).status_code == 403


def test_the_home_page_differs_by_role(caseworker: Any, gd_area: str) -> None:
    home = signed_in(caseworker).get(reverse("web:home")).content.decode()
    assert "household-count" in home and "recent-events" in home
    admin = make_user("system_admin", "440104")
    page = signed_in(admin).get(reverse("web:home")).content.decode()
    assert "jiuzhu users create" in page and "household-count" not in page
