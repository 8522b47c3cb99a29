"""Department data as it arrived: batches, records, and the rows a batch refused.

One generic record table for every source (docs/architecture.md says why): the typed
columns matching computes on (`id_hash`, `kind`, `amount` in Decimal yuan, `quantity`,
`occurred_on`, `as_of`) plus the source's other fields in `data`. Every record keeps its
provenance: the source, its batch (file or push, who, when) and the as-of date. No clear ID
number is stored anywhere: the keyed hash and the masked form only (SECURITY.md 23).
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from jiuzhu.regions.scope import ScopedManager


class BatchStatus(models.TextChoices):
    IMPORTING = "importing", _("导入中")
    COMPLETE = "complete", _("已完成")


class Channel(models.TextChoices):
    FILE = "file", _("文件导入")
    API = "api", _("接口推送")


class SourceBatch(models.Model):
    """One delivery of one source. Unique per (source, area, batch key): the same batch
    twice adds nothing; an interrupted import continues from `rows_done`."""

    source = models.CharField(_("数据源"), max_length=32)
    region_code = models.CharField(_("区划代码"), max_length=12, blank=True)
    batch_key = models.CharField(_("批次号"), max_length=100)
    content_sha256 = models.CharField(max_length=64)
    as_of = models.DateField(_("数据截止日期"))
    file_name = models.CharField(_("文件名"), max_length=200, blank=True)
    channel = models.CharField(_("方式"), max_length=8, choices=Channel.choices)
    status = models.CharField(
        _("状态"), max_length=12, choices=BatchStatus.choices, default=BatchStatus.IMPORTING
    )
    rows_total = models.PositiveIntegerField(_("行数"), default=0)
    rows_done = models.PositiveIntegerField(default=0)
    rows_ok = models.PositiveIntegerField(_("导入行数"), default=0)
    rows_bad = models.PositiveIntegerField(_("错误行数"), default=0)
    warnings = models.JSONField(default=list, blank=True)
    started_at = models.DateTimeField(_("开始时间"))
    finished_at = models.DateTimeField(_("完成时间"), null=True, blank=True)
    imported_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT
    )
    imported_by_name = models.CharField(max_length=150)

    objects = ScopedManager()
    unscoped = models.Manager()

    class Meta:
        verbose_name = _("部门数据批次")
        verbose_name_plural = _("部门数据批次")
        base_manager_name = "unscoped"
        constraints = [
            models.UniqueConstraint(
                fields=["source", "region_code", "batch_key"], name="one_batch_per_key"
            ),
            models.CheckConstraint(
                condition=models.Q(rows_done__lte=models.F("rows_total")),
                name="batch_rows_done_within_total",
            ),
        ]
        indexes = [
            models.Index(fields=["source", "as_of"], name="batch_source_as_of"),
            models.Index(
                fields=["region_code"], name="batch_region_prefix", opclasses=["text_pattern_ops"]
            ),
        ]

    def __str__(self) -> str:
        return f"{self.source}:{self.batch_key}"


class DepartmentRecord(models.Model):
    """One row of a department's data about one person.

    Not area-scoped by its own manager: a record names a person only by the keyed hash, and
    is reached through an area-scoped household (join on `id_hash`) or batch, never listed
    on its own (docs/verification.md)."""

    id = models.BigAutoField(primary_key=True)
    # no index of its own: the unique (batch, line) index leads with the batch and serves
    # every lookup by batch; one index fewer to maintain on each imported row
    batch = models.ForeignKey(
        SourceBatch, on_delete=models.PROTECT, related_name="records", db_index=False
    )
    source = models.CharField(max_length=32)
    region_code = models.CharField(max_length=12, blank=True)
    line = models.PositiveIntegerField()
    as_of = models.DateField()
    id_hash = models.CharField(max_length=64)
    id_masked = models.CharField(max_length=18)
    kind = models.CharField(max_length=32)
    amount = models.DecimalField(max_digits=16, decimal_places=2, null=True, blank=True)
    quantity = models.DecimalField(max_digits=14, decimal_places=2, null=True, blank=True)
    occurred_on = models.DateField(null=True, blank=True)
    data = models.JSONField(default=dict)

    class Meta:
        verbose_name = _("部门数据记录")
        verbose_name_plural = _("部门数据记录")
        constraints = [
            models.UniqueConstraint(fields=["batch", "line"], name="one_record_per_line"),
            models.CheckConstraint(
                condition=models.Q(amount__isnull=True) | models.Q(amount__gte=0),
                name="record_amount_not_negative",
            ),
        ]
        indexes = [
            models.Index(fields=["id_hash", "source"], name="record_person"),
            models.Index(fields=["source", "as_of"], name="record_source_as_of"),
        ]


class RowError(models.Model):
    """A row a batch refused: its line, the field and the reason (SECURITY.md 12)."""

    batch = models.ForeignKey(SourceBatch, on_delete=models.CASCADE, related_name="row_errors")
    line = models.PositiveIntegerField(_("行号"))
    field = models.CharField(_("字段"), max_length=64)
    reason = models.CharField(_("原因"), max_length=200)

    class Meta:
        verbose_name = _("导入错误")
        verbose_name_plural = _("导入错误")
        ordering = ["batch_id", "line", "id"]
        indexes = [models.Index(fields=["batch", "line"], name="row_error_line")]


class VerificationStatus(models.TextChoices):
    WAITING = "waiting", _("待核对（数据源不可用）")
    REPORTED = "reported", _("已出具核对报告")
    REVIEWED = "reviewed", _("核对完成")


class Verification(models.Model):
    """One household economic-status verification (家庭经济状况核对) of a case, in the steps
    of MZ/T 072: accepted (the case's request, with the stored authorization) → obtained
    (every source's records for every member) → verified (compared with the declaration)
    → reported (`report`) → reviewed (the verification officer confirms). A source without
    a usable batch leaves it `waiting`, and the case stays in 待核对 (SECURITY.md 28)."""

    case = models.ForeignKey(
        "cases.Case", on_delete=models.PROTECT, related_name="verifications", null=True
    )
    household = models.ForeignKey(
        "registry.Household", on_delete=models.PROTECT, related_name="verifications"
    )
    region_code = models.CharField(_("区划代码"), max_length=12)
    as_of = models.DateField(_("核对日期"))
    status = models.CharField(_("核对状态"), max_length=12, choices=VerificationStatus.choices)
    missing_sources = models.JSONField(_("不可用的数据源"), default=list, blank=True)
    authorization = models.JSONField(_("核对授权"), default=dict)
    report = models.JSONField(_("核对报告"), null=True, blank=True)
    snapshot = models.JSONField(_("核对后的家庭数据"), null=True, blank=True)
    high = models.PositiveIntegerField(_("重大差异"), default=0)
    medium = models.PositiveIntegerField(_("一般差异"), default=0)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    requested_at = models.DateTimeField(_("提请时间"))
    obtained_at = models.DateTimeField(_("数据获取时间"), null=True, blank=True)
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    reviewed_at = models.DateTimeField(_("复核时间"), null=True, blank=True)
    summary = models.TextField(_("核对意见"), blank=True)

    objects = ScopedManager()
    unscoped = models.Manager()

    class Meta:
        verbose_name = _("家庭经济状况核对")
        verbose_name_plural = _("家庭经济状况核对")
        base_manager_name = "unscoped"
        indexes = [
            models.Index(fields=["case", "-id"], name="verification_case_latest"),
            models.Index(
                fields=["region_code"],
                name="verification_region_prefix",
                opclasses=["text_pattern_ops"],
            ),
        ]
