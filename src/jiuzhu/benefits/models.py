"""Entitlements (待遇) created from decisions, their append-only change history, the payee's
bank account, monthly payment batches per county, payments and the ledger.

Every row carries the `region_code` of its household, so the area scope filters it like a
household (regions/scope.py). Money is Decimal (`numeric(12,2)`), never float.

Exactly once (SECURITY.md 16): a payment is unique per (entitlement, month); a batch run
inserts with `ON CONFLICT DO NOTHING`, so a second run, a second worker or a rerun after a
crash adds nobody twice. The ledger and the change history are append-only in the database
(triggers, migration 0002), like the audit log.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from jiuzhu.core.categories import text_choices
from jiuzhu.regions.scope import ScopedManager
from jiuzhu.registry.models import region_index
from jiuzhu.rules import categories


def money(label: Any, **options: Any) -> models.DecimalField:  # type: ignore[type-arg]
    """Yuan with two decimals: numeric(12,2)."""
    return models.DecimalField(label, max_digits=12, decimal_places=2, **options)


# what an entitlement is for: the catalogue's monthly categories and recognitions (nothing
# paid: 低保边缘, 刚性支出困难 for their term), then the one-off payments
Category = text_choices(
    "Category",
    (*categories.MONTHLY, *categories.RECOGNITIONS),
    extra=[("temporary", _("临时救助金")), ("price_subsidy", _("价格临时补贴"))],
)
RECOGNITIONS = categories.RECOGNITIONS


class Status(models.TextChoices):
    ACTIVE = "active", _("正常发放")
    SUSPENDED = "suspended", _("暂停发放")
    GRADUAL_EXIT = "gradual_exit", _("渐退期")
    TERMINATED = "terminated", _("已终止")


class ChangeReason(models.TextChoices):
    """Why an entitlement changed; every change is kept (F-04: the cause of every
    correction is recorded)."""

    DECISION = "decision", _("审批决定")
    APPEAL = "appeal", _("复核决定")
    REVIEW = "review", _("定期核查（D-01）")
    CHANGE_REPORT = "change_report", _("家庭变化报告（D-02）")
    STANDARD_ADJUSTMENT = "standard_adjustment", _("标准调整（P-05）")
    GRADUAL_EXIT = "gradual_exit", _("进入渐退期（B-03）")
    SUSPENSION = "suspension", _("暂停发放")
    RESUMPTION = "resumption", _("恢复发放")
    TERMINATION = "termination", _("终止")
    ONE_OFF_PAID = "one_off_paid", _("一次性救助发放完毕")
    CORRECTION = "correction", _("更正（F-04）")


class Entitlement(models.Model):
    """What a household (or one person of it) is owed each month from `start_month` to
    `end_month` (inclusive; open when null). Months are stored as their first day. A one-off
    payment (temporary aid) is an entitlement of one month."""

    household = models.ForeignKey(
        "registry.Household", on_delete=models.PROTECT, related_name="entitlements"
    )
    member = models.ForeignKey(
        "registry.Member", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    case = models.ForeignKey(
        "cases.Case", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    seq = models.PositiveSmallIntegerField(default=1)  # instalments of one decision
    region_code = models.CharField(_("区划代码"), max_length=12)
    category = models.CharField(_("待遇类别"), max_length=16, choices=Category.choices)
    monthly_amount = money(_("月发放金额"))
    one_off = models.BooleanField(_("一次性发放"), default=False)
    start_month = models.DateField(_("起始月份"))
    end_month = models.DateField(_("终止月份"), null=True, blank=True)
    status = models.CharField(
        _("状态"), max_length=16, choices=Status.choices, default=Status.ACTIVE
    )
    status_reason = models.CharField(_("状态原因"), max_length=24, choices=ChangeReason.choices)
    decided_on = models.DateField(_("决定日期"))
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = ScopedManager()
    unscoped = models.Manager()

    class Meta:
        verbose_name = _("救助待遇")
        verbose_name_plural = _("救助待遇")
        base_manager_name = "unscoped"
        ordering = ["id"]
        indexes = [
            region_index("entitlement"),
            models.Index(fields=["household", "category"], name="entitlement_household"),
        ]
        constraints = [
            models.UniqueConstraint(fields=["case", "seq"], name="one_entitlement_per_decision"),
            models.CheckConstraint(  # a recognition pays nothing; everything else pays
                condition=(Q(monthly_amount__gt=0) & ~Q(category__in=RECOGNITIONS))
                | Q(monthly_amount=0, category__in=RECOGNITIONS, one_off=False),
                name="entitlement_amount_positive",
            ),
            models.CheckConstraint(
                condition=Q(end_month__isnull=True) | Q(end_month__gte=models.F("start_month")),
                name="entitlement_months_in_order",
            ),
        ]


class EntitlementChange(models.Model):
    """The append-only history of an entitlement: its creation and every change of status
    or amount, with the reason, the month it takes effect and who made it."""

    entitlement = models.ForeignKey(Entitlement, on_delete=models.PROTECT, related_name="changes")
    region_code = models.CharField(max_length=12)
    reason = models.CharField(_("原因"), max_length=24, choices=ChangeReason.choices)
    from_status = models.CharField(max_length=16, blank=True)
    to_status = models.CharField(max_length=16)
    amount_before = money(_("原金额"), null=True, blank=True)
    amount_after = money(_("新金额"))
    effective_month = models.DateField(_("生效月份"))
    note = models.CharField(_("说明"), max_length=500, blank=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+"
    )
    actor_name = models.CharField(max_length=150)
    at = models.DateTimeField()

    objects = ScopedManager()
    unscoped = models.Manager()

    class Meta:
        base_manager_name = "unscoped"
        ordering = ["entitlement_id", "id"]


class PayeeAccount(models.Model):
    """The household's social-assistance bank account (一卡通): the number encrypted
    (AES-GCM, key outside the database), a keyed hash to match the bank's return file, and a
    masked form for every screen and log. Reading the number is an access-logged act."""

    household = models.OneToOneField(
        "registry.Household", on_delete=models.PROTECT, related_name="payee_account"
    )
    region_code = models.CharField(max_length=12)
    holder_name = models.CharField(_("户名"), max_length=50)
    bank_name = models.CharField(_("开户银行"), max_length=60)
    account_cipher = models.BinaryField(_("账号（加密）"))
    account_hash = models.CharField(max_length=64, db_index=True)
    account_masked = models.CharField(_("账号"), max_length=32)
    updated_at = models.DateTimeField(auto_now=True)

    objects = ScopedManager()
    unscoped = models.Manager()

    class Meta:
        verbose_name = _("收款账户")
        base_manager_name = "unscoped"
        indexes = [region_index("payeeaccount")]


class BatchStatus(models.TextChoices):
    PREPARING = "preparing", _("编制中")
    PREPARED = "prepared", _("待审核")
    APPROVED = "approved", _("已审核")
    EXPORTED = "exported", _("已生成银行文件")
    RECONCILED = "reconciled", _("已对账")


class BatchKind(models.TextChoices):
    MONTHLY = "monthly", _("月度发放")
    REISSUE = "reissue", _("重新发放")


OPEN_BATCH = (BatchStatus.PREPARING, BatchStatus.PREPARED)


class PaymentBatch(models.Model):
    """One county's payments of one month (or the reissue of held payments). A county-month
    has at most one open (preparing/prepared) batch of each kind; entitlements that become
    due after a batch was approved go into a supplementary batch of the same month."""

    region_code = models.CharField(_("县（市、区）"), max_length=12)
    month = models.DateField(_("发放月份"))
    kind = models.CharField(
        _("类型"), max_length=8, choices=BatchKind.choices, default=BatchKind.MONTHLY
    )
    status = models.CharField(
        _("状态"), max_length=12, choices=BatchStatus.choices, default=BatchStatus.PREPARING
    )
    payment_count = models.PositiveIntegerField(_("笔数"), default=0)
    total_amount = money(_("总金额"), default=0)
    prepared_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+"
    )
    prepared_by_name = models.CharField(max_length=150)
    preparers = models.JSONField(default=list)  # ids of everyone whose run added payments
    prepared_at = models.DateTimeField(null=True, blank=True)
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+"
    )
    approved_at = models.DateTimeField(null=True, blank=True)
    exported_at = models.DateTimeField(null=True, blank=True)
    export_format = models.CharField(max_length=8, blank=True)
    export_sha256 = models.CharField(max_length=64, blank=True)
    reconciled_at = models.DateTimeField(null=True, blank=True)
    reconciliation = models.JSONField(_("对账结果"), default=dict)
    created_at = models.DateTimeField(auto_now_add=True)

    objects = ScopedManager()
    unscoped = models.Manager()

    class Meta:
        verbose_name = _("发放批次")
        verbose_name_plural = _("发放批次")
        base_manager_name = "unscoped"
        ordering = ["-month", "-id"]
        indexes = [region_index("paymentbatch")]
        constraints = [
            models.UniqueConstraint(
                fields=["region_code", "month", "kind"],
                condition=Q(status__in=["preparing", "prepared"]),
                name="one_open_batch_per_county_month",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.region_code} {self.month:%Y-%m} #{self.pk}"


class PaymentStatus(models.TextChoices):
    PENDING = "pending", _("待发放")
    EXPORTED = "exported", _("已送银行")
    PAID = "paid", _("已到账")
    HELD = "held", _("发放失败暂挂")
    CANCELLED = "cancelled", _("已取消")


class Payment(models.Model):
    """One entitlement's money for one month: never two (the unique constraint). `batch` is
    where it was accrued; `carrier` the batch whose bank file carries it (the same, or the
    reissue batch after a failure)."""

    # A monthly batch inserts a million of these in seconds, so the table carries only the
    # indexes its queries use and the foreign keys that are not copies: `entitlement` and
    # `carrier` are checked by the database; `batch` (the carrier when the row is made) and
    # `household` (the entitlement's) are copies written by the same INSERT … SELECT.
    batch = models.ForeignKey(
        PaymentBatch, on_delete=models.PROTECT, related_name="payments", db_constraint=False
    )
    carrier = models.ForeignKey(PaymentBatch, on_delete=models.PROTECT, related_name="carried")
    entitlement = models.ForeignKey(
        Entitlement, on_delete=models.PROTECT, related_name="payments", db_index=False
    )  # the unique (entitlement, month) index serves its lookups
    household = models.ForeignKey(
        "registry.Household",
        on_delete=models.PROTECT,
        related_name="+",
        db_index=False,  # payment_household
        db_constraint=False,
    )
    region_code = models.CharField(max_length=12)
    month = models.DateField(_("所属月份"))
    category = models.CharField(max_length=16, choices=Category.choices)
    amount = money(_("金额"))
    status = models.CharField(
        _("状态"), max_length=12, choices=PaymentStatus.choices, default=PaymentStatus.PENDING
    )
    attempt = models.PositiveSmallIntegerField(default=1)
    failure_reason = models.CharField(_("失败原因"), max_length=200, blank=True)
    bank_reference = models.CharField(max_length=64, blank=True)

    objects = ScopedManager()
    unscoped = models.Manager()

    class Meta:
        verbose_name = _("发放记录")
        base_manager_name = "unscoped"
        ordering = ["id"]
        indexes = [
            region_index("payment"),
            # no index holds `status`, and the table leaves half of each page free
            # (migration 0005, fillfactor 50): a batch's status changes (exported, paid,
            # held) are heap-only updates that touch no index
            models.Index(fields=["household"], name="payment_household"),
        ]
        constraints = [
            models.UniqueConstraint(fields=["entitlement", "month"], name="pay_once_per_month"),
            models.CheckConstraint(condition=Q(amount__gt=0), name="payment_amount_positive"),
        ]


class PostingKind(models.TextChoices):
    ACCRUAL = "accrual", _("应发")
    PAYMENT = "payment", _("到账")
    FAILURE = "failure", _("发放失败")
    REISSUE = "reissue", _("重新发放")
    CANCELLATION = "cancellation", _("取消")
    RECOVERY = "recovery", _("追回（F-02）")


class Account(models.TextChoices):
    FUND = "fund", _("救助资金")
    PAYABLE = "payable", _("应付未付")
    PAID = "paid", _("已付")
    HELD = "held", _("暂挂")


# each posting kind moves money (from, to) one account to another (double entry): every posting
# balances by construction, and a payment's state is where its money is
MOVES: dict[str, tuple[str, str]] = {
    PostingKind.ACCRUAL: (Account.FUND, Account.PAYABLE),
    PostingKind.PAYMENT: (Account.PAYABLE, Account.PAID),
    PostingKind.FAILURE: (Account.PAYABLE, Account.HELD),
    PostingKind.REISSUE: (Account.HELD, Account.PAYABLE),
    PostingKind.CANCELLATION: (Account.HELD, Account.FUND),
    PostingKind.RECOVERY: (Account.PAID, Account.FUND),
}


class Posting(models.Model):
    """One ledger posting: `amount` (> 0) moves from `credit` to `debit`. Append-only in
    the database (migration 0002)."""

    kind = models.CharField(max_length=16, choices=PostingKind.choices)
    debit = models.CharField(max_length=8, choices=Account.choices)
    credit = models.CharField(max_length=8, choices=Account.choices)
    amount = money(_("金额"))
    payment = models.ForeignKey(Payment, on_delete=models.PROTECT, related_name="postings")
    # copies of the payment's, written with it: not checked again by the database, and
    # indexed by posting_batch and posting_household
    batch = models.ForeignKey(
        PaymentBatch,
        on_delete=models.PROTECT,
        related_name="postings",
        db_index=False,
        db_constraint=False,
    )
    household = models.ForeignKey(
        "registry.Household",
        on_delete=models.PROTECT,
        related_name="+",
        db_index=False,
        db_constraint=False,
    )
    region_code = models.CharField(max_length=12)
    month = models.DateField()
    at = models.DateTimeField()

    objects = ScopedManager()
    unscoped = models.Manager()

    class Meta:
        base_manager_name = "unscoped"
        ordering = ["id"]
        indexes = [
            region_index("posting"),
            models.Index(fields=["batch"], name="posting_batch"),
            models.Index(fields=["household"], name="posting_household"),
        ]
        constraints = [
            models.CheckConstraint(condition=Q(amount__gt=0), name="posting_amount_positive"),
            models.CheckConstraint(
                condition=~Q(debit=models.F("credit")), name="posting_moves_money"
            ),
            # a payment is accrued once, whatever reruns happen
            models.UniqueConstraint(
                fields=["payment"], condition=Q(kind="accrual"), name="one_accrual_per_payment"
            ),
        ]


# issue #6 parts 6 and 7: price-linked subsidies (P-05), corrections and recoveries (F-02, F-04)


class PriceIndex(models.Model):
    """A month's year-on-year price indices for a region (previous year = 100), as the
    statistics bureau publishes them: the CPI and, where given, its food component (P-05)."""

    region_code = models.CharField(_("区划代码"), max_length=12)
    month = models.DateField(_("月份"))
    cpi = models.DecimalField(_("居民消费价格指数（上年同月=100）"), max_digits=6, decimal_places=2)
    food = models.DecimalField(
        _("食品价格指数（上年同月=100）"), max_digits=6, decimal_places=2, null=True, blank=True
    )
    source = models.CharField(_("来源"), max_length=200, blank=True)
    recorded_by_name = models.CharField(max_length=150)
    recorded_at = models.DateTimeField()

    objects = ScopedManager()
    unscoped = models.Manager()

    class Meta:
        verbose_name = _("价格指数")
        base_manager_name = "unscoped"
        ordering = ["region_code", "month"]
        constraints = [
            models.UniqueConstraint(fields=["region_code", "month"], name="one_index_per_month"),
            models.CheckConstraint(condition=Q(cpi__gt=0), name="price_index_positive"),
        ]


class PriceSubsidy(models.Model):
    """The price-linked temporary subsidy (价格临时补贴, P-05) of one household for one month:
    paid once (the unique constraint) through a one-off entitlement of the month."""

    household = models.ForeignKey("registry.Household", on_delete=models.PROTECT, related_name="+")
    region_code = models.CharField(max_length=12)
    month = models.DateField(_("月份"))
    entitlement = models.OneToOneField(
        Entitlement, on_delete=models.PROTECT, related_name="price_subsidy"
    )
    index = models.ForeignKey(PriceIndex, on_delete=models.PROTECT, related_name="subsidies")
    group = models.CharField(_("保障对象类别"), max_length=16)
    persons = models.PositiveSmallIntegerField(_("人数"))
    per_person = money(_("每人金额"))
    amount = money(_("金额"))
    created_at = models.DateTimeField()

    objects = ScopedManager()
    unscoped = models.Manager()

    class Meta:
        verbose_name = _("价格临时补贴")
        base_manager_name = "unscoped"
        ordering = ["month", "household_id"]
        indexes = [region_index("pricesubsidy")]
        constraints = [
            models.UniqueConstraint(
                fields=["household", "month"], name="one_price_subsidy_per_month"
            ),
            models.CheckConstraint(condition=Q(amount__gt=0), name="price_subsidy_positive"),
        ]


class CorrectionCause(models.TextChoices):
    """Why an entitlement was corrected (F-04): the staff member is not held responsible for
    inaccurate shared data or the household's concealment."""

    SHARED_DATA_ERROR = "shared_data_error", _("共享数据不准确")
    CONCEALMENT = "concealment", _("申请人隐瞒或虚报")
    STAFF_ERROR = "staff_error", _("经办人员差错")
    OTHER = "other", _("其他")


