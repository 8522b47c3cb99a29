"""The trial evaluation (试算): the rules engine on a stored household as of a date."""

from __future__ import annotations

import datetime as dt
from functools import cache
from typing import Any

from jiuzhu.accounts.roles import Can
from jiuzhu.registry import errors
from jiuzhu.registry.errors import ServiceError
from jiuzhu.registry.models import Household
from jiuzhu.registry.selectors import household_snapshot
from jiuzhu.rules.errors import RulesError
from jiuzhu.rules.evaluate import Evaluator
from jiuzhu.rules.household import parse_household


@cache
def evaluator() -> Evaluator:
    """One engine per process: parameters loaded and checked once."""
    return Evaluator()


def household_evaluate(
    *, actor: Any, household: Household, as_of: dt.date, explain: bool = True
) -> dict[str, Any]:
    """The decision and its explanation for the household's facts on `as_of`. A read: the
    result is not stored (a case freezes its own snapshot, issue #4)."""
    if actor is not None and not actor.can(Can.EVALUATE):
        raise ServiceError(errors.NOT_ALLOWED)
    snapshot = household_snapshot(household, as_of)
    try:
        decision = evaluator().evaluate(parse_household(snapshot), as_of, explain=explain)
    except RulesError as exc:
        raise ServiceError(str(exc)) from None
    decision["snapshot"] = snapshot
    return decision
