"""Section 3 of the rule book: benefit amounts (B-01 … B-03, B-05)."""

from __future__ import annotations

import datetime as dt

import polars as pl

from jiuzhu.rules.money import RATIO_SCALE
from jiuzhu.rules.steps import aggregate, rule
from jiuzhu.rules.vector import (
    add_months,
    clip_zero,
    div_half_up,
    maximum,
    nothing_or,
    static,
    times_ratio,
    where,
)

MAX_TIERS = 8  # the engine evaluates at most this many dibao tiers (B-01; validation.py)


def by_method(
    standard: pl.Expr,
    income: pl.Expr,
    members: pl.Expr | int,
    paid_members: pl.Expr | int,
    method: pl.Expr,
    tier_min_gap: pl.Expr,
    tier_share: pl.Expr,
) -> pl.Expr:
    """B-01: the dibao amount for `paid_members` of a household of `members`.

    By difference: (standard − per-capita income) × paid members, computed exactly as
    (members × standard − income) × paid / members. By tier: the gap (standard − per-capita
    income) ÷ standard selects the highest tier whose minimum gap it reaches, and each paid
    member receives that tier's share of the standard.
    """
    n = pl.lit(members, dtype=pl.Int64) if isinstance(members, int) else members
    paid = pl.lit(paid_members, dtype=pl.Int64) if isinstance(paid_members, int) else paid_members
    shortfall = clip_zero(n * standard - income)
    difference = div_half_up(shortfall * paid, n)
    if static(method) == "difference":
        return difference
    gap = shortfall * RATIO_SCALE // (n * standard).clip(lower_bound=1)
    share: pl.Expr = pl.lit(0, dtype=pl.Int64)
    for i in range(MAX_TIERS):
        floor = tier_min_gap.list.get(i, null_on_oob=True)
        reached = ((gap >= floor) & (shortfall > 0)).fill_null(False)
        share = pl.when(reached).then(tier_share.list.get(i, null_on_oob=True)).otherwise(share)
    tiered = times_ratio(standard, share) * paid
    tiers_set = tier_min_gap.is_not_null() & tier_share.is_not_null()
    return (
        pl.when((method == "tier") & tiers_set)
        .then(tiered)
        .when(method == "difference")
        .then(difference)
    )


@rule(
    "B-02",
    level="member",
    zh="特困人员照料护理标准（按生活自理能力）",
    en="特困 care allowance by self-care ability",
    params=("care_allowance_full", "care_allowance_partial", "care_allowance_none"),
    unit="yuan",
)
def care_allowance(
    self_care: pl.Expr,
    care_allowance_full: pl.Expr,
    care_allowance_partial: pl.Expr,
    care_allowance_none: pl.Expr,
) -> pl.Expr:
    return (
        pl.when(self_care == "full")
        .then(care_allowance_full)
        .when(self_care == "partial")
        .then(care_allowance_partial)
        .otherwise(care_allowance_none)
    )


@rule("B-02", level="member", zh="特困人员供养金额", en="特困 support paid", unit="yuan")
def tekun_benefit(
    is_tekun: pl.Expr, hh_tekun_standard: pl.Expr, care_allowance: pl.Expr
) -> pl.Expr:
    return where(is_tekun, hh_tekun_standard + care_allowance, 0)


METHOD_PARAMS = ("dibao_benefit_method", "dibao_tier_min_gap", "dibao_tier_share")


@rule(
    "C-05",
    level="member",
    zh="作为单人户可得的低保金",
    en="Dibao the member would receive as a single-person household",
    params=METHOD_PARAMS,
    unit="yuan",
)
def single_person_amount(
    severe_condition: pl.Expr,
    is_tekun: pl.Expr,
    income_counted: pl.Expr,
    hh_dibao_standard: pl.Expr,
    dibao_benefit_method: pl.Expr,
    dibao_tier_min_gap: pl.Expr,
    dibao_tier_share: pl.Expr,
) -> pl.Expr:
    """A household of one: the member's own counted income against the standard."""
    amount = by_method(
        hh_dibao_standard,
        income_counted,
        1,
        1,
        dibao_benefit_method,
        dibao_tier_min_gap,
        dibao_tier_share,
    )
    return where(severe_condition & is_tekun.not_(), amount, 0)