class Correction(models.Model):
    """A correction of an entitlement for the months `month_from`…`month_to`: what should
    have been paid each month, what was overpaid, the cause (F-04) and whether the household
    is flagged for the credit list (concealment, D-02)."""

    entitlement = models.ForeignKey(
        Entitlement, on_delete=models.PROTECT, related_name="corrections"
    )
    household = models.ForeignKey("registry.Household", on_delete=models.PROTECT, related_name="+")
    region_code = models.CharField(max_length=12)
    cause = models.CharField(_("更正原因"), max_length=20, choices=CorrectionCause.choices)
    staff_at_fault = models.BooleanField(_("经办人员责任"), default=False)
    month_from = models.DateField(_("起始月份"))
    month_to = models.DateField(_("终止月份"))
    correct_amount = money(_("应发月金额"))
    overpaid = money(_("多发金额"))
    underpaid = money(_("少发金额"))
    credit_flag = models.BooleanField(_("列入失信名单待审"), default=False)
    note = models.CharField(_("说明"), max_length=500)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+"
    )
    actor_name = models.CharField(max_length=150)
    at = models.DateTimeField()

    objects = ScopedManager()
    unscoped = models.Manager()

    class Meta:
        verbose_name = _("待遇更正")
        base_manager_name = "unscoped"
        ordering = ["id"]
        indexes = [region_index("correction")]
        constraints = [
            models.CheckConstraint(
                condition=Q(month_to__gte=models.F("month_from")), name="correction_months_in_order"
            ),
            models.CheckConstraint(condition=Q(correct_amount__gte=0), name="correction_amount"),
        ]


