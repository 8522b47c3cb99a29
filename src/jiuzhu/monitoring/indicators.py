"""The warning rules (M-02, M-03) as Polars over the register and the signals: which
households get a warning of which kind, with the evidence. Pure functions of frames and
parameters — no database — so the tests drive them at their thresholds and the scan
(scan.py) runs them over a whole register at once.

Inputs (register.py, scan.signals_read): households (household_id, county, category, …),
members (member_id, household_id, id_hash, monthly_fen, earned_fen) and signals
(signal_id, source, id_hash, kind, amount_fen, occurred_on, …). Money is integer fen.
Output: one row per warning (WARNING_SCHEMA), the level joined later per county.
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass

import polars as pl

from jiuzhu.rules.monitoring import CATEGORIES, MonitoringParameters

WARNING_SCHEMA: dict[str, pl.DataType] = {
    "household_id": pl.Int64(),
    "kind": pl.String(),
    "level_of": pl.String(),  # the parameter monitoring_level_<level_of> gives the level
    "rule": pl.String(),
    "key": pl.String(),
    "amount_fen": pl.Int64(),
    "signal_ids": pl.List(pl.Int64()),
    "evidence": pl.String(),
}
SIGNAL_COLUMNS = ("signal_id", "source", "id_hash", "kind", "amount_fen", "occurred_on")


@dataclass(frozen=True)
class CountyParameters:
    """The parameters of each county of a scan as small frames to join."""

    counties: pl.DataFrame  # county, medical_since, event_since, share_units, disaster_fen,
    # severe_grade, arrears_cents (months × 100, as the signals' quantity in hundredths)
    categories: pl.DataFrame  # county, category, threshold_fen, disaster, dropout
    levels: pl.DataFrame  # county, level_of, level


def months_before(day: dt.date, months: int) -> dt.date:
    month = day.month - 1 - months
    year, month = day.year + month // 12, month % 12 + 1
    for last in (31, 30, 29, 28):
        try:
            return dt.date(year, month, min(day.day, last))
        except ValueError:
            continue
    raise AssertionError("unreachable")


def fen(value: object) -> int:
    from decimal import Decimal

    return int(Decimal(str(value)) * 100)


def county_parameters(params: dict[str, MonitoringParameters], as_of: dt.date) -> CountyParameters:
    counties = pl.DataFrame(
        [
            {
                "county": county,
                "medical_since": months_before(as_of, p.medical_window_months),
                "event_since": as_of - dt.timedelta(days=p.event_window_days),
                "share_units": int(p.medical_income_share * 10_000),
                "disaster_fen": fen(p.disaster_loss_threshold),
                "severe_grade": p.disability_max_grade,
                "arrears_cents": p.arrears_months * 100,
            }
            for county, p in params.items()
        ],
        schema={
            "county": pl.String,
            "medical_since": pl.Date,
            "event_since": pl.Date,
            "share_units": pl.Int64,
            "disaster_fen": pl.Int64,
            "severe_grade": pl.Int64,
            "arrears_cents": pl.Int64,
        },
    )
    categories = pl.DataFrame(
        [
            {
                "county": county,
                "category": c,
                "threshold_fen": fen(p.medical_thresholds[c]),
                "disaster": c in p.disaster_categories,
                "dropout": c in p.dropout_categories,
            }
            for county, p in params.items()
            for c in CATEGORIES
        ],
        schema={
            "county": pl.String,
            "category": pl.String,
            "threshold_fen": pl.Int64,
            "disaster": pl.Boolean,
            "dropout": pl.Boolean,
        },
    )
    levels = pl.DataFrame(
        [
            {"county": county, "level_of": kind, "level": level}
            for county, p in params.items()
            for kind, level in p.levels.items()
        ],
        schema={"county": pl.String, "level_of": pl.String, "level": pl.String},
    )
    return CountyParameters(counties, categories, levels)


def distinct_signals(signals: pl.DataFrame) -> pl.DataFrame:
    """One row per distinct fact: the same record delivered again (another batch, the same
    push twice under two keys) keeps its first id, so it never counts or warns twice."""
    identity = ["source", "id_hash", "kind", "amount_fen", "quantity", "occurred_on", "data"]
    present = [c for c in identity if c in signals.columns]
    if not signals.get_column("signal_id").is_sorted():
        signals = signals.sort("signal_id")
    return signals.unique(subset=present, keep="first", maintain_order=True)


def yuan_text(column: str) -> pl.Expr:
    """Integer fen as a decimal yuan string ("6000.00"): exact, never through a float."""
    value = pl.col(column)
    return pl.format("{}.{}", value // 100, (value % 100).cast(pl.String).str.zfill(2))


def _evidence(*fields: pl.Expr) -> pl.Expr:
    return pl.struct(*fields).struct.json_encode()


def _finish(frame: pl.DataFrame, kind: str, level_of: pl.Expr | str, rule: str) -> pl.DataFrame:
    level = pl.lit(level_of) if isinstance(level_of, str) else level_of
    return frame.select(
        "household_id",
        pl.lit(kind).alias("kind"),
        level.alias("level_of"),
        pl.lit(rule).alias("rule"),
        "key",
        "amount_fen",
        "signal_ids",
        "evidence",
    ).cast(WARNING_SCHEMA)  # type: ignore[arg-type]


def _person_signals(
    signals: pl.DataFrame,
    members: pl.DataFrame,
    households: pl.DataFrame,
    cp: CountyParameters,
    source: str,
) -> pl.DataFrame:
    """The signals of `source` about members of registered households within the event
    window of the household's county."""
    return (
        signals.filter(pl.col("source") == source)
        .join(members.select("member_id", "household_id", "id_hash"), on="id_hash")
        .join(households.select("household_id", "county", "category"), on="household_id")
        .join(cp.counties, on="county")
        .filter(pl.col("occurred_on") > pl.col("event_since"))
    )


