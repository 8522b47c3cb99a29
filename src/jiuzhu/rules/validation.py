"""Cross-checks of the parameter set that the rule book demands (run at load and by
`jiuzhu params check`): every name is read by some rule, 特困 ≥ m × dibao (B-02), and a
city's dibao standard is not under its category's provincial minimum (P-04)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from jiuzhu.rules.catalogue.benefits import MAX_TIERS
from jiuzhu.rules.dynamic_management import DYNAMIC_PARAMETERS
from jiuzhu.rules.errors import ParameterError
from jiuzhu.rules.monitoring import MONITORING_PARAMETERS
from jiuzhu.rules.params import ParameterSet, Resolved
from jiuzhu.rules.procedure import PROCEDURE_PARAMETERS
from jiuzhu.rules.verification import VERIFICATION_PARAMETERS

RESIDENCES = ("urban", "rural")
# Parameters read outside the step catalogue: by the validators, the A-06 router and the
# decision's list of specialized aid (C-08).
EXTRA_PARAMETERS = frozenset(
    {
        "tekun_multiplier_floor",
        "region_category",
        "temporary_aid_township_multiplier",
        "temporary_aid_county_ceiling",
    }
    | {f"dibao_minimum_{r}_cat{c}" for r in RESIDENCES for c in (1, 2, 3, 4)}
    | {f"aid_opened_{c}" for c in ("tekun", "dibao", "low_income", "rigid_expenditure")}
    | PROCEDURE_PARAMETERS
    | VERIFICATION_PARAMETERS
    | MONITORING_PARAMETERS
    | DYNAMIC_PARAMETERS
)


def known_parameters() -> frozenset[str]:
    from jiuzhu.rules.catalogue import CATALOGUE

    return frozenset(p for step in CATALOGUE for p in step.params) | EXTRA_PARAMETERS


def _try(pset: ParameterSet, name: str, region: str, day: dt.date) -> Resolved | None:
    try:
        return pset.resolve(name, region, day)
    except ParameterError:
        return None


def _money(r: Resolved) -> Decimal:
    value = r.value
    assert isinstance(value, Decimal)
    return value


def check_names(pset: ParameterSet) -> None:
    known = known_parameters()
    for name, per_region in pset.by_name.items():
        if name not in known:
            param = next(iter(per_region.values()))
            raise ParameterError(
                f"{param.file}: parameter {name!r} is not read by any rule (a typo?)"
            )


def check_tekun_floor(pset: ParameterSet, region: str) -> None:
    """B-02: the 特困 standard is at least m × the dibao standard, on every change date."""
    for residence in RESIDENCES:
        names = [
            f"dibao_standard_{residence}",
            f"tekun_standard_{residence}",
            "tekun_multiplier_floor",
        ]
        for day in pset.breakpoints(names, region):
            dibao, tekun, floor = (_try(pset, n, region, day) for n in names)
            if dibao is None or tekun is None or floor is None:
                continue
            needed = _money(dibao) * _money(floor)
            if _money(tekun) < needed:
                raise ParameterError(
                    f"{tekun.file}: parameter {tekun.name!r}: {tekun.value} yuan for region "
                    f"{region} on {day} is under {floor.value} × the dibao standard "
                    f"{dibao.value} ({dibao.file}) = {needed.quantize(Decimal('0.01'))} (B-02)"
                )


def check_category_minimum(pset: ParameterSet, region: str) -> None:
    """P-04: a city's dibao standard is not under its category's provincial minimum."""
    for residence in RESIDENCES:
        minima = [f"dibao_minimum_{residence}_cat{c}" for c in (1, 2, 3, 4)]
        standard_name = f"dibao_standard_{residence}"
        names = [standard_name, "region_category", *minima]
        for day in pset.breakpoints(names, region):
            category = _try(pset, "region_category", region, day)
            standard = _try(pset, standard_name, region, day)
            if category is None or standard is None:
                continue
            minimum = _try(pset, f"dibao_minimum_{residence}_cat{category.value}", region, day)
            if minimum is None:
                continue
            if _money(standard) < _money(minimum):
                raise ParameterError(
                    f"{standard.file}: parameter {standard_name!r}: {standard.value} yuan for "
                    f"region {region} on {day} is under the category-{category.value} minimum "
                    f"{minimum.value} ({minimum.file}) (P-04)"
                )


def check_tiers(pset: ParameterSet, region: str) -> None:
    """B-01 tiers: as many floors as shares, at most MAX_TIERS, floors ascending."""
    names = ["dibao_tier_min_gap", "dibao_tier_share"]
    for day in pset.breakpoints(names, region):
        floors, shares = (_try(pset, n, region, day) for n in names)
        if floors is None or shares is None:
            continue
        assert isinstance(floors.value, tuple) and isinstance(shares.value, tuple)
        problem = None
        if len(floors.value) != len(shares.value):
            problem = f"{len(floors.value)} floors but {len(shares.value)} shares ({shares.file})"
        elif len(floors.value) > MAX_TIERS:
            problem = f"more than {MAX_TIERS} tiers"
        elif list(floors.value) != sorted(floors.value):
            problem = f"floors {list(map(str, floors.value))} are not ascending"
        if problem:
            raise ParameterError(
                f"{floors.file}: parameter 'dibao_tier_min_gap' for region {region} on {day}: "
                f"{problem} (B-01)"
            )


def validate_parameters(pset: ParameterSet) -> None:
    """Every cross-check, for every region that declares a parameter of its own."""
    check_names(pset)
    for region in pset.declared_regions():
        check_tekun_floor(pset, region)
        check_category_minimum(pset, region)
        check_tiers(pset, region)
