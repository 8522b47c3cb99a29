"""Writes to accounts: API tokens. Each write is one transaction with its audit row inside.

A token is shown once, when it is created; only its SHA-256 is stored (models.ApiToken)."""

from __future__ import annotations

import datetime as dt
import secrets
from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from jiuzhu.accounts.models import ApiToken, User
from jiuzhu.accounts.roles import Can
from jiuzhu.audit.services import audit_record

TOKEN_PREFIX = "jz_"
# how stale `last_used_at` may get before a request writes it again (one write a minute,
# not one per request)
TOUCH_EVERY = dt.timedelta(minutes=1)
NOT_ALLOWED = _("您的角色无权进行此操作")
NAME_REQUIRED = _("请填写令牌名称")


class AccountError(Exception):
    """A refused write to accounts: nothing was saved."""

    def __init__(self, message: object, *, field: str | None = None) -> None:
        self.field = field
        self.message = str(message)
        super().__init__(f"{field}: {self.message}" if field else self.message)


def _manages(actor: Any, user: User) -> bool:
    """The system itself (actor None), or a token manager whose area contains the user's."""
    if actor is None:
        return True
    if not actor.can(Can.MANAGE_API_TOKENS) or actor.area is None:
        return False
    return user.area is not None and user.area.code.startswith(actor.area.scope_prefix)


@transaction.atomic(durable=True)
def api_token_create(*, actor: Any, user: User, name: str) -> tuple[ApiToken, str]:
    """A new token for `user`; returns the row and the raw token, which is never stored and
    cannot be shown again."""
    if not _manages(actor, user):
        raise AccountError(NOT_ALLOWED)
    name = name.strip()
    if not name:
        raise AccountError(NAME_REQUIRED, field="name")
    raw = TOKEN_PREFIX + secrets.token_urlsafe(32)
    expires = timezone.now() + dt.timedelta(days=settings.JIUZHU_API_TOKEN_DAYS)
    token = ApiToken(
        user=user, name=name, digest=ApiToken.digest_of(raw), prefix=raw[:8], expires_at=expires
    )
    token.full_clean()
    token.save()
    audit_record(
        actor=actor,
        action="api_token.create",
        object_type="api_token",
        object_id=token.id,
        region_code=user.area.code if user.area else "",
        new={
            "user": user.get_username(),
            "name": name,
            "prefix": token.prefix,
            "expires_at": expires.isoformat(),
        },
    )
    return token, raw


@transaction.atomic(durable=True)
def api_token_revoke(*, actor: Any, token: ApiToken) -> ApiToken:
    """The token stops working at once. Its owner may revoke it too."""
    user = token.user
    if not (actor is not None and actor.pk == user.pk) and not _manages(actor, user):
        raise AccountError(NOT_ALLOWED)
    if token.revoked_at is not None:
        return token
    token.revoked_at = timezone.now()
    token.save(update_fields=["revoked_at"])
    audit_record(
        actor=actor,
        action="api_token.revoke",
        object_type="api_token",
        object_id=token.id,
        region_code=user.area.code if user.area else "",
        old={"revoked_at": None},
        new={"revoked_at": token.revoked_at.isoformat(), "prefix": token.prefix},
    )
    return token


def api_token_touch(token: ApiToken) -> None:
    """Record that the token was used (bookkeeping, not audited): at most once a minute."""
    now = timezone.now()
    if token.last_used_at is None or now - token.last_used_at >= TOUCH_EVERY:
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
        token.last_used_at = now


ROLE_UNKNOWN = _("未知角色")
AREA_UNKNOWN = _("区划代码不存在")
USERNAME_TAKEN = _("该用户名已被使用")
HOUSEHOLD_UNKNOWN = _("该区域内没有这个家庭编号")
HOUSEHOLD_ONLY_APPLICANT = _("只有申请人账户关联家庭")


@transaction.atomic(durable=True)
def user_create(
    *,
    actor: Any,
    username: str,
    password: str,
    role: str,
    area_code: str,
    display_name: str = "",
    household_number: str = "",
) -> tuple[User, str]:
    """A user with a role and an area, and a TOTP device for staff; returns the user and the
    device's provisioning URI (shown once, to enrol the authenticator app). The password is
    checked by the configured validators."""
    from django.contrib.auth.password_validation import validate_password
    from django.core.exceptions import ValidationError
    from django_otp.plugins.otp_totp.models import TOTPDevice

    from jiuzhu.accounts.roles import Role
    from jiuzhu.regions.models import Region

    if actor is not None and not actor.can(Can.MANAGE_USERS):
        raise AccountError(NOT_ALLOWED)
    if role not in Role.values:
        raise AccountError(ROLE_UNKNOWN, field="role")
    area = Region.objects.filter(code=area_code).first()
    if area is None:
        raise AccountError(AREA_UNKNOWN, field="area")
    if User.objects.filter(username=username).exists():
        raise AccountError(USERNAME_TAKEN, field="username")
    if household_number:
        _check_household(household_number, role, area)
    user = User(
        username=username,
        role=role,
        area=area,
        display_name=display_name,
        household_number=household_number,
    )
    try:
        validate_password(password, user)
    except ValidationError as exc:
        raise AccountError(" ".join(exc.messages), field="password") from None
    user.set_password(password)
    user.password_changed_at = timezone.now()
    user.full_clean()
    user.save()
    uri = ""
    if user.is_staff_role:
        device = TOTPDevice.objects.create(user=user, name="default", confirmed=True)
        uri = device.config_url
    audit_record(
        actor=actor,
        action="user.create",
        object_type="user",
        object_id=user.id,
        region_code=area.code,
        new={
            "username": username,
            "role": role,
            "area": area.code,
            **({"household": household_number} if household_number else {}),
        },
    )
    return user, uri


def _check_household(number: str, role: str, area: Any) -> None:
    """An applicant's account sees one household: it must exist within the account's area."""
    from jiuzhu.accounts.roles import Role
    from jiuzhu.registry.models import Household

    if role != Role.APPLICANT:
        raise AccountError(HOUSEHOLD_ONLY_APPLICANT, field="household")
    found = Household.unscoped.filter(
        number=number, region_code__startswith=area.scope_prefix, closed_on__isnull=True
    ).exists()
    if not found:
        raise AccountError(HOUSEHOLD_UNKNOWN, field="household")


@transaction.atomic(durable=True)
def user_set_active(*, actor: Any, user: User, active: bool, reason: str) -> User:
    """Disable or re-enable a user; a disabled user's sessions end at their next request."""
    if actor is not None and not actor.can(Can.MANAGE_USERS):
        raise AccountError(NOT_ALLOWED)
    before = user.is_active
    user.is_active = active
    user.save(update_fields=["is_active"])
    audit_record(
        actor=actor,
        action="user.active",
        object_type="user",
        object_id=user.id,
        region_code=user.area.code if user.area else "",
        old={"is_active": before},
        new={"is_active": active, "reason": reason},
    )
    return user
