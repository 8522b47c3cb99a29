"""Template context shared by every page."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.http import HttpRequest


def platform(request: HttpRequest) -> dict[str, Any]:
    """Demo mode, and what the user may do (the menu shows only that), on every page."""
    from jiuzhu.accounts.roles import Can

    user = getattr(request, "user", None)
    signed_in = bool(user is not None and user.is_authenticated and hasattr(user, "can"))
    return {
        "DEMO_MODE": settings.DEMO_MODE,
        "can_view": signed_in and user.can(Can.VIEW_HOUSEHOLDS),  # type: ignore[union-attr]
        "can_edit": signed_in and user.can(Can.EDIT_HOUSEHOLDS),  # type: ignore[union-attr]
        "can_audit": signed_in and user.can(Can.VIEW_AUDIT),  # type: ignore[union-attr]
        "can_manage_users": signed_in and user.can(Can.MANAGE_USERS),  # type: ignore[union-attr]
        "can_handle_cases": signed_in and user.can(Can.HANDLE_CASES),  # type: ignore[union-attr]
        "can_decide": signed_in and user.can(Can.DECIDE),  # type: ignore[union-attr]
        "can_referrals": signed_in and user.can(Can.HANDLE_REFERRALS),  # type: ignore[union-attr]
        "can_warnings": signed_in and user.can(Can.HANDLE_WARNINGS),  # type: ignore[union-attr]
        "can_payments": signed_in and user.can(Can.VIEW_PAYMENTS),  # type: ignore[union-attr]
    }
