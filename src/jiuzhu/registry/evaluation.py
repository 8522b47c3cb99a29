"""The trial evaluation (试算): the rules engine on a stored household as of a date."""

from __future__ import annotations

import datetime as dt
from functools import cache
from typing import Any

from jiuzhu.accounts.roles import Can
from jiuzhu.registry import errors
from jiuzhu.registry.errors import ServiceError
from jiuzhu.registry.models import Household
from jiuzhu.registry.selectors import household_snapshots
from jiuzhu.rules.errors import InputError, RulesError
from jiuzhu.rules.evaluate import Evaluator
from jiuzhu.rules.household import Household as RulesHousehold
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
    result = households_evaluate(actor=actor, households=[household], as_of=as_of, explain=explain)
    outcome = result[household.id]
    if isinstance(outcome, ServiceError):
        raise outcome
    return outcome


def households_evaluate(
    *,
    actor: Any,
    households: list[Household],
    as_of: dt.date,
    explain: bool = True,
    snapshots: dict[int, dict[str, Any]] | None = None,
) -> dict[int, dict[str, Any] | ServiceError]:
    """Decisions for several households in one engine run (a batch of cases): household id →
    the decision with its snapshot, or the ServiceError saying why it cannot be made.
    `snapshots` gives the household JSON to use for some households (the verified figures
    of a verification); the others are read from the registry as of the day."""
    if actor is not None and not actor.can(Can.EVALUATE):
        raise ServiceError(errors.NOT_ALLOWED)
    given = snapshots or {}
    snapshots = {
        **household_snapshots([h for h in households if h.id not in given], as_of),
        **{h.id: given[h.id] for h in households if h.id in given},
    }
    out: dict[int, dict[str, Any] | ServiceError] = {}
    nobody = [h for h in households if h.id in given and not given[h.id].get("members")]
    if nobody:  # verified figures without a living member; the standards as registered
        declared = households_evaluate(actor=None, households=nobody, as_of=as_of, explain=False)
        for household in nobody:
            found = declared[household.id]
            out[household.id] = (
                found
                if isinstance(found, ServiceError)
                else _nobody(found, snapshots[household.id])
            )
    parsed: list[tuple[int, RulesHousehold]] = []
    for household in (h for h in households if h.id not in out):
        try:
            parsed.append((household.id, parse_household(snapshots[household.id])))
        except RulesError as exc:
            out[household.id] = ServiceError(str(exc))
    decisions = evaluator().evaluate_many([p for _, p in parsed], as_of, explain=explain)
    for (household_id, _), decision in zip(parsed, decisions, strict=True):
        if isinstance(decision, InputError):
            out[household_id] = ServiceError(str(decision))
        else:
            decision["snapshot"] = snapshots[household_id]
            out[household_id] = decision
    return out


def _nobody(declared: dict[str, Any], snapshot: dict[str, Any]) -> dict[str, Any]:
    """The decision for a household whose verified figures keep no member (every member
    died or left the household registration, per the hukou department's records, V-03):
    nothing applies. The standards are the ones in force for the household as registered."""
    return {
        **declared,
        "per_capita_income": "0.00",
        "categories": [],
        "primary_category": "none",
        "monthly_benefit": "0.00",
        "tekun_members": [],
        "single_person_members": [],
        "gradual_exit_until": None,
        "review_every_months": None,
        "employment_difficulty": {},
        "specialized_aid": [],
        "explanation": [
            {
                "rule": "V-03",
                "step": "no_member_left",
                "label_zh": "核对显示家庭成员均已死亡或迁出户籍，无在册成员，不符合救助条件",
                "label_en": "Verification shows every member died or left the household "
                "registration: nobody remains, no assistance applies",
                "level": "household",
                "value": True,
                "parameters": [],
            }
        ],
        "snapshot": snapshot,
    }
