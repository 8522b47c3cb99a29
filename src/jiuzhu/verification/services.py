"""Writes of the verification context: opening and closing a batch (each one transaction
with its audit row) and storing one chunk of checked rows (one transaction, COPY on
PostgreSQL, a bulk insert on SQLite; no per-row ORM)."""

from __future__ import annotations

import datetime as dt
import io
from dataclasses import dataclass
from typing import Any

import polars as pl
from django.db import connection, transaction
from django.utils import timezone

from jiuzhu.audit.services import audit_record
from jiuzhu.verification import errors
from jiuzhu.verification.errors import RefusedFile
from jiuzhu.verification.models import BatchStatus, RowError, SourceBatch

RECORD_COLUMNS = (
    "batch_id",
    "source",
    "region_code",
    "line",
    "as_of",
    "id_hash",
    "id_masked",
    "kind",
    "amount",
    "quantity",
    "occurred_on",
    "data",
)
RECORD_TABLE = "verification_departmentrecord"


@dataclass(frozen=True)
class Opened:
    batch: SourceBatch
    existing: bool  # the batch was there before this call (complete, or to be resumed)


def _audit_state(batch: SourceBatch) -> dict[str, Any]:
    return {
        "source": batch.source,
        "batch_key": batch.batch_key,
        "as_of": batch.as_of.isoformat(),
        "file_name": batch.file_name,
        "channel": batch.channel,
        "rows_total": batch.rows_total,
        "rows_ok": batch.rows_ok,
        "rows_bad": batch.rows_bad,
        "status": batch.status,
    }


@transaction.atomic(durable=True)
def batch_open(
    *,
    actor: Any,
    source: str,
    region_code: str,
    batch_key: str,
    content_sha256: str,
    as_of: dt.date,
    file_name: str,
    channel: str,
    rows_total: int,
    warnings: list[str],
) -> Opened:
    """The batch of this key: the one already there (same content) or a new one. The same
    key with other content is refused: a department's batch id names one delivery."""
    if as_of > timezone.localdate():
        raise RefusedFile(errors.AS_OF_FUTURE)
    found = (
        SourceBatch.unscoped.select_for_update()
        .filter(source=source, region_code=region_code, batch_key=batch_key)
        .first()
    )
    if found is not None:
        if found.content_sha256 != content_sha256 or found.as_of != as_of:
            raise RefusedFile(errors.BATCH_CONFLICT)
        return Opened(found, existing=True)
    batch = SourceBatch.unscoped.create(
        source=source,
        region_code=region_code,
        batch_key=batch_key,
        content_sha256=content_sha256,
        as_of=as_of,
        file_name=file_name[:200],
        channel=channel,
        rows_total=rows_total,
        warnings=warnings,
        started_at=timezone.now(),
        imported_by=actor if getattr(actor, "pk", None) else None,
        imported_by_name=getattr(actor, "username", None) or str(actor or "system"),
    )
    audit_record(
        actor=actor,
        action="verification.batch_open",
        object_type="source_batch",
        object_id=batch.pk,
        region_code=region_code,
        new=_audit_state(batch),
    )
    return Opened(batch, existing=False)


@transaction.atomic(durable=True)
def batch_store_chunk(
    *, batch: SourceBatch, offset: int, rows: int, records: pl.DataFrame, row_errors: pl.DataFrame
) -> int:
    """Store one chunk (rows offset … offset+rows of the delivery) and move the batch's
    progress in the same transaction: killed half-way, a batch resumes at `rows_done`
    with nothing stored twice (backed by the unique (batch, line) constraint)."""
    locked = SourceBatch.unscoped.select_for_update().get(pk=batch.pk)
    if locked.rows_done != offset or locked.status != BatchStatus.IMPORTING:
        raise RefusedFile(errors.BATCH_BUSY)
    frame = records.select(
        pl.lit(batch.pk, dtype=pl.Int64).alias("batch_id"),
        pl.lit(batch.source).alias("source"),
        pl.lit(batch.region_code).alias("region_code"),
        "line",
        pl.lit(batch.as_of).alias("as_of"),
        "id_hash",
        "id_masked",
        "kind",
        "amount",
        "quantity",
        "occurred_on",
        "data",
    )
    if frame.height:
        _insert_records(frame)
    RowError.objects.bulk_create(
        [RowError(batch_id=batch.pk, **row) for row in row_errors.to_dicts()], batch_size=2000
    )
    bad = row_errors.get_column("line").n_unique()
    SourceBatch.unscoped.filter(pk=batch.pk).update(
        rows_done=offset + rows,
        rows_ok=locked.rows_ok + frame.height,
        rows_bad=locked.rows_bad + bad,
    )
    return frame.height


