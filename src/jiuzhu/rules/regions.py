"""The packaged GB/T 2260 administrative divisions (data/regions.csv) and the P-01 lookup chain.

A household's region may be a county-level code (6 digits) or finer (a township's 9 digits or a
village's 12); parameters are resolved on the chain county → city → province → nation (P-01).
"""

from __future__ import annotations

import csv
from dataclasses import dataclass
from functools import cache
from importlib import resources

from jiuzhu.rules.errors import RulesError

NATION = "000000"
LEVELS = ("country", "province", "city", "county")


@dataclass(frozen=True, slots=True)
class Region:
    """One administrative division of the packaged dataset."""

    code: str
    name: str
    level: str
    parent: str | None


class UnknownRegion(RulesError):
    """A region code that is not in the packaged GB/T 2260 dataset."""


class RegionTable:
    """The divisions by code, with the parent chain used for parameter layering (P-01)."""

    def __init__(self, regions: list[Region]) -> None:
        self.by_code: dict[str, Region] = {r.code: r for r in regions}
        children: set[str] = {r.parent for r in regions if r.parent}
        # A division that can hold households directly: a county-level unit, or a city that
        # has no county-level units (东莞, 中山 administer their towns directly).
        self.leaves: frozenset[str] = frozenset(
            r.code
            for r in regions
            if r.level == "county" or (r.level == "city" and r.code not in children)
        )
        self._chains: dict[str, tuple[str, ...]] = {}

    def __contains__(self, code: object) -> bool:
        return code in self.by_code

    def get(self, code: str) -> Region:
        try:
            return self.by_code[code]
        except KeyError:
            raise UnknownRegion(f"unknown region code {code!r} (not in GB/T 2260 data)") from None

    def leaf_of(self, code: str) -> str:
        """The county-level code of a county-level or finer code; an error when unknown."""
        if not isinstance(code, str) or not code.isdigit() or len(code) not in (6, 9, 12):
            raise UnknownRegion(
                f"region code {code!r} must be 6 (county), 9 (township) or 12 (village) digits"
            )
        leaf = code[:6]
        if leaf not in self.leaves:
            raise UnknownRegion(
                f"unknown region code {code!r}: {leaf} is not a county-level division "
                "in the GB/T 2260 data"
            )
        return leaf

    def chain(self, code: str) -> tuple[str, ...]:
        """Codes from the given division up to the nation, most specific first."""
        cached = self._chains.get(code)
        if cached is not None:
            return cached
        out: list[str] = []
        current: str | None = code
        while current is not None:
            out.append(current)
            current = self.get(current).parent
        if out[-1] != NATION:
            out.append(NATION)
        result = tuple(out)
        self._chains[code] = result
        return result


@cache
def default_regions() -> RegionTable:
    """The packaged dataset; see data/PROVENANCE.md for where it comes from."""
    text = resources.files("jiuzhu.rules").joinpath("data/regions.csv").read_text("utf-8")
    rows = csv.DictReader(text.splitlines())
    regions = [
        Region(
            code=row["code"],
            name=row["name"],
            level=row["level"],
            parent=row["parent"] or None,
        )
        for row in rows
    ]
    return RegionTable(regions)
