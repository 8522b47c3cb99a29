"""Vector helpers shared by the rule steps: ages, elapsed months, exact fen arithmetic."""

from __future__ import annotations

import datetime as dt

import polars as pl

from jiuzhu.rules.money import RATIO_SCALE


def whole_years(born: pl.Series, as_of: dt.date) -> pl.Series:
    """Completed years between each date and `as_of` (a birthday counts on its day)."""
    not_yet = (born.dt.month().cast(pl.Int32) * 100 + born.dt.day().cast(pl.Int32)) > (
        as_of.month * 100 + as_of.day
    )
    return (as_of.year - born.dt.year().cast(pl.Int32) - not_yet.cast(pl.Int32)).alias("years")


def whole_months(since: pl.Series, as_of: dt.date) -> pl.Series:
    """Completed months between each date and `as_of`; null where the date is null."""
    months = (as_of.year - since.dt.year().cast(pl.Int32)) * 12 + (
        as_of.month - since.dt.month().cast(pl.Int32)
    )
    return months - (since.dt.day().cast(pl.Int32) > as_of.day).cast(pl.Int32)


def times_ratio(fen: pl.Series, ratio_units: pl.Series) -> pl.Series:
    """fen × ratio, rounded half up to the fen, in integers (ratio in 1/10,000 units)."""
    return (fen * ratio_units + RATIO_SCALE // 2) // RATIO_SCALE


def div_half_up(numerator: pl.Series, denominator: pl.Series) -> pl.Series:
    """Integer division rounded half up, for non-negative numerators and positive divisors."""
    return (numerator * 2 + denominator) // (denominator * 2)


def minimum(a: pl.Series, b: pl.Series) -> pl.Series:
    """Element-wise minimum of two series of one length."""
    return a.zip_with(a <= b, b)


def clip_zero(values: pl.Series) -> pl.Series:
    return values.clip(lower_bound=0)


def where(cond: pl.Series, then: pl.Series | int, otherwise: pl.Series | int) -> pl.Series:
    """Element-wise choice between two series (or integer scalars) of the length of `cond`."""
    n = cond.len()
    a = then if isinstance(then, pl.Series) else pl.repeat(then, n, dtype=pl.Int64, eager=True)
    b = (
        otherwise
        if isinstance(otherwise, pl.Series)
        else pl.repeat(otherwise, n, dtype=pl.Int64, eager=True)
    )
    return a.zip_with(cond.fill_null(False), b)