def _insert_records(frame: pl.DataFrame) -> None:
    columns = ", ".join(RECORD_COLUMNS)
    if connection.vendor == "postgresql":
        buffer = io.BytesIO()
        # in keyed-hash order: consecutive rows land on neighbouring pages of the index on
        # the hash (random keys), a quarter to a third faster than in the file's order
        # (docs/benchmarks.md); `line` keeps the file's order
        frame.sort("id_hash").write_csv(buffer, include_header=False, null_value="")
        with (
            connection.cursor() as cursor,
            cursor.copy(  # type: ignore[attr-defined]
                f"COPY {RECORD_TABLE} ({columns}) FROM STDIN WITH (FORMAT csv)"
            ) as copy,
        ):
            copy.write(buffer.getvalue())
        return
    rows = frame.with_columns(
        pl.col("amount", "quantity").cast(pl.String),
        pl.col("as_of", "occurred_on").dt.strftime("%Y-%m-%d"),
    ).rows()
    marks = ", ".join(["%s"] * len(RECORD_COLUMNS))
    with connection.cursor() as cursor:
        cursor.executemany(f"INSERT INTO {RECORD_TABLE} ({columns}) VALUES ({marks})", rows)


@transaction.atomic(durable=True)
def batch_complete(*, actor: Any, batch: SourceBatch) -> SourceBatch:
    locked = SourceBatch.unscoped.select_for_update().get(pk=batch.pk)
    if locked.status == BatchStatus.COMPLETE:
        return locked
    locked.status = BatchStatus.COMPLETE
    locked.finished_at = timezone.now()
    locked.save(update_fields=["status", "finished_at"])
    audit_record(
        actor=actor,
        action="verification.batch_complete",
        object_type="source_batch",
        object_id=locked.pk,
        region_code=locked.region_code,
        new=_audit_state(locked),
    )
    return locked


@dataclass
class ReviewsOpened:
    cases: list[Any]  # the review cases opened
    already_open: list[str]  # household numbers with a review case still open
    refused: dict[str, str]  # household number → why the case could not be opened


def reviews_open(
    *, actor: Any, listed: list[dict[str, Any]], today: dt.date | None = None
) -> ReviewsOpened:
    """A review case (变更报告复审, the ordinary procedure again: D-02, V-01) for each listed
    household (`household_id`, `household`, `reasons` of the re-verification), in one batch
    (`cases.services.case_create_many`: its checks, numbers, transition and audit rows).
    Idempotent: a household with a review case still open gets no second one."""
    from jiuzhu.cases.services import Intake, case_create_many
    from jiuzhu.registry.models import Household
    from jiuzhu.verification.caseload import open_reviews
    from jiuzhu.verification.reverify import REASONS

    busy = open_reviews("")
    waiting = [row for row in listed if row["household_id"] not in busy]
    visible = Household.objects.in_bulk([row["household_id"] for row in waiting])
    intakes, numbers = [], []
    refused: dict[str, str] = {}
    for row in waiting:
        household = visible.get(row["household_id"])
        if household is None:  # outside the actor's area: as if missing
            refused[row["household"]] = str(errors.REVIEW_OUTSIDE)
            continue
        reasons = "、".join(REASONS[r][0] for r in row["reasons"] if r in REASONS)
        intakes.append(
            Intake(
                household=household,
                kind="review",
                channel="proactive",
                reason=f"核对复查（V-01）发现：{reasons}",
            )
        )
        numbers.append(row["household"])
    created, failed = case_create_many(actor=actor, intakes=intakes, today=today)
    for index, exc in failed.items():
        refused[numbers[index]] = str(exc)
    already = [row["household"] for row in listed if row["household_id"] in busy]
    return ReviewsOpened(created, already, refused)
