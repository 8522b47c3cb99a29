"""Department data for verification (V-02): the sources' record schemas, batches pushed by
other departments' systems, and a batch's import report.

A push is one batch: validated row by row (a bad row is reported with its line and reason,
the rest go in), idempotent by its batch key (the same batch again adds nothing) and by
the Idempotency-Key header. Batches belong to the caller's area: another area's batch is
404. ID numbers are stored only as keyed hashes (SECURITY.md 23).

(No `from __future__ import annotations`: ninja reads the annotations at runtime.)
"""

from typing import Annotated, Any

from django.http import HttpRequest
from ninja import Path, Query, Router, Status

from jiuzhu.accounts.roles import Can
from jiuzhu.api.auth import actor, require
from jiuzhu.api.idempotency import idempotent
from jiuzhu.api.problems import Problem, ProblemError
from jiuzhu.api.schemas import Day
from jiuzhu.api.verification_schemas import (
    BatchOut,
    DeterminationOut,
    RecordsIn,
    ReverificationOut,
    ReverifyIn,
    RowErrorOut,
    SourceOut,
)
from jiuzhu.verification import errors, selectors
from jiuzhu.verification.errors import RefusedFile
from jiuzhu.verification.importing import ImportResult, import_records
from jiuzhu.verification.models import SourceBatch
from jiuzhu.verification.reverify import reverification_summary, reverify
from jiuzhu.verification.sharing import determinations
from jiuzhu.verification.sources import SOURCES_LIST, get_source

router = Router(tags=["verification 家庭经济状况核对"])

READ_ERRORS: dict[Any, Any] = {frozenset({400, 401, 403, 404, 422}): Problem}
WRITE_ERRORS: dict[Any, Any] = {frozenset({400, 401, 403, 404, 409, 422}): Problem}
SourceCode = Annotated[str, Path(pattern=r"^[a-z_]{2,32}$", description="数据源代码")]
BatchId = Annotated[int, Path(ge=1, le=2**53 - 1)]
CONFLICTS = {str(errors.BATCH_CONFLICT), str(errors.BATCH_BUSY)}


def batch_out(batch: SourceBatch, *, added: int = 0, already: bool = False) -> BatchOut:
    return BatchOut(
        id=batch.pk,
        source=batch.source,
        batch_key=batch.batch_key,
        as_of=batch.as_of,
        channel=batch.channel,
        file_name=batch.file_name,
        status=batch.status,
        rows_total=batch.rows_total,
        rows_ok=batch.rows_ok,
        rows_bad=batch.rows_bad,
        added=added,
        already_imported=already,
        warnings=list(batch.warnings),
        errors=[
            RowErrorOut(line=e.line, field=e.field, reason=e.reason)
            for e in selectors.batch_errors(batch)
        ],
        started_at=batch.started_at,
        finished_at=batch.finished_at,
    )


@router.get("/verification/sources", response={200: list[SourceOut], **READ_ERRORS})
def sources_list(request: HttpRequest) -> list[SourceOut]:
    """The departments' data sources and their record schemas, each field with its type,
    unit and sensitivity (MZ/T 073 敏感信息标识)."""
    return [SourceOut.model_validate(s.as_dict()) for s in SOURCES_LIST]


@router.post(
    "/verification/sources/{source}/records",
    response={200: BatchOut, 201: BatchOut, **WRITE_ERRORS},
)
@idempotent
def records_push(request: HttpRequest, source: SourceCode, payload: RecordsIn) -> Status[BatchOut]:
    """A department's system pushes one batch of records: 201 with the row-by-row report;
    200 and nothing added when the batch was imported already."""
    user = require(request, Can.IMPORT_DEPARTMENT_DATA)
    if get_source(source) is None:
        raise ProblemError(404)
    try:
        result: ImportResult = import_records(
            actor=user,
            source=source,
            records=[dict(r) for r in payload.records],
            as_of=payload.as_of,
            batch_key=payload.batch_key,
            region_code=user.area.code if user.area else "",
        )
    except RefusedFile as exc:
        status = 409 if exc.message in CONFLICTS else 422
        raise ProblemError(status, exc.message) from None
    out = batch_out(result.batch, added=result.added, already=result.already_complete)
    return Status(200 if result.already_complete else 201, out)


@router.get("/verification/batches/{batch_id}", response={200: BatchOut, **READ_ERRORS})
def batch_get(request: HttpRequest, batch_id: BatchId) -> BatchOut:
    """A batch of the caller's area with its counts and refused rows (line, field, reason)."""
    user = actor(request)
    if not (user.can(Can.VERIFY) or user.can(Can.IMPORT_DEPARTMENT_DATA)):
        raise ProblemError(403)
    batch = selectors.batch_get(batch_id)
    if batch is None:
        raise ProblemError(404)
    return batch_out(batch)


@router.post("/verification/reverifications", response={200: ReverificationOut, **WRITE_ERRORS})
@idempotent
def reverification_run(request: HttpRequest, payload: ReverifyIn) -> ReverificationOut:
    """Re-verify every recipient household of the caller's area (or of `region` within it)
    against the departments' data (V-01) and list those whose verified situation no longer
    fits their category, with the reasons — as `jiuzhu verify-all` (docs/cli.md). Nothing
    is written; review cases are opened from the list by the CLI (`--open-reviews`) or one
    by one."""
    user = require(request, Can.VERIFY)
    prefix = user.area.scope_prefix if user.area else ""
    if payload.region and not (
        payload.region.startswith(prefix) or prefix.startswith(payload.region)
    ):
        raise ProblemError(422, str(errors.REGION_OUTSIDE_AREA))
    result = reverify(payload.as_of, payload.region)
    return ReverificationOut.model_validate(reverification_summary(result))


@router.get(
    "/verification/sources/{source}/determinations",
    response={200: list[DeterminationOut], **READ_ERRORS},
)
def determinations_list(
    request: HttpRequest, source: SourceCode, as_of: Annotated[Day, Query()]
) -> list[DeterminationOut]:
    """The determination results shared back with the source's department (V-03): per
    member its records concerned, the masked ID, household, case, category decided,
    decision date and whether its record was decisive (docs/verification.md)."""
    require(request, Can.VERIFY)
    if get_source(source) is None:
        raise ProblemError(404)
    frame = determinations(source, as_of)
    return [DeterminationOut.model_validate(row) for row in frame.iter_rows(named=True)]
