"""The monitoring scan (数据排查, M-02): the whole register against the signals and the rules,
set-based, writing new warnings, their tasks and each household's risk grade.

Read: the register, its members and the signals as frames (COPY on PostgreSQL). Compute: the
warning rules (indicators.py) and 政策找人 (policy.py) in Polars and the rules engine. Write,
in one transaction with its audit row: the warnings not already there (unique per household,
kind and key; a household with an open warning of medical costs or 政策找人 gets no second
one), a task per warning for its village with a deadline in working days (rules.procedure's
`due_after` on China's calendar), and the risk grades that changed. Run twice, it writes
nothing the second time. For batch jobs: call under `system_scope()`.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import polars as pl
from django.db import connection, transaction
from django.utils import timezone

from jiuzhu.audit.services import audit_record
from jiuzhu.db import insert_frame
from jiuzhu.monitoring.frames import in_list, read_frame, read_frames
from jiuzhu.monitoring.indicators import (
    county_parameters,
    signal_warnings,
    with_levels,
    yuan_text,
)
from jiuzhu.monitoring.models import AssignedLevel, HouseholdRisk, RiskWarning, Task, TaskState
from jiuzhu.monitoring.policy import policy_warnings
from jiuzhu.monitoring.register import households_frame, members_from, members_reads
from jiuzhu.monitoring.signals import SIGNALS
from jiuzhu.rules.monitoring import LEVEL_RANK, LEVELS, TASK_DAYS, monitoring_parameters
from jiuzhu.rules.procedure import due_after

SUPPRESSED_WHILE_OPEN = ("medical", "policy_match")  # kinds that accumulate, not events
NEW_SCHEMA: dict[str, Any] = {  # ScanResult.new: a new warning with its task
    "id": pl.Int64,
    "household_id": pl.Int64,
    "region_code": pl.String,
    "kind": pl.String,
    "rule": pl.String,
    "level": pl.String,
    "rank": pl.Int64,
    "key": pl.String,
    "category": pl.String,
    "amount": pl.String,  # decimal text, or null
    "signal_ids": pl.String,  # JSON
    "evidence": pl.String,  # JSON
    "raised_on": pl.Date,
    "task_id": pl.Int64,
    "assigned_level": pl.String,
    "assigned_area": pl.String,
    "due_on": pl.Date,
}


@dataclass
class ScanResult:
    as_of: dt.date
    region: str
    households: int = 0
    signals: int = 0
    matched_signals: int = 0
    candidates: int = 0
    # the new warnings, one row each, with their ids and their tasks' (NEW_SCHEMA)
    new: pl.DataFrame = field(default_factory=lambda: pl.DataFrame(schema=NEW_SCHEMA))
    by_kind: dict[str, int] = field(default_factory=dict)
    by_level: dict[str, int] = field(default_factory=dict)
    risk_changed: int = 0

    @property
    def new_warnings(self) -> list[RiskWarning]:
        """The new warnings as (saved) model objects, for a few of them."""
        fields = {f.attname for f in RiskWarning._meta.concrete_fields}
        return [
            RiskWarning(
                **{k: v for k, v in row.items() if k in fields}
                | {
                    "signal_ids": json.loads(row["signal_ids"]),
                    "evidence": json.loads(row["evidence"]),
                }
            )
            for row in self.new.iter_rows(named=True)
        ]


def signals_read(as_of: dt.date, since: dt.date) -> tuple[str, list[Any], dict[str, Any]]:
    """The signals delivered in complete batches with an as-of date on or before the day,
    about events after `since` and not after the day (read with `signals_from`). Not
    sorted by the database (ten million rows would spill to disk): `signals_from` sorts
    them by id in memory."""
    kinds = list(SIGNALS)
    return (
        "SELECT r.id, r.source, r.id_hash, r.kind, CAST(r.amount AS TEXT), "
        "CAST(r.quantity AS TEXT), r.occurred_on, CAST(r.data AS TEXT) "
        "FROM verification_departmentrecord r JOIN verification_sourcebatch b "
        f"ON b.id = r.batch_id WHERE r.source IN ({in_list(kinds)}) AND b.status = 'complete' "
        "AND r.as_of <= %s AND r.occurred_on > %s AND r.occurred_on <= %s",
        [*kinds, as_of, since, as_of],
        {
            "signal_id": pl.Int64,
            "source": pl.String,
            "id_hash": pl.String,
            "kind": pl.String,
            "amount": pl.Decimal(16, 2),
            "quantity": pl.Decimal(14, 2),
            "occurred_on": pl.Date,
            "data": pl.String,
        },
    )


def signals_from(frame: pl.DataFrame) -> pl.DataFrame:
    """In id order (the rules keep the first of repeated facts), with amounts in fen."""
    return frame.sort("signal_id").with_columns(
        (pl.col("amount") * 100).cast(pl.Int64).alias("amount_fen")
    )


def candidates(
    as_of: dt.date, region: str = "", *, policy: bool = True
) -> tuple[pl.DataFrame, dict[str, int]]:
    """Every warning the rules give today (new or not), with level, and the counts read."""
    households = households_frame(as_of, region)
    counties = sorted(set(households.get_column("county").to_list()))
    params = {c: monitoring_parameters(c, as_of) for c in counties}
    cp = county_parameters(params, as_of)
    starts = cp.counties.select("medical_since", "event_since")
    since = min((d for column in starts.iter_columns() for d in column), default=as_of)
    # the members, their incomes and the signals read side by side
    members, incomes, signals = read_frames(
        [*members_reads(as_of, since, region), signals_read(as_of, since)]
    )
    members, signals = members_from(members, incomes), signals_from(signals)
    found = signal_warnings(households, members, signals, cp)
    if policy and households.height:
        found = pl.concat([found, with_levels(policy_warnings(households, as_of), households, cp)])
    matched = signals.join(members.select("id_hash"), on="id_hash", how="semi").height
    counts = {"households": households.height, "signals": signals.height, "matched": matched}
    return found.sort("household_id", "kind", "key"), counts


EXISTING = {"household_id": pl.Int64, "kind": pl.String, "key": pl.String, "closed": pl.Boolean}


def _existing(household_ids: list[int]) -> pl.DataFrame:
    """The warnings already raised for these households (EXISTING): one query with the ids
    as one array on PostgreSQL, chunks of ids elsewhere."""
    table = RiskWarning._meta.db_table
    columns = "household_id, kind, key, closed"
    if connection.vendor == "postgresql":
        return read_frame(
            f"SELECT {columns} FROM {table} WHERE household_id = ANY(%s)",
            [household_ids],
            EXISTING,
        )
    return pl.concat(
        [
            read_frame(
                f"SELECT {columns} FROM {table} WHERE household_id IN ({in_list(chunk)})",
                chunk,
                EXISTING,
            )
            for chunk in (
                household_ids[at : at + 5000] for at in range(0, len(household_ids), 5000)
            )
        ],
        how="vertical",
    )


def _new_only(found: pl.DataFrame) -> pl.DataFrame:
    """Drop what is already there: the same key, or an open warning of an accumulating kind."""
    if found.height == 0:
        return found
    existing = _existing(found.get_column("household_id").unique().sort().to_list())
    taken = existing.select("household_id", "kind", "key")
    busy = existing.filter(
        ~pl.col("closed") & pl.col("kind").is_in(list(SUPPRESSED_WHILE_OPEN))
    ).select("household_id", "kind")
    return (
        found.join(taken, on=["household_id", "kind", "key"], how="anti")
        .join(busy, on=["household_id", "kind"], how="anti")
        .unique(["household_id", "kind", "key"], keep="first", maintain_order=True)
    )


def _assigned(region: pl.Expr, kind: pl.Expr) -> tuple[pl.Expr, pl.Expr]:
    """Who handles each warning, (assigned_level, assigned_area): the village's assistant
    (grid worker) visits; a 政策找人 match goes to the township, which offers the aid (M-02);
    a household registered above village level, the lowest level it has."""
    long = region.str.len_chars()
    township = ((kind == "policy_match") & (long >= 9)) | ((long >= 9) & (long < 12))
    level = (
        pl.when(township)
        .then(pl.lit(str(AssignedLevel.TOWNSHIP)))
        .when(long >= 12)
        .then(pl.lit(str(AssignedLevel.VILLAGE)))
        .otherwise(pl.lit(str(AssignedLevel.COUNTY)))
    )
    area = (
        pl.when(township)
        .then(region.str.slice(0, 9))
        .when(long >= 12)
        .then(region.str.slice(0, 12))
        .otherwise(region.str.slice(0, 6))
    )
    return level, area


def _dues(new: pl.DataFrame, as_of: dt.date) -> pl.DataFrame:
    """The task deadline of each (county, level) among the new warnings: working days on
    China's calendar by the county's parameters (few pairs, computed once each)."""
    pairs = new.select("county", "level").unique().rows()
    dues = {pair: due_after(as_of, TASK_DAYS[pair[1]], pair[0]) for pair in pairs}
    return pl.DataFrame(
        [(c, lv, d.on, d.provisional) for (c, lv), d in dues.items()],
        schema={
            "county": pl.String,
            "level": pl.String,
            "due_on": pl.Date,
            "due_provisional": pl.Boolean,
        },
        orient="row",
    )


def _write_new(new: pl.DataFrame, as_of: dt.date) -> pl.DataFrame:
    """Insert the new warnings and their tasks set-based (`insert_frame`: COPY on
    PostgreSQL, no object per row); the warnings with their ids and their tasks'."""
    if new.height == 0:
        return pl.DataFrame(schema=NEW_SCHEMA)
    rank = pl.col("level").replace_strict(LEVEL_RANK, return_dtype=pl.Int64)
    level, area = _assigned(pl.col("region_code"), pl.col("kind"))
    rows = new.join(_dues(new, as_of), on=["county", "level"], how="left", maintain_order="left")
    warnings = rows.select(
        "household_id",
        "region_code",
        "kind",
        "rule",
        "level",
        rank.alias("rank"),
        "key",
        "category",
        yuan_text("amount_fen").alias("amount"),
        pl.format("[{}]", pl.col("signal_ids").cast(pl.List(pl.String)).list.join(","))
        .fill_null("[]")
        .alias("signal_ids"),
        "evidence",
        pl.lit(as_of).alias("raised_on"),
        pl.lit(False).alias("closed"),
        pl.lit(timezone.now()).alias("created_at"),
    )
    warning_ids = insert_frame(RiskWarning, warnings, json_columns=("signal_ids", "evidence"))
    tasks = rows.select(
        warning_ids.alias("warning_id"),
        "household_id",
        "region_code",
        level.alias("assigned_level"),
        area.alias("assigned_area"),
        rank.alias("rank"),
        pl.lit(str(TaskState.OPEN)).alias("state"),
        pl.lit(as_of).alias("opened_on"),
        "due_on",
        "due_provisional",
        pl.lit(0).alias("escalations"),
        *(pl.lit("").alias(c) for c in ("recommended", "outcome", "note", "department")),
    )
    task_ids = insert_frame(Task, tasks)
    return warnings.with_columns(
        warning_ids.alias("id"),
        task_ids.alias("task_id"),
        tasks["assigned_level"],
        tasks["assigned_area"],
        tasks["due_on"],
    ).select(list(NEW_SCHEMA))


