"""Sign-in: lockout, two factors for staff, session timeouts, disabled and moved users,
passwords, demo accounts only in demo mode (SECURITY.md 6-10)."""

from __future__ import annotations

import time
from typing import Any

import pytest
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.test import Client, override_settings
from django.urls import reverse
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice

from jiuzhu.accounts.middleware import LAST_SEEN
from jiuzhu.regions.models import Region
from tests.factories import PASSWORD, make_household, make_user, signed_in


def code_for(user: Any) -> str:
    device = TOTPDevice.objects.get(user=user)
    return f"{totp(device.bin_key, step=device.step, digits=device.digits):06d}"


def password_step(user: Any) -> Client:
    client = Client()
    response = client.post(
        reverse("accounts:login"), {"username": user.username, "password": PASSWORD}
    )
    assert response.status_code == 302
    return client


def test_staff_reach_no_page_after_the_password_alone(caseworker: Any) -> None:
    client = password_step(caseworker)
    home = client.get(reverse("web:home"))
    assert home.status_code == 302 and home["Location"] == reverse("accounts:verify")


def test_the_second_factor_opens_the_platform_and_rotates_the_session(caseworker: Any) -> None:
    client = password_step(caseworker)
    before = client.session.session_key
    response = client.post(reverse("accounts:verify"), {"otp_token": code_for(caseworker)})
    assert response.status_code == 302 and response["Location"] == reverse("web:home")
    assert client.get(reverse("web:home")).status_code == 200
    assert client.session.session_key != before


def test_a_wrong_code_is_refused(caseworker: Any) -> None:
    client = password_step(caseworker)
    wrong = "000000" if code_for(caseworker) != "000000" else "111111"
    response = client.post(reverse("accounts:verify"), {"otp_token": wrong})
    assert response.status_code == 200 and "验证码不正确" in response.content.decode()
    assert client.get(reverse("web:home")).status_code == 302


def test_repeated_failures_lock_the_account_and_every_attempt_is_logged(caseworker: Any) -> None:
    from axes.models import AccessAttempt

    client = Client()
    for _ in range(5):
        client.post(
            reverse("accounts:login"),
            {"username": caseworker.username, "password": "wrong password!"},
        )
    locked = client.post(
        reverse("accounts:login"), {"username": caseworker.username, "password": PASSWORD}
    )
    assert locked.status_code == 429 or "锁定" in locked.content.decode()
    assert (
        AccessAttempt.objects.filter(username=caseworker.username).get().failures_since_start >= 5
    )


def test_an_idle_session_ends(caseworker: Any, settings: Any) -> None:
    client = signed_in(caseworker)
    assert client.get(reverse("web:home")).status_code == 200
    session = client.session
    session[LAST_SEEN] = time.time() - settings.SESSION_IDLE_SECONDS - 5
    session.save()
    assert client.get(reverse("web:home")).status_code == 302


def test_disabling_a_user_ends_their_sessions(caseworker: Any) -> None:
    client = signed_in(caseworker)
    caseworker.is_active = False
    caseworker.save()
    assert client.get(reverse("web:home")).status_code == 302


def test_moving_a_user_to_another_area_cuts_the_old_area_at_the_next_request(
    caseworker: Any, gd_area: str, im_area: str
) -> None:
    household = make_household(caseworker, gd_area)
    client = signed_in(caseworker)
    home = client.get(reverse("web:home"))
    assert home.context["household_count"] == 1
    caseworker.area = Region.objects.get(code=im_area)
    caseworker.save()
    assert client.get(reverse("web:home")).context["household_count"] == 0
    del household


@pytest.mark.parametrize("password", ["short-pass1", "password1234", "123456789012"])
def test_weak_passwords_are_refused(password: str, db: Any) -> None:
    with pytest.raises(ValidationError):
        validate_password(password)


def test_a_long_password_is_accepted(db: Any) -> None:
    validate_password("这是一个很长的中文密码短语 with spaces and 标点！" * 3)


def test_no_user_exists_after_migrations(db: Any) -> None:
    from jiuzhu.accounts.models import User

    assert not User.objects.exists()


def test_demo_accounts_are_listed_only_in_demo_mode(gd_area: str) -> None:
    make_user("township_caseworker", gd_area, username="demo-user", demo=True)
    with override_settings(DEMO_MODE=False):
        assert "demo-user" not in Client().get(reverse("accounts:login")).content.decode()
    with override_settings(DEMO_MODE=True):
        page = Client().get(reverse("accounts:login")).content.decode()
        assert "demo-user" in page and "演示账户" in page


def test_sign_in_sign_out_failures_and_lockout_are_on_the_audit_log(caseworker: Any) -> None:
    """SECURITY.md 7 (issue 15 item 7): every attempt is audited, a typed ID number masked."""
    from jiuzhu.audit.chain import verify
    from jiuzhu.audit.models import AuditEvent

    client = Client()
    typed_id = "440104198003010028"
    client.post(reverse("accounts:login"), {"username": typed_id, "password": "x" * 12})
    for _ in range(5):
        client.post(
            reverse("accounts:login"),
            {"username": caseworker.username, "password": "wrong password!"},
        )
    actions = list(AuditEvent.objects.order_by("id").values_list("action", flat=True))
    assert actions.count("auth.login_failed") >= 6 and "auth.locked_out" in actions
    failed = AuditEvent.objects.filter(action="auth.login_failed").first()
    assert failed is not None and typed_id not in str(failed.new) + failed.actor_name
    other = make_user("township_caseworker", caseworker.area.code, username="gd-other")
    signed = password_step(other)
    signed.post(reverse("accounts:logout"))
    mine = AuditEvent.objects.filter(actor=other).values_list("action", flat=True)
    assert {"auth.login", "auth.logout"} <= set(mine)
    assert verify(AuditEvent).ok
