"""The transition tables of the benefits context (core/workflow.py; issue 16 item 4): a
payment batch (B-01 发放, F-01 two pairs of eyes), a standard adjustment (P-05) and a
recovery (F-02). The services check them before a status changes; the pages and the API
ask them what an actor may do."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django.utils.translation import gettext_lazy as _

from jiuzhu.accounts.roles import Can
from jiuzhu.benefits import dynamic_errors, errors
from jiuzhu.benefits.models import AdjustmentStatus, BatchStatus, RecoveryStatus
from jiuzhu.core.workflow import Transition, Workflow
from jiuzhu.registry import errors as registry_errors
from jiuzhu.registry.errors import transition_checked

ADJUSTMENT_STATE = _("该标准调整当前状态为“{state}”，不能进行此操作")
ADJUSTMENT_BY_PREPARER = _("标准调整须由编制人以外的人员审核")


def not_the_preparer(message: Any) -> Any:
    """F-01: whoever prepared it does not approve it (facts: actor_id, preparers)."""

    def guard(facts: Mapping[str, Any]) -> str | None:
        return str(message) if facts.get("actor_id") in facts.get("preparers", ()) else None

    return guard


B = BatchStatus
BATCH = Workflow(
    "payment_batch",
    B.PREPARING,
    (
        Transition(B.PREPARING, "prepare", B.PREPARED, Can.PREPARE_PAYMENTS, _("编制")),
        Transition(B.PREPARED, "prepare", B.PREPARED, Can.PREPARE_PAYMENTS, _("编制")),
        Transition(
            B.PREPARED,
            "approve",
            B.APPROVED,
            Can.APPROVE_PAYMENTS,
            _("审核"),
            (not_the_preparer(errors.APPROVER_IS_PREPARER),),
        ),
        Transition(B.APPROVED, "export", B.EXPORTED, Can.EXPORT_PAYMENTS, _("生成银行文件")),
        Transition(B.EXPORTED, "export", B.EXPORTED, Can.EXPORT_PAYMENTS, _("生成银行文件")),
        Transition(B.EXPORTED, "reconcile", B.EXPORTED, Can.EXPORT_PAYMENTS, _("导入回盘文件")),
        Transition(B.EXPORTED, "settle", B.RECONCILED, Can.EXPORT_PAYMENTS, _("对账完成")),
    ),
    frozenset({B.RECONCILED}),
    state_labels=dict(BatchStatus.choices),
    not_possible=errors.BATCH_STATE,
    needs_capability=registry_errors.NOT_ALLOWED,
    field="batch",
)

A = AdjustmentStatus
ADJUSTMENT = Workflow(
    "adjustment",
    A.PREPARED,
    (
        Transition(
            A.PREPARED,
            "approve",
            A.APPROVED,
            Can.APPROVE_PAYMENTS,
            _("审核"),
            (not_the_preparer(ADJUSTMENT_BY_PREPARER),),
        ),
        Transition(A.APPROVED, "apply", A.APPLIED, Can.APPROVE_PAYMENTS, _("执行")),
    ),
    frozenset({A.APPLIED}),
    state_labels=dict(AdjustmentStatus.choices),
    not_possible=ADJUSTMENT_STATE,
    needs_capability=registry_errors.NOT_ALLOWED,
    field="adjustment",
)

R = RecoveryStatus
RECOVERY = Workflow(
    "recovery",
    R.OPEN,
    tuple(
        Transition(state, event, target, Can.DECIDE, label)
        for state in (R.OPEN, R.PARTIAL)
        for event, target, label in (
            ("repay_part", R.PARTIAL, _("登记部分追回")),
            ("repay_all", R.REPAID, _("登记全部追回")),
            ("write_off", R.WRITTEN_OFF, _("核销")),
        )
    ),
    frozenset({R.REPAID, R.WRITTEN_OFF}),
    state_labels=dict(RecoveryStatus.choices),
    not_possible=dynamic_errors.RECOVERY_CLOSED,
    needs_capability=registry_errors.NOT_ALLOWED,
    field="recovery",
)


def check(flow: Workflow, state: str, event: str, actor: Any, **facts: Any) -> Transition:
    """The transition, or ServiceError saying why not (nothing has changed yet). No actor is
    the system (the CLI as the operator), as for `payments.require`; a service that needs a
    person checks that first."""
    facts.setdefault("actor_id", getattr(actor, "pk", None))
    return transition_checked(flow, state, event, actor, facts, system=True)
