"""Messages of the reviews, price subsidies, corrections and recoveries (issue #6 parts 4, 6,
7): constants (tests assert on them), translatable. Apart from errors.py so that the
payments' messages and these grow without touching each other."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

INDEX_INVALID = _("价格指数应为上年同月=100的数值（50 至 200，最多两位小数），如 103.6")
INDEX_USED = _("该月价格指数已用于发放价格临时补贴，不能再修改")
CAUSE_UNKNOWN = _("更正原因应为共享数据不准确、隐瞒虚报、经办差错或其他之一")
MONTHS_INVALID = _("更正月份应为 YYYY-MM，且起始月份不晚于终止月份")
AMOUNT_INVALID = _("金额应为不小于 0、最多两位小数的数值")
NOTE_REQUIRED = _("请填写更正说明")
ENTITLEMENT_MISSING = _("未找到该待遇")
INSTALMENTS_INVALID = _("分期数应为 1 至 60")
RECOVERY_MISSING = _("未找到该追回记录")
RECOVERY_CLOSED = _("该追回记录已结清或已核销")
REPAYMENT_TOO_MUCH = _("缴回金额超过尚欠金额 {outstanding} 元")
DATE_IN_FUTURE = _("日期不能晚于今天")
IMPORT_HEADER = _("价格指数文件应为 CSV，表头为 {header}，每行五列")
