"""The cases' workflow: the generic transition tables (core/workflow.py) with the cases'
messages and guards — nobody approves a case they entered or investigated (A-03,
SECURITY.md 4), no decision while an objection is open (A-05)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django.utils.translation import gettext_lazy as _

from jiuzhu.core.workflow import Guard, Transition, TransitionRefused, Workflow

__all__ = [
    "NEEDS_CAPABILITY",
    "NOT_POSSIBLE",
    "Guard",
    "Transition",
    "TransitionRefused",
    "Workflow",
    "no_open_objections",
    "not_by_those_who_prepared",
]

NOT_POSSIBLE = _("案件当前状态为“{state}”，不能进行“{event}”（案件可能已由他人处理）")
NEEDS_CAPABILITY = _("您的角色无权进行“{event}”")
SELF_APPROVAL = _("不能审批本人受理或调查的案件")
OBJECTIONS_OPEN = _("公示期内的异议尚未处理完毕")


def not_by_those_who_prepared(facts: Mapping[str, Any]) -> str | None:
    """Nobody approves a case they entered or investigated (SECURITY.md 4)."""
    actor = facts.get("actor_id")
    if actor is not None and actor in {facts.get("entered_by"), facts.get("investigated_by")}:
        return str(SELF_APPROVAL)
    return None


def no_open_objections(facts: Mapping[str, Any]) -> str | None:
    if facts.get("open_objections", 0):
        return str(OBJECTIONS_OPEN)
    return None
