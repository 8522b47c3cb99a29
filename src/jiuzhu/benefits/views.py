"""The county officer's payment pages (issue #6): the county's batches, running a month,
a batch with its control report and payments (accounts masked), approval by a second
person (F-01), the bank file, the bank's return file and its reconciliation, reissuing or
cancelling held payments; and standard adjustments (P-05) with their diff, chart and
spreadsheet.

Views parse input, call the services of benefits/ and render. A batch or adjustment outside
the user's area is the same 404 as a missing one (the scoped managers). A refused action
comes back with its message and nothing changed. A batch of a county is computed in the
request (set-based SQL, seconds for a county: docs/benchmarks.md); the run says how many
payments it added and the page shows the batch's state.
"""

from __future__ import annotations

import io
import re
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_POST

from jiuzhu.accounts.roles import Can
from jiuzhu.benefits import adjustments, bank, flows, ledger, payments, selectors
from jiuzhu.benefits.models import (
    Adjustment,
    AdjustmentRow,
    PayeeAccount,
    Payment,
    PaymentBatch,
    PaymentStatus,
)
from jiuzhu.benefits.payments import preparers_of
from jiuzhu.regions.models import Level, Region
from jiuzhu.registry.errors import ServiceError
from jiuzhu.registry.views import _user, requires

PAGE_SIZE = 100
RETURN_MAX_BYTES = getattr(settings, "RETURN_FILE_MAX_BYTES", 5 * 1024 * 1024)
RETURN_SUFFIXES = (".csv", ".txt")


def _batch(batch_id: int) -> PaymentBatch:
    batch = selectors.batch_get(batch_id)
    if batch is None:
        raise Http404
    return batch


def _counties(user: Any) -> list[Region]:
    prefix = user.area.scope_prefix if user.area else None
    if prefix is None:
        return []
    return list(Region.objects.filter(level=Level.COUNTY, code__startswith=prefix)[:200])


def _refused(request: HttpRequest, exc: ServiceError) -> None:
    messages.error(request, str(exc.message))


@requires(Can.VIEW_PAYMENTS)
@require_GET
def batches(request: HttpRequest) -> HttpResponse:
    """The area's batches, newest month first, and the form to run a month."""
    page = Paginator(selectors.batches_list(), 50).get_page(request.GET.get("page"))
    today = timezone.localdate()
    return render(
        request,
        "benefits/batches.html",
        {
            "page": page,
            "counties": _counties(_user(request)),
            "this_month": f"{today:%Y-%m}",
            "can_prepare": _user(request).can(Can.PREPARE_PAYMENTS),
        },
    )


@requires(Can.PREPARE_PAYMENTS)
@require_POST
def run(request: HttpRequest) -> HttpResponse:
    """Run the same service as `jiuzhu payments run` for one county and month."""
    user = _user(request)
    try:
        month = payments.parse_month(request.POST.get("month", ""))
        result = payments.payments_run(
            actor=user, county=request.POST.get("county", ""), month=month
        )
    except ServiceError as exc:
        _refused(request, exc)
        return redirect("benefits:batches")
    if result.batch is None:
        messages.info(request, _("该月没有需要发放的待遇"))
        return redirect("benefits:batches")
    messages.success(
        request,
        _("已编制发放批次：新增 %(added)s 笔，共核对 %(n)s 项待遇")
        % {"added": result.added, "n": result.candidates},
    )
    return redirect("benefits:batch", result.batch.pk)


def _masked_accounts(household_ids: list[int]) -> dict[int, str]:
    return dict(
        PayeeAccount.objects.filter(household_id__in=household_ids).values_list(
            "household_id", "account_masked"
        )
    )


