"""Reads of the region table (public reference data: not area-scoped)."""

from __future__ import annotations

from django.db.models import QuerySet

from jiuzhu.regions.models import Region


def region_get(code: str) -> Region | None:
    return Region.objects.filter(code=code).first()


def regions_within(region: Region) -> QuerySet[Region]:
    """The region and everything under it."""
    return Region.objects.filter(code__startswith=region.scope_prefix)


def region_path(region: Region) -> list[Region]:
    """From the top down to the region (省 › 市 › 县 › 镇 › 村)."""
    path = [region]
    while path[0].parent_id:
        parent = path[0].parent
        assert parent is not None
        path.insert(0, parent)
    return path
