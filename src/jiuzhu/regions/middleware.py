"""Sets the area scope of each request from the signed-in user (see scope.py)."""

from __future__ import annotations

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse

from jiuzhu.regions.scope import Scope, using_scope


class AreaScopeMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        with using_scope(scope_of(request.user)):
            return self.get_response(request)


def scope_of(user: object) -> Scope | None:
    """The user's area as a scope; None (nothing) for anonymous or unassigned users.

    Read from the database on every request, so moving a user to another area cuts the old
    area at the next request (SECURITY.md 6)."""
    if not getattr(user, "is_authenticated", False) or not getattr(user, "is_active", False):
        return None
    area = getattr(user, "area", None)
    if area is None:
        return None
    return Scope(area.scope_prefix, area.name)
