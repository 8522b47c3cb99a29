"""Messages of the monitoring services: constants (tests assert on them), Chinese,
translatable to English."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from jiuzhu.registry.errors import ServiceError


class AlreadyRegistered(ServiceError):
    """The work-order number is registered already (the hotline's numbers are unique across
    the city): a conflict, whichever area holds it — the API answers 409 without asking
    the database whose it is."""


NOT_ALLOWED = _("您的角色无权处置预警任务")
UNKNOWN_KIND = _("未知的信号类型")
TASK_CLOSED = _("该任务已办结")
OUTCOME_UNKNOWN = _("请选择处置结果")
NOTE_REQUIRED = _("请填写入户核查情况")
VISITED_REQUIRED = _("请填写入户日期")
VISITED_FUTURE = _("入户日期不能晚于今天")
VISITED_BEFORE_TASK = _("入户日期不能早于任务下达日期")
DEPARTMENT_REQUIRED = _("请填写转介的部门")
AMOUNT_REQUIRED = _("急难型临时救助请填写救助金额")
NO_CATEGORY = _("该预警没有可引导申请的救助类别，请选择其他处置结果")
HANDED_TO_TOWNSHIP = _("已提交乡镇（街道）受理申请")
