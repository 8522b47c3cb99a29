"""Importing a department's delivery: file or push → checked frame → staged records.

1. Read (reading.py): the content must be the format the name claims, else refused whole.
2. The header: a missing required column refuses the file whole; unknown columns are
   reported and ignored.
3. The batch (services.batch_open): keyed by the department's batch id or the SHA-256 of
   the content. Complete already → nothing is added (idempotent). Interrupted → resumed at
   the first row not yet stored.
4. Chunks of rows are validated in columns (validation.py) and stored, each chunk with the
   batch's progress in one transaction; bad rows are stored with line, field and reason and
   do not stop the rest (SECURITY.md 12). ID numbers only as keyed hash (SECURITY.md 23).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import polars as pl

from jiuzhu.verification import errors, services
from jiuzhu.verification.errors import RefusedFile
from jiuzhu.verification.models import BatchStatus, Channel, SourceBatch
from jiuzhu.verification.reading import RawFile, content_digest, push_frame, read_file
from jiuzhu.verification.sources import SOURCES, Source
from jiuzhu.verification.validation import missing_columns, unknown_columns, validate

CHUNK = 500_000


@dataclass
class ImportResult:
    batch: SourceBatch
    added: int = 0  # records stored by this call
    already_complete: bool = False
    resumed_at: int = 0  # rows already stored before this call
    warnings: list[str] = field(default_factory=list)


def source_or_refuse(code: str, catalogue: Mapping[str, Source] | None = None) -> Source:
    """The declaration of `code` in `catalogue` (the departments' verification sources by
    default; monitoring passes its signal kinds, stored through the same pipeline)."""
    source = (SOURCES if catalogue is None else catalogue).get(code)
    if source is None:
        raise RefusedFile(errors.UNKNOWN_SOURCE)
    return source


def _check_header(source: Source, frame: pl.DataFrame) -> list[str]:
    if frame.height == 0:
        return []  # an empty push: the department holds no record of anyone this time
    missing = missing_columns(source, frame.columns)
    if missing:
        raise RefusedFile(str(errors.MISSING_COLUMNS).format(columns="、".join(missing)))
    return [
        str(errors.UNKNOWN_COLUMN).format(column=c) for c in unknown_columns(source, frame.columns)
    ]


def import_file(
    *,
    actor: Any,
    source: str,
    path: Path,
    as_of: dt.date,
    batch_key: str | None = None,
    region_code: str = "",
    progress: Callable[[int], None] | None = None,
    on_total: Callable[[int], None] | None = None,
    chunk: int = CHUNK,
    catalogue: Mapping[str, Source] | None = None,
) -> ImportResult:
    """Import one department file (CSV, XLSX or Parquet). `progress` is told the rows done
    as chunks are stored, `on_total` the number of rows once the file is read."""
    spec = source_or_refuse(source, catalogue)
    raw: RawFile = read_file(path)
    if on_total is not None:
        on_total(raw.frame.height)
    return _import(
        actor=actor,
        source=spec,
        frame=raw.frame,
        digest=raw.sha256,
        as_of=as_of,
        batch_key=batch_key or f"sha256:{raw.sha256}",
        region_code=region_code,
        file_name=raw.name,
        channel=Channel.FILE,
        progress=progress,
        chunk=chunk,
    )


def import_records(
    *,
    actor: Any,
    source: str,
    records: list[dict[str, Any]],
    as_of: dt.date,
    batch_key: str,
    region_code: str,
    catalogue: Mapping[str, Source] | None = None,
) -> ImportResult:
    """Import a batch pushed through the API (a list of records)."""
    spec = source_or_refuse(source, catalogue)
    return _import(
        actor=actor,
        source=spec,
        frame=push_frame(records),
        digest=content_digest(records),
        as_of=as_of,
        batch_key=batch_key,
        region_code=region_code,
        file_name="",
        channel=Channel.API,
        progress=None,
        chunk=CHUNK,
    )


def _import(
    *,
    actor: Any,
    source: Source,
    frame: pl.DataFrame,
    digest: str,
    as_of: dt.date,
    batch_key: str,
    region_code: str,
    file_name: str,
    channel: str,
    progress: Callable[[int], None] | None,
    chunk: int,
) -> ImportResult:
    warnings = _check_header(source, frame)
    opened = services.batch_open(
        actor=actor,
        source=source.code,
        region_code=region_code,
        batch_key=batch_key,
        content_sha256=digest,
        as_of=as_of,
        file_name=file_name,
        channel=channel,
        rows_total=frame.height,
        warnings=warnings,
    )
    batch = opened.batch
    result = ImportResult(batch, warnings=list(batch.warnings))
    if batch.status == BatchStatus.COMPLETE:
        result.already_complete = True
        if progress is not None:
            progress(frame.height)
        return result
    result.resumed_at = batch.rows_done
    if progress is not None and batch.rows_done:
        progress(batch.rows_done)
    offsets = list(range(batch.rows_done, frame.height, chunk))
    # the next chunk is validated (Polars, the keyed hash; no database) in a second thread
    # while this one is copied into the database: the two overlap, the order of storing and
    # the progress per chunk stay as they were (a chunk and its progress, one transaction)
    with ThreadPoolExecutor(max_workers=1, thread_name_prefix="validate") as pool:
        ahead = pool.submit(validate, source, frame.slice(offsets[0], chunk)) if offsets else None
        for index, offset in enumerate(offsets):
            assert ahead is not None
            checked = ahead.result()
            if index + 1 < len(offsets):
                ahead = pool.submit(validate, source, frame.slice(offsets[index + 1], chunk))
            rows = min(chunk, frame.height - offset)
            result.added += services.batch_store_chunk(
                batch=batch,
                offset=offset,
                rows=rows,
                records=checked.records,
                row_errors=checked.errors,
            )
            if progress is not None:
                progress(rows)
    result.batch = services.batch_complete(actor=actor, batch=batch)
    return result
