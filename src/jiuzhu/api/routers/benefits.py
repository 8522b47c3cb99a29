"""Benefits (issue #6): entitlements and the monthly payment batches with their actions —
run, approve, export the bank file, reconcile the bank's return file.

Reads go through benefits.selectors (area-scoped: another area's entitlement or batch is
the 404 of a missing id); writes through the benefits services, each one transaction with
its audit row. A batch in the wrong state, or approved by its preparer, is a 409 whose
`detail` says why; a refused value is a 422 naming the field.

(No `from __future__ import annotations`: ninja reads the annotations at runtime.)
"""

import base64
from collections.abc import Callable
from typing import Annotated, Any, Literal, TypeVar

from django.http import HttpRequest
from ninja import Path, Query, Router

from jiuzhu.accounts.roles import Can
from jiuzhu.api.auth import require
from jiuzhu.api.benefit_schemas import (
    EntitlementChangeOut,
    EntitlementDetailOut,
    EntitlementOut,
    EntitlementPage,
    MonthText,
    PaymentBatchControlOut,
    PaymentBatchDetailOut,
    PaymentBatchOut,
    PaymentBatchPage,
    PaymentExportIn,
    PaymentExportOut,
    PaymentReconcileIn,
    PaymentReconcileOut,
    PaymentReturnLineOut,
    PaymentRunIn,
    PaymentRunOut,
)
from jiuzhu.api.idempotency import idempotent
from jiuzhu.api.problems import ProblemError
from jiuzhu.api.routers.registry import READ_ERRORS, WRITE_ERRORS, Limit, Offset
from jiuzhu.benefits import errors, selectors
from jiuzhu.benefits.bank import batch_export, batch_reconcile
from jiuzhu.benefits.ledger import batch_control
from jiuzhu.benefits.models import Entitlement, PaymentBatch
from jiuzhu.benefits.payments import batch_approve, parse_month, payments_run
from jiuzhu.registry import errors as registry_errors
from jiuzhu.registry.errors import ServiceError

router = Router(tags=["benefits 待遇与发放"])

ItemId = Annotated[int, Path(ge=1, le=2**53 - 1)]
CONFLICTS = {str(errors.APPROVER_IS_PREPARER)}
T = TypeVar("T")


def _service(call: Callable[[], T]) -> T:
    """A service's refusal as a problem document: 404 missing, 403 not allowed, 409 the
    batch's state or the four-eyes rule, 422 a value."""
    try:
        return call()
    except ServiceError as exc:
        if exc.message == str(errors.BATCH_MISSING):
            raise ProblemError(404) from None
        if exc.message == str(registry_errors.NOT_ALLOWED):
            raise ProblemError(403) from None
        if exc.message in CONFLICTS or exc.message.startswith(str(errors.BATCH_STATE)[:6]):
            raise ProblemError(409, exc.message) from None
        raise ProblemError(422, exc.message, field=exc.field or "", message=exc.message) from None


def entitlement_out(e: Entitlement) -> EntitlementOut:
    return EntitlementOut(
        id=e.pk,
        household_id=e.household_id,
        household_number=e.household.number,
        member_id=e.member_id,
        case_id=e.case_id,
        region_code=e.region_code,
        category=e.category,
        monthly_amount=e.monthly_amount,
        one_off=e.one_off,
        start_month=e.start_month,
        end_month=e.end_month,
        status=e.status,
        status_reason=e.status_reason,
        decided_on=e.decided_on,
    )


def batch_out(b: PaymentBatch) -> PaymentBatchOut:
    return PaymentBatchOut(
        id=b.pk,
        county=b.region_code,
        month=f"{b.month:%Y-%m}",
        kind=b.kind,
        status=b.status,
        payments=b.payment_count,
        total=b.total_amount,
        prepared_by=b.prepared_by_name,
        approved_by=b.approved_by.get_username() if b.approved_by else None,
        export_format=b.export_format,
        export_sha256=b.export_sha256,
    )


@router.get("/benefits/entitlements", response={200: EntitlementPage, **READ_ERRORS})
def entitlements_list(
    request: HttpRequest,
    household_id: Annotated[int | None, Query(ge=1, le=2**53 - 1)] = None,
    status: Annotated[
        Literal["active", "suspended", "gradual_exit", "terminated"] | None, Query()
    ] = None,
    limit: Limit = 50,
    offset: Offset = 0,
) -> EntitlementPage:
    """The entitlements of the caller's area (optionally of one household or status)."""
    require(request, Can.VIEW_PAYMENTS)
    rows = selectors.entitlements_list(household_id=household_id, status=status)
    return EntitlementPage(
        count=rows.count(),
        limit=limit,
        offset=offset,
        items=[entitlement_out(e) for e in rows[offset : offset + limit]],
    )


