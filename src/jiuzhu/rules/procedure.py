"""Procedure as parameters (A-01…A-07): who decides, what an application needs, time limits.

The case workflow (jiuzhu.cases) asks this module, never a figure of its own: the checklist
of an application type, the certificates the applicant's commitment replaces (告知承诺制),
the level that determines, and due dates counted on China's working-day calendar. A due date
in a year whose holiday schedule is not configured is counted Monday to Friday and marked
provisional, so a worklist still orders cases and says the date may move.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from jiuzhu.rules.params import ParameterSet, Resolved, default_parameters
from jiuzhu.rules.workdays import CalendarUnknown, add_working_days

# application kind → its checklist parameter
CHECKLISTS = {
    "dibao": "checklist_dibao",
    "tekun": "checklist_tekun",
    "low_income": "checklist_low_income",
    "rigid_expense": "checklist_rigid_expense",
    "temporary_emergency": "checklist_temporary_emergency",
    "temporary_expense": "checklist_temporary_expense",
    "referral": "checklist_referral",
    "appeal": "checklist_appeal",
    "review": "checklist_review",
}
DEADLINES = frozenset(
    {
        "deadline_investigation",
        "deadline_decision",
        "deadline_notification",
        "deadline_total",
        "deadline_total_extended",
        "public_notice_days",
        "deadline_emergency_documentation",
        "deadline_referral",
        "deadline_appeal",
        "deadline_online_acceptance",
    }
)
PAYMENT_START = "payment_start_months_after_decision"
PROCEDURE_PARAMETERS = frozenset(
    {
        "determination_authority",
        "commitment_documents",
        PAYMENT_START,
        *CHECKLISTS.values(),
        *DEADLINES,
    }
)
HUKOU_DOCUMENT = "hukou_book"
RESIDENCE_DOCUMENT = "residence_permit"


@dataclass(frozen=True)
class Due:
    """A due date; `provisional` when a year's holiday schedule was not known."""

    on: dt.date
    provisional: bool
    parameter: Resolved


def _resolve(name: str, region: str, as_of: dt.date, pset: ParameterSet | None) -> Resolved:
    return (pset or default_parameters()).resolve(name, region, as_of)


def _county(region: str, pset: ParameterSet | None) -> str:
    """Parameters are declared down to county level; a township or village code resolves
    through its county."""
    return (pset or default_parameters()).regions.leaf_of(region)


def determination_authority(
    region: str, as_of: dt.date, pset: ParameterSet | None = None
) -> Resolved:
    """A-03: `township` where determination is devolved, else `county`."""
    return _resolve("determination_authority", _county(region, pset), as_of, pset)


def add_months(month: dt.date, months: int) -> dt.date:
    """The first day of the month `months` after the month of `month`."""
    index = month.year * 12 + month.month - 1 + months
    return dt.date(index // 12, index % 12 + 1, 1)


def first_payment_month(
    region: str, decided_on: dt.date, pset: ParameterSet | None = None
) -> dt.date:
    """The first month a decided monthly benefit is paid for: N months after the month of
    approval (NATIONAL.md: from the month after approval; a parameter, `unverified`)."""
    months = _resolve(PAYMENT_START, _county(region, pset), decided_on, pset).value
    assert isinstance(months, int)
    return add_months(decided_on.replace(day=1), months)


def checklist(
    kind: str,
    region: str,
    as_of: dt.date,
    *,
    residence_permit: bool = False,
    pset: ParameterSet | None = None,
) -> tuple[list[str], frozenset[str], list[Resolved]]:
    """The documents an application of `kind` needs (A-02), which of them the applicant's
    commitment may replace (告知承诺制), and the parameters used. An applicant on a residence
    permit (A-01, 异地受理) shows the permit instead of a local hukou book."""
    county = _county(region, pset)
    needed = _resolve(CHECKLISTS[kind], county, as_of, pset)
    commitment = _resolve("commitment_documents", county, as_of, pset)
    assert isinstance(needed.value, tuple) and isinstance(commitment.value, tuple)
    documents = [str(d) for d in needed.value]
    if residence_permit and HUKOU_DOCUMENT in documents:
        documents[documents.index(HUKOU_DOCUMENT)] = RESIDENCE_DOCUMENT
    return documents, frozenset(str(d) for d in commitment.value), [needed, commitment]


def _weekdays_after(start: dt.date, days: int) -> dt.date:
    day, counted = start, 0
    while counted < days:
        day += dt.timedelta(days=1)
        if day.weekday() < 5:
            counted += 1
    return day


def due_after(start: dt.date, name: str, region: str, *, pset: ParameterSet | None = None) -> Due:
    """The due date of a time limit `name` counted from `start` (working days on China's
    calendar for a `working_days` limit, calendar days for a `days` one)."""
    limit = _resolve(name, _county(region, pset), start, pset)
    assert isinstance(limit.value, int)
    if limit.unit == "days":
        return Due(start + dt.timedelta(days=limit.value), False, limit)
    try:
        return Due(add_working_days(start, limit.value), False, limit)
    except CalendarUnknown:
        return Due(_weekdays_after(start, limit.value), True, limit)