def risk_refresh(household_id: int, as_of: dt.date) -> None:
    """One household's grade after one of its warnings was handled (a task closed)."""
    from django.db.models import Count, Max

    got = RiskWarning.unscoped.filter(household_id=household_id, closed=False).aggregate(
        rank=Max("rank"), n=Count("id")
    )
    if not got["n"]:
        HouseholdRisk.unscoped.filter(household_id=household_id).delete()
        return
    HouseholdRisk.unscoped.filter(household_id=household_id).update(
        rank=got["rank"], level=LEVELS[got["rank"] - 1], open_warnings=got["n"], as_of=as_of
    )


def _risk_grades(as_of: dt.date, region: str) -> int:
    """Each household's grade = the highest level among its open warnings; rows written
    only where the grade or the count changed (a re-run changes nothing), removed where no
    warning is open. Two statements (an upsert from the warnings' aggregate, a delete),
    whatever the number of households; the number of rows written."""
    levels = " ".join(f"WHEN {rank} THEN '{level}'" for level, rank in LEVEL_RANK.items())
    risk, warning = HouseholdRisk._meta.db_table, RiskWarning._meta.db_table
    prefix = f"{region}%"
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {risk} (household_id, region_code, level, rank, open_warnings, as_of) "
            f"SELECT household_id, MIN(region_code), CASE MAX(rank) {levels} END, MAX(rank), "
            f"COUNT(*), %s FROM {warning} WHERE closed = %s AND region_code LIKE %s "
            "GROUP BY household_id ON CONFLICT (household_id) DO UPDATE SET "
            "level = excluded.level, rank = excluded.rank, "
            "open_warnings = excluded.open_warnings, as_of = excluded.as_of "
            f"WHERE {risk}.rank <> excluded.rank OR {risk}.open_warnings <> excluded.open_warnings",
            [as_of, False, prefix],
        )
        written = max(cursor.rowcount, 0)
        cursor.execute(
            f"DELETE FROM {risk} WHERE region_code LIKE %s AND NOT EXISTS (SELECT 1 FROM "
            f"{warning} w WHERE w.household_id = {risk}.household_id AND w.closed = %s)",
            [prefix, False],
        )
        return written + max(cursor.rowcount, 0)