@router.get(
    "/benefits/entitlements/{entitlement_id}", response={200: EntitlementDetailOut, **READ_ERRORS}
)
def entitlement_get(request: HttpRequest, entitlement_id: ItemId) -> EntitlementDetailOut:
    """One entitlement with its whole history (every change with its reason)."""
    require(request, Can.VIEW_PAYMENTS)
    found = selectors.entitlement_get(entitlement_id)
    if found is None:
        raise ProblemError(404)
    changes = [
        EntitlementChangeOut(
            reason=c.reason,
            from_status=c.from_status,
            to_status=c.to_status,
            amount_before=c.amount_before,
            amount_after=c.amount_after,
            effective_month=c.effective_month,
            note=c.note,
            actor=c.actor_name,
            at=c.at,
        )
        for c in selectors.entitlement_changes(found)
    ]
    return EntitlementDetailOut(**entitlement_out(found).model_dump(), changes=changes)


@router.get("/benefits/batches", response={200: PaymentBatchPage, **READ_ERRORS})
def batches_list(
    request: HttpRequest,
    county: Annotated[str, Query(pattern=r"^([0-9]{6})?$")] = "",
    month: Annotated[MonthText | None, Query()] = None,
    limit: Limit = 50,
    offset: Offset = 0,
) -> PaymentBatchPage:
    """The payment batches of the caller's area, newest month first."""
    require(request, Can.VIEW_PAYMENTS)
    day = _service(lambda: parse_month(month)) if month else None
    rows = selectors.batches_list(county=county, month=day)
    return PaymentBatchPage(
        count=rows.count(),
        limit=limit,
        offset=offset,
        items=[batch_out(b) for b in rows[offset : offset + limit]],
    )


def _detail(batch: PaymentBatch) -> PaymentBatchDetailOut:
    control = batch_control(batch)
    return PaymentBatchDetailOut(
        **batch_out(batch).model_dump(),
        control=PaymentBatchControlOut(
            accrued=control["accrued"],
            by_status=control["by_status"],
            ledger=control["ledger"],
            balanced=control["balanced"],
        ),
    )


@router.get("/benefits/batches/{batch_id}", response={200: PaymentBatchDetailOut, **READ_ERRORS})
def batch_get(request: HttpRequest, batch_id: ItemId) -> PaymentBatchDetailOut:
    """A batch with its control totals: by payment status, the ledger, `balanced`."""
    require(request, Can.VIEW_PAYMENTS)
    batch = selectors.batch_get(batch_id)
    if batch is None:
        raise ProblemError(404)
    return _detail(batch)


@router.post("/benefits/batches", response={200: PaymentRunOut, **WRITE_ERRORS})
@idempotent
def batch_run(request: HttpRequest, payload: PaymentRunIn) -> PaymentRunOut:
    """Prepare (or complete) a county's batch of a month: idempotent, exactly once per
    entitlement and month."""
    user = require(request, Can.PREPARE_PAYMENTS)
    month = _service(lambda: parse_month(payload.month))
    result = _service(lambda: payments_run(actor=user, county=payload.county, month=month))
    return PaymentRunOut(
        batch=batch_out(result.batch) if result.batch else None,
        added=result.added,
        entitlements=result.candidates,
        nothing_to_pay=result.batch is None,
    )


@router.post(
    "/benefits/batches/{batch_id}/approve", response={200: PaymentBatchOut, **WRITE_ERRORS}
)
@idempotent
def batch_approve_view(request: HttpRequest, batch_id: ItemId) -> PaymentBatchOut:
    """Approve a prepared batch: by someone who did not prepare it (F-01), else 409."""
    user = require(request, Can.APPROVE_PAYMENTS)
    return batch_out(_service(lambda: batch_approve(actor=user, batch_id=batch_id)))


@router.post(
    "/benefits/batches/{batch_id}/export", response={200: PaymentExportOut, **WRITE_ERRORS}
)
@idempotent
def batch_export_view(
    request: HttpRequest, batch_id: ItemId, payload: PaymentExportIn
) -> PaymentExportOut:
    """The bank file of an approved (or again of an exported) batch, base64; every account
    number read for it is in the access log."""
    user = require(request, Can.EXPORT_PAYMENTS)
    done = _service(lambda: batch_export(actor=user, batch_id=batch_id, file_format=payload.format))
    return PaymentExportOut(
        batch=batch_out(done.batch),
        format=payload.format,
        records=done.records,
        total=done.total,
        sha256=done.sha256,
        content_base64=base64.b64encode(done.content).decode("ascii"),
    )


@router.post(
    "/benefits/batches/{batch_id}/reconcile", response={200: PaymentReconcileOut, **WRITE_ERRORS}
)
@idempotent
def batch_reconcile_view(
    request: HttpRequest, batch_id: ItemId, payload: PaymentReconcileIn
) -> PaymentReconcileOut:
    """Apply the bank's return file (its text): paid, failed → held; unknown and repeated
    lines reported."""
    user = require(request, Can.EXPORT_PAYMENTS)
    report = _service(
        lambda: batch_reconcile(actor=user, batch_id=batch_id, content=payload.content)
    )

    def lines(rows: list[dict[str, Any]]) -> list[PaymentReturnLineOut]:
        return [PaymentReturnLineOut(**r) for r in rows]

    return PaymentReconcileOut(
        batch=batch_out(report.batch),
        paid=report.paid,
        failed=report.failed,
        unknown=lines(report.unknown),
        duplicates=lines(report.duplicates),
        mismatched=lines(report.mismatched),
        outstanding=report.outstanding,
    )
