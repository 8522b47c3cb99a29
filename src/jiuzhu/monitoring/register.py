"""The low-income population register (低收入人口, 国办发〔2023〕39号) as frames, for scans.

Every open household of the registry in the area, with its current assistance category
the highest it receives on the day by its entitlements (benefits.recipients: 特困, 低保,
低保边缘, 刚性支出困难), else `none` (a registered household receiving none of them,
"other people in difficulty"). Members and
their monthly incomes as registered. Read set-based (frames.read_frame), for batch jobs under
`system_scope()`: a region prefix limits the area.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import polars as pl

from jiuzhu.benefits.recipients import recipients
from jiuzhu.monitoring.frames import read_frame, read_frames
from jiuzhu.rules.categories import NONE

EARNED = ("wages", "business")


def households_frame(as_of: dt.date, prefix: str = "") -> pl.DataFrame:
    """household_id, region_code, county, residence, category (CATEGORIES)."""
    households = read_frame(
        "SELECT id, region_code, residence FROM registry_household WHERE region_code "
        "LIKE %s AND (closed_on IS NULL OR closed_on > %s) ORDER BY id",
        [f"{prefix}%", as_of],
        {"household_id": pl.Int64, "region_code": pl.String, "residence": pl.String},
    )
    received = recipients(as_of, prefix).select("household_id", "category")
    return (
        households.join(received, on="household_id", how="left")
        .with_columns(
            pl.col("category").fill_null(NONE),
            pl.col("region_code").str.slice(0, 6).alias("county"),
        )
        .select("household_id", "region_code", "residence", "category", "county")
    )


Read = tuple[str, list[Any], dict[str, Any]]


def members_reads(as_of: dt.date, since: dt.date, prefix: str = "") -> list[Read]:
    """The two reads `members_from` makes the members frame of (read them with others side
    by side: `read_frames`)."""
    return [
        (
            "SELECT id, household_id, id_hash FROM registry_member WHERE region_code LIKE %s "
            "AND joined_on <= %s AND (left_on IS NULL OR left_on >= %s) ORDER BY id",
            [f"{prefix}%", as_of, since],
            {"member_id": pl.Int64, "household_id": pl.Int64, "id_hash": pl.String},
        ),
        (
            "SELECT member_id, kind, amount, valid_from FROM registry_incomefact WHERE "
            "region_code LIKE %s AND valid_from <= %s AND (valid_to IS NULL OR valid_to >= %s)",
            [f"{prefix}%", as_of, since],
            {
                "member_id": pl.Int64,
                "kind": pl.String,
                "amount": pl.Decimal(14, 2),
                "valid_from": pl.Date,
            },
        ),
    ]


def members_frame(as_of: dt.date, since: dt.date, prefix: str = "") -> pl.DataFrame:
    """member_id, household_id, id_hash, monthly_fen (all incomes), earned_fen (wages and
    business): members on the household on `as_of` or who left it on or after `since` (a
    member who died lately is still the one whose death is weighed), each income kind at its
    latest value in force on or after `since`."""
    members, incomes = read_frames(members_reads(as_of, since, prefix))
    return members_from(members, incomes)


def members_from(members: pl.DataFrame, incomes: pl.DataFrame) -> pl.DataFrame:
    """The members frame (see `members_frame`) of the two reads of `members_reads`."""
    latest = (
        incomes.sort("valid_from")
        .group_by("member_id", "kind")
        .agg(pl.col("amount").last())
        .with_columns((pl.col("amount") * 100).cast(pl.Int64).alias("fen"))
        .group_by("member_id")
        .agg(
            pl.col("fen").sum().alias("monthly_fen"),
            pl.col("fen").filter(pl.col("kind").is_in(EARNED)).sum().alias("earned_fen"),
        )
    )
    return members.join(latest, on="member_id", how="left").with_columns(
        pl.col("monthly_fen", "earned_fen").fill_null(0)
    )
