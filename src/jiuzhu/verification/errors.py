"""Messages of the department-data imports: constants (tests assert on them), Chinese,
translatable to English. A row's reason names what is wrong, never echoes the value (an ID
number typed wrongly must not come back in a report, SECURITY.md 2)."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

# one row
REQUIRED = _("必填项为空")
NOT_A_DATE = _("日期应为 YYYY-MM-DD 格式的有效日期")
NOT_A_MONTH = _("月份应为 YYYY-MM 格式的有效月份")
NOT_MONEY = _("金额应为数字（元），最多两位小数")
NEGATIVE = _("金额不能为负数")
NOT_DECIMAL = _("应为非负数，最多两位小数")
NOT_A_CHOICE = _("不是该字段允许的取值")
TOO_LONG = _("内容过长")
BAD_USCC = _("统一社会信用代码不正确")
BAD_REGION = _("区划代码应为6、9或12位数字")
RAGGED = _("该行的列数与表头不一致")
NUL_BYTE = _("该行含有空字符（NUL），未导入")
PERIOD_ORDER = _("所属期止早于所属期起")
UNKNOWN_COLUMN = _("未知列，已忽略：{column}")

# the whole file (nothing is imported)
UNKNOWN_SOURCE = _("未知的数据源")
FILE_FORMAT = _("不支持的文件格式：请使用 CSV、XLSX 或 Parquet 文件")
FILE_MISMATCH = _("文件内容与扩展名不符（内容为 {actual}），整个文件未导入")
FILE_ENCODING = _("文件不是 UTF-8 或 GB18030 编码的文本，整个文件未导入")
FILE_UNREADABLE = _("文件无法按其格式读取，整个文件未导入")
FILE_EMPTY = _("文件没有数据行，未导入")
MISSING_COLUMNS = _("缺少必需的列：{columns}；表头与该数据源不符，整个文件未导入")
NO_FILE = _("文件不存在或无法读取")
BATCH_CONFLICT = _("该批次号已用于内容不同的另一批数据；请使用新的批次号")
BATCH_BUSY = _("该批次正在由另一进程导入，请稍后重试")
AS_OF_FUTURE = _("数据截止日期不能晚于今天")

# re-verification
REVIEW_OUTSIDE = _("该家庭不在本人辖区内，未开启复审")
REGION_OUTSIDE_AREA = _("该区划不在本人辖区内")


class RefusedFile(Exception):
    """A file or push refused whole: nothing of it was imported."""

    def __init__(self, message: object) -> None:
        self.message = str(message)
        super().__init__(self.message)