def medical(
    households: pl.DataFrame, members: pl.DataFrame, signals: pl.DataFrame, cp: CountyParameters
) -> pl.DataFrame:
    """M-02: out-of-pocket medical costs of the household's members in the window above the
    threshold of its category (strictly above); orange instead of yellow when they also
    exceed the share of the household's annual income."""
    rows = (
        signals.filter(pl.col("source") == "medical_expense")
        .join(members.select("household_id", "id_hash"), on="id_hash")
        .join(households.select("household_id", "county", "category"), on="household_id")
        .join(cp.counties.select("county", "medical_since"), on="county")
        .filter(pl.col("occurred_on") > pl.col("medical_since"))
    )
    # sums first; the signal ids and incomes only of the households above their threshold
    # (a small share: listing every household's ids costs more than the rest together)
    above = (
        rows.group_by("household_id", "county", "category")
        .agg(pl.col("amount_fen").sum())
        .join(cp.categories, on=["county", "category"])
        .filter(pl.col("amount_fen") > pl.col("threshold_fen"))
    )
    ids = (
        rows.join(above.select("household_id"), on="household_id", how="semi")
        .group_by("household_id")
        .agg(pl.col("signal_id").sort().alias("signal_ids"))
    )
    income = (
        members.join(above.select("household_id"), on="household_id", how="semi")
        .group_by("household_id")
        .agg((pl.col("monthly_fen").sum() * 12).alias("year"))
    )
    found = (
        above.join(ids, on="household_id")
        .join(cp.counties.select("county", "share_units"), on="county")
        .join(income, on="household_id", how="left")
        .with_columns(pl.col("year").fill_null(0))
        .with_columns(
            (pl.col("amount_fen") * 10_000 > pl.col("share_units") * pl.col("year")).alias("share"),
            pl.format("m{}", pl.col("signal_ids").list.max()).alias("key"),
        )
    )
    found = found.with_columns(
        _evidence(
            pl.col("category"),
            yuan_text("amount_fen").alias("out_of_pocket"),
            yuan_text("threshold_fen").alias("threshold"),
            yuan_text("year").alias("annual_income"),
            pl.col("share").alias("above_income_share"),
        ).alias("evidence")
    )
    level = pl.when(pl.col("share")).then(pl.lit("medical_income")).otherwise(pl.lit("medical"))
    return _finish(found, "medical", level, "M-02")