class RecoveryStatus(models.TextChoices):
    OPEN = "open", _("待追回")
    PARTIAL = "partial", _("部分追回")
    REPAID = "repaid", _("已追回")
    WRITTEN_OFF = "written_off", _("已核销")


class Recovery(models.Model):
    """Money overpaid and owed back (F-02): the amount, a schedule of instalments, what was
    repaid (each repayment a `recovery` posting moving money from paid back to the fund)."""

    correction = models.OneToOneField(Correction, on_delete=models.PROTECT, related_name="recovery")
    household = models.ForeignKey("registry.Household", on_delete=models.PROTECT, related_name="+")
    region_code = models.CharField(max_length=12)
    amount_owed = money(_("应追回金额"))
    repaid = money(_("已追回金额"), default=0)
    schedule = models.JSONField(_("追回计划"), default=list)  # [{"due": "YYYY-MM", "amount"}]
    status = models.CharField(
        _("状态"), max_length=12, choices=RecoveryStatus.choices, default=RecoveryStatus.OPEN
    )
    status_note = models.CharField(_("状态说明"), max_length=500, blank=True)
    created_at = models.DateTimeField()
    updated_at = models.DateTimeField()

    objects = ScopedManager()
    unscoped = models.Manager()

    class Meta:
        verbose_name = _("追回款")
        base_manager_name = "unscoped"
        ordering = ["id"]
        indexes = [region_index("recovery")]
        constraints = [
            models.CheckConstraint(condition=Q(amount_owed__gt=0), name="recovery_owed_positive"),
            models.CheckConstraint(
                condition=Q(repaid__gte=0) & Q(repaid__lte=models.F("amount_owed")),
                name="recovery_repaid_within_owed",
            ),
        ]


