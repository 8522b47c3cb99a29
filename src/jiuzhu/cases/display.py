"""A case as pages and the API show it: labels, days left, the actions this user may take
now, the checklist in words, the timeline. One function for both, so they never disagree."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.utils.translation import gettext_lazy as _

from jiuzhu.accounts.roles import capabilities_of
from jiuzhu.cases.deadlines import days_left
from jiuzhu.cases.flows import flow_of
from jiuzhu.cases.models import Case, Kind
from jiuzhu.cases.workflow import Transition

DOCUMENT_LABELS: dict[str, Any] = {
    "application_form": _("申请书"),
    "id_card": _("居民身份证"),
    "hukou_book": _("户口簿"),
    "residence_permit": _("居住证"),
    "verification_authorization": _("家庭经济状况核对授权书"),
    "income_statement": _("家庭收入及财产状况申报"),
    "disability_certificate": _("残疾人证"),
    "medical_records": _("病历及医疗费用票据"),
    "expense_receipts": _("刚性支出票据"),
    "school_certificate": _("在读证明"),
    "marriage_certificate": _("婚姻状况证明"),
    "unemployment_certificate": _("失业登记证明"),
    "emergency_statement": _("急难情况说明"),
    "disaster_certificate": _("受灾情况证明"),
}
STATUS_LABELS: dict[str, Any] = {
    "received": _("已收取"),
    "committed": _("告知承诺（政务系统核验）"),
    "missing": _("缺少"),
}
AUTHORITY_LABELS: dict[str, Any] = {
    "township": _("乡镇（街道）审批"),
    "county": _("县级民政部门审批"),
    "committee": _("县级困难群众基本生活保障协调机制“一事一议”"),
    "city": _("上一级民政部门"),
}
PROPOSAL_LABELS: dict[str, Any] = {"approve": _("拟批准"), "refuse": _("拟不予批准")}
OUTCOME_LABELS: dict[str, Any] = {
    "approved": _("批准"),
    "refused": _("不予批准"),
    "withdrawn": _("撤回"),
    "declined": _("不予受理"),
}


def kind_label(kind: str) -> str:
    return str(dict(Kind.choices).get(kind, kind))


def actions_for(case: Case, actor: Any, today: dt.date) -> list[Transition]:
    """The events this user may take now: listed only when the capability holds and the
    guards pass (payload-dependent guards are checked again when the form is sent)."""
    from jiuzhu.cases.facts import case_facts

    if not actor.is_active:
        return []
    capabilities = frozenset(str(c) for c in capabilities_of(actor.role))
    facts = case_facts(case, actor, today, {"reason": "—", "findings": "—", "amount": "0.01"})
    return flow_of(case.kind).available(case.state, capabilities, facts)


def missing_documents(case: Case) -> list[str]:
    return [str(DOCUMENT_LABELS.get(c, c)) for c, s in case.checklist.items() if s == "missing"]


def case_summary(case: Case, today: dt.date) -> dict[str, Any]:
    left = days_left(case, today)
    return {
        "id": case.id,
        "number": case.number,
        "kind": case.kind,
        "kind_label": kind_label(case.kind),
        "state": case.state,
        "state_label": case.state_label,
        "household": case.household.number,
        "household_id": case.household_id,
        "region_code": case.region_code,
        "applied_on": case.applied_on,
        "authority": case.authority or None,
        "due_on": left.due,
        "days_left": left.days,
        "overdue": left.overdue,
        "overdue_days": -left.days if left.overdue and left.days is not None else 0,
        "due_provisional": left.provisional,
        "verification_waiting": case.verification_waiting,
    }


def checklist_rows(case: Case) -> list[dict[str, str]]:
    return [
        {
            "code": code,
            "label": str(DOCUMENT_LABELS.get(code, code)),
            "status": status,
            "status_label": str(STATUS_LABELS.get(status, status)),
        }
        for code, status in case.checklist.items()
    ]
