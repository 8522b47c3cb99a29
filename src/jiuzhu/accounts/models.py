"""Users with a role and an area; API tokens stored hashed."""

from __future__ import annotations

import hashlib
from typing import Any

from django.contrib.auth.models import AbstractUser
from django.db import models
from django.utils.translation import gettext_lazy as _

from jiuzhu.accounts.roles import STAFF_ROLES, Can, Role, capabilities_of


class Department(models.TextChoices):
    """The department a department officer works for: the queue of referrals it receives
    (A-01 分办转办; codes as the specialized aids in cases.models.ReferralAid)."""

    MEDICAL = "medical", _("医疗保障部门")
    EDUCATION = "education", _("教育部门")
    HOUSING = "housing", _("住房城乡建设部门")
    EMPLOYMENT = "employment", _("人力资源社会保障部门")


class User(AbstractUser):
    role = models.CharField(_("角色"), max_length=32, choices=Role.choices, default=Role.APPLICANT)
    area = models.ForeignKey(
        "regions.Region",
        verbose_name=_("所属区域"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="users",
    )
    display_name = models.CharField(_("姓名"), max_length=64, blank=True)
    household_number = models.CharField(
        _("本人家庭编号"), max_length=24, blank=True,
        help_text=_("申请人账户：只能查看和申请本家庭的事项"),
    )  # fmt: skip
    department = models.CharField(
        _("所属部门"), max_length=16, choices=Department.choices, blank=True
    )
    demo = models.BooleanField(_("演示账户"), default=False)
    password_changed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("用户")
        verbose_name_plural = _("用户")

    def __str__(self) -> str:
        return self.display_name or self.username

    def can(self, capability: Can) -> bool:
        return self.is_active and capability in capabilities_of(self.role)

    @property
    def is_staff_role(self) -> bool:
        """Staff sign in with two factors (SECURITY.md 8)."""
        return self.role in STAFF_ROLES


class ApiToken(models.Model):
    """A token for another system; only its SHA-256 is stored."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="api_tokens")
    name = models.CharField(_("名称"), max_length=64)
    digest = models.CharField(max_length=64, unique=True)
    prefix = models.CharField(max_length=8, help_text=_("令牌前 8 位，便于辨认"))
    created_at = models.DateTimeField(auto_now_add=True)
    last_used_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)
    # a token ends on its own (settings.JIUZHU_API_TOKEN_DAYS, default 90) unless revoked first
    expires_at = models.DateTimeField(_("有效期至"), null=True, blank=True)

    def is_usable(self, now: Any) -> bool:
        return self.revoked_at is None and self.expires_at is not None and now < self.expires_at

    class Meta:
        verbose_name = _("API 令牌")
        verbose_name_plural = _("API 令牌")

    @staticmethod
    def digest_of(raw: str) -> str:
        return hashlib.sha256(raw.encode()).hexdigest()