@rule("C-05", level="member", zh="单人户低保金", en="Single-person dibao paid", unit="yuan")
def single_person_benefit(single_person_dibao: pl.Expr, single_person_amount: pl.Expr) -> pl.Expr:
    return where(single_person_dibao, single_person_amount, 0)


aggregate(
    "C-05",
    "single_person_floor_total",
    "single_person_amount",
    "sum",
    level="household",
    zh="重残重病成员单人户金额合计",
    en="What severely ill or disabled members would receive alone, total",
    unit="yuan",
)
aggregate(
    "B-02",
    "tekun_total",
    "tekun_benefit",
    "sum",
    level="household",
    zh="特困供养金合计",
    en="特困 support, total",
    unit="yuan",
)
aggregate(
    "C-05",
    "single_person_total",
    "single_person_benefit",
    "sum",
    level="household",
    zh="单人户低保金合计",
    en="Single-person dibao, total",
    unit="yuan",
)


@rule(
    "B-01",
    level="household",
    zh="家庭低保金",
    en="Household dibao paid",
    params=(*METHOD_PARAMS, "single_person_floor"),
    unit="yuan",
)
def dibao_benefit(
    dibao_eligible: pl.Expr,
    dibao_standard: pl.Expr,
    income_net: pl.Expr,
    members_count: pl.Expr,
    tekun_count: pl.Expr,
    single_person_floor_total: pl.Expr,
    dibao_benefit_method: pl.Expr,
    dibao_tier_min_gap: pl.Expr,
    dibao_tier_share: pl.Expr,
    single_person_floor: pl.Expr,
) -> pl.Expr:
    """Paid for the members not already supported as 特困; where the floor parameter is set,
    never less than the household's severely ill or disabled members would receive as
    single-person households (C-05), so that more income never raises the amount."""
    amount = by_method(
        dibao_standard,
        income_net,
        members_count,
        members_count - tekun_count,
        dibao_benefit_method,
        dibao_tier_min_gap,
        dibao_tier_share,
    )
    floor = nothing_or(
        single_person_floor_total, where(single_person_floor, single_person_floor_total, 0)
    )
    return where(dibao_eligible, maximum(amount, floor), 0)


@rule(
    "B-03",
    level="household",
    zh="原低保家庭因成员就业收入超过标准（渐退条件）",
    en="A dibao household now over the standard while a member works (gradual exit applies)",
)
def gradual_exit_applies(
    prev_category: pl.Expr,
    dibao_eligible: pl.Expr,
    assets_ok_dibao: pl.Expr,
    employed_count: pl.Expr,
) -> pl.Expr:
    return (
        (prev_category == "dibao") & dibao_eligible.not_() & assets_ok_dibao & (employed_count > 0)
    )


@rule(
    "B-03",
    level="household",
    zh="缺少收入首次超过标准的日期",
    en="The date income first exceeded the standard is missing",
)
def gradual_exit_date_missing(gradual_exit_applies: pl.Expr, prev_exceeded_on: pl.Expr) -> pl.Expr:
    """The period counts from that date and ends for good: without it the household cannot
    be decided (the engine never restarts the period at each evaluation)."""
    return gradual_exit_applies.fill_null(False) & prev_exceeded_on.is_null()


@rule(
    "B-03",
    level="household",
    zh="渐退期最后一日",
    en="Last day of the gradual exit period",
    params=("gradual_exit_months",),
)
def gradual_exit_ends(prev_exceeded_on: pl.Expr, gradual_exit_months: pl.Expr) -> pl.Expr:
    """The parameter's months counted from the day income first exceeded the standard."""
    return add_months(prev_exceeded_on, gradual_exit_months) - dt.timedelta(days=1)


