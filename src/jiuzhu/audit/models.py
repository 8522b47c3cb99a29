"""Append-only, hash-chained logs: every change (AuditEvent) and every look at a full ID
number, bank account or health record (AccessEvent). Rows are never updated or deleted:
the models refuse it and database triggers refuse it too (migration 0002)."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class AppendOnlyError(Exception):
    """An attempt to change or delete a log row."""


class AppendOnlyQuerySet(models.QuerySet):  # type: ignore[type-arg]
    def update(self, **kwargs: Any) -> int:
        raise AppendOnlyError("log rows are append-only")

    def delete(self) -> tuple[int, dict[str, int]]:
        raise AppendOnlyError("log rows are append-only")


class ChainedRow(models.Model):
    """Common columns of a hash-chained log."""

    # indexed by a BRIN index on PostgreSQL (migration 0003): rows are appended in time
    # order, so a block range summary finds a period at almost no cost per appended row
    at = models.DateTimeField(_("时间"))
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    actor_name = models.CharField(_("操作人"), max_length=150, blank=True)
    region_code = models.CharField(_("区划"), max_length=12, blank=True)  # prefix index below
    ip = models.GenericIPAddressField(_("IP"), null=True, blank=True)
    request_id = models.CharField(max_length=36, blank=True)
    prev_hash = models.CharField(max_length=64)
    # not indexed: the chain is walked in id order and `verify` finds any broken link; a
    # bank file appends a million access rows, each index on them costs seconds
    hash = models.CharField(max_length=64)

    objects = AppendOnlyQuerySet.as_manager()

    class Meta:
        abstract = True
        ordering = ["id"]

    def save(self, *args: Any, **kwargs: Any) -> None:
        if self.pk is not None:
            raise AppendOnlyError("log rows are append-only")
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> tuple[int, dict[str, int]]:
        raise AppendOnlyError("log rows are append-only")


class AuditEvent(ChainedRow):
    """One state change: who did what to which object, old and new values."""

    action = models.CharField(_("操作"), max_length=64)
    object_type = models.CharField(_("对象类型"), max_length=64)
    object_id = models.CharField(_("对象"), max_length=64)
    old = models.JSONField(_("原值"), null=True, blank=True)
    new = models.JSONField(_("新值"), null=True, blank=True)

    class Meta(ChainedRow.Meta):
        verbose_name = _("审计记录")
        verbose_name_plural = _("审计记录")
        indexes = [
            models.Index(fields=["object_type", "object_id"]),
            models.Index(
                fields=["region_code"], name="audit_region_prefix", opclasses=["text_pattern_ops"]
            ),
        ]


class AccessEvent(ChainedRow):
    """One read of a full personal identifier or health record, with its purpose."""

    subject_type = models.CharField(_("对象类型"), max_length=64)
    subject_id = models.CharField(_("对象"), max_length=64)
    field = models.CharField(_("字段"), max_length=32)
    purpose = models.CharField(_("用途"), max_length=200)

    class Meta(ChainedRow.Meta):
        verbose_name = _("个人信息查看记录")
        verbose_name_plural = _("个人信息查看记录")
        indexes = [
            models.Index(fields=["subject_type", "subject_id"], name="access_subject"),
            models.Index(
                fields=["region_code"], name="access_region_prefix", opclasses=["text_pattern_ops"]
            ),
        ]
