"""Standard adjustments (P-05 动态调整, issue #6): what a new standard does to the households
being paid, as a diff — who gains, who loses, who changes layer or leaves, and the monthly
and annual cost by township and category — and what is owed back when the new standard
took effect before the change is paid.

Framework-free like the rest of the rules core: the caller gives the households' current
entitlements and the engine's decisions on the same households under the new standard
(`Evaluator.evaluate_caseload`), both as frames; money is Decimal(12, 2) yuan throughout
(integer arithmetic, never float).

Back pay (补发): Guangdong's cities adopt the year's standard by June with effect from
January; a household whose amount rises is owed the difference for every month from the
effective month up to the month before the first payment at the new amount. A reduction
takes effect from that first payment month: what was paid under the standard in force
then was lawfully paid and is not recovered. A household that was not being paid and now
qualifies (`joins`) is owed nothing back: it enters through a determination of its own
(D-03 linked handling) and is paid from the month after it.
"""

from __future__ import annotations

import datetime as dt

import polars as pl

MONEY = pl.Decimal(12, 2)  # one household's amounts
TOTAL = pl.Decimal(18, 2)  # sums over a caseload
CHANGES = ("gains", "loses", "unchanged", "changes_layer", "leaves", "joins")
CURRENT_COLUMNS = {
    "household_id": pl.Int64,
    "ref": pl.String,
    "township": pl.String,
    "category": pl.String,
    "monthly": MONEY,
}


def months_between(first: dt.date, until: dt.date) -> int:
    """Whole calendar months from `first`'s month up to (not including) `until`'s month;
    0 when `until` is not later."""
    return max(0, (until.year - first.year) * 12 + until.month - first.month)


def adjustment_diff(
    current: pl.DataFrame,
    decided: pl.DataFrame,
    *,
    effective: dt.date,
    first_payment: dt.date,
) -> pl.DataFrame:
    """One row per household in `current` (household_id, ref, township, category, monthly):
    the category and monthly amount before and after, the change per month, what kind of
    change it is (`CHANGES`), and the back pay owed.

    `decided` holds the engine's decisions on the same households (ref, primary_category,
    monthly_benefit); a household the engine could not decide keeps its entitlement
    (`unchanged`, flagged `undecided`) — an adjustment never stops a payment for want of data.
    """
    owed_months = months_between(effective, first_payment)
    after = decided.select(
        pl.col("ref"),
        pl.col("primary_category").cast(pl.String).alias("category_after"),
        pl.col("monthly_benefit").cast(MONEY).alias("monthly_after"),
    )
    joined = current.join(after, on="ref", how="left").with_columns(
        pl.col("category_after").is_null().alias("undecided")
    )
    joined = joined.with_columns(
        pl.when(pl.col("undecided"))
        .then(pl.col("category"))
        .otherwise(pl.col("category_after"))
        .alias("category_after"),
        pl.when(pl.col("undecided"))
        .then(pl.col("monthly"))
        .otherwise(pl.col("monthly_after"))
        .alias("monthly_after"),
    )
    change = (pl.col("monthly_after") - pl.col("monthly")).cast(MONEY)
    before_paid = pl.col("category").ne("none") & (pl.col("monthly") > 0)
    after_paid = pl.col("category_after").ne("none") & (pl.col("monthly_after") > 0)
    kind = (
        pl.when(before_paid & after_paid.not_())
        .then(pl.lit("leaves"))
        .when(before_paid.not_() & after_paid)
        .then(pl.lit("joins"))
        .when(pl.col("category_after") != pl.col("category"))
        .then(pl.lit("changes_layer"))
        .when(change > 0)
        .then(pl.lit("gains"))
        .when(change < 0)
        .then(pl.lit("loses"))
        .otherwise(pl.lit("unchanged"))
    )
    return joined.select(
        "household_id",
        "ref",
        "township",
        pl.col("category").alias("category_before"),
        "category_after",
        pl.col("monthly").alias("monthly_before"),
        "monthly_after",
        change.alias("change"),
        kind.alias("kind"),
        pl.when((change > 0) & before_paid)
        .then(change * owed_months)
        .otherwise(pl.lit(0))
        .cast(TOTAL)
        .alias("back_pay"),
        "undecided",
    ).sort("household_id")


def adjustment_summary(diff: pl.DataFrame, by: tuple[str, ...] = ("township",)) -> pl.DataFrame:
    """Totals of a diff by the given columns (township, category_before …): households and
    each kind of change, monthly cost before and after, the monthly and annual change and
    the back pay, Decimal to the cent."""
    counts = [(pl.col("kind") == k).sum().cast(pl.Int64).alias(k) for k in CHANGES]
    return (
        diff.group_by(list(by))
        .agg(
            pl.len().cast(pl.Int64).alias("households"),
            *counts,
            pl.col("monthly_before").sum().cast(TOTAL).alias("monthly_before"),
            pl.col("monthly_after").sum().cast(TOTAL).alias("monthly_after"),
            pl.col("change").sum().cast(TOTAL).alias("monthly_change"),
            pl.col("back_pay").sum().cast(TOTAL).alias("back_pay"),
        )
        .with_columns((pl.col("monthly_change") * 12).cast(TOTAL).alias("annual_change"))
        .sort(list(by))
    )
