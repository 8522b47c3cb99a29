"""Verification as parameters (V-02, V-03): how old a department's batch may be, the income
window, and the tolerances under which a found figure counts as the declared one.

The verification context (jiuzhu.verification) asks this module, never a figure of its own.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from jiuzhu.rules.params import ParameterSet, Resolved, default_parameters

VERIFICATION_PARAMETERS = frozenset(
    {
        "verification_source_max_age",
        "verification_income_window",
        "verification_income_tolerance",
        "verification_income_tolerance_amount",
        "verification_financial_tolerance",
    }
)


@dataclass(frozen=True)
class VerificationParameters:
    max_age_days: int
    income_window_months: int
    income_tolerance: Decimal  # a share of the declared amount
    income_tolerance_amount: Decimal  # yuan a month
    financial_tolerance: Decimal  # yuan
    resolved: tuple[Resolved, ...]

    def as_dicts(self) -> list[dict[str, Any]]:
        return [r.as_dict() for r in self.resolved]


def verification_parameters(
    region: str, as_of: dt.date, pset: ParameterSet | None = None
) -> VerificationParameters:
    """The verification parameters in force for a region (resolved through its county)."""
    params = pset or default_parameters()
    county = params.regions.leaf_of(region)
    got = {name: params.resolve(name, county, as_of) for name in sorted(VERIFICATION_PARAMETERS)}

    def value(name: str) -> Any:
        return got[name].value

    return VerificationParameters(
        max_age_days=int(value("verification_source_max_age")),
        income_window_months=int(value("verification_income_window")),
        income_tolerance=Decimal(value("verification_income_tolerance")),
        income_tolerance_amount=Decimal(value("verification_income_tolerance_amount")),
        financial_tolerance=Decimal(value("verification_financial_tolerance")),
        resolved=tuple(got.values()),
    )
