"""Errors of the registry services: a field and a message the user can act on.

Messages are constants (tests assert on them) in Chinese, translatable to English."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django.utils.translation import gettext_lazy as _

from jiuzhu.core.workflow import Transition, TransitionRefused, Workflow

DUPLICATE_ID = _("该身份证号码已登记在另一个在册家庭中；如需迁移请使用“成员迁移”")
BIRTH_MISMATCH = _("出生日期与身份证号码不一致")
SEX_MISMATCH = _("性别与身份证号码不一致")
REGION_UNKNOWN = _("区划代码不存在")
REGION_OUTSIDE = _("只能在本人所属区域内登记")
REGION_LEVEL = _("家庭应登记到县级或以下区划")
DATES_ORDER = _("截止日期不能早于起始日期")
FACT_BACKDATED = _("已有更晚开始的记录；请从其之后的日期起登记")
NEGATIVE = _("金额不能为负数")
COUNT_WHOLE = _('数量应为 0 至 1000 的整数（如 "2" 或 "2.00"）')
GRADE_RANGE = _("残疾等级应为1至4级")
GRADE_WITHOUT_KIND = _("请同时填写残疾类别和等级")
NOT_ALLOWED = _("您的角色无权进行此操作")
MEMBER_LEFT = _("该成员已离开家庭")
SAME_HOUSEHOLD = _("目标家庭与当前家庭相同")
JOINED_BEFORE_BIRTH = _("加入家庭日期不能早于出生日期")
PURPOSE_REQUIRED = _("请填写查看完整身份证号码的用途")


class ServiceError(Exception):
    """A refused write: nothing was saved."""

    def __init__(self, message: object, *, field: str | None = None) -> None:
        self.field = field
        self.message = str(message)
        super().__init__(f"{field}: {self.message}" if field else self.message)


def transition_checked(
    flow: Workflow,
    state: str,
    event: str,
    actor: Any,
    facts: Mapping[str, Any] | None = None,
    *,
    system: bool = False,
) -> Transition:
    """A transition table's check (core/workflow.py) as the services refuse: a
    TransitionRefused becomes the ServiceError the pages and the API show (same message and
    field); nothing has changed yet."""
    try:
        return flow.check(state, event, actor, facts, system=system)
    except TransitionRefused as exc:
        raise ServiceError(exc.message, field=exc.field) from None
