"""How the registry pages show things: the engine's codes in words, a decision and its
explanation as table rows, audit events as old → new."""

from __future__ import annotations

from collections.abc import Mapping
from functools import cache
from typing import Any

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from jiuzhu.audit.models import AuditEvent
from jiuzhu.core.categories import category_label
from jiuzhu.registry.models import Household, HouseholdFact, HouseholdFactKind, IncomeKind, Member
from jiuzhu.rules import categories
from jiuzhu.rules.params import ASSUMED

# -- display of decisions and audit rows ---------------------------------------------------
CODE_LABELS: dict[str, Any] = {
    # categories (C-08): the engine's names, labelled by the category catalogue
    **{name: category_label(name) for name in categories.ENGINE},
    "none": gettext_lazy("不符合救助条件"),
    # employment difficulty (S-04)
    "older_unemployed": gettext_lazy("大龄失业人员"),
    "disabled": gettext_lazy("残疾人"),
    "zero_employment_household": gettext_lazy("零就业家庭成员"),
    "landless": gettext_lazy("失地农民"),
    "long_term_unemployed": gettext_lazy("长期失业人员"),
    "graduate": gettext_lazy("离校未就业高校毕业生"),
    # specialized aid (C-08)
    "medical": gettext_lazy("医疗救助"),
    "education": gettext_lazy("教育救助"),
    "housing": gettext_lazy("住房救助"),
    "employment": gettext_lazy("就业救助"),
    "temporary": gettext_lazy("临时救助"),
    "electricity_fee_waiver": gettext_lazy("电费减免"),
}
ACTION_LABELS: dict[str, Any] = {
    "household.create": gettext_lazy("新建家庭"),
    "household.update": gettext_lazy("修改家庭信息"),
    "household.fact": gettext_lazy("登记财产或支出"),
    "member.add": gettext_lazy("新增家庭成员"),
    "member.update": gettext_lazy("修改成员信息"),
    "member.leave": gettext_lazy("成员离开家庭"),
    "member.move": gettext_lazy("成员迁移"),
    "member.income": gettext_lazy("登记收入"),
    "supporter.add": gettext_lazy("新增法定义务人"),
}
AUDIT_KEYS: dict[str, Any] = {
    "id_number": gettext_lazy("身份证号"),
    "household": gettext_lazy("家庭编号"),
    "member": gettext_lazy("成员"),
    "on": gettext_lazy("日期"),
    "reason": gettext_lazy("原因"),
    "supporter": gettext_lazy("法定义务人"),
}


def _shown(value: Any, *, codes: bool = True) -> str:
    """A value for a table cell: yes/no, lists joined, the engine's codes in words."""
    if value is None:
        return "—"
    if isinstance(value, bool):
        return _("是") if value else _("否")
    if isinstance(value, list | tuple):
        return "、".join(_shown(v, codes=codes) for v in value) or "—"
    if codes and isinstance(value, str):
        return str(CODE_LABELS.get(value, value))
    return str(value)


def _fact_text(fact: Mapping[str, Any], names: Mapping[str, str], english: bool) -> str:
    """One verified figure (V-03) in words: what, whose, declared, found, used."""
    label = fact.get("label_en" if english else "label_zh") or ""
    member = fact.get("member")
    whose = f"（{names.get(str(member), names.get(member, ''))}）" if member is not None else ""
    found, declared, used = (_shown(fact.get(k)) for k in ("found", "declared", "verified"))
    if english:
        return f"{label}{whose}: declared {declared}, departments {found}, used {used}"
    return f"{label}{whose}：申报 {declared}，部门数据 {found}，采用 {used}"


def _step_row(step: Mapping[str, Any], names: Mapping[str, str], english: bool) -> dict[str, Any]:
    value = step.get("value")
    if isinstance(value, list) and value and all(isinstance(v, Mapping) for v in value):
        values = [("", "；".join(_fact_text(v, names, english) for v in value))]  # V-03
    elif "value" in step:
        values = [("", step["value"])]
    elif isinstance(step.get("values"), dict):
        values = [(names.get(ref, ref), v) for ref, v in step["values"].items()]
    else:
        values = [(names.get(i["member"], i["member"]), i["value"]) for i in step["values"]]
    return {
        "rule": step["rule"],
        "label": step["label_en"] if english else step["label_zh"],
        "values": [(who, _shown(v)) for who, v in values],
        "parameters": [
            {
                "name": p["name"],
                "value": _shown(p["value"]),
                "unit": p.get("unit", ""),
                "source": p.get("source", {}),
                "from": p.get("from"),
                "to": p.get("to"),
                "assumed": p.get("default") == ASSUMED,
                "unverified": bool(p.get("unverified")),
                "unset": bool(p.get("unset")),
            }
            for p in step.get("parameters", [])
        ],
    }


def decision_context(decision: Mapping[str, Any], *, english: bool) -> dict[str, Any]:
    names = {m["ref"]: m["name"] for m in decision["snapshot"]["members"]}
    difficulty = decision["employment_difficulty"]
    return {
        "decision": decision,
        "categories": _shown(decision["categories"]),
        "primary": _shown(decision["primary_category"]),
        "aid": _shown(decision["specialized_aid"]),
        "tekun_members": _shown([names.get(r, r) for r in decision["tekun_members"]]),
        "difficulty": [(names.get(ref, ref), _shown(cats)) for ref, cats in difficulty.items()],
        "steps": [_step_row(s, names, english) for s in decision.get("explanation", [])],
    }


@cache
def _audit_fields() -> dict[str, tuple[Any, dict[Any, Any]]]:
    """Field name → (label, code → label): the words of the models, for old → new."""
    out: dict[str, tuple[Any, dict[Any, Any]]] = {}
    for model in (HouseholdFact, Household, Member):
        for field in model._meta.fields:
            choices = dict(field.flatchoices) if field.choices else {}
            out[field.name] = (field.verbose_name, choices)
    for kind in (*HouseholdFactKind, *IncomeKind):
        out[kind.value] = (kind.label, {})
    out.update({key: (label, {}) for key, label in AUDIT_KEYS.items()})
    return out


def audit_row(event: AuditEvent, names: Mapping[str, str]) -> dict[str, Any]:
    fields = _audit_fields()
    old, new = event.old or {}, event.new or {}

    def show(values: Mapping[str, Any], key: str, choices: Mapping[Any, Any]) -> str:
        if key not in values:
            return ""
        value = values[key]
        return _shown(choices.get(value, value) if isinstance(value, str) else value, codes=False)

    changes = []
    for key in dict.fromkeys([*old, *new]):
        label, choices = fields.get(key, (key, {}))
        changes.append((label, show(old, key, choices), show(new, key, choices)))
    subject = _("家庭") if event.object_type == "household" else names.get(event.object_id, "")
    return {
        "event": event,
        "action": ACTION_LABELS.get(event.action, event.action),
        "subject": subject,
        "changes": changes,
    }
