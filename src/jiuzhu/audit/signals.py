"""Sign-in, sign-out, failed attempts and lockouts on the audit log (SECURITY.md 7).

Django's and django-axes' signals, received here so the accounts context needs no hook of
its own. A username typed into a failed attempt is stored as typed but masked like every log
(an ID number typed into the wrong field never lands in the log in full).
"""

from __future__ import annotations

from typing import Any

from django.db import transaction

from jiuzhu.audit.logging import mask_text
from jiuzhu.audit.services import audit_record


def _record(actor: Any, action: str, object_id: Any, new: dict[str, Any] | None = None) -> None:
    with transaction.atomic():
        audit_record(
            actor=actor, action=action, object_type="user", object_id=object_id or "", new=new
        )


def on_login(sender: Any, request: Any, user: Any, **kwargs: Any) -> None:
    _record(user, "auth.login", user.pk)


def on_logout(sender: Any, request: Any, user: Any, **kwargs: Any) -> None:
    if user is not None:  # a visitor who was not signed in has nothing to end
        _record(user, "auth.logout", user.pk)


def on_login_failed(
    sender: Any, credentials: dict[str, Any], request: Any = None, **kw: Any
) -> None:
    typed = mask_text(str(credentials.get("username") or ""))[:150]
    _record(f"anonymous:{typed}", "auth.login_failed", "", {"username": typed})


def on_locked_out(sender: Any, request: Any = None, username: Any = None, **kwargs: Any) -> None:
    typed = mask_text(str(username or ""))[:150]
    _record(f"anonymous:{typed}", "auth.locked_out", "", {"username": typed})


def connect() -> None:
    from axes.signals import user_locked_out
    from django.contrib.auth.signals import user_logged_in, user_logged_out, user_login_failed

    user_logged_in.connect(on_login, dispatch_uid="jiuzhu.audit.login")
    user_logged_out.connect(on_logout, dispatch_uid="jiuzhu.audit.logout")
    user_login_failed.connect(on_login_failed, dispatch_uid="jiuzhu.audit.login_failed")
    user_locked_out.connect(on_locked_out, dispatch_uid="jiuzhu.audit.locked_out")
