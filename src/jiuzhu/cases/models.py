"""Cases: applications, appeals and reviews, with their transition log, documents, home
visits, objections, committee votes, the township reserve fund and staged aid.

A case belongs to the household's place (`region_code`, so the area scope filters it like a
household) and is numbered in the accepting township (`township_code`, gap-free per year,
SECURITY.md 18). Its state changes only through `cases.services.case_act`, which writes one
`CaseEvent` and one audit row per transition.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from jiuzhu.core.categories import text_choices
from jiuzhu.regions.scope import ScopedManager
from jiuzhu.registry.models import Household, Member, region_index
from jiuzhu.rules import categories


def money(label: str | Any, **options: Any) -> models.DecimalField:  # type: ignore[type-arg]
    """Yuan with two decimals (Decimal, never float)."""
    return models.DecimalField(label, max_digits=14, decimal_places=2, **options)


# an application's kind: one per assistance category (the rules core's catalogue, in its
# order), then the kinds that are not categories
Kind = text_choices(
    "Kind",
    categories.CODES,
    "application",
    extra=[
        ("referral", _("专项救助转介")),
        ("appeal", _("复核申请")),
        ("review", _("变更报告复审")),
    ],
)

# the kinds whose approval pays money: their entitlement is created from the decided amount
PAID_KINDS = categories.PAID


class ReviewOutcome(models.TextChoices):
    """What a review's decision does to the household's entitlement (D-01, B-03, B-04, D-03)."""

    CONFIRM = "confirm", _("维持（无明显变化）")
    ADJUST = "adjust", _("调整救助金额")
    MOVE_LAYER = "move_layer", _("转换救助类别")
    GRADUAL_EXIT = "gradual_exit", _("进入渐退期")
    TERMINATE = "terminate", _("终止救助")


class ReferralAid(models.TextChoices):
    MEDICAL = "medical", _("医疗救助（医保部门）")
    EDUCATION = "education", _("教育救助（教育部门）")
    HOUSING = "housing", _("住房救助（住房城乡建设部门）")
    EMPLOYMENT = "employment", _("就业救助（人力资源社会保障部门）")


class Channel(models.TextChoices):
    WINDOW = "window", _("窗口受理")
    ONLINE = "online", _("网上申请")
    ON_BEHALF = "on_behalf", _("村（居）委会代为申请")
    PROACTIVE = "proactive", _("主动发现")


class Case(models.Model):
    number = models.CharField(_("案件编号"), max_length=32, unique=True)
    kind = models.CharField(_("申请类型"), max_length=24, choices=Kind.choices)
    referral_aid = models.CharField(
        _("转介事项"), max_length=16, choices=ReferralAid.choices, blank=True
    )
    state = models.CharField(_("办理状态"), max_length=24)
    household = models.ForeignKey(Household, on_delete=models.PROTECT, related_name="cases")
    applicant = models.ForeignKey(
        Member, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    region_code = models.CharField(_("区划代码"), max_length=12)
    township_code = models.CharField(_("受理乡镇（街道）"), max_length=12)
    channel = models.CharField(_("申请渠道"), max_length=12, choices=Channel.choices)
    applied_on = models.DateField(_("申请日期"))
    reason = models.TextField(_("申请事由"), blank=True)
    requested_amount = money(_("申请金额"), null=True, blank=True)
    checklist = models.JSONField(_("材料清单"), default=dict)
    authorization_on = models.DateField(_("核对授权日期"), null=True, blank=True)
    accepted_by = models.ForeignKey(  # first-inquiry responsibility; empty until an online
        settings.AUTH_USER_MODEL,  # application is accepted by a caseworker
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    investigated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    authority = models.CharField(_("决定层级"), max_length=12, blank=True)
    evaluation = models.JSONField(_("测算结果"), null=True, blank=True)
    proposal = models.CharField(_("初审意见"), max_length=8, blank=True)
    proposed_amount = money(_("拟救助金额"), null=True, blank=True)
    opinion = models.TextField(_("初审意见说明"), blank=True)
    notice_from = models.DateField(_("公示开始"), null=True, blank=True)
    notice_to = models.DateField(_("公示结束"), null=True, blank=True)
    outcome = models.CharField(_("办理结果"), max_length=12, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    decided_on = models.DateField(_("决定日期"), null=True, blank=True)
    decided_amount = money(_("决定金额"), null=True, blank=True)
    decision_reason = models.TextField(_("决定理由"), blank=True)
    prepaid_amount = money(_("先行救助金额"), default=0)
    clock_started_on = models.DateField(_("受理计时起始"), null=True, blank=True)
    total_due = models.DateField(_("办结时限"), null=True, blank=True)
    step_due = models.DateField(_("本环节时限"), null=True, blank=True)
    due_on = models.DateField(_("办理期限"), null=True, blank=True)  # nearer of the two above
    due_provisional = models.BooleanField(_("时限暂定"), default=False)
    extension_reason = models.TextField(_("延期理由"), blank=True)
    # the sources a verification could not read: the case waits in 待核对 (SECURITY.md 28)
    verification_waiting = models.CharField(_("待核对数据源"), max_length=200, blank=True)
    # a review's proposed outcome and, for a layer move, the layer (dibao, tekun, low_income)
    review_outcome = models.CharField(
        _("复核结论"), max_length=16, choices=ReviewOutcome.choices, blank=True
    )
    review_layer = models.CharField(_("转入类别"), max_length=16, blank=True)
    parent = models.ForeignKey(
        "self", on_delete=models.PROTECT, null=True, blank=True, related_name="children"
    )
    synthetic = models.BooleanField(_("合成数据"), default=False)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = ScopedManager()
    unscoped = models.Manager()

    class Meta:
        verbose_name = _("案件")
        verbose_name_plural = _("案件")
        base_manager_name = "unscoped"
        indexes = [
            region_index("case"),
            # the worklists: open cases by due date (closed ones are most rows, never listed)
            models.Index(
                fields=["due_on", "id"],
                name="case_open_due",
                condition=~Q(state__in=["closed", "withdrawn"]),
            ),
            models.Index(fields=["household", "kind"], name="case_household_kind"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(prepaid_amount__gte=0), name="case_prepaid_not_negative"
            ),
            # a paid category is never approved without its amount (SECURITY.md 4); NULL must
            # fail the check, so the amount is tested for presence as well as sign
            models.CheckConstraint(
                condition=~Q(outcome="approved", kind__in=PAID_KINDS)
                | (Q(decided_amount__isnull=False) & Q(decided_amount__gt=0)),
                name="case_paid_approval_has_amount",
            ),
        ]

    def __str__(self) -> str:
        return self.number

    @property
    def state_label(self) -> str:
        from jiuzhu.cases.flows import STATE_LABELS

        return str(STATE_LABELS.get(self.state, self.state))


class CaseEvent(models.Model):
    """The transition log: one row per state change or recorded action, never edited."""

    case = models.ForeignKey(Case, on_delete=models.PROTECT, related_name="events")
    region_code = models.CharField(max_length=12)
    event = models.CharField(_("操作"), max_length=32)
    from_state = models.CharField(max_length=24)
    to_state = models.CharField(max_length=24)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+"
    )
    actor_name = models.CharField(max_length=150)
    at = models.DateTimeField()
    note = models.TextField(blank=True)
    data = models.JSONField(default=dict)

    objects = ScopedManager()
    unscoped = models.Manager()

    class Meta:
        base_manager_name = "unscoped"
        ordering = ["case_id", "id"]


class DocumentKind(models.TextChoices):
    AUTHORIZATION = "authorization", _("核对授权书")
    MATERIAL = "material", _("申请材料")
    VISIT_PHOTO = "visit_photo", _("入户调查照片")
    OTHER = "other", _("其他")


class CaseDocument(models.Model):
    case = models.ForeignKey(Case, on_delete=models.PROTECT, related_name="documents")
    region_code = models.CharField(max_length=12)
    kind = models.CharField(_("类别"), max_length=16, choices=DocumentKind.choices)
    file = models.FileField(upload_to="cases/%Y/%m/")
    original_name = models.CharField(_("文件名"), max_length=200)
    content_type = models.CharField(max_length=64)
    size = models.PositiveIntegerField()
    sha256 = models.CharField(max_length=64)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    uploaded_at = models.DateTimeField(auto_now_add=True)

    objects = ScopedManager()
    unscoped = models.Manager()

    class Meta:
        base_manager_name = "unscoped"
        ordering = ["id"]


class HomeVisit(models.Model):
    case = models.ForeignKey(Case, on_delete=models.PROTECT, related_name="visits")
    region_code = models.CharField(max_length=12)
    visited_on = models.DateField(_("入户日期"))
    visitors = models.CharField(_("调查人员"), max_length=200)
    findings = models.TextField(_("调查情况"))
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    recorded_at = models.DateTimeField(auto_now_add=True)

    objects = ScopedManager()
    unscoped = models.Manager()

    class Meta:
        base_manager_name = "unscoped"
        ordering = ["id"]


class Objection(models.Model):
    """An objection raised during the public notice (A-05); democratic appraisal (民主评议)
    is recorded only for these disputed cases (A-04)."""

    case = models.ForeignKey(Case, on_delete=models.PROTECT, related_name="objections")
    region_code = models.CharField(max_length=12)
    raised_on = models.DateField(_("提出日期"))
    raised_by = models.CharField(_("提出人"), max_length=100)
    content = models.TextField(_("异议内容"))
    appraisal = models.TextField(_("民主评议情况"), blank=True)
    resolution = models.TextField(_("处理结果"), blank=True)
    upheld = models.BooleanField(_("异议成立"), null=True)
    resolved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+"
    )
    resolved_at = models.DateTimeField(null=True)

    objects = ScopedManager()
    unscoped = models.Manager()

    class Meta:
        base_manager_name = "unscoped"
        ordering = ["id"]


class Vote(models.TextChoices):
    FOR = "for", _("同意")
    AGAINST = "against", _("反对")
    ABSTAIN = "abstain", _("弃权")


class CommitteeVote(models.Model):
    """A member's vote in the county coordination mechanism's case-by-case decision
    (一事一议, A-06)."""

    case = models.ForeignKey(Case, on_delete=models.PROTECT, related_name="votes")
    region_code = models.CharField(max_length=12)
    member_name = models.CharField(_("成员"), max_length=100)
    member_unit = models.CharField(_("所在单位"), max_length=100)
    vote = models.CharField(_("表决"), max_length=8, choices=Vote.choices)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    recorded_at = models.DateTimeField(auto_now_add=True)

    objects = ScopedManager()
    unscoped = models.Manager()

    class Meta:
        base_manager_name = "unscoped"
        ordering = ["id"]
        constraints = [
            models.UniqueConstraint(fields=["case", "member_name"], name="one_vote_per_member")
        ]


class ReserveFund(models.Model):
    """A township's temporary-aid reserve fund (临时救助备用金, A-09)."""

    region_code = models.CharField(_("乡镇（街道）"), max_length=12, unique=True)
    balance = money(_("余额"), default=0)

    objects = ScopedManager()
    unscoped = models.Manager()

    class Meta:
        base_manager_name = "unscoped"
        constraints = [
            models.CheckConstraint(condition=Q(balance__gte=0), name="reserve_not_overdrawn")
        ]


