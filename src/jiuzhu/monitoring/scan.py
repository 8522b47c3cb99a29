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
from decimal import Decimal
from typing import Any

import polars as pl
from django.db import transaction

from jiuzhu.audit.services import audit_record
from jiuzhu.db import bulk_insert, bulk_set
from jiuzhu.monitoring.frames import in_list, read_frame, read_frames
from jiuzhu.monitoring.indicators import county_parameters, signal_warnings, with_levels
from jiuzhu.monitoring.models import AssignedLevel, HouseholdRisk, RiskWarning, Task
from jiuzhu.monitoring.policy import policy_warnings
from jiuzhu.monitoring.register import households_frame, members_from, members_reads
from jiuzhu.monitoring.signals import SIGNALS
from jiuzhu.rules.monitoring import LEVEL_RANK, LEVELS, TASK_DAYS, monitoring_parameters
from jiuzhu.rules.procedure import due_after

SUPPRESSED_WHILE_OPEN = ("medical", "policy_match")  # kinds that accumulate, not events


@dataclass
class ScanResult:
    as_of: dt.date
    region: str
    households: int = 0
    signals: int = 0
    matched_signals: int = 0
    candidates: int = 0
    new_warnings: list[RiskWarning] = field(default_factory=list)
    by_kind: dict[str, int] = field(default_factory=dict)
    by_level: dict[str, int] = field(default_factory=dict)
    risk_changed: int = 0