def breadwinner_death(
    households: pl.DataFrame, members: pl.DataFrame, signals: pl.DataFrame, cp: CountyParameters
) -> pl.DataFrame:
    """M-02: the death of the household's breadwinner — the member with the highest income
    (more than nothing; the first registered on a tie)."""
    earners = members.filter(pl.col("monthly_fen") > 0).sort(
        ["household_id", "monthly_fen", "member_id"], descending=[False, True, False]
    )
    breadwinner = earners.group_by("household_id", maintain_order=True).first()
    deaths = _person_signals(signals, members, households, cp, "death").join(
        breadwinner.select("household_id", pl.col("member_id").alias("bread"), "monthly_fen"),
        on="household_id",
    )
    found = deaths.filter(pl.col("member_id") == pl.col("bread")).with_columns(
        pl.format("s{}", pl.col("signal_id")).alias("key"),
        pl.col("monthly_fen").alias("amount_fen"),
        pl.concat_list(pl.col("signal_id")).alias("signal_ids"),
        _evidence(
            pl.col("category"),
            pl.col("occurred_on").cast(pl.String).alias("died_on"),
            yuan_text("monthly_fen").alias("monthly_income_lost"),
        ).alias("evidence"),
    )
    return _finish(found, "breadwinner_death", "breadwinner_death", "M-02")


def job_loss(
    households: pl.DataFrame, members: pl.DataFrame, signals: pl.DataFrame, cp: CountyParameters
) -> pl.DataFrame:
    """M-02: an unemployment registration of the only member earning wages or business
    income (a single-earner household)."""
    earners = (
        members.filter(pl.col("earned_fen") > 0)
        .group_by("household_id")
        .agg(pl.len().alias("earners"))
    )
    lost = _person_signals(signals, members, households, cp, "unemployment").filter(
        pl.col("kind") == "registered"
    )
    found = (
        lost.join(members.select("member_id", "earned_fen"), on="member_id")
        .join(earners, on="household_id")
        .filter((pl.col("earned_fen") > 0) & (pl.col("earners") == 1))
        .with_columns(
            pl.format("s{}", pl.col("signal_id")).alias("key"),
            pl.col("earned_fen").alias("amount_fen"),
            pl.concat_list(pl.col("signal_id")).alias("signal_ids"),
            _evidence(
                pl.col("category"),
                pl.col("occurred_on").cast(pl.String).alias("registered_on"),
                yuan_text("earned_fen").alias("earned_income_lost"),
            ).alias("evidence"),
        )
    )
    return _finish(found, "job_loss", "job_loss", "M-02")


def disaster(
    households: pl.DataFrame, members: pl.DataFrame, signals: pl.DataFrame, cp: CountyParameters
) -> pl.DataFrame:
    """M-02: a disaster's loss of at least the threshold to a household of a category the
    parameter names (the low-income population)."""
    hit = _person_signals(signals, members, households, cp, "disaster_damage")
    found = (
        hit.join(cp.categories.select("county", "category", "disaster"), on=["county", "category"])
        .filter(pl.col("disaster") & (pl.col("amount_fen") >= pl.col("disaster_fen")))
        .with_columns(
            pl.format("s{}", pl.col("signal_id")).alias("key"),
            pl.concat_list(pl.col("signal_id")).alias("signal_ids"),
            _evidence(
                pl.col("category"),
                pl.col("kind").alias("disaster"),
                yuan_text("amount_fen").alias("loss"),
                yuan_text("disaster_fen").alias("threshold"),
            ).alias("evidence"),
        )
    )
    return _finish(found, "disaster", "disaster", "M-02")


def school_dropout(
    households: pl.DataFrame, members: pl.DataFrame, signals: pl.DataFrame, cp: CountyParameters
) -> pl.DataFrame:
    """M-02: a pupil of a recipient household (the categories the parameter names) left
    school."""
    left = _person_signals(signals, members, households, cp, "school_dropout")
    found = (
        left.join(cp.categories.select("county", "category", "dropout"), on=["county", "category"])
        .filter(pl.col("dropout"))
        .with_columns(
            pl.format("s{}", pl.col("signal_id")).alias("key"),
            pl.lit(None, dtype=pl.Int64).alias("amount_fen"),
            pl.concat_list(pl.col("signal_id")).alias("signal_ids"),
            _evidence(
                pl.col("category"),
                pl.col("kind").alias("stage"),
                pl.col("occurred_on").cast(pl.String).alias("left_on"),
            ).alias("evidence"),
        )
    )
    return _finish(found, "school_dropout", "school_dropout", "M-02")


