"""Reads of accounts."""

from __future__ import annotations

from typing import Any

from jiuzhu.accounts.models import User


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
