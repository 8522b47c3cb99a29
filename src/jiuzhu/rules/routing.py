"""A-06: who approves a temporary-assistance amount (township, county or committee)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from jiuzhu.rules.params import ParameterSet, default_parameters
from jiuzhu.rules.regions import UnknownRegion


def route_temporary_aid(
    *, region: str, amount: Decimal, as_of: dt.date, params: ParameterSet | None = None
) -> dict[str, Any]:
    """Amount ≤ N × the current monthly urban dibao standard → township; ≤ the county ceiling →
    county civil affairs; above → special assistance decided case by case (一事一议) by the
    county coordination mechanism (IM 14). Multiplier and ceiling are parameters."""
    pset = params if params is not None else default_parameters()
    try:
        county = pset.regions.leaf_of(region)
    except UnknownRegion as exc:
        raise UnknownRegion(f"--region: {exc}") from None
    dibao = pset.resolve("dibao_standard_urban", county, as_of)
    multiplier = pset.resolve("temporary_aid_township_multiplier", county, as_of)
    ceiling = pset.resolve("temporary_aid_county_ceiling", county, as_of)
    assert isinstance(dibao.value, Decimal) and isinstance(multiplier.value, Decimal)
    assert isinstance(ceiling.value, Decimal)
    township_limit = (dibao.value * multiplier.value).quantize(Decimal("0.01"))
    county_limit = ceiling.value
    if amount <= township_limit:
        authority = "township"
    elif amount <= county_limit:
        authority = "county"
    else:
        authority = "committee"
    return {
        "region": region,
        "as_of": as_of.isoformat(),
        "amount": f"{amount:.2f}",
        "authority": authority,
        "rule": "A-06",
        "thresholds": {
            "township_max": f"{township_limit:.2f}",
            "county_max": f"{county_limit:.2f}",
        },
        "parameters": [dibao.as_dict(), multiplier.as_dict(), ceiling.as_dict()],
    }
