"""一户一档 (one household, one assistance record; 国办发〔2023〕39号, M-01): a timeline of
everything a household applied for and received from every layer and department — cases and
their decisions, entitlements and their changes, payments, verifications, warnings and their
visits, hotline calls — newest first. Read through the scoped managers: a household outside
the reader's area has no timeline (the page is a 404), and neither has any of its rows.

A fixed number of queries per household (one per kind of record), whatever its history.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

from django.utils.translation import gettext_lazy as _

from jiuzhu.benefits.models import Entitlement, EntitlementChange, Payment
from jiuzhu.cases.models import Case
from jiuzhu.monitoring.models import HotlineCall, RiskWarning, Task
from jiuzhu.registry.models import Household
from jiuzhu.verification.models import Verification

SOURCE = {
    "case": _("社会救助经办"),
    "decision": _("社会救助审批"),
    "entitlement": _("救助待遇"),
    "payment": _("资金发放"),
    "verification": _("家庭经济状况核对"),
    "warning": _("动态监测预警"),
    "visit": _("入户核查"),
    "hotline": _("热线"),
}


@dataclass(frozen=True)
class Event:
    day: dt.date
    kind: str  # a key of SOURCE
    title: str
    detail: str = ""
    amount: Decimal | None = None
    link: tuple[str, int] | None = None  # (url name, object id)
    status: str = ""  # a payment's status code

    @property
    def source(self) -> str:
        return str(SOURCE[self.kind])


def _cases(household: Household) -> list[Event]:
    out: list[Event] = []
    for case in Case.objects.filter(household=household).order_by("id"):
        out.append(
            Event(
                case.applied_on,
                "case",
                f"{case.get_kind_display()} · {case.number}",
                str(_("申请")),
                link=("cases:detail", case.pk),
            )
        )
        if case.decided_on:
            outcome = {"approved": _("批准"), "refused": _("不予批准")}.get(
                case.outcome, case.outcome
            )
            out.append(
                Event(
                    case.decided_on,
                    "decision",
                    f"{case.get_kind_display()} · {outcome}",
                    case.decision_reason,
                    case.decided_amount,
                    ("cases:detail", case.pk),
                )
            )
    return out


def _benefits(household: Household) -> list[Event]:
    out: list[Event] = []
    entitlements = {e.pk: e for e in Entitlement.objects.filter(household=household)}
    for change in EntitlementChange.objects.filter(entitlement_id__in=list(entitlements)):
        entitlement = entitlements[change.entitlement_id]
        out.append(
            Event(
                change.effective_month,
                "entitlement",
                f"{entitlement.get_category_display()} · {change.get_reason_display()}",
                change.note,
                change.amount_after,
            )
        )
    for payment in Payment.objects.filter(household=household).order_by("month", "id"):
        detail = payment.get_status_display()
        if payment.failure_reason:
            detail = f"{detail}：{payment.failure_reason}"
        out.append(
            Event(
                payment.month,
                "payment",
                f"{payment.get_category_display()} · {payment.month:%Y-%m}",
                str(detail),
                payment.amount,
                status=payment.status,
            )
        )
    return out


def _verifications(household: Household) -> list[Event]:
    return [
        Event(
            v.as_of,
            "verification",
            str(v.get_status_display()),
            link=("cases:verification", v.case_id) if v.case_id else None,
        )
        for v in Verification.objects.filter(household=household).order_by("id")
    ]


def _monitoring(household: Household) -> list[Event]:
    out: list[Event] = []
    for warning in RiskWarning.objects.filter(household=household).order_by("id"):
        out.append(
            Event(
                warning.raised_on,
                "warning",
                f"{warning.get_kind_display()} · {warning.get_level_display()}",
                warning.rule,
                warning.amount,
            )
        )
    for task in Task.objects.filter(household=household, closed_on__isnull=False):
        out.append(
            Event(
                task.closed_on or task.opened_on,
                "visit",
                str(task.get_outcome_display()),
                task.note,
                link=("monitoring:task", task.pk),
            )
        )
    for call in HotlineCall.objects.filter(household=household).order_by("id"):
        out.append(
            Event(
                call.received_on,
                "hotline",
                f"{call.get_line_display()} · {call.number}",
                f"{call.get_subject_display()} · {call.get_state_display()}",
                link=("monitoring:hotline_call", call.pk),
            )
        )
    return out


def household_timeline(household: Household) -> list[Event]:
    """Every event of the household, newest first (a day's events in a stable order)."""
    events = [
        *_cases(household),
        *_benefits(household),
        *_verifications(household),
        *_monitoring(household),
    ]
    order = list(SOURCE)
    return sorted(events, key=lambda e: (e.day, order.index(e.kind)), reverse=True)


def timeline_totals(events: list[Event]) -> dict[str, Decimal]:
    """Money that reached the household (payments the bank confirmed), and money on its way
    (sent, pending or held)."""
    paid = [e.amount for e in events if e.kind == "payment" and e.amount and e.status == "paid"]
    waiting = [
        e.amount
        for e in events
        if e.kind == "payment" and e.amount and e.status in ("pending", "exported", "held")
    ]
    return {"paid": sum(paid, Decimal("0.00")), "waiting": sum(waiting, Decimal("0.00"))}
