"""Expression helpers shared by the rule steps: ages, elapsed months, exact fen arithmetic.

Rules are Polars expressions over the columns of one level; these helpers keep them short.
"""

from __future__ import annotations

import datetime as dt

import polars as pl

from jiuzhu.rules.money import RATIO_SCALE


def static(expr: pl.Expr) -> object | None:
    """The value of a literal expression (a parameter shared by every county of a run), so a
    rule can leave out branches that cannot apply; None when the value varies by row."""
    if expr.meta.is_literal():
        value: object = pl.select(expr).item()
        return value
    return None


def whole_years(born: pl.Expr, as_of: dt.date) -> pl.Expr:
    """Completed years between each date and `as_of` (a birthday counts on its day)."""
    not_yet = (born.dt.month().cast(pl.Int32) * 100 + born.dt.day().cast(pl.Int32)) > (
        as_of.month * 100 + as_of.day
    )
    return (as_of.year - born.dt.year().cast(pl.Int32) - not_yet.cast(pl.Int32)).cast(pl.Int64)


def whole_months(since: pl.Expr, as_of: dt.date) -> pl.Expr:
    """Completed months between each date and `as_of`; null where the date is null."""
    months = (as_of.year - since.dt.year().cast(pl.Int32)) * 12 + (
        as_of.month - since.dt.month().cast(pl.Int32)
    )
    return months - (since.dt.day().cast(pl.Int32) > as_of.day).cast(pl.Int32)


def times_ratio(fen: pl.Expr, ratio_units: pl.Expr) -> pl.Expr:
    """fen × ratio, rounded half up to the fen, in integers (ratio in 1/10,000 units)."""
    return (fen * ratio_units + RATIO_SCALE // 2) // RATIO_SCALE


def div_half_up(numerator: pl.Expr, denominator: pl.Expr) -> pl.Expr:
    """Integer division rounded half up, for non-negative numerators and positive divisors."""
    return (numerator * 2 + denominator) // (denominator * 2)


def minimum(a: pl.Expr, b: pl.Expr) -> pl.Expr:
    """The smaller of two values; null when either is (a parameter unset for the county),
    where `pl.min_horizontal` would quietly take the other."""
    return pl.when(a <= b).then(a).when(a > b).then(b)


def maximum(a: pl.Expr, b: pl.Expr) -> pl.Expr:
    """The larger of two values; null when either is."""
    return pl.when(a >= b).then(a).when(a < b).then(b)


def clip_zero(values: pl.Expr) -> pl.Expr:
    return values.clip(lower_bound=0)


def where(cond: pl.Expr, then: pl.Expr | int, otherwise: pl.Expr | int) -> pl.Expr:
    """Element-wise choice; integer scalars become Int64 literals. An unknown condition
    (null: it read a parameter unset for the county) gives null, never the `otherwise`."""
    a = pl.lit(then, dtype=pl.Int64) if isinstance(then, int) else then
    b = pl.lit(otherwise, dtype=pl.Int64) if isinstance(otherwise, int) else otherwise
    return pl.when(cond).then(a).when(cond.not_()).then(b)


def nothing_or(amount: pl.Expr, then: pl.Expr) -> pl.Expr:
    """0 where the amount is 0, else `then`: nothing to count or deduct needs no parameter
    (0 whether or not a parameter `then` reads is set for the county)."""
    return pl.when(amount == 0).then(pl.lit(0, dtype=pl.Int64)).otherwise(then)


def counted(amount: pl.Expr, flag: pl.Expr) -> pl.Expr:
    """An amount where a boolean parameter says it counts, else 0."""
    return nothing_or(amount, amount * flag.cast(pl.Int64))


def add_months(day: pl.Expr, months: pl.Expr) -> pl.Expr:
    """The same day `months` later, clamped to the end of a shorter month (Jan 31 + 1 → Feb 28),
    in integer arithmetic (no per-row duration strings)."""
    fixed = static(months)
    if isinstance(fixed, int):
        return day.dt.offset_by(f"{fixed}mo")
    total = day.dt.year().cast(pl.Int64) * 12 + day.dt.month().cast(pl.Int64) - 1 + months
    year, month = total // 12, total % 12 + 1
    last = pl.date(year, month, 1).dt.month_end().dt.day().cast(pl.Int64)
    return pl.date(year, month, pl.min_horizontal(day.dt.day().cast(pl.Int64), last))
