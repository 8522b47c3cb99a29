"""Reads of accounts."""

from __future__ import annotations

from typing import Any

from django.db.models import Q, QuerySet

from jiuzhu.accounts.models import ApiToken, User
from jiuzhu.accounts.roles import Can


def demo_accounts() -> list[dict[str, Any]]:
    """The demo accounts, for the login page in demo mode only (SECURITY.md 10)."""
    rows = []
    for user in (
        User.objects.filter(demo=True, is_active=True)
        .select_related("area")
        .order_by("area_id", "role")
    ):
        rows.append(
            {
                "username": user.username,
                "role": user.get_role_display(),
                "area": user.area.name if user.area else "",
            }
        )
    return rows


def api_tokens_visible_to(user: User) -> QuerySet[ApiToken]:
    """A person's own tokens; a token manager's, every token of a user in their area (the
    one gate for listing and revoking: another area's token is not found)."""
    own = Q(user=user)
    if user.can(Can.MANAGE_API_TOKENS) and user.area is not None:
        own |= Q(user__area__code__startswith=user.area.scope_prefix)
    return (
        ApiToken.objects.filter(own)
        .select_related("user", "user__area")
        .order_by("-created_at", "-id")
    )
