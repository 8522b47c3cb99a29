"""The reason a caseworker reads first: one or two sentences, in Chinese and English, naming
the figures that decided the household's layer and amount (the full trace stays below it).

Built from the same run as the decision (the household's row of the engine's frame), so the
sentence and the figures can never disagree. Amounts are integer fen here, printed as yuan with
thousands separators.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from jiuzhu.rules.money import RATIO_SCALE

# the household-level columns the sentence reads, beside the decision itself
REASON_COLUMNS = (
    "per_capita_income",
    "dibao_standard",
    "low_income_line",
    "tekun_standard",
    "monthly_benefit",
    "primary_category",
    "dibao_eligible",
    "assets_ok_dibao",
    "assets_ok_low_income",
    "low_income",
    "deductions_allowed",
    "deduction_ceiling",
    "rigid_deduction",
    "employment_deduction",
    "rigid_spending",
    "income_gross",
    "employment_costs",
    "in_gradual_exit",
    "gradual_exit_until",
    "prev_benefit",
    "tekun_total",
    "single_person_total",
)


def yuan(fen: int) -> str:
    """1234567 → '12,345.67'."""
    sign = "-" if fen < 0 else ""
    whole, cents = divmod(abs(int(fen)), 100)
    return f"{sign}{whole:,}.{cents:02d}"


def _share(units: int) -> str:
    pct = Decimal(units) * 100 / RATIO_SCALE
    return f"{pct.normalize():f}%"


def _names(refs: list[str]) -> str:
    return "、".join(refs)


@dataclass(frozen=True)
class Reason:
    zh: str
    en: str

    def as_dict(self) -> dict[str, str]:
        return {"zh": self.zh, "en": self.en}


def _compare_zh(value: int, limit: int) -> str:
    """低于 / 等于 / 高于: the word says exactly how the figure stands to the limit."""
    if value < limit:
        return "低于"
    return "等于" if value == limit else "高于"


def reason_for(
    row: dict[str, Any],
    *,
    tekun_members: list[str],
    single_person_members: list[str],
    min_share_units: int | None,
) -> Reason:
    """The sentence for one household's row (money in fen)."""
    category = row["primary_category"]
    pci, std, line = row["per_capita_income"], row["dibao_standard"], row["low_income_line"]
    benefit = row["monthly_benefit"]
    income_zh = f"家庭人均收入{yuan(pci)}元"
    income_en = f"Per-capita household income {yuan(pci)} yuan"
    deduction_zh, deduction_en = _deduction_note(row)
    if category == "tekun":
        return Reason(
            f"{_names(tekun_members)}无劳动能力、无生活来源、无有履行能力的法定义务人，"
            f"认定为特困人员，按特困人员基本生活标准{yuan(row['tekun_standard'])}元及照料护理标准"
            f"供养；月救助金额{yuan(benefit)}元。",
            f"{', '.join(tekun_members)}: no labour capacity, no livelihood and no able "
            f"supporter, so 特困 support at the standard of {yuan(row['tekun_standard'])} yuan "
            f"plus the care allowance; {yuan(benefit)} yuan a month.",
        )
    if category == "dibao" and row["in_gradual_exit"]:
        return _gradual_exit(row, single_person_members, income_zh, income_en)
    if category == "dibao" and row["dibao_eligible"]:
        zh = (
            f"{income_zh}，低于当地低保标准{yuan(std)}元，且家庭财产符合规定{deduction_zh}，"
            f"符合低保条件；月低保金{yuan(benefit)}元。"
        )
        en = (
            f"{income_en}, below the local dibao standard of {yuan(std)} yuan, with assets "
            f"within the rules{deduction_en}: dibao, {yuan(benefit)} yuan a month."
        )
        return Reason(zh, en)
    if category == "dibao":
        names = _names(single_person_members)
        return Reason(
            f"{income_zh}，{_compare_zh(pci, std)}当地低保标准{yuan(std)}元，"
            f"家庭不符合低保条件；{names}因重度残疾或重病按单人户纳入低保，月低保金"
            f"{yuan(benefit)}元。",
            f"{income_en}, not below the local dibao standard of {yuan(std)} yuan; "
            f"{', '.join(single_person_members)} covered alone as a single-person household "
            f"(severe disability or serious illness): {yuan(benefit)} yuan a month.",
        )
    not_dibao_zh, not_dibao_en = _why_not_dibao(row, income_zh, income_en)
    if category == "low_income":
        return Reason(
            f"{not_dibao_zh}；{_compare_zh(pci, line)}低收入家庭认定线"
            f"{yuan(line)}元{deduction_zh}，认定为低收入家庭。",
            f"{not_dibao_en}; at or below the low-income line of {yuan(line)} yuan"
            f"{deduction_en}: a low-income household.",
        )
    if category == "rigid_expenditure":
        share = _share(min_share_units) if min_share_units is not None else ""
        return Reason(
            f"{income_zh}，高于低收入家庭认定线{yuan(line)}元{deduction_zh}；月均刚性支出"
            f"{yuan(row['rigid_spending'])}元，超过家庭收入的{share}，认定为刚性支出困难家庭，"
            f"可获相应专项救助，不发放低保金。",
            f"{income_en}, above the low-income line of {yuan(line)} yuan{deduction_en}; "
            f"rigid spending of {yuan(row['rigid_spending'])} yuan a month exceeds {share} of "
            f"income: a rigid-expenditure household, eligible for specialized aid, no dibao.",
        )
    if not row["assets_ok_low_income"]:
        return Reason(
            f"{income_zh}；家庭财产不符合低保和低收入家庭规定，不符合救助条件。",
            f"{income_en}; assets exceed the dibao and low-income rules: no layer met.",
        )
    return Reason(
        f"{income_zh}，高于低收入家庭认定线{yuan(line)}元{deduction_zh}，"
        f"不符合低保和低收入家庭条件。",
        f"{income_en}, above the low-income line of {yuan(line)} yuan{deduction_en}: "
        f"neither dibao nor low-income.",
    )