class Repayment(models.Model):
    """One repayment of a recovery, as recorded (append-only like the ledger it posts to)."""

    recovery = models.ForeignKey(Recovery, on_delete=models.PROTECT, related_name="repayments")
    region_code = models.CharField(max_length=12)
    amount = money(_("金额"))
    paid_on = models.DateField(_("缴回日期"))
    note = models.CharField(_("说明"), max_length=200, blank=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+"
    )
    actor_name = models.CharField(max_length=150)
    at = models.DateTimeField()

    objects = ScopedManager()
    unscoped = models.Manager()

    class Meta:
        base_manager_name = "unscoped"
        ordering = ["id"]
        constraints = [
            models.CheckConstraint(condition=Q(amount__gt=0), name="repayment_positive"),
        ]


class AdjustmentStatus(models.TextChoices):
    PREPARED = "prepared", _("待审核")
    APPROVED = "approved", _("已审核")
    APPLIED = "applied", _("已执行")


class Adjustment(models.Model):
    """A standard adjustment (P-05 动态调整) of a region's households being paid: the diff
    of their entitlements under the standard in force from `effective`, prepared, approved by
    someone else (F-01) and applied from `first_payment` with back pay for the months between
    (benefits/adjustments.py)."""

    region_code = models.CharField(_("区划代码"), max_length=12)
    effective = models.DateField(_("新标准执行日期"))
    first_payment = models.DateField(_("按新标准首次发放月份"))
    status = models.CharField(
        _("状态"),
        max_length=12,
        choices=AdjustmentStatus.choices,
        default=AdjustmentStatus.PREPARED,
    )
    households = models.PositiveIntegerField(_("户数"), default=0)
    summary = models.JSONField(_("汇总"), default=dict)
    result = models.JSONField(_("执行结果"), default=dict)
    prepared_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+"
    )
    prepared_by_name = models.CharField(max_length=150)
    prepared_at = models.DateTimeField()
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+"
    )
    approved_at = models.DateTimeField(null=True, blank=True)
    applied_by_name = models.CharField(max_length=150, blank=True)
    applied_at = models.DateTimeField(null=True, blank=True)

    objects = ScopedManager()
    unscoped = models.Manager()

    class Meta:
        verbose_name = _("标准调整")
        verbose_name_plural = _("标准调整")
        base_manager_name = "unscoped"
        ordering = ["-id"]
        indexes = [region_index("adjustment")]


class AdjustmentRow(models.Model):
    """One household of an adjustment's diff (rules/adjustment.py `adjustment_diff`)."""

    adjustment = models.ForeignKey(Adjustment, on_delete=models.CASCADE, related_name="rows")
    household = models.ForeignKey("registry.Household", on_delete=models.PROTECT, related_name="+")
    region_code = models.CharField(max_length=12)
    ref = models.CharField(_("家庭编号"), max_length=40)
    township = models.CharField(_("乡镇（街道）"), max_length=12)
    category_before = models.CharField(_("原类别"), max_length=24)
    category_after = models.CharField(_("新类别"), max_length=24)
    monthly_before = money(_("原月发放金额"))
    monthly_after = money(_("新月发放金额"))
    change = money(_("月增减"))
    kind = models.CharField(_("变化"), max_length=16)
    back_pay = money(_("补发金额"))
    undecided = models.BooleanField(default=False)

    objects = ScopedManager()
    unscoped = models.Manager()

    class Meta:
        base_manager_name = "unscoped"
        ordering = ["adjustment_id", "household_id"]
        indexes = [
            models.Index(fields=["adjustment", "kind"], name="adjustmentrow_kind"),
            region_index("adjustmentrow"),
        ]
