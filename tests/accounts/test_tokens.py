"""Sessions end at their absolute limit however busy; API tokens expire and are listed and
revoked on a page, within the manager's area (SECURITY.md 9, issue 15 item 4)."""

from __future__ import annotations

import datetime as dt
import time
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from jiuzhu.accounts.middleware import SIGNED_IN
from jiuzhu.accounts.models import ApiToken
from jiuzhu.accounts.services import api_token_create
from tests.factories import make_user, signed_in

pytestmark = pytest.mark.django_db


def _api(raw: str) -> int:
    return Client().get("/api/v1/me", HTTP_AUTHORIZATION=f"Bearer {raw}").status_code


def test_a_busy_session_still_ends_at_its_absolute_limit(caseworker: Any, settings: Any) -> None:
    client = signed_in(caseworker)
    assert client.get(reverse("web:home")).status_code == 200  # busy: seen a moment ago
    session = client.session
    session[SIGNED_IN] = time.time() - settings.SESSION_ABSOLUTE_SECONDS - 5
    session.save()
    assert client.get(reverse("web:home")).status_code == 302


def test_a_token_expires_after_the_configured_days(caseworker: Any, settings: Any) -> None:
    token, raw = api_token_create(actor=None, user=caseworker, name="对接系统")
    assert token.expires_at is not None
    days = (token.expires_at - timezone.now()).days
    assert days in (settings.JIUZHU_API_TOKEN_DAYS - 1, settings.JIUZHU_API_TOKEN_DAYS)
    assert _api(raw) == 200
    ApiToken.objects.filter(id=token.id).update(expires_at=timezone.now() - dt.timedelta(seconds=1))
    assert _api(raw) == 401


def test_a_manager_lists_and_revokes_the_areas_tokens_and_not_another_areas(
    caseworker: Any, im_caseworker: Any
) -> None:
    manager = make_user("system_admin", caseworker.area.code[:6], username="gd-sysadmin")
    mine, mine_raw = api_token_create(actor=None, user=caseworker, name="广州对接")
    theirs, _ = api_token_create(actor=None, user=im_caseworker, name="内蒙古对接")
    client = signed_in(manager)
    page = client.get(reverse("accounts:tokens")).content.decode()
    assert "广州对接" in page and "内蒙古对接" not in page
    assert client.post(reverse("accounts:token_revoke", args=[theirs.id])).status_code == 404
    response = client.post(reverse("accounts:token_revoke", args=[mine.id]))
    assert response.status_code == 302
    assert _api(mine_raw) == 401
    assert ApiToken.objects.get(id=theirs.id).revoked_at is None


def test_a_caseworker_sees_only_their_own_tokens(caseworker: Any, gd_area: str) -> None:
    colleague = make_user("township_caseworker", gd_area, username="gd-colleague")
    api_token_create(actor=None, user=caseworker, name="我的令牌")
    other, _ = api_token_create(actor=None, user=colleague, name="同事的令牌")
    client = signed_in(caseworker)
    page = client.get(reverse("accounts:tokens")).content.decode()
    assert "我的令牌" in page and "同事的令牌" not in page
    assert client.post(reverse("accounts:token_revoke", args=[other.id])).status_code == 404


def test_the_token_page_needs_the_second_factor(caseworker: Any) -> None:
    from tests.accounts.test_login import password_step

    client = password_step(caseworker)
    response = client.get(reverse("accounts:tokens"))
    assert response.status_code == 302 and response["Location"] == reverse("accounts:verify")