def signals_read(as_of: dt.date, since: dt.date) -> tuple[str, list[Any], dict[str, Any]]:
    """The signals delivered in complete batches with an as-of date on or before the day,
    about events after `since` and not after the day (read with `signals_from`)."""
    kinds = list(SIGNALS)
    return (
        "SELECT r.id, r.source, r.id_hash, r.kind, CAST(r.amount AS TEXT), "
        "CAST(r.quantity AS TEXT), r.occurred_on, CAST(r.data AS TEXT) "
        "FROM verification_departmentrecord r JOIN verification_sourcebatch b "
        f"ON b.id = r.batch_id WHERE r.source IN ({in_list(kinds)}) AND b.status = 'complete' "
        "AND r.as_of <= %s AND r.occurred_on > %s AND r.occurred_on <= %s ORDER BY r.id",
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
    return frame.with_columns((pl.col("amount") * 100).cast(pl.Int64).alias("amount_fen"))


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


def _new_only(found: pl.DataFrame) -> pl.DataFrame:
    """Drop what is already there: the same key, or an open warning of an accumulating kind."""
    if found.height == 0:
        return found
    ids = sorted(set(found.get_column("household_id").to_list()))
    existing: set[tuple[int, str, str]] = set()
    open_kinds: set[tuple[int, str]] = set()
    for at in range(0, len(ids), 5000):
        rows = RiskWarning.unscoped.filter(household_id__in=ids[at : at + 5000]).values_list(
            "household_id", "kind", "key", "closed"
        )
        for household_id, kind, key, closed in rows:
            existing.add((household_id, kind, key))
            if not closed and kind in SUPPRESSED_WHILE_OPEN:
                open_kinds.add((household_id, kind))
    taken = pl.DataFrame(
        list(existing),
        schema={"household_id": pl.Int64, "kind": pl.String, "key": pl.String},
        orient="row",
    )
    busy = pl.DataFrame(
        list(open_kinds), schema={"household_id": pl.Int64, "kind": pl.String}, orient="row"
    )
    return (
        found.join(taken, on=["household_id", "kind", "key"], how="anti")
        .join(busy, on=["household_id", "kind"], how="anti")
        .unique(["household_id", "kind", "key"], keep="first", maintain_order=True)
    )


def _assignment(region_code: str, kind: str) -> tuple[str, str]:
    """Who handles the warning: the village's assistant (grid worker) visits; a 政策找人
    match goes to the township, which offers the aid (M-02)."""
    if kind == "policy_match" and len(region_code) >= 9:
        return AssignedLevel.TOWNSHIP, region_code[:9]
    if len(region_code) >= 12:
        return AssignedLevel.VILLAGE, region_code[:12]
    if len(region_code) >= 9:
        return AssignedLevel.TOWNSHIP, region_code[:9]
    return AssignedLevel.COUNTY, region_code[:6]


def _rows(new: pl.DataFrame, as_of: dt.date) -> tuple[list[RiskWarning], list[Task]]:
    dues: dict[tuple[str, str], Any] = {}
    warnings: list[RiskWarning] = []
    tasks: list[Task] = []
    for row in new.iter_rows(named=True):  # building the new rows; no query per row
        level, county = row["level"], row["county"]
        if (county, level) not in dues:
            dues[(county, level)] = due_after(as_of, TASK_DAYS[level], county)
        due = dues[(county, level)]
        amount = row["amount_fen"]
        warning = RiskWarning(
            household_id=row["household_id"],
            region_code=row["region_code"],
            kind=row["kind"],
            rule=row["rule"],
            level=level,
            rank=LEVEL_RANK[level],
            key=row["key"],
            category=row["category"],
            amount=None if amount is None else Decimal(amount) / 100,
            signal_ids=list(row["signal_ids"] or []),
            evidence=json.loads(row["evidence"]),
            raised_on=as_of,
        )
        assigned_level, area = _assignment(row["region_code"], row["kind"])
        warnings.append(warning)
        tasks.append(
            Task(
                warning=warning,
                household_id=row["household_id"],
                region_code=row["region_code"],
                assigned_level=assigned_level,
                assigned_area=area,
                rank=LEVEL_RANK[level],
                opened_on=as_of,
                due_on=due.on,
                due_provisional=due.provisional,
            )
        )
    return warnings, tasks


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
    only where the grade or the count changed (a re-run changes nothing)."""
    grades = read_frame(
        "SELECT household_id, MIN(region_code), MAX(rank), COUNT(*) FROM monitoring_riskwarning "
        "WHERE closed = %s AND region_code LIKE %s GROUP BY household_id",
        [False, f"{region}%"],
        {"household_id": pl.Int64, "region_code": pl.String, "rank": pl.Int64, "n": pl.Int64},
    )
    wanted = {r[0]: r for r in grades.iter_rows()}
    current = {
        r.household_id: r for r in HouseholdRisk.unscoped.filter(region_code__startswith=region)
    }
    changed: list[HouseholdRisk] = []
    added: list[HouseholdRisk] = []
    for household_id, (_, region_code, rank, n) in wanted.items():
        row = current.get(household_id)
        if row is None:
            added.append(
                HouseholdRisk(
                    household_id=household_id,
                    region_code=region_code,
                    level=LEVELS[rank - 1],
                    rank=rank,
                    open_warnings=n,
                    as_of=as_of,
                )
            )
        elif (row.rank, row.open_warnings) != (rank, n):
            row.rank, row.level, row.open_warnings, row.as_of = rank, LEVELS[rank - 1], n, as_of
            changed.append(row)
    gone = [h for h in current if h not in wanted]
    bulk_insert(added)
    bulk_set(changed, ["rank", "level", "open_warnings", "as_of"])
    HouseholdRisk.unscoped.filter(household_id__in=gone).delete()
    return len(added) + len(changed) + len(gone)


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
        new = _new_only(found)
        warnings, tasks = _rows(new, as_of)
        bulk_insert(warnings, with_ids=True)
        for task, warning in zip(tasks, warnings, strict=True):
            task.warning_id = warning.pk
        bulk_insert(tasks)
        result.new_warnings = warnings
        result.risk_changed = _risk_grades(as_of, region)
        for w in warnings:
            result.by_kind[w.kind] = result.by_kind.get(w.kind, 0) + 1
            result.by_level[w.level] = result.by_level.get(w.level, 0) + 1
        if warnings or result.risk_changed:
            audit_record(
                actor=actor,
                action="monitoring.scan",
                object_type="monitoring_scan",
                object_id=as_of.isoformat(),
                region_code=region,
                new={
                    "as_of": as_of.isoformat(),
                    "region": region,
                    "warnings": [w.pk for w in warnings],
                    "by_kind": result.by_kind,
                    "by_level": result.by_level,
                    "risk_changed": result.risk_changed,
                },
            )
    step("done")
    return result
