"""Writes to the region table: the packaged GB/T 2260 data, and synthetic subdivisions."""

from __future__ import annotations

import csv
from importlib import resources

from django.db import transaction

from jiuzhu.regions.models import Level, Region

TOWN_SUFFIXES = ("街道", "镇", "乡")
VILLAGE_SUFFIXES = ("社区", "村")


def gbt2260_rows() -> list[dict[str, str]]:
    """The packaged divisions (src/jiuzhu/rules/data/regions.csv, provenance beside it)."""
    text = resources.files("jiuzhu.rules").joinpath("data/regions.csv").read_text("utf-8")
    return list(csv.DictReader(text.splitlines()))


@transaction.atomic
def regions_load_gbt2260() -> int:
    """Insert the packaged divisions that are missing; returns how many were added."""
    existing = set(Region.objects.values_list("code", flat=True))
    added = 0
    for row in gbt2260_rows():  # parents come before children in the file
        if row["code"] in existing:
            continue
        Region.objects.create(
            code=row["code"],
            name=row["name"],
            level=row["level"],
            parent_id=row["parent"] or None,
        )
        added += 1
    return added


@transaction.atomic
def regions_generate_subdivisions(
    county_code: str, *, townships: int = 4, villages: int = 5
) -> list[Region]:
    """Synthetic townships and villages under a county, for demos: marked synthetic, named
    so nobody can take them for real places (合成 = synthetic)."""
    county = Region.objects.get(code=county_code)
    created: list[Region] = []
    for t in range(1, townships + 1):
        town_code = f"{county.code}{t:03d}"
        town, _ = Region.objects.get_or_create(
            code=town_code,
            defaults={
                "name": f"合成{t}{TOWN_SUFFIXES[t % len(TOWN_SUFFIXES)]}",
                "level": Level.TOWNSHIP,
                "parent": county,
                "synthetic": True,
            },
        )
        created.append(town)
        for v in range(1, villages + 1):
            village, _ = Region.objects.get_or_create(
                code=f"{town_code}{v:03d}",
                defaults={
                    "name": f"合成{t}-{v}{VILLAGE_SUFFIXES[v % len(VILLAGE_SUFFIXES)]}",
                    "level": Level.VILLAGE,
                    "parent": town,
                    "synthetic": True,
                },
            )
            created.append(village)
    return created
