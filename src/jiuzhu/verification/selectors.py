"""Reads of the verification context.

Batches are area-scoped (the default manager). Records are read set-based for matching:
`records_frame` returns one source's records as a Polars frame (money as Decimal), ready to
join on `id_hash` with the members of a caseload — read with COPY on PostgreSQL.
"""

from __future__ import annotations

import datetime as dt
import io

import polars as pl
from django.db import connection

from jiuzhu.verification.models import BatchStatus, RowError, SourceBatch

FRAME_SCHEMA = {
    "batch_id": pl.Int64,
    "as_of": pl.Date,
    "id_hash": pl.String,
    "kind": pl.String,
    "amount": pl.Decimal(16, 2),
    "quantity": pl.Decimal(14, 2),
    "occurred_on": pl.Date,
    "data": pl.String,
}


def batch_get(batch_id: int) -> SourceBatch | None:
    """A batch of the caller's area, or None (outside it: as if missing)."""
    return SourceBatch.objects.filter(pk=batch_id).first()


def batch_errors(batch: SourceBatch, *, limit: int = 1000) -> list[RowError]:
    return list(RowError.objects.filter(batch=batch).order_by("line", "id")[:limit])


def records_frame(
    source: str, as_of: dt.date, *, since: dt.date | None = None, completed_only: bool = True
) -> pl.DataFrame:
    """Every record of `source` whose batch's as-of date is on or before `as_of` (and on or
    after `since`), with its batch and as-of date so a matcher can keep the latest per
    person. For batch jobs (state `system_scope()`): records carry no clear identity."""
    where = ["r.source = %s", "r.as_of <= %s"]
    params: list[str | dt.date] = [source, as_of]
    if since is not None:
        where.append("r.as_of >= %s")
        params.append(since)
    if completed_only:
        where.append("b.status = %s")
        params.append(BatchStatus.COMPLETE.value)
    sql = (
        "SELECT r.batch_id, r.as_of, r.id_hash, r.kind, CAST(r.amount AS TEXT), "
        "CAST(r.quantity AS TEXT), r.occurred_on, CAST(r.data AS TEXT) "
        "FROM verification_departmentrecord r JOIN verification_sourcebatch b "
        f"ON b.id = r.batch_id WHERE {' AND '.join(where)} ORDER BY r.id"
    )
    text_schema = dict.fromkeys(FRAME_SCHEMA, pl.String)
    if connection.vendor == "postgresql":
        buffer = io.BytesIO()
        with connection.cursor() as cursor:
            statement = f"COPY ({sql}) TO STDOUT WITH (FORMAT csv)"
            with cursor.copy(statement, params) as copy:  # type: ignore[attr-defined]
                for block in copy:
                    buffer.write(block)
        buffer.seek(0)
        raw = pl.read_csv(buffer, has_header=False, schema=text_schema)
    else:
        with connection.cursor() as cursor:
            cursor.execute(sql, params)
            rows = cursor.fetchall()
        raw = pl.DataFrame(
            [[None if v is None else str(v) for v in row] for row in rows],
            schema=text_schema,
            orient="row",
        )
    return raw.with_columns(
        pl.col("batch_id").cast(pl.Int64),
        pl.col("as_of", "occurred_on").str.strptime(pl.Date, "%Y-%m-%d"),
        pl.col("amount").cast(pl.Decimal(16, 2)),
        pl.col("quantity").cast(pl.Decimal(14, 2)),
    )
