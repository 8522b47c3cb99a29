"""Messages of the cases services: constants the tests assert on, Chinese with English."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

KIND_UNKNOWN = _("未知的申请类型")
REFERRAL_AID_REQUIRED = _("转介申请请选择专项救助事项")
AMOUNT_REQUIRED = _("请填写金额（大于零，最多两位小数）")
DOCUMENT_UNKNOWN = _("材料清单中没有这一项")
DOCUMENT_STATUS = _("材料状态只能是：已收取、告知承诺、缺少")
COMMITMENT_NOT_ALLOWED = _("该材料无法通过政务系统核验，不能以告知承诺代替")
APPLICANT_NOT_MEMBER = _("申请人应为该家庭的在册成员")
DATE_IN_FUTURE = _("日期不能晚于今天")
DATE_INVALID = _("请按 YYYY-MM-DD 填写日期")
TEXT_REQUIRED = _("请填写此项")
PROPOSAL_CHOICE = _("初审意见只能是“拟批准”或“拟不予批准”")
PROPOSAL_AGAINST_EVALUATION = _("初审意见与测算结果不一致，请在意见说明中写明理由")
OBJECTION_UNKNOWN = _("没有这条待处理的异议")
VOTE_NOT_COMMITTEE = _("只有“一事一议”案件登记协调机制表决")
VOTE_CHOICE = _("表决只能是同意、反对或弃权")
VOTE_TWICE = _("该成员已经表决")
INSTALMENTS_SUM = _("分阶段救助各期金额之和应等于决定金额")
NOT_TEMPORARY = _("只有临时救助可以分阶段发放")
RESERVE_MISSING = _("本乡镇（街道）尚未设立临时救助备用金")
RESERVE_SHORT = _("备用金余额不足：余额 {balance} 元，本次先行救助 {amount} 元")
ABOVE_TOWNSHIP_LIMIT = _(
    "先行救助金额超过乡镇（街道）审批权限：权限 {limit} 元，本案累计 {total} 元"
)
PARENT_NOT_DECIDED = _("只能对已作出决定的案件申请复核")
CASE_MOVED_ON = _("案件已由他人处理，当前状态为“{state}”；请刷新后重试")
FILE_TOO_LARGE = _("文件过大（上限 {limit} MB）")
FILE_TYPE = _("只接受 PDF、JPEG 或 PNG 文件")
FILE_EMPTY = _("文件为空")
EVALUATION_FAILED = _("测算失败：{reason}")
HOUSEHOLD_CLOSED = _("该家庭已注销")
REASON_REQUIRED = _("请填写书面理由")
PARENT_NOT_ALLOWED = _("只有复核申请和复审可以关联原案件")
SIGNATURE_MISMATCH = _("签名应为本家庭在册成员的姓名（与户籍登记一致）")
AUTHORIZATION_REQUIRED = _("申请救助须授权核对家庭经济状况（一证一书）")
CASE_MISSING = _("案件不存在或不在您的区域内")
REVIEW_OUTCOME_CHOICE = _("复核结论应为维持、调整、转换类别、渐退或终止之一")
REVIEW_LAYER_CHOICE = _("转换类别应为低保、特困或低保边缘之一")
REVIEW_STILL_ELIGIBLE = _(
    "测算结果仍符合低保、特困或低保边缘条件（D-03）：终止救助须说明理由，或选择转换类别"
)
