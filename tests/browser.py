"""Shared by the browser tests: where Debian's Chromium is and how it is started (the
`browser` fixture is in tests/conftest.py), and signing in with two factors."""

from __future__ import annotations

from pathlib import Path

import pytest
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice
from playwright.sync_api import Page

from jiuzhu.accounts.models import User
from tests.factories import PASSWORD

CHROMIUM = Path("/usr/bin/chromium")
ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]

ONLY_WITH_CHROMIUM = pytest.mark.skipif(
    not CHROMIUM.exists(), reason="Chromium is not installed at /usr/bin/chromium (CI has it)"
)


def _token(user: User) -> str:
    device = TOTPDevice.objects.get(user=user)
    return f"{totp(device.bin_key, device.step, device.t0, device.digits, device.drift):06d}"


def sign_in(page: Page, base: str, user: User) -> None:
    page.goto(f"{base}/accounts/login/")
    page.fill("#id_username", user.username)
    page.fill("#id_password", PASSWORD)
    page.click("main button[type=submit]")
    page.wait_for_url(f"{base}/accounts/verify/")
    page.fill("#id_otp_token", _token(user))
    page.click("main button[type=submit]")
    page.wait_for_url(f"{base}/")
