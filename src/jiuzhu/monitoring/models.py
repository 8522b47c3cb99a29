"""Warnings, their handling tasks and each household's risk grade (M-01, M-02).

A signal itself is a department record (verification.DepartmentRecord, source = the signal
kind): monitoring adds what the scan concludes from it. Every row carries the household's
region code, so the area scope of regions/scope.py filters it like the household; a task is
also assigned to an area (`assigned_area`: the village, then the township, then the county
when it is escalated, M-01's four-level network).
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from jiuzhu.core.categories import text_choices
from jiuzhu.regions.scope import ScopedManager
from jiuzhu.registry.models import Household, region_index
from jiuzhu.rules import categories


class Level(models.TextChoices):
    BLUE = "blue", _("蓝色")
    YELLOW = "yellow", _("黄色")
    ORANGE = "orange", _("橙色")
    RED = "red", _("红色")


class WarningKind(models.TextChoices):
    MEDICAL = "medical", _("大额医疗费用")
    BREADWINNER_DEATH = "breadwinner_death", _("主要劳动力死亡")
    JOB_LOSS = "job_loss", _("单一收入来源家庭失业")
    DISASTER = "disaster", _("低收入家庭受灾")
    SCHOOL_DROPOUT = "school_dropout", _("救助家庭学生辍学")
    HOTLINE = "hotline", _("热线反映困难")
    POLICY_MATCH = "policy_match", _("符合条件未享受救助（政策找人）")
    DISABILITY = "disability", _("新认定重度残疾")
    UTILITY_ARREARS = "utility_arrears", _("水电气欠费")


# the household's current assistance category in the register (国办发〔2023〕39号), highest
# first (the rules core's catalogue), then "none"
Category = text_choices(
    "Category", categories.RANKED, "short", extra=[(categories.NONE, _("其他登记家庭"))]
)


class RiskWarning(models.Model):
    """One warning about one household: its kind, rule ID, level and the evidence (the
    signal ids and amounts). `key` makes it idempotent: one warning per (household, kind,
    key) — for an event the signal's id, for medical costs the newest signal in the window,
    for 政策找人 the category and year."""

    household = models.ForeignKey(Household, on_delete=models.PROTECT, related_name="warnings")
    region_code = models.CharField(_("区划代码"), max_length=12)
    kind = models.CharField(_("预警类型"), max_length=24, choices=WarningKind.choices)
    rule = models.CharField(_("规则编号"), max_length=8)
    level = models.CharField(_("预警等级"), max_length=8, choices=Level.choices)
    rank = models.PositiveSmallIntegerField()  # 1 blue … 4 red, for ordering
    key = models.CharField(max_length=64)
    category = models.CharField(_("救助类别"), max_length=16, choices=Category.choices)
    amount = models.DecimalField(_("金额"), max_digits=16, decimal_places=2, null=True, blank=True)
    signal_ids = models.JSONField(_("信号"), default=list, blank=True)
    evidence = models.JSONField(_("依据"), default=dict)
    raised_on = models.DateField(_("预警日期"))
    closed = models.BooleanField(_("已处置"), default=False)
    created_at = models.DateTimeField(auto_now_add=True)

    objects = ScopedManager()
    unscoped = models.Manager()

    class Meta:
        verbose_name = _("预警")
        verbose_name_plural = _("预警")
        base_manager_name = "unscoped"
        constraints = [
            models.UniqueConstraint(fields=["household", "kind", "key"], name="one_warning_per_key")
        ]
        indexes = [region_index("riskwarning")]

    def __str__(self) -> str:
        return f"{self.kind}:{self.household_id}"


class TaskState(models.TextChoices):
    OPEN = "open", _("待处置")
    CLOSED = "closed", _("已办结")


class AssignedLevel(models.TextChoices):
    VILLAGE = "village", _("村（社区）")
    TOWNSHIP = "township", _("乡镇（街道）")
    COUNTY = "county", _("县（区）")


class Outcome(models.TextChoices):
    NO_NEED = "no_need", _("经核查无需救助")
    REFER_APPLICATION = "refer_application", _("引导申请救助")
    REFER_DEPARTMENT = "refer_department", _("转相关部门")
    EMERGENCY_AID = "emergency_aid", _("急难型临时救助")


class Task(models.Model):
    """The handling of one warning (数据排查 → 入户核查): assigned to the household's village
    (its grid worker / assistant) with a deadline in working days; unhandled, it escalates
    to the township, then the county (M-01). Its outcome closes the loop: an application
    opened (`case`), a referral to a department, emergency aid, or nothing needed."""

    warning = models.OneToOneField(RiskWarning, on_delete=models.PROTECT, related_name="task")
    # the warning's household, written with it: not checked again by the database (a day's
    # scan writes hundreds of thousands of tasks)
    household = models.ForeignKey(
        Household, on_delete=models.PROTECT, related_name="+", db_constraint=False
    )
    region_code = models.CharField(_("区划代码"), max_length=12)
    assigned_level = models.CharField(
        _("责任层级"), max_length=10, choices=AssignedLevel.choices, default=AssignedLevel.VILLAGE
    )
    assigned_area = models.CharField(_("责任区划"), max_length=12)
    rank = models.PositiveSmallIntegerField()
    state = models.CharField(
        _("状态"), max_length=8, choices=TaskState.choices, default=TaskState.OPEN
    )
    opened_on = models.DateField(_("下达日期"))
    due_on = models.DateField(_("处置时限"))
    due_provisional = models.BooleanField(default=False)
    escalations = models.PositiveSmallIntegerField(_("升级次数"), default=0)
    escalated_on = models.DateField(_("升级日期"), null=True, blank=True)
    recommended = models.CharField(_("建议"), max_length=20, choices=Outcome.choices, blank=True)
    outcome = models.CharField(_("处置结果"), max_length=20, choices=Outcome.choices, blank=True)
    visited_on = models.DateField(_("入户日期"), null=True, blank=True)
    note = models.TextField(_("核查情况"), blank=True)
    department = models.CharField(_("转介部门"), max_length=100, blank=True)
    case = models.ForeignKey(
        "cases.Case", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    closed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    closed_on = models.DateField(_("办结日期"), null=True, blank=True)

    objects = ScopedManager()
    unscoped = models.Manager()

    class Meta:
        verbose_name = _("预警处置任务")
        verbose_name_plural = _("预警处置任务")
        base_manager_name = "unscoped"
        indexes = [
            region_index("monitoringtask"),
            models.Index(fields=["due_on", "id"], name="task_open_due", condition=Q(state="open")),
        ]

    def __str__(self) -> str:
        return f"task:{self.pk}"


class HouseholdRisk(models.Model):
    """A household's risk grade: the highest level among its open warnings (none when it
    has none), as of the last scan."""

    household = models.OneToOneField(Household, on_delete=models.PROTECT, related_name="risk")
    region_code = models.CharField(_("区划代码"), max_length=12)
    level = models.CharField(_("风险等级"), max_length=8, choices=Level.choices)
    rank = models.PositiveSmallIntegerField()
    open_warnings = models.PositiveIntegerField(_("未处置预警"), default=0)
    as_of = models.DateField(_("评估日期"))

    objects = ScopedManager()
    unscoped = models.Manager()

    class Meta:
        verbose_name = _("家庭风险等级")
        verbose_name_plural = _("家庭风险等级")
        base_manager_name = "unscoped"
        indexes = [region_index("householdrisk")]


class HotlineLine(models.TextChoices):
    GOV_12345 = "12345", _("12345 政务服务便民热线")
    CIVIL_12349 = "12349", _("12349 民政服务热线")


class CallSubject(models.TextChoices):
    HARDSHIP = "hardship", _("反映生活困难")
    INQUIRY = "inquiry", _("政策咨询")
    APPLICATION = "application", _("申请救助")
    COMPLAINT = "complaint", _("投诉举报")
    OTHER = "other", _("其他")


class CallState(models.TextChoices):
    ROUTED = "routed", _("待答复")
    ANSWERED = "answered", _("已答复待回访")
    CLOSED = "closed", _("已办结")


class Feedback(models.TextChoices):
    SATISFIED = "satisfied", _("满意")
    BASICALLY = "basically", _("基本满意")
    UNSATISFIED = "unsatisfied", _("不满意")
    UNREACHABLE = "unreachable", _("回访未接通")


class HotlineCall(models.Model):
    """A call to the 12345 / 12349 hotline about social assistance (M-03, IM 20 快速响应):
    registered with the caller's request, routed to the township responsible for the place
    (or the county when only the county is known), answered within its time limit in working
    days, then closed with the caller's feedback; an unsatisfied caller reopens it, an
    unanswered call escalates to the county. A hardship report about a registered household
    also becomes a `hotline_report` signal, so the scan raises a warning and a visit."""

    number = models.CharField(_("工单编号"), max_length=40, unique=True)
    line = models.CharField(_("热线"), max_length=8, choices=HotlineLine.choices)
    received_on = models.DateField(_("来电日期"))
    caller_name = models.CharField(_("来电人"), max_length=50)
    caller_phone = models.CharField(_("联系电话"), max_length=20)
    subject = models.CharField(_("诉求类型"), max_length=12, choices=CallSubject.choices)
    urgent = models.BooleanField(_("紧急诉求"), default=False)
    request = models.TextField(_("诉求内容"))
    household = models.ForeignKey(
        Household, on_delete=models.PROTECT, null=True, blank=True, related_name="hotline_calls"
    )
    region_code = models.CharField(_("区划代码"), max_length=12)
    assigned_level = models.CharField(
        _("责任层级"), max_length=10, choices=AssignedLevel.choices, default=AssignedLevel.TOWNSHIP
    )
    assigned_area = models.CharField(_("责任区划"), max_length=12)
    state = models.CharField(
        _("状态"), max_length=10, choices=CallState.choices, default=CallState.ROUTED
    )
    due_on = models.DateField(_("答复时限"))
    due_provisional = models.BooleanField(default=False)
    escalations = models.PositiveSmallIntegerField(_("升级次数"), default=0)
    reopened = models.PositiveSmallIntegerField(_("重办次数"), default=0)
    answer = models.TextField(_("答复内容"), blank=True)
    answered_on = models.DateField(_("答复日期"), null=True, blank=True)
    answered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    feedback = models.CharField(_("回访评价"), max_length=12, choices=Feedback.choices, blank=True)
    feedback_note = models.CharField(_("回访意见"), max_length=500, blank=True)
    closed_on = models.DateField(_("办结日期"), null=True, blank=True)
    registered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    objects = ScopedManager()
    unscoped = models.Manager()

    class Meta:
        verbose_name = _("热线工单")
        verbose_name_plural = _("热线工单")
        base_manager_name = "unscoped"
        indexes = [
            region_index("hotlinecall"),
            models.Index(
                fields=["due_on", "id"], name="hotline_open_due", condition=~Q(state="closed")
            ),
        ]

    def __str__(self) -> str:
        return self.number
