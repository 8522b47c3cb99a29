"""Dynamic management as parameters: the review calendar (D-01), when a review changes
nothing significant (B-04), the gradual exit's length (B-03) and the price-linked temporary
subsidy (P-05). Pure functions over the dated parameters; no Django."""

from __future__ import annotations

import calendar
import datetime as dt
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from jiuzhu.rules import categories
from jiuzhu.rules.params import ParameterSet, default_parameters

CENT = Decimal("0.01")
HUNDRED = Decimal(100)
REVIEW_PARAMETERS = frozenset({"review_confirm_tolerance_yuan", "review_confirm_tolerance_ratio"})
PRICE_PARAMETERS = frozenset(
    {
        "price_subsidy_cpi_threshold",
        "price_subsidy_food_threshold",
        "price_subsidy_method",
        "price_subsidy_per_person",
        "price_subsidy_groups",
    }
)
DYNAMIC_PARAMETERS = REVIEW_PARAMETERS | PRICE_PARAMETERS


def _value(name: str, region: str, as_of: dt.date, pset: ParameterSet | None) -> object:
    """The parameter in force for a county (or finer) code, or for a city or province
    itself (a price index may be published for either)."""
    params = pset or default_parameters()
    code = region[:6]
    if code not in params.regions.leaves:
        code = region  # a city or province: its own value or the one above
    return params.resolve(name, code, as_of).value


def add_months_to_day(day: dt.date, months: int) -> dt.date:
    """The same day `months` later, the month's last day when it has fewer days (31 January
    + 1 → 28 or 29 February; 29 February 2024 + 12 → 28 February 2025)."""
    index = day.year * 12 + day.month - 1 + months
    year, month = index // 12, index % 12 + 1
    return dt.date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def review_months(region: str, as_of: dt.date, pset: ParameterSet | None = None) -> int:
    """The period when the decided case's evaluation has none (D-01): a 特困 or dibao
    entitlement is reviewed like a stable household (the six-monthly review needs the
    engine's finding of irregular income)."""
    value = _value("review_months_stable", region, as_of, pset)
    assert isinstance(value, int)
    return value


def recognition_months(
    code: str, region: str, as_of: dt.date, pset: ParameterSet | None = None
) -> int | None:
    """How long a recognition (a category that pays nothing) runs from the month of its
    decision: its term parameter (刚性支出困难: review_months_rigid, 认定有效期不超过12个月).
    None when the category has no term (低保边缘 runs until a review ends it, D-01) or the
    parameter has no value for the county on the day."""
    name = categories.BY_CODE[code].term_parameter
    if name is None:
        return None
    value = _value(name, region, as_of, pset)
    return value if isinstance(value, int) and value > 0 else None


def gradual_exit_months(region: str, as_of: dt.date, pset: ParameterSet | None = None) -> int:
    value = _value("gradual_exit_months", region, as_of, pset)
    assert isinstance(value, int)
    return value


def significant_change(
    region: str,
    as_of: dt.date,
    old: Decimal,
    new: Decimal,
    pset: ParameterSet | None = None,
) -> bool:
    """B-04: a change of the monthly amount by more than the tolerance in yuan and more than
    the tolerance share of the current amount is significant (a layer change always is)."""
    yuan = _value("review_confirm_tolerance_yuan", region, as_of, pset)
    ratio = _value("review_confirm_tolerance_ratio", region, as_of, pset)
    assert isinstance(yuan, Decimal) and isinstance(ratio, Decimal)
    change = abs(new - old)
    return change > yuan and change > ratio * old


@dataclass(frozen=True)
class PriceTrigger:
    """Whether the P-05 trigger fired for a month, and on what."""

    fired: bool
    cpi_rise: Decimal  # the year-on-year rise as a share (103.6 → 0.036)
    food_rise: Decimal | None
    cpi_threshold: Decimal
    food_threshold: Decimal
    on: tuple[str, ...]  # "cpi", "food"


def rise_of(index: Decimal) -> Decimal:
    """A year-on-year index (previous year = 100) as a share: 103.6 → 0.036."""
    return (index - HUNDRED) / HUNDRED


def price_trigger(
    region: str,
    month: dt.date,
    cpi: Decimal,
    food: Decimal | None,
    pset: ParameterSet | None = None,
) -> PriceTrigger:
    """P-05: the trigger fires when the CPI's rise or the food index's rise reaches its
    threshold (at the threshold it fires)."""
    cpi_threshold = _value("price_subsidy_cpi_threshold", region, month, pset)
    food_threshold = _value("price_subsidy_food_threshold", region, month, pset)
    assert isinstance(cpi_threshold, Decimal) and isinstance(food_threshold, Decimal)
    cpi_rise = rise_of(cpi)
    food_rise = rise_of(food) if food is not None else None
    on = tuple(
        name
        for name, hit in (
            ("cpi", cpi_rise >= cpi_threshold),
            ("food", food_rise is not None and food_rise >= food_threshold),
        )
        if hit
    )
    return PriceTrigger(bool(on), cpi_rise, food_rise, cpi_threshold, food_threshold, on)


def price_subsidy_groups(
    region: str, month: dt.date, pset: ParameterSet | None = None
) -> tuple[str, ...]:
    value = _value("price_subsidy_groups", region, month, pset)
    assert isinstance(value, tuple)
    return tuple(str(v) for v in value)


def price_subsidy_per_person(
    region: str,
    month: dt.date,
    residence: str,
    cpi: Decimal,
    pset: ParameterSet | None = None,
) -> Decimal:
    """P-05: the subsidy per person for the month, to the cent (half up): the monthly dibao
    standard of the residence × the CPI's rise, or the fixed amount; never negative."""
    method = _value("price_subsidy_method", region, month, pset)
    if method == "fixed_per_person":
        fixed = _value("price_subsidy_per_person", region, month, pset)
        assert isinstance(fixed, Decimal)
        return fixed
    kind = "rural" if residence == "rural" else "urban"
    standard = _value(f"dibao_standard_{kind}", region, month, pset)
    assert isinstance(standard, Decimal)
    amount = standard * max(rise_of(cpi), Decimal(0))
    return amount.quantize(CENT, rounding=ROUND_HALF_UP)
