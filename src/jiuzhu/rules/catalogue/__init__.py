"""The rule catalogue: every step of the engine, grouped by section of the rule book.

Importing this package registers the steps in `jiuzhu.rules.steps.CATALOGUE` in rule-book order.
"""

from jiuzhu.rules.catalogue import (  # noqa: F401  (imported for registration)
    benefits,
    classification,
    dynamic,
    employment,
    income,
)
from jiuzhu.rules.steps import CATALOGUE

__all__ = ["CATALOGUE"]
