"""Time limits of a case in working days (A-05): set on each transition, shown as days left.

The limits are parameters (rules/params/*/procedure.yaml) counted by rules.procedure on
China's official calendar; a year without a configured holiday schedule gives a provisional
date (Monday to Friday), which the pages mark as such.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from jiuzhu.cases.flows import TERMINAL, S
from jiuzhu.cases.models import Case
from jiuzhu.rules.procedure import due_after
from jiuzhu.rules.workdays import CalendarUnknown, working_days_between

INVESTIGATION_PHASE = frozenset(
    {S.MATERIALS_COMPLETE, S.INVESTIGATED, S.VERIFYING, S.VERIFIED, S.EVALUATED, S.PROPOSED}
)


def _set(case: Case, attr: str, start: dt.date, name: str) -> None:
    due = due_after(start, name, case.region_code)
    setattr(case, attr, due.on)
    case.due_provisional = case.due_provisional or due.provisional


def deadlines_on_create(case: Case, today: dt.date) -> None:
    """The whole-procedure clock starts at acceptance; an appeal has its own limit."""
    case.clock_started_on = today
    if case.kind == "appeal":
        _set(case, "total_due", today, "deadline_appeal")
    elif case.kind != "referral":
        _set(case, "total_due", today, "deadline_total")


def deadlines_on_enter(case: Case, previous: str, today: dt.date) -> None:
    """Set the step's due date when a case enters its new state."""
    state = case.state
    if state in TERMINAL:
        case.step_due = None
    elif state == S.SUBMITTED:
        _set(case, "step_due", today, "deadline_online_acceptance")
    elif state == S.ACCEPTED and previous == S.SUBMITTED:
        case.step_due = None
        deadlines_on_create(case, today)  # the clock starts when a caseworker accepts it
    elif state == S.PAID_FIRST:
        # documented and approved after the fact within its own limit
        _set(case, "total_due", today, "deadline_emergency_documentation")
        case.step_due = case.total_due
    elif state in INVESTIGATION_PHASE and previous not in INVESTIGATION_PHASE:
        _set(case, "step_due", today, "deadline_investigation")
    elif state == S.IN_NOTICE:
        case.step_due = case.notice_to
    elif state == S.READY and previous != S.READY:
        _set(case, "step_due", today, "deadline_decision")
    elif state in (S.APPROVED, S.REFUSED):
        _set(case, "step_due", today, "deadline_notification")
    elif state == S.REFERRED:
        _set(case, "step_due", today, "deadline_referral")
    elif state == S.NOTIFIED:
        case.step_due = None  # decided and served: filing it (办结) has no statutory limit


def extend_total(case: Case) -> None:
    """A reasoned extension moves the whole-procedure limit to its extended value."""
    assert case.clock_started_on is not None
    _set(case, "total_due", case.clock_started_on, "deadline_total_extended")


def refresh_due_on(case: Case) -> None:
    """The nearer of the step's and the whole procedure's due dates (the worklist order)."""
    decided = case.state in (S.APPROVED, S.REFUSED, S.NOTIFIED)
    dates = [d for d in (case.step_due, None if decided else case.total_due) if d is not None]
    case.due_on = min(dates) if dates and case.state not in TERMINAL else None


@dataclass(frozen=True)
class DaysLeft:
    due: dt.date | None
    days: int | None  # working days left; negative when overdue
    overdue: bool
    provisional: bool


def days_left(case: Case, today: dt.date) -> DaysLeft:
    due = case.due_on
    if due is None or case.state in TERMINAL:
        return DaysLeft(None, None, False, False)
    try:
        days = (
            working_days_between(today, due) if due >= today else -working_days_between(due, today)
        )
        provisional = case.due_provisional
    except CalendarUnknown:
        days = (due - today).days
        provisional = True
    return DaysLeft(due, days, due < today, provisional)
