"""Messages of the benefits services: constants (tests assert on them), translatable."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

MONTH_INVALID = _("月份应为 YYYY-MM 格式")
MONTH_AHEAD = _("只能编制本月及以前月份或下月的发放批次")
COUNTY_UNKNOWN = _("县级区划代码不存在")
COUNTY_OUTSIDE = _("该县（市、区）不在您的区域内")
BATCH_MISSING = _("未找到该发放批次")
BATCH_STATE = _("该批次当前状态为“{state}”，不能进行此操作")
BATCH_CHANGED = _("生成银行文件期间该批次发生了变化，请重新生成")
APPROVER_IS_PREPARER = _("发放批次须由编制人以外的人员审核")
NOTHING_TO_PAY = _("该月没有需要发放的待遇")
ACCOUNT_MISSING = _("该批次有 {count} 户没有登记收款账户，不能生成银行文件")
ACCOUNT_INVALID = _("银行账号应为 8 至 30 位数字")
RETURN_FILE_INVALID = _("银行回盘文件格式不正确：{reason}")
PAYMENT_NOT_HELD = _("只有发放失败暂挂的款项可以重新发放或取消")
REASON_REQUIRED = _("请填写原因")
FORMAT_UNKNOWN = _("文件格式应为 csv 或 fixed")
STATUS_CHANGE = _("待遇状态不能从“{old}”变为“{new}”")
