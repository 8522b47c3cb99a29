"""How a warning's evidence is shown (issue 17: no internal code on a page): each key in
words, categories by their names, yes/no, amounts in yuan — in Chinese or English."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from jiuzhu.core.categories import category_label
from jiuzhu.rules import categories

EVIDENCE_LABELS: dict[str, Any] = {
    "category": gettext_lazy("现有救助类别"),
    "eligible": gettext_lazy("测算可享受的类别"),
    "primary_category": gettext_lazy("测算主类别"),
    "monthly_benefit": gettext_lazy("测算月救助金额（元）"),
    "per_capita_income": gettext_lazy("家庭月人均收入（元）"),
    "out_of_pocket": gettext_lazy("自付医疗费用（元）"),
    "threshold": gettext_lazy("预警线（元）"),
    "annual_income": gettext_lazy("家庭年收入（元）"),
    "above_income_share": gettext_lazy("超过家庭年收入的规定比例"),
    "monthly_income_lost": gettext_lazy("减少的月收入（元）"),
    "earned_income_lost": gettext_lazy("减少的劳动收入（元/月）"),
    "died_on": gettext_lazy("死亡日期"),
    "left_on": gettext_lazy("离职（失业）日期"),
    "loss": gettext_lazy("灾害损失（元）"),
    "disaster": gettext_lazy("灾情"),
    "stage": gettext_lazy("学段"),
    "reported_on": gettext_lazy("报告日期"),
    "registered_on": gettext_lazy("登记日期"),
    "certified_on": gettext_lazy("认定日期"),
    "grade": gettext_lazy("残疾等级"),
    "disability_kind": gettext_lazy("残疾类别"),
    "utility": gettext_lazy("欠费类别"),
    "owed": gettext_lazy("欠费金额（元）"),
    "months": gettext_lazy("欠费月数"),
    "channel": gettext_lazy("来源渠道"),
    "kind": gettext_lazy("类型"),
    "occurred_on": gettext_lazy("发生日期"),
}
CATEGORY_KEYS = frozenset({"category", "eligible", "primary_category"})


def _value(key: str, value: Any) -> str:
    if value is None or value == "":
        return "—"
    if isinstance(value, bool):
        return _("是") if value else _("否")
    if key in CATEGORY_KEYS and isinstance(value, str):
        if value == categories.NONE:
            return _("无")
        if value in categories.BY_CODE or value in categories.BY_ENGINE:
            return str(category_label(value, "short"))
    return str(value)


def evidence_rows(evidence: Mapping[str, Any]) -> list[tuple[str, str]]:
    """(label, value) for each piece of a warning's evidence, in the labels' order; a key
    without a label (a new indicator's) is shown last under its own name."""
    known = [k for k in EVIDENCE_LABELS if k in evidence]
    rest = sorted(k for k in evidence if k not in EVIDENCE_LABELS)
    return [(str(EVIDENCE_LABELS.get(k, k)), _value(k, evidence[k])) for k in [*known, *rest]]