def monitoring_scan(
    *,
    actor: Any,
    as_of: dt.date,
    region: str = "",
    policy: bool = True,
    progress: Callable[[str], None] | None = None,
) -> ScanResult:
    """Scan the register of `region` (a code prefix; "" everything) as of a day."""
    step = progress or (lambda _: None)
    step("read")
    found, counts = candidates(as_of, region, policy=policy)
    result = ScanResult(as_of, region, counts["households"], counts["signals"], counts["matched"])
    result.candidates = found.height
    step("write")
    with transaction.atomic(durable=True):
        result.new = _write_new(_new_only(found), as_of)
        result.risk_changed = _risk_grades(as_of, region)
        for name, counts in (("kind", result.by_kind), ("level", result.by_level)):
            for value, n in result.new.group_by(name).len().sort(name).iter_rows():
                counts[value] = n
        if result.new.height or result.risk_changed:
            audit_record(
                actor=actor,
                action="monitoring.scan",
                object_type="monitoring_scan",
                object_id=as_of.isoformat(),
                region_code=region,
                new={
                    "as_of": as_of.isoformat(),
                    "region": region,
                    "warnings": result.new["id"].to_list(),
                    "by_kind": result.by_kind,
                    "by_level": result.by_level,
                    "risk_changed": result.risk_changed,
                },
            )
    step("done")
    return result
