"""Accounts from the command line: a user with a TOTP device (enrolment shown once), weak
passwords refused, disabling, API tokens shown once and stored hashed."""

from __future__ import annotations

import json
from typing import Any

import pytest
from django_otp.plugins.otp_totp.models import TOTPDevice
from typer.testing import CliRunner

from jiuzhu.accounts.models import ApiToken, User
from jiuzhu.audit.models import AuditEvent
from jiuzhu.cli.main import app

runner = CliRunner()


@pytest.fixture
def new_password(monkeypatch: pytest.MonkeyPatch) -> str:
    password = "a long enough pass phrase 2026"
    monkeypatch.setenv("JIUZHU_NEW_PASSWORD", password)
    return password


def test_a_staff_user_is_created_with_a_totp_device(gd_area: str, new_password: str) -> None:
    result = runner.invoke(
        app,
        [
            "users",
            "create",
            "--username",
            "clerk",
            "--role",
            "township_caseworker",
            "--area",
            gd_area,
            "--name",
            "办事员",
        ],
    )
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout.strip().splitlines()[-1])["totp"] is True
    assert "otpauth://totp/" in result.stderr
    user = User.objects.get(username="clerk")
    assert user.check_password(new_password) and user.area_id == gd_area
    assert TOTPDevice.objects.filter(user=user, confirmed=True).exists()
    assert AuditEvent.objects.filter(action="user.create", object_id=str(user.id)).exists()


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--role", "pope", "--area", "440104"], "未知角色"),
        (["--role", "auditor", "--area", "999999"], "区划代码不存在"),
    ],
)
def test_bad_roles_and_areas_exit_2(
    gd_area: str, new_password: str, args: list[str], message: str
) -> None:
    result = runner.invoke(app, ["users", "create", "--username", "x", *args])
    assert result.exit_code == 2 and message in result.stderr
    assert not User.objects.filter(username="x").exists()


def test_a_weak_password_is_refused(gd_area: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("JIUZHU_NEW_PASSWORD", "password123")
    result = runner.invoke(
        app, ["users", "create", "--username", "weak", "--role", "auditor", "--area", gd_area]
    )
    assert result.exit_code == 2
    assert not User.objects.filter(username="weak").exists()


def test_disabling_and_tokens(caseworker: Any) -> None:
    made = runner.invoke(
        app, ["tokens", "create", "--username", caseworker.username, "--name", "核对系统"]
    )
    assert made.exit_code == 0, made.output
    raw = json.loads(made.stdout)["token"]
    stored = ApiToken.objects.get(user=caseworker)
    assert raw not in (stored.digest, stored.prefix) and stored.digest == ApiToken.digest_of(raw)
    off = runner.invoke(
        app, ["users", "disable", "--username", caseworker.username, "--reason", "调离"]
    )
    assert off.exit_code == 0
    caseworker.refresh_from_db()
    assert not caseworker.is_active


def test_an_applicant_account_is_linked_to_a_household_of_its_area(
    caseworker: Any, gd_area: str, new_password: str
) -> None:
    from tests.factories import make_household

    household = make_household(caseworker, gd_area + "001", members=1)
    base = ["users", "create", "--role", "applicant", "--area", gd_area + "001"]
    made = runner.invoke(app, [*base, "--username", "mrs-li", "--household", household.number])
    assert made.exit_code == 0, made.output
    assert User.objects.get(username="mrs-li").household_number == household.number
    elsewhere = runner.invoke(
        app, [*base[:-1], "440104002", "--username", "mr-wu", "--household", household.number]
    )
    assert elsewhere.exit_code == 2 and "该区域内没有这个家庭编号" in elsewhere.stderr
    staff = runner.invoke(
        app,
        ["users", "create", "--role", "auditor", "--area", gd_area, "--username", "aud",
         "--household", household.number],
    )  # fmt: skip
    assert staff.exit_code == 2 and "只有申请人账户关联家庭" in staff.stderr
