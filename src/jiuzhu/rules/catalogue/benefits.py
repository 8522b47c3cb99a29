"""Section 3 of the rule book: benefit amounts (B-01 … B-03, B-05)."""

from __future__ import annotations

import datetime as dt

import polars as pl

from jiuzhu.rules.money import RATIO_SCALE
from jiuzhu.rules.steps import aggregate, rule
from jiuzhu.rules.vector import clip_zero, div_half_up, times_ratio, where


def by_method(
    standard: pl.Series,
    income: pl.Series,
    members: pl.Series,
    paid_members: pl.Series,
    method: pl.Series,
    tier_min_gap: pl.Series,
    tier_share: pl.Series,
) -> pl.Series:
    """B-01: the dibao amount for `paid_members` of a household of `members`.

    By difference: (standard − per-capita income) × paid members, computed exactly as
    (members × standard − income) × paid / members. By tier: the gap (standard − per-capita
    income) ÷ standard selects the highest tier whose minimum gap it reaches, and each paid
    member receives that tier's share of the standard.
    """
    shortfall = clip_zero(members * standard - income)
    difference = div_half_up(shortfall * paid_members, members)
    if not (method == "tier").any():
        return difference
    gap = shortfall * RATIO_SCALE // (members * standard).clip(lower_bound=1)
    share = pl.repeat(0, gap.len(), dtype=pl.Int64, eager=True)
    longest = int(tier_min_gap.list.len().max() or 0)
    for i in range(longest):
        floor = tier_min_gap.list.get(i, null_on_oob=True)
        reached = ((gap >= floor) & (shortfall > 0)).fill_null(False)
        share = tier_share.list.get(i, null_on_oob=True).zip_with(reached, share)
    tiered = times_ratio(standard, share) * paid_members
    return tiered.zip_with(method == "tier", difference)


@rule(
    "B-02",
    level="member",
    zh="特困人员照料护理标准（按生活自理能力）",
    en="特困 care allowance by self-care ability",
    params=("care_allowance_full", "care_allowance_partial", "care_allowance_none"),
    unit="yuan",
)
def care_allowance(
    self_care: pl.Series,
    care_allowance_full: pl.Series,
    care_allowance_partial: pl.Series,
    care_allowance_none: pl.Series,
) -> pl.Series:
    partial_or_none = care_allowance_partial.zip_with(self_care == "partial", care_allowance_none)
    return care_allowance_full.zip_with(self_care == "full", partial_or_none)


@rule("B-02", level="member", zh="特困人员供养金额", en="特困 support paid", unit="yuan")
def tekun_benefit(
    is_tekun: pl.Series, hh_tekun_standard: pl.Series, care_allowance: pl.Series
) -> pl.Series:
    return where(is_tekun, hh_tekun_standard + care_allowance, 0)


METHOD_PARAMS = ("dibao_benefit_method", "dibao_tier_min_gap", "dibao_tier_share")


@rule(
    "C-05",
    level="member",
    zh="单人户低保金",
    en="Single-person dibao paid",
    params=METHOD_PARAMS,
    unit="yuan",
)
def single_person_benefit(
    single_person_dibao: pl.Series,
    income_counted: pl.Series,
    hh_dibao_standard: pl.Series,
    dibao_benefit_method: pl.Series,
    dibao_tier_min_gap: pl.Series,
    dibao_tier_share: pl.Series,
) -> pl.Series:
    """A household of one: the member's own counted income against the standard."""
    one = pl.repeat(1, income_counted.len(), dtype=pl.Int64, eager=True)
    amount = by_method(
        hh_dibao_standard,
        income_counted,
        one,
        one,
        dibao_benefit_method,
        dibao_tier_min_gap,
        dibao_tier_share,
    )
    return where(single_person_dibao, amount, 0)


aggregate("B-02", "tekun_total", "tekun_benefit", "sum", level="household",
          zh="特困供养金合计", en="特困 support, total", unit="yuan")
aggregate("C-05", "single_person_total", "single_person_benefit", "sum", level="household",
          zh="单人户低保金合计", en="Single-person dibao, total", unit="yuan")


@rule("B-01", level="household", zh="家庭低保金", en="Household dibao paid", params=METHOD_PARAMS, unit="yuan")
def dibao_benefit(
    dibao_eligible: pl.Series,
    dibao_standard: pl.Series,
    income_net: pl.Series,
    members_count: pl.Series,
    tekun_count: pl.Series,
    dibao_benefit_method: pl.Series,
    dibao_tier_min_gap: pl.Series,
    dibao_tier_share: pl.Series,
) -> pl.Series:
    """Paid for the members not already supported as 特困."""
    amount = by_method(
        dibao_standard,
        income_net,
        members_count,
        members_count - tekun_count,
        dibao_benefit_method,
        dibao_tier_min_gap,
        dibao_tier_share,
    )
    return where(dibao_eligible, amount, 0)


@rule(
    "B-03",
    level="household",
    zh="渐退期截止日",
    en="Gradual exit ends on",
    params=("gradual_exit_months",),
)
def gradual_exit_until(
    prev_category: pl.Series,
    prev_exceeded_on: pl.Series,
    dibao_eligible: pl.Series,
    assets_ok_dibao: pl.Series,
    employed_count: pl.Series,
    gradual_exit_months: pl.Series,
    as_of: dt.date,
) -> pl.Series:
    """A dibao household whose income rose above the standard while a member works keeps its
    benefit for the parameter's months, counted from the day income exceeded the standard."""
    applies = (
        (prev_category == "dibao")
        & dibao_eligible.not_()
        & assets_ok_dibao
        & (employed_count > 0)
    )
    frame = pl.DataFrame({"start": prev_exceeded_on.fill_null(as_of), "m": gradual_exit_months})
    until = frame.select(
        (pl.col("start").dt.offset_by(pl.format("{}mo", pl.col("m"))) - dt.timedelta(days=1))
    ).to_series()
    keep = applies & (until >= as_of) & (gradual_exit_months > 0)
    return until.zip_with(
        keep.fill_null(False), pl.repeat(None, until.len(), dtype=pl.Date, eager=True)
    )


@rule("B-03", level="household", zh="处于渐退期", en="In gradual exit")
def in_gradual_exit(gradual_exit_until: pl.Series) -> pl.Series:
    return gradual_exit_until.is_not_null()


@rule("C-08", level="household", zh="低保家庭（含渐退期）", en="Dibao household (incl. gradual exit)")
def dibao_household(dibao_eligible: pl.Series, in_gradual_exit: pl.Series) -> pl.Series:
    return dibao_eligible | in_gradual_exit


@rule(
    "B-05",
    level="household",
    zh="月救助金额（按规定取整）",
    en="Monthly benefit, rounded as declared",
    params=("rounding_unit", "rounding_mode"),
    unit="yuan",
)
def monthly_benefit(
    tekun_total: pl.Series,
    dibao_benefit: pl.Series,
    in_gradual_exit: pl.Series,
    prev_benefit: pl.Series,
    single_person_total: pl.Series,
    rounding_unit: pl.Series,
    rounding_mode: pl.Series,
) -> pl.Series:
    continued = where(in_gradual_exit, prev_benefit, 0)
    raw = tekun_total + dibao_benefit + continued + single_person_total
    step = where(rounding_unit == "yuan", 100, where(rounding_unit == "jiao", 10, 1))
    half_up = (raw + step // 2) // step * step
    up = (raw + step - 1) // step * step
    down = raw // step * step
    return half_up.zip_with(rounding_mode == "half_up", up.zip_with(rounding_mode == "up", down))