@rule("B-03", level="household", zh="处于渐退期", en="In gradual exit")
def in_gradual_exit(
    gradual_exit_applies: pl.Expr, gradual_exit_ends: pl.Expr, as_of: dt.date
) -> pl.Expr:
    return gradual_exit_applies & (gradual_exit_ends >= pl.lit(as_of))


@rule("B-03", level="household", zh="渐退期截止日", en="Gradual exit ends on")
def gradual_exit_until(in_gradual_exit: pl.Expr, gradual_exit_ends: pl.Expr) -> pl.Expr:
    return pl.when(in_gradual_exit).then(gradual_exit_ends).otherwise(pl.lit(None, dtype=pl.Date))


@rule(
    "C-08", level="household", zh="低保家庭（含渐退期）", en="Dibao household (incl. gradual exit)"
)
def dibao_household(dibao_eligible: pl.Expr, in_gradual_exit: pl.Expr) -> pl.Expr:
    return dibao_eligible | in_gradual_exit


@rule(
    "B-03",
    level="household",
    zh="渐退期内发放金额（原救助金与单人户等金额取较高者）",
    en="Paid during the gradual exit: the previous benefit or, if larger, what members get alone",
    unit="yuan",
)
def gradual_exit_benefit(
    in_gradual_exit: pl.Expr,
    prev_benefit: pl.Expr,
    tekun_total: pl.Expr,
    single_person_total: pl.Expr,
) -> pl.Expr:
    """The previous benefit already covered every member: a member who now qualifies alone
    (C-05) or as 特困 is not paid again on top of it — the larger of the two, never the sum."""
    return where(in_gradual_exit, maximum(prev_benefit, tekun_total + single_person_total), 0)


@rule(
    "B-05",
    level="household",
    zh="月救助金额（按规定取整）",
    en="Monthly benefit, rounded as declared",
    params=("rounding_unit", "rounding_mode"),
    unit="yuan",
)
def monthly_benefit(
    tekun_total: pl.Expr,
    dibao_benefit: pl.Expr,
    in_gradual_exit: pl.Expr,
    gradual_exit_benefit: pl.Expr,
    single_person_total: pl.Expr,
    rounding_unit: pl.Expr,
    rounding_mode: pl.Expr,
) -> pl.Expr:
    raw = where(
        in_gradual_exit, gradual_exit_benefit, tekun_total + dibao_benefit + single_person_total
    )
    unit, mode = static(rounding_unit), static(rounding_mode)
    if unit in ROUNDING_STEPS and mode in ROUNDING_MODES:
        # the same for every county of the run (as always in practice): only that rounding,
        # a far smaller expression for Polars to plan (fen rounds nothing at all)
        return _rounded(raw, pl.lit(ROUNDING_STEPS[unit], dtype=pl.Int64), str(mode))
    step = where(rounding_unit == "yuan", 100, where(rounding_unit == "jiao", 10, 1))
    return (
        pl.when(rounding_mode == "half_up")
        .then(_rounded(raw, step, "half_up"))
        .when(rounding_mode == "up")
        .then(_rounded(raw, step, "up"))
        .when(rounding_mode == "down")
        .then(_rounded(raw, step, "down"))
    )


ROUNDING_STEPS = {"yuan": 100, "jiao": 10, "fen": 1}  # fen per unit
ROUNDING_MODES = ("half_up", "up", "down")


def _rounded(raw: pl.Expr, step: pl.Expr, mode: str) -> pl.Expr:
    """B-05: fen rounded to a multiple of `step` fen (1 leaves them as they are)."""
    if static(step) == 1:
        return raw
    if mode == "half_up":
        return (raw + step // 2) // step * step
    if mode == "up":
        return (raw + step - 1) // step * step
    return raw // step * step
