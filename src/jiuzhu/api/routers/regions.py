"""Administrative divisions: reference data, readable by every signed-in caller. Each
region says whether it lies inside the caller's area (where households may be registered).

(No `from __future__ import annotations`: ninja reads the annotations at runtime.)
"""

from typing import Annotated

from django.http import HttpRequest
from ninja import Path, Router

from jiuzhu.api.problems import Problem, ProblemError
from jiuzhu.api.schemas import AreaOut, RegionDetailOut, RegionOut
from jiuzhu.regions import selectors
from jiuzhu.regions.models import Region
from jiuzhu.regions.scope import current_scope

router = Router(tags=["regions 行政区划"])

ERRORS = {frozenset({400, 401, 403, 404, 422}): Problem}
Code = Annotated[str, Path(pattern=r"^[0-9]{2,12}$", description="区划代码")]


def _in_scope(code: str) -> bool:
    scope = current_scope()
    return scope is not None and code.startswith(scope.prefix)


def _region_out(region: Region) -> RegionOut:
    return RegionOut(
        code=region.code,
        name=region.name,
        level=region.level,
        parent_code=region.parent_id,
        synthetic=region.synthetic,
        in_scope=_in_scope(region.code),
    )


def _region(code: str) -> Region:
    region = selectors.region_get(code)
    if region is None:
        raise ProblemError(404)
    return region


@router.get("/regions/{code}", response={200: RegionDetailOut, **ERRORS})
def region_get(request: HttpRequest, code: Code) -> RegionDetailOut:
    """One region and its path from the province down."""
    region = _region(code)
    return RegionDetailOut(
        **_region_out(region).model_dump(),
        path=[
            AreaOut(code=r.code, name=r.name, level=r.level) for r in selectors.region_path(region)
        ],
    )


@router.get("/regions/{code}/children", response={200: list[RegionOut], **ERRORS})
def region_children(request: HttpRequest, code: Code) -> list[RegionOut]:
    """The regions directly under one region, by code."""
    region = _region(code)
    return [_region_out(r) for r in Region.objects.filter(parent=region).order_by("code")]
