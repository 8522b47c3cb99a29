"""Administrative divisions: province → city → county → township/street → village/community.

Codes are GB/T 2260 (6 digits) for the upper levels and the statistical division codes for
townships (9 digits) and villages (12 digits). Every row that belongs to a place carries its
code, and area scope is a prefix of it (see scope.py).
"""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class Level(models.TextChoices):
    COUNTRY = "country", _("全国")
    PROVINCE = "province", _("省")
    CITY = "city", _("市")
    COUNTY = "county", _("县（区）")
    TOWNSHIP = "township", _("乡镇（街道）")
    VILLAGE = "village", _("村（社区）")


# how many leading digits of a code identify the area of each level
PREFIX_LENGTH = {
    Level.COUNTRY: 0,
    Level.PROVINCE: 2,
    Level.CITY: 4,
    Level.COUNTY: 6,
    Level.TOWNSHIP: 9,
    Level.VILLAGE: 12,
}


class Region(models.Model):
    code = models.CharField(_("区划代码"), max_length=12, primary_key=True)
    name = models.CharField(_("名称"), max_length=64)
    level = models.CharField(_("层级"), max_length=10, choices=Level.choices)
    parent = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="children"
    )
    synthetic = models.BooleanField(
        _("合成数据"), default=False, help_text=_("演示用的合成区划，不是真实区划")
    )

    class Meta:
        ordering = ["code"]
        verbose_name = _("行政区划")
        verbose_name_plural = _("行政区划")

    def __str__(self) -> str:
        return f"{self.name}（{self.code}）"

    @property
    def scope_prefix(self) -> str:
        """The code prefix every place inside this region starts with."""
        return self.code[: PREFIX_LENGTH[Level(self.level)]]
