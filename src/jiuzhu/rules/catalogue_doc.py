"""The rule catalogue as data and as Markdown (docs/rules.md is generated from it)."""

from __future__ import annotations

from typing import Any

from jiuzhu.rules.catalogue import CATALOGUE
from jiuzhu.rules.params import ParameterSet
from jiuzhu.rules.steps import Step

HEADER = """# Rule catalogue

Generated from the code by `jiuzhu rules list --markdown > docs/rules.md` (a test fails when it
is stale). Every step of the engine names the rule of `RULES.md` it implements; the engine
runs them in dependency order (docs/architecture.md). Parameters are dated YAML files under
`src/jiuzhu/rules/params/<region code>/` or a named layer attached to a region
(`params/<name>/layer.yaml`, docs/parameters.md); `jiuzhu params show --region CODE` prints the
values in force there with their sources.
"""


def catalogue_rows() -> list[dict[str, Any]]:
    """Every shown step: rule ID, name, level, labels, parameters read, kind."""
    return [
        {
            "rule": step.rule_id,
            "step": step.name,
            "level": step.level,
            "label_zh": step.label_zh,
            "label_en": step.label_en,
            "parameters": list(step.params),
            "kind": step.kind,
        }
        for step in CATALOGUE
        if step.output
    ]


def rule_order(rule_id: str) -> tuple[int, int]:
    """Rule-book order: section (P, I, C, B, D, A, S, …), then number."""
    section, _, number = rule_id.partition("-")
    return ("PICBDASVMFX".find(section[0]), int(number or 0))


def in_rule_book_order(steps: list[Step]) -> list[Step]:
    """Steps sorted by rule ID, keeping their declared order within a rule."""
    return sorted(steps, key=lambda step: rule_order(step.rule_id))


def catalogue_markdown(params: ParameterSet) -> str:
    rows = sorted(catalogue_rows(), key=lambda r: rule_order(r["rule"]))
    out = [
        HEADER,
        "## Steps",
        "",
        "| rule | step | level | 中文 | English | parameters |",
        "|---|---|---|---|---|---|",
    ]
    for r in rows:
        params_text = ", ".join(f"`{p}`" for p in r["parameters"]) or "—"
        out.append(
            f"| {r['rule']} | `{r['step']}` | {r['level']} | {r['label_zh']} | "
            f"{r['label_en']} | {params_text} |"
        )
    out += [
        "",
        "## Parameters",
        "",
        "| parameter | unit | declared in | description |",
        "|---|---|---|---|",
    ]
    for name in params.names():
        per_region = params.by_name[name]
        first = next(iter(per_region.values()))
        regions = ", ".join(
            f"{param.layer.name} ({code})" if param.layer else code
            for code, param in sorted(per_region.items())
        )
        description = " ".join(first.description.split()).replace("|", "/")
        out.append(f"| `{name}` | {first.unit} | {regions} | {description} |")
    out.append("")
    return "\n".join(out)
