"""Case numbering: one counter per township and year (SECURITY.md 18)."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


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
