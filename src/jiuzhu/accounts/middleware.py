"""Session policy: idle timeout, second factor for staff, disabled users signed out.

Runs after authentication and OTP: a staff user who has not passed the second factor
reaches only the sign-in pages (SECURITY.md 8); an idle session ends (SECURITY.md 9).
"""

from __future__ import annotations

import time
from collections.abc import Callable

from django.conf import settings
from django.contrib.auth import logout
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect, JsonResponse
from django.urls import reverse

OPEN_PREFIXES = ("/accounts/", "/static/", "/i18n/", "/healthz")
LAST_SEEN = "jiuzhu_last_seen"
SIGNED_IN = "jiuzhu_signed_in"


class SessionPolicyMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = request.user
        if user.is_authenticated:
            now = time.time()
            last = request.session.get(LAST_SEEN)
            # the sign-in time, kept in the session at its first request; the session ends at
            # the absolute limit however busy it is (its cookie's expiry slides, this does not)
            started = request.session.setdefault(SIGNED_IN, now)
            if (
                not user.is_active
                or (last is not None and now - last > settings.SESSION_IDLE_SECONDS)
                or now - started > settings.SESSION_ABSOLUTE_SECONDS
            ):
                logout(request)
                return self._to_login(request)
            request.session[LAST_SEEN] = now
            needs_otp = getattr(user, "is_staff_role", False) and not user.is_verified()  # type: ignore[attr-defined]
            if needs_otp and not request.path.startswith(OPEN_PREFIXES):
                if request.path.startswith("/api/"):
                    return JsonResponse({"detail": "second factor required"}, status=401)
                return HttpResponseRedirect(reverse("accounts:verify"))
        return self.get_response(request)

    @staticmethod
    def _to_login(request: HttpRequest) -> HttpResponse:
        if request.path.startswith("/api/"):
            return JsonResponse({"detail": "session expired"}, status=401)
        return HttpResponseRedirect(reverse("accounts:login"))