@requires(Can.VIEW_PAYMENTS)
@require_GET
def batch(request: HttpRequest, batch_id: int) -> HttpResponse:
    found = _batch(batch_id)
    user = _user(request)
    carried = Payment.objects.filter(carrier=found).select_related("household").order_by("id")
    status = request.GET.get("status", "")
    if status in PaymentStatus.values:
        carried = carried.filter(status=status)
    page = Paginator(carried, PAGE_SIZE).get_page(request.GET.get("page"))
    accounts = _masked_accounts([p.household_id for p in page.object_list])
    rows = [{"p": p, "account": accounts.get(p.household_id, "—")} for p in page.object_list]
    held = Payment.objects.filter(
        carrier__region_code=found.region_code,
        carrier__month=found.month,
        status=PaymentStatus.HELD,
    ).select_related("household")
    files = found.reconciliation.get("files", [])
    context = {
        "batch": found,
        "control": ledger.batch_control(found),
        "rows": rows,
        "page": page,
        "status": status,
        "statuses": PaymentStatus.choices,
        "held": held,
        "reconciliation": files[-1] if files else None,
        "can_approve": flows.BATCH.may(
            found.status, "approve", user, {"actor_id": user.pk, "preparers": preparers_of(found)}
        ),
        "can_export": flows.BATCH.may(found.status, "export", user),
        "can_reconcile": flows.BATCH.may(found.status, "reconcile", user),
        "can_reissue": user.can(Can.PREPARE_PAYMENTS),
        "can_cancel": user.can(Can.APPROVE_PAYMENTS),
        "max_mb": RETURN_MAX_BYTES // (1024 * 1024),
    }
    return render(request, "benefits/batch.html", context)


@requires(Can.APPROVE_PAYMENTS)
@require_POST
def approve(request: HttpRequest, batch_id: int) -> HttpResponse:
    found = _batch(batch_id)
    try:
        payments.batch_approve(actor=_user(request), batch_id=found.pk)
    except ServiceError as exc:
        _refused(request, exc)
    else:
        messages.success(request, _("发放批次已审核"))
    return redirect("benefits:batch", found.pk)


@requires(Can.EXPORT_PAYMENTS)
@require_POST
def export(request: HttpRequest, batch_id: int) -> HttpResponse:
    """The bank file as an attachment (the clear account numbers are read under the access
    log); the batch becomes `exported`."""
    found = _batch(batch_id)
    file_format = request.POST.get("format", "csv")
    try:
        done = bank.batch_export(actor=_user(request), batch_id=found.pk, file_format=file_format)
    except ServiceError as exc:
        _refused(request, exc)
        return redirect("benefits:batch", found.pk)
    suffix = "csv" if file_format == "csv" else "txt"
    response = HttpResponse(done.content, content_type="application/octet-stream")
    name = f"batch-{found.pk}-{found.region_code}-{found.month:%Y%m}.{suffix}"
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    response["X-Content-Type-Options"] = "nosniff"
    return response


LINE_ERRORS = (
    (re.compile(r"line (\d+): amount"), gettext_lazy("第 {0} 行：金额格式不正确")),
    (re.compile(r"line (\d+): (\d+) fields expected"), gettext_lazy("第 {0} 行：应有 {1} 个字段")),
    (
        re.compile(r"line (\d+): result"),
        gettext_lazy("第 {0} 行：结果应为 paid/成功 或 failed/失败"),
    ),
    (re.compile(r"the first line must be (.*)"), gettext_lazy("第 1 行应为表头：{0}")),
    (re.compile(r"not GB18030 or UTF-8"), gettext_lazy("文件不是 GB18030 或 UTF-8 编码的文本")),
)


