"""Who is calling: an API token (`Authorization: Bearer <token>`) or the pages' session.

- A token is looked up by its SHA-256 (only the digest is stored); unknown, revoked or
  belonging to a disabled user → 401. After it is accepted the area scope of the request is
  set from the token's user, exactly as the middleware does for a session.
- A session counts only when its user passed the second factor (staff roles; the
  SessionPolicyMiddleware already answers 401 before this for /api/), and unsafe methods
  must carry the CSRF token.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.http import HttpRequest
from django.utils import timezone
from ninja.errors import AuthenticationError, AuthorizationError
from ninja.security.apikey import APIKeyCookie
from ninja.security.http import HttpBearer
from ninja.utils import check_csrf

from jiuzhu.accounts.models import ApiToken, User
from jiuzhu.accounts.roles import Can
from jiuzhu.accounts.services import api_token_touch
from jiuzhu.api.problems import ProblemError
from jiuzhu.regions.middleware import scope_of
from jiuzhu.regions.scope import enter_scope


class TokenAuth(HttpBearer):
    """`Authorization: Bearer jz_…`: a token created by `api_token_create`."""

    def __call__(self, request: HttpRequest) -> Any:
        value = request.headers.get(self.header)
        if not value:
            return None  # no token: the session may still authenticate
        scheme, _, token = value.partition(" ")
        if scheme.lower() != "bearer" or not token.strip():
            raise AuthenticationError()  # never logged: the header may hold a secret
        return self.authenticate(request, token.strip())

    def authenticate(self, request: HttpRequest, token: str) -> User:
        found = (
            ApiToken.objects.select_related("user", "user__area")
            .filter(digest=ApiToken.digest_of(token))
            .first()
        )
        if found is None or not found.is_usable(timezone.now()) or not found.user.is_active:
            raise AuthenticationError()
        api_token_touch(found)
        user = found.user
        enter_scope(scope_of(user))  # reset by the middleware at the end of the request
        request.auth_method = "token"  # type: ignore[attr-defined]
        return user


class SessionOtpAuth(APIKeyCookie):
    """The pages' session, once past the second factor; CSRF checked on unsafe methods."""

    param_name = settings.SESSION_COOKIE_NAME

    def _get_key(self, request: HttpRequest) -> str | None:
        return request.COOKIES.get(self.param_name)

    def authenticate(self, request: HttpRequest, key: str | None) -> User | None:
        user = request.user
        if not user.is_authenticated or not user.is_active:
            return None
        if getattr(user, "is_staff_role", False) and not user.is_verified():  # type: ignore[attr-defined]
            return None
        if (
            self.csrf
            and not getattr(request, "_ninja_csrf_exempt", False)
            and check_csrf(request) is not None
        ):
            raise AuthorizationError(403, "CSRF check failed")
        request.auth_method = "session"  # type: ignore[attr-defined]
        return user  # type: ignore[return-value]


AUTH = [TokenAuth(), SessionOtpAuth()]


def actor(request: HttpRequest) -> User:
    """The authenticated user of an API request."""
    return request.auth  # type: ignore[attr-defined,no-any-return]


def require(request: HttpRequest, capability: Can) -> User:
    """The actor, if their role has the capability; else 403."""
    user = actor(request)
    if not user.can(capability):
        raise ProblemError(403)
    return user
