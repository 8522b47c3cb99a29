"""A-06: who approves a temporary-assistance amount (township, county or committee)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from jiuzhu.rules.errors import ParameterError
from jiuzhu.rules.params import ParameterSet, Resolved, default_parameters
from jiuzhu.rules.regions import UnknownRegion

TIER_PARAMETERS = ("temporary_aid_township_multiplier", "temporary_aid_county_ceiling")

# The national rule where a tier is not configured: the county approves; small amounts *may*
# be delegated to the township, so without a configured delegation there is none, and without a
# configured ceiling no amount leaves the county for the coordination mechanism.
NATIONAL_BASIS = {
    "document": "《社会救助暂行办法》（国务院令第649号）；《国务院关于全面建立临时救助制度的通知》"
    "（国发〔2014〕47号）",
    "article": "第四十八条 由县级人民政府民政部门审批；救助金额较小的，县级人民政府民政部门可以"
    "委托乡镇人民政府、街道办事处审批",
    "unverified": True,
}


def _optional(pset: ParameterSet, name: str, county: str, as_of: dt.date) -> Resolved | None:
    """The value in force, or None where the region has none that day (P-01: unset)."""
    try:
        return pset.resolve(name, county, as_of)
    except ParameterError:
        return None


def route_temporary_aid(
    *, region: str, amount: Decimal, as_of: dt.date, params: ParameterSet | None = None
) -> dict[str, Any]:
    """Where the region's tiers are set (IM 14): amount ≤ N × the current monthly urban dibao
    standard → township; ≤ the county ceiling → county civil affairs; above → special
    assistance decided case by case (一事一议) by the county coordination mechanism.

    Where a tier is unset (no document of the region fixes it: Guangdong, GD 15), the national
    rule applies to that tier (社会救助暂行办法 Art. 48): no delegation to the township, and no
    ceiling above which the county hands the amount to the committee. `thresholds` then holds
    null for the unset tier, `unset_parameters` names it and `basis` the national rule."""
    pset = params if params is not None else default_parameters()
    try:
        county = pset.regions.leaf_of(region)
    except UnknownRegion as exc:
        raise UnknownRegion(f"--region: {exc}") from None
    multiplier = _optional(pset, "temporary_aid_township_multiplier", county, as_of)
    ceiling = _optional(pset, "temporary_aid_county_ceiling", county, as_of)
    used: list[Resolved] = []
    township_limit: Decimal | None = None
    if multiplier is not None:
        # the delegation is a multiple of the urban standard: without it, refused naming it
        dibao = pset.resolve("dibao_standard_urban", county, as_of)
        assert isinstance(dibao.value, Decimal) and isinstance(multiplier.value, Decimal)
        township_limit = (dibao.value * multiplier.value).quantize(Decimal("0.01"))
        used += [dibao, multiplier]
    county_limit: Decimal | None = None
    if ceiling is not None:
        assert isinstance(ceiling.value, Decimal)
        county_limit = ceiling.value
        used.append(ceiling)
    if township_limit is not None and amount <= township_limit:
        authority = "township"
    elif county_limit is None or amount <= county_limit:
        authority = "county"
    else:
        authority = "committee"
    unset = [
        name for name, got in zip(TIER_PARAMETERS, (multiplier, ceiling), strict=True) if not got
    ]
    out: dict[str, Any] = {
        "region": region,
        "as_of": as_of.isoformat(),
        "amount": f"{amount:.2f}",
        "authority": authority,
        "rule": "A-06",
        "thresholds": {
            "township_max": f"{township_limit:.2f}" if township_limit is not None else None,
            "county_max": f"{county_limit:.2f}" if county_limit is not None else None,
        },
        "parameters": [r.as_dict() for r in used],
        "unset_parameters": unset,
    }
    if unset:
        out["basis"] = dict(NATIONAL_BASIS)
    return out