def return_file_error(upload: Any) -> str | None:
    """Why an uploaded return file is refused before it is read (in the user's language),
    or None: present, .csv or .txt, not empty, not too large."""
    if upload is None:
        return _("请选择银行回盘文件")
    name = (upload.name or "").lower()
    if not name.endswith(RETURN_SUFFIXES):
        return _("回盘文件应为 CSV 文件（.csv 或 .txt）")
    if upload.size == 0:
        return _("回盘文件是空的")
    if upload.size > RETURN_MAX_BYTES:
        return _("回盘文件超过 %(mb)s MB") % {"mb": RETURN_MAX_BYTES // (1024 * 1024)}
    return None


def _explained(content: bytes) -> str | None:
    """The return file's first error, in the user's language; None when it parses."""
    from jiuzhu.benefits import bankfile

    try:
        bankfile.parse_return(content)
    except bankfile.ReturnFileError as exc:
        for pattern, message in LINE_ERRORS:
            found = pattern.search(str(exc))
            if found:
                return str(message).format(*found.groups())
        return str(exc)
    return None


@requires(Can.EXPORT_PAYMENTS)
@require_POST
def reconcile(request: HttpRequest, batch_id: int) -> HttpResponse:
    """The bank's return file, validated (type, size, every line) before anything is
    applied; a refused file changes nothing and says why."""
    found = _batch(batch_id)
    upload = request.FILES.get("file")
    problem = return_file_error(upload)
    content = b""
    if problem is None:
        assert upload is not None
        content = bytes(upload.read())
        explained = _explained(content)
        if explained is not None:
            problem = _("银行回盘文件格式不正确：%(reason)s，未做任何处理") % {"reason": explained}
    if problem is not None:
        messages.error(request, problem)
        return redirect("benefits:batch", found.pk)
    try:
        report = bank.batch_reconcile(actor=_user(request), batch_id=found.pk, content=content)
    except ServiceError as exc:
        _refused(request, exc)
    else:
        messages.success(
            request,
            _("对账完成：到账 %(paid)s 笔，失败暂挂 %(failed)s 笔")
            % {"paid": report.paid, "failed": report.failed},
        )
    return redirect("benefits:batch", found.pk)


def _ids(request: HttpRequest) -> list[int]:
    return [int(i) for i in request.POST.getlist("payment") if i.isdigit()][:1000]


@requires(Can.PREPARE_PAYMENTS)
@require_POST
def reissue(request: HttpRequest, batch_id: int) -> HttpResponse:
    found = _batch(batch_id)
    try:
        target = bank.payments_reissue(
            actor=_user(request), payment_ids=_ids(request), note=request.POST.get("note", "")
        )
    except ServiceError as exc:
        _refused(request, exc)
        return redirect("benefits:batch", found.pk)
    messages.success(request, _("已转入重新发放批次"))
    return redirect("benefits:batch", target.pk)


@requires(Can.APPROVE_PAYMENTS)
@require_POST
def cancel(request: HttpRequest, batch_id: int) -> HttpResponse:
    found = _batch(batch_id)
    try:
        done = bank.payments_cancel(
            actor=_user(request), payment_ids=_ids(request), reason=request.POST.get("reason", "")
        )
    except ServiceError as exc:
        _refused(request, exc)
    else:
        messages.success(request, _("已取消 %(n)s 笔") % {"n": len(done)})
    return redirect("benefits:batch", found.pk)


# standard adjustments (P-05)


def _adjustment(adjustment_id: int) -> Adjustment:
    found = Adjustment.objects.select_related("approved_by").filter(pk=adjustment_id).first()
    if found is None:
        raise Http404
    return found


@requires(Can.VIEW_PAYMENTS)
@require_GET
def adjustment_list(request: HttpRequest) -> HttpResponse:
    user = _user(request)
    regions = _counties(user)
    if user.area and user.area.level in (Level.CITY, Level.PROVINCE):
        regions = [user.area, *regions]
    return render(
        request,
        "benefits/adjustments.html",
        {
            "adjustments": Adjustment.objects.select_related("approved_by")[:100],
            "regions": regions,
            "can_prepare": user.can(Can.PREPARE_PAYMENTS),
        },
    )


@requires(Can.PREPARE_PAYMENTS)
@require_POST
def adjustment_prepare(request: HttpRequest) -> HttpResponse:
    """Prepare an adjustment (the same service as `jiuzhu adjust`); a county's households
    are decided in the request (seconds)."""
    user = _user(request)
    try:
        effective = adjustments.parse_date(request.POST.get("effective", ""))
        first_text = request.POST.get("first_payment", "").strip()
        first = payments.parse_month(first_text) if first_text else None
        prepared = adjustments.adjustment_prepare(
            actor=user,
            region=request.POST.get("region", ""),
            effective=effective,
            first_payment=first,
        )
    except ServiceError as exc:
        _refused(request, exc)
        return redirect("benefits:adjustments")
    messages.success(request, _("已生成标准调整测算，请由另一名人员审核"))
    return redirect("benefits:adjustment", prepared.adjustment.pk)


KIND_LABELS = {
    "gains": gettext_lazy("增加"),
    "loses": gettext_lazy("减少"),
    "unchanged": gettext_lazy("不变"),
    "changes_layer": gettext_lazy("类别变化"),
    "leaves": gettext_lazy("退出"),
    "joins": gettext_lazy("新纳入"),
}


def bar_chart(rows: list[dict[str, Any]], key: str, value: str) -> list[dict[str, Any]]:
    """Horizontal bars of `value` per `key` for a server-rendered SVG (no script, strict
    CSP): each bar's x and width in a 0–400 box, negative to the left of the middle."""
    amounts = [Decimal(str(r[value])) for r in rows]
    top = max((abs(a) for a in amounts), default=Decimal(0)) or Decimal(1)
    bars = []
    for i, (row, amount) in enumerate(zip(rows, amounts, strict=True)):
        width = int(abs(amount) / top * 190)
        bars.append(
            {
                "label": row[key],
                "amount": f"{amount:.2f}",
                "x": 200 if amount >= 0 else 200 - width,
                "y": i * 24,
                "text_y": i * 24 + 14,
                "width": max(width, 1),
                "negative": amount < 0,
            }
        )
    return bars


@requires(Can.VIEW_PAYMENTS)
@require_GET
def adjustment(request: HttpRequest, adjustment_id: int) -> HttpResponse:
    found = _adjustment(adjustment_id)
    user = _user(request)
    rows = AdjustmentRow.objects.filter(adjustment=found).exclude(kind="unchanged")
    kind = request.GET.get("kind", "")
    if kind in KIND_LABELS:
        rows = rows.filter(kind=kind)
    page = Paginator(rows.order_by("township", "ref"), PAGE_SIZE).get_page(request.GET.get("page"))
    by_township = found.summary.get("by_township", [])
    totals = found.summary.get("totals", {})
    context = {
        "a": found,
        "totals": totals,
        "by_township": by_township,
        "by_category": found.summary.get("by_category", []),
        "chart": bar_chart(by_township, "township", "monthly_change"),
        "chart_height": max(24 * len(by_township), 24),
        "counts": [(k, str(v), totals.get(k, 0)) for k, v in KIND_LABELS.items()],
        "kind": kind,
        "page": page,
        "paging": f"kind={kind}",
        "can_approve": flows.ADJUSTMENT.may(
            found.status,
            "approve",
            user,
            {"actor_id": user.pk, "preparers": {found.prepared_by_id}},
        ),
        "can_apply": flows.ADJUSTMENT.may(found.status, "apply", user),
    }
    return render(request, "benefits/adjustment.html", context)


@requires(Can.APPROVE_PAYMENTS)
@require_POST
def adjustment_approve(request: HttpRequest, adjustment_id: int) -> HttpResponse:
    found = _adjustment(adjustment_id)
    try:
        adjustments.adjustment_approve(actor=_user(request), adjustment_id=found.pk)
    except ServiceError as exc:
        _refused(request, exc)
    else:
        messages.success(request, _("标准调整已审核"))
    return redirect("benefits:adjustment", found.pk)


@requires(Can.APPROVE_PAYMENTS)
@require_POST
def adjustment_apply(request: HttpRequest, adjustment_id: int) -> HttpResponse:
    found = _adjustment(adjustment_id)
    try:
        result = adjustments.adjustment_apply(actor=_user(request), adjustment_id=found.pk)
    except ServiceError as exc:
        _refused(request, exc)
    else:
        messages.success(
            request,
            _("标准调整已执行：%(n)s 户自 %(month)s 起按新标准发放，补发 %(back)s 笔")
            % {
                "n": result["households_changed"],
                "month": result["first_payment"],
                "back": result["back_pay_payments"],
            },
        )
    return redirect("benefits:adjustment", found.pk)


@requires(Can.VIEW_PAYMENTS)
@require_GET
def adjustment_xlsx(request: HttpRequest, adjustment_id: int) -> HttpResponse:
    """The diff as a spreadsheet (openpyxl)."""
    found = _adjustment(adjustment_id)
    buffer = io.BytesIO()
    adjustments.path_write_xlsx(adjustments.diff_frame(found), buffer)
    response = HttpResponse(
        buffer.getvalue(),
        content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    )
    name = f"adjustment-{found.pk}-{found.region_code}.xlsx"
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response
