"""The caller: role, area, capabilities.

(No `from __future__ import annotations`: ninja reads the annotations at runtime.)
"""

from django.http import HttpRequest
from ninja import Router

from jiuzhu.accounts.roles import capabilities_of
from jiuzhu.api.auth import actor
from jiuzhu.api.problems import Problem
from jiuzhu.api.schemas import AreaOut, MeOut
from jiuzhu.regions.scope import current_scope

router = Router(tags=["me 当前用户"])


@router.get("/me", response={200: MeOut, frozenset({401, 403}): Problem})
def me(request: HttpRequest) -> MeOut:
    """Who the API sees: role, area, the scope of the data and what the role may do."""
    user = actor(request)
    area = user.area
    scope = current_scope()
    return MeOut(
        id=user.id,
        username=user.get_username(),
        display_name=user.display_name,
        role=user.role,
        role_label=str(user.get_role_display()),
        area=AreaOut(code=area.code, name=area.name, level=area.level) if area else None,
        scope_prefix=scope.prefix if scope else None,
        capabilities=sorted(str(c) for c in capabilities_of(user.role)) if user.is_active else [],
        auth=getattr(request, "auth_method", "session"),
    )