class ReserveMovement(models.Model):
    """Append-only movements of a reserve fund: top-ups (+) and emergency payments (−)."""

    fund = models.ForeignKey(ReserveFund, on_delete=models.PROTECT, related_name="movements")
    region_code = models.CharField(max_length=12)
    case = models.ForeignKey(Case, on_delete=models.PROTECT, null=True, related_name="+")
    amount = money(_("金额"))
    balance_after = money(_("变动后余额"))
    note = models.CharField(_("说明"), max_length=200)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    at = models.DateTimeField()

    objects = ScopedManager()
    unscoped = models.Manager()

    class Meta:
        base_manager_name = "unscoped"
        ordering = ["id"]


class Instalment(models.Model):
    """Staged aid under one approval (一次审批、分阶段救助, A-08)."""

    case = models.ForeignKey(Case, on_delete=models.PROTECT, related_name="instalments")
    region_code = models.CharField(max_length=12)
    seq = models.PositiveSmallIntegerField()
    amount = money(_("金额"))
    due_on = models.DateField(_("计划发放日期"))

    objects = ScopedManager()
    unscoped = models.Manager()

    class Meta:
        base_manager_name = "unscoped"
        ordering = ["case_id", "seq"]
        constraints = [
            models.UniqueConstraint(fields=["case", "seq"], name="one_instalment_per_seq"),
            models.CheckConstraint(condition=Q(amount__gt=0), name="instalment_positive"),
        ]


class CaseCounter(models.Model):
    """The last case number given in a township in a year. Incremented under a row lock in
    the transaction that creates the case, so a rolled-back case gives its number back and
    concurrent intakes never share or skip one."""

    township_code = models.CharField(_("乡镇（街道）区划"), max_length=12)
    year = models.PositiveSmallIntegerField(_("年度"))
    last = models.PositiveIntegerField(_("已用到的序号"), default=0)

    class Meta:
        verbose_name = _("案件编号计数器")
        constraints = [
            models.UniqueConstraint(fields=["township_code", "year"], name="one_counter_per_year")
        ]