def hotline(
    households: pl.DataFrame, members: pl.DataFrame, signals: pl.DataFrame, cp: CountyParameters
) -> pl.DataFrame:
    """M-03: a hotline report about a member of a registered household."""
    found = _person_signals(signals, members, households, cp, "hotline_report").with_columns(
        pl.format("s{}", pl.col("signal_id")).alias("key"),
        pl.lit(None, dtype=pl.Int64).alias("amount_fen"),
        pl.concat_list(pl.col("signal_id")).alias("signal_ids"),
        _evidence(
            pl.col("category"),
            pl.col("kind").alias("channel"),
            pl.col("occurred_on").cast(pl.String).alias("reported_on"),
        ).alias("evidence"),
    )
    return _finish(found, "hotline", "hotline", "M-03")


def _hundredths(column: str) -> pl.Expr:
    """A decimal quantity (grade, months) in hundredths, as an integer (never a float)."""
    return (pl.col(column) * 100).cast(pl.Int64)


def disability(
    households: pl.DataFrame, members: pl.DataFrame, signals: pl.DataFrame, cp: CountyParameters
) -> pl.DataFrame:
    """M-02: a member of a registered household newly certified with a severe disability
    (grade 1 … `monitoring_disability_max_grade`): the household may now qualify for 单人保
    (C-05), 特困 or the disability allowances."""
    certified = _person_signals(signals, members, households, cp, "disability")
    found = certified.filter(
        _hundredths("quantity").is_between(100, pl.col("severe_grade") * 100)
    ).with_columns(
        pl.format("s{}", pl.col("signal_id")).alias("key"),
        pl.lit(None, dtype=pl.Int64).alias("amount_fen"),
        pl.concat_list(pl.col("signal_id")).alias("signal_ids"),
        _evidence(
            pl.col("category"),
            pl.col("kind").alias("disability_kind"),
            (_hundredths("quantity") // 100).alias("grade"),
            pl.col("occurred_on").cast(pl.String).alias("certified_on"),
        ).alias("evidence"),
    )
    return _finish(found, "disability", "disability", "M-02")


def utility_arrears(
    households: pl.DataFrame, members: pl.DataFrame, signals: pl.DataFrame, cp: CountyParameters
) -> pl.DataFrame:
    """M-02: a registered household's member at least `monitoring_arrears_months` months
    behind with water, power, gas or heating (one warning per bill reported)."""
    behind = _person_signals(signals, members, households, cp, "utility_arrears")
    found = behind.filter(_hundredths("quantity") >= pl.col("arrears_cents")).with_columns(
        pl.format("s{}", pl.col("signal_id")).alias("key"),
        pl.col("amount_fen"),
        pl.concat_list(pl.col("signal_id")).alias("signal_ids"),
        _evidence(
            pl.col("category"),
            pl.col("kind").alias("utility"),
            pl.format("{}", pl.col("quantity")).alias("months"),
            yuan_text("amount_fen").alias("owed"),
        ).alias("evidence"),
    )
    return _finish(found, "utility_arrears", "utility_arrears", "M-02")


INDICATORS = (
    medical,
    breadwinner_death,
    job_loss,
    disaster,
    school_dropout,
    hotline,
    disability,
    utility_arrears,
)


def signal_warnings(
    households: pl.DataFrame, members: pl.DataFrame, signals: pl.DataFrame, cp: CountyParameters
) -> pl.DataFrame:
    """Every signal rule over the register: WARNING_SCHEMA plus the county's level."""
    signals = distinct_signals(signals)
    parts = [rule(households, members, signals, cp) for rule in INDICATORS]
    return with_levels(pl.concat(parts), households, cp)


def with_levels(
    warnings: pl.DataFrame, households: pl.DataFrame, cp: CountyParameters
) -> pl.DataFrame:
    return warnings.join(
        households.select("household_id", "county", "region_code", "category"), on="household_id"
    ).join(cp.levels, on=["county", "level_of"])


def evidence_of(text: str) -> dict[str, object]:
    return dict(json.loads(text))