def _why_not_dibao(row: dict[str, Any], income_zh: str, income_en: str) -> tuple[str, str]:
    std = row["dibao_standard"]
    if row["per_capita_income"] < std and not row["assets_ok_dibao"]:
        return (
            f"{income_zh}，低于当地低保标准{yuan(std)}元，但家庭财产不符合低保规定",
            f"{income_en}, below the local dibao standard of {yuan(std)} yuan, but assets "
            f"exceed the dibao rules",
        )
    word = _compare_zh(row["per_capita_income"], std)
    return (
        f"{income_zh}，{word}当地低保标准{yuan(std)}元，不符合低保条件",
        f"{income_en}, not below the local dibao standard of {yuan(std)} yuan: not dibao",
    )


def _deduction_note(row: dict[str, Any]) -> tuple[str, str]:
    """A clause saying what was deducted, or that nothing could be (I-04)."""
    deducted = (row["rigid_deduction"] or 0) + (row["employment_deduction"] or 0)
    spent = row["rigid_spending"] + row["employment_costs"]
    if row["deductions_allowed"] is False and spent > 0:
        ceiling = yuan(row["deduction_ceiling"])
        return (
            f"（扣减前人均收入高于扣减上限{ceiling}元，刚性支出不予扣减）",
            f" (gross per-capita income above the {ceiling}-yuan ceiling: nothing deducted)",
        )
    if deducted > 0:
        return (
            f"（家庭月收入已扣减刚性支出和就业成本{yuan(deducted)}元）",
            f" (after {yuan(deducted)} yuan a month of rigid spending and job costs deducted)",
        )
    return "", ""


def _gradual_exit(row: dict[str, Any], single: list[str], income_zh: str, income_en: str) -> Reason:
    std, prev = row["dibao_standard"], row["prev_benefit"]
    until = row["gradual_exit_until"].isoformat()
    alone = row["tekun_total"] + row["single_person_total"]
    head_zh = f"{income_zh}，已高于当地低保标准{yuan(std)}元，因成员就业处于渐退期（至{until}）"
    head_en = (
        f"{income_en}, now above the local dibao standard of {yuan(std)} yuan; in gradual "
        f"exit until {until} because a member works"
    )
    if alone > prev:
        names = _names(single) or "成员"
        return Reason(
            f"{head_zh}；{names}单独可得{yuan(alone)}元，高于原救助金{yuan(prev)}元，"
            f"取较高者发放{yuan(row['monthly_benefit'])}元（不重复发放）。",
            f"{head_en}; the single-person amount of {', '.join(single) or 'members'}, "
            f"{yuan(alone)} yuan, is more than the previous {yuan(prev)} yuan, so the larger "
            f"is paid: {yuan(row['monthly_benefit'])} yuan (never both).",
        )
    return Reason(
        f"{head_zh}，继续发放原救助金{yuan(prev)}元。",
        f"{head_en}: the previous benefit of {yuan(prev)} yuan continues.",
    )
