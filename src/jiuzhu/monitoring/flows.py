"""The transition tables of the monitoring context (core/workflow.py; issue 16 item 4): a
grid task (M-01 处置) and a hotline call (M-03: answered, then the caller's feedback closes
it or reopens it for another answer). The services check them before a state changes
(`registry.errors.transition_checked`); the pages and the API ask them what an actor may
do."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from jiuzhu.accounts.roles import Can
from jiuzhu.core.workflow import Transition, Workflow
from jiuzhu.monitoring import errors
from jiuzhu.monitoring.models import CallState, TaskState

CALL_STATE = _("该工单当前状态为“{state}”，不能进行“{event}”")
CALL_NOT_ALLOWED = _("您的角色无权办理热线工单")

TASK = Workflow(
    "monitoring_task",
    TaskState.OPEN,
    (
        Transition(
            TaskState.OPEN, "close", TaskState.CLOSED, Can.HANDLE_WARNINGS, _("记录处置结果")
        ),
    ),
    frozenset({TaskState.CLOSED}),
    state_labels=dict(TaskState.choices),
    not_possible=errors.TASK_CLOSED,
    needs_capability=errors.NOT_ALLOWED,
)

C = CallState
CALL = Workflow(
    "hotline_call",
    C.ROUTED,
    (
        Transition(C.ROUTED, "answer", C.ANSWERED, Can.HANDLE_WARNINGS, _("答复")),
        Transition(C.ANSWERED, "close", C.CLOSED, Can.HANDLE_WARNINGS, _("回访办结")),
        Transition(C.ANSWERED, "reopen", C.ROUTED, Can.HANDLE_WARNINGS, _("不满意，重办")),
    ),
    frozenset({C.CLOSED}),
    state_labels=dict(CallState.choices),
    not_possible=CALL_STATE,
    needs_capability=CALL_NOT_ALLOWED,
)
