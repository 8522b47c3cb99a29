"""Standard adjustments (P-05 动态调整, issue #6): when new parameters are in force from a
date, every household of a region being paid is determined again in bulk, the difference
is a diff (rules/adjustment.py) kept with the adjustment, approved by a second person
(F-01) and applied from the first payment month, with back pay for the months between.

Set-based throughout: the region's recurring entitlements are read in one query
(`query_frame`), the households through `registry.frames.households_frame` (five queries),
decided by `Evaluator.evaluate_caseload`; the diff rows are inserted together (COPY on
PostgreSQL). Applying is one transaction: the changed households' entitlements end the
month before the first payment month (one UPDATE), their successors at the new amount (or
the new layer) and the back pay (a one-off entitlement of the first payment month, paid by
that month's batch) are inserted together with their history rows, and one audit row
records it. Applying twice changes nothing (the adjustment is `applied`); a household whose
entitlements changed since the diff was prepared is left out and reported (`stale`).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

import polars as pl
from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from jiuzhu.accounts.roles import Can
from jiuzhu.audit.services import audit_record
from jiuzhu.benefits import flows
from jiuzhu.benefits.models import (
    Adjustment,
    AdjustmentRow,
    AdjustmentStatus,
    Category,
    ChangeReason,
    Entitlement,
    EntitlementChange,
    Status,
)
from jiuzhu.benefits.payments import parse_month, require
from jiuzhu.db import bulk_insert, copy_frame, query_frame
from jiuzhu.regions.models import Level, Region
from jiuzhu.registry import errors as registry_errors
from jiuzhu.registry.errors import ServiceError
from jiuzhu.rules.adjustment import MONEY, adjustment_diff, adjustment_summary
from jiuzhu.rules.procedure import add_months

REGION_UNKNOWN = _("区划代码不存在或不是县级及以上区划")
REGION_OUTSIDE = _("该区划不在您的区域内")
DATE_INVALID = _("日期应为 YYYY-MM-DD 格式")
FIRST_BEFORE_EFFECTIVE = _("首次发放月份不能早于新标准执行月份")
ADJUSTMENT_MISSING = _("未找到该标准调整")
NOTHING_TO_ADJUST = _("该区域没有正在发放的低保、特困待遇")

APPROVER_IS_PREPARER = flows.ADJUSTMENT_BY_PREPARER  # F-01
RECURRING = (Category.DIBAO, Category.TEKUN)  # the monthly layers a standard sets
LIVE = (Status.ACTIVE, Status.GRADUAL_EXIT, Status.SUSPENDED)
ENTITLEMENT_COLUMNS = {
    "entitlement_id": pl.Int64,
    "household_id": pl.Int64,
    "ref": pl.String,
    "region_code": pl.String,
    "category": pl.String,
    "monthly": pl.String,
    "start_month": pl.Date,
}
ROW_FIELDS = (
    "household_id",
    "ref",
    "township",
    "category_before",
    "category_after",
    "monthly_before",
    "monthly_after",
    "change",
    "kind",
    "back_pay",
    "undecided",
)


def parse_date(value: str, field: str = "effective") -> dt.date:
    try:
        return dt.date.fromisoformat((value or "").strip())
    except ValueError:
        raise ServiceError(DATE_INVALID, field=field) from None


def region_checked(actor: Any, code: str) -> Region:
    """A region of county level or above, inside the actor's area."""
    region = Region.objects.filter(code=(code or "").strip()).first()
    if region is None or region.level in (Level.TOWNSHIP, Level.VILLAGE):
        raise ServiceError(REGION_UNKNOWN, field="region")
    if actor is not None:
        prefix = actor.area.scope_prefix if actor.area else None
        if prefix is None or not region.scope_prefix.startswith(prefix):
            raise ServiceError(REGION_OUTSIDE, field="region")
    return region


def running(prefix: str, month: dt.date) -> QuerySet[Entitlement]:
    """The region's recurring entitlements still running in `month`."""
    return Entitlement.unscoped.filter(
        region_code__startswith=prefix,
        one_off=False,
        category__in=RECURRING,
        status__in=LIVE,
        start_month__lte=month,
    ).exclude(end_month__lt=month)


def live_entitlements(prefix: str, month: dt.date) -> pl.DataFrame:
    """The region's recurring entitlements still running in `month`, one query."""
    rows = (
        running(prefix, month)
        .order_by("id")
        .values_list(
            "id",
            "household_id",
            "household__number",
            "region_code",
            "category",
            "monthly_amount",
            "start_month",
        )
    )
    frame = query_frame(rows, ENTITLEMENT_COLUMNS)
    return frame.with_columns(pl.col("monthly").cast(MONEY))


def current_of(entitlements: pl.DataFrame) -> pl.DataFrame:
    """Per household: the sum of its running entitlements and its highest layer (特困 above
    低保), the township (the first 9 digits of its region code)."""
    return (
        entitlements.group_by("household_id")
        .agg(
            pl.col("ref").first(),
            pl.col("region_code").first().str.slice(0, 9).alias("township"),
            pl.when((pl.col("category") == Category.TEKUN).any())
            .then(pl.lit(str(Category.TEKUN)))
            .otherwise(pl.lit(str(Category.DIBAO)))
            .alias("category"),
            pl.col("monthly").sum().cast(MONEY).alias("monthly"),
        )
        .sort("household_id")
    )


def decide(
    current: pl.DataFrame,
    as_of: dt.date,
    households: QuerySet[Any] | None = None,
    region_prefix: str = "",
) -> pl.DataFrame:
    """The engine's decisions on the current households as of `as_of` (the parameters in
    force that day). `households`, a query of their ids, lets the database select them
    (a million ids as query parameters would not); `region_prefix`, the area they lie in,
    lets their members and facts be read by area (`households_frame`)."""
    from jiuzhu.registry.evaluation import evaluator
    from jiuzhu.registry.frames import households_frame
    from jiuzhu.rules.parquet import caseload_from_frame

    chosen = households if households is not None else current["household_id"].to_list()
    frame = households_frame(as_of, household_ids=chosen, region_prefix=region_prefix)
    engine = evaluator()
    caseload, _refs, _errors = caseload_from_frame(frame.drop("household_id"), engine.regions)
    decisions, _row_errors = engine.evaluate_caseload(caseload, as_of)
    return decisions


def _json_rows(frame: pl.DataFrame) -> list[dict[str, Any]]:
    return [
        {k: (f"{v:.2f}" if isinstance(v, Decimal) else v) for k, v in row.items()}
        for row in frame.iter_rows(named=True)
    ]


def summary_of(diff: pl.DataFrame) -> dict[str, Any]:
    """The adjustment's summary as JSON (money as text to the cent): totals, by township,
    by category."""
    totals = adjustment_summary(diff.with_columns(pl.lit("all").alias("all")), by=("all",))
    return {
        "totals": _json_rows(totals.drop("all"))[0] if len(diff) else {},
        "by_township": _json_rows(adjustment_summary(diff, by=("township",))),
        "by_category": _json_rows(
            adjustment_summary(diff, by=("category_before", "category_after"))
        ),
    }


@dataclass
class Prepared:
    adjustment: Adjustment
    diff: pl.DataFrame


def adjustment_prepare(
    *,
    actor: Any,
    region: str,
    effective: dt.date,
    first_payment: dt.date | None = None,
    progress: Callable[[str], None] | None = None,
) -> Prepared:
    """Determine every household of the region being paid again as of `effective` and keep
    the diff as a prepared adjustment (nothing is paid differently until it is applied)."""
    require(actor, Can.PREPARE_PAYMENTS)
    place = region_checked(actor, region)
    month = effective.replace(day=1)
    first = (first_payment or month).replace(day=1)
    if first < month:
        raise ServiceError(FIRST_BEFORE_EFFECTIVE, field="first_payment")
    step = progress or (lambda _: None)
    step("entitlements")
    current = current_of(live_entitlements(place.scope_prefix, first))
    if current.is_empty():
        raise ServiceError(NOTHING_TO_ADJUST, field="region")
    step("evaluate")
    chosen = running(place.scope_prefix, first).values("household_id")
    decided = decide(current, effective, chosen, place.scope_prefix)
    step("diff")
    diff = adjustment_diff(current, decided, effective=effective, first_payment=first)
    summary = summary_of(diff)
    step("store")
    with transaction.atomic(durable=True):
        adjustment = Adjustment.unscoped.create(
            region_code=place.code,
            effective=effective,
            first_payment=first,
            households=len(diff),
            summary=summary,
            prepared_by=actor,
            prepared_by_name=actor.get_username() if actor else "system",
            prepared_at=timezone.now(),
        )
        store_rows(adjustment.pk, diff, current)
        audit_record(
            actor=actor,
            action="adjustment.prepare",
            object_type="adjustment",
            object_id=adjustment.pk,
            region_code=place.code,
            new={
                "effective": effective.isoformat(),
                "first_payment": f"{first:%Y-%m}",
                "households": len(diff),
                "totals": summary["totals"],
            },
        )
    return Prepared(adjustment, diff)


def store_rows(adjustment_id: int, diff: pl.DataFrame, current: pl.DataFrame) -> None:
    """The diff's rows with their household's region code (`copy_frame`: COPY on
    PostgreSQL, no Python object per row)."""
    regions = current.select("household_id", pl.col("township").alias("region_code"))
    rows = diff.select(ROW_FIELDS).join(regions, on="household_id", how="left")
    copy_frame(AdjustmentRow, rows.with_columns(pl.lit(adjustment_id).alias("adjustment_id")))


def _locked(adjustment_id: int) -> Adjustment:
    found = Adjustment.objects.select_for_update().filter(pk=adjustment_id).first()
    if found is None:
        raise ServiceError(ADJUSTMENT_MISSING, field="adjustment")
    return found


def adjustment_approve(*, actor: Any, adjustment_id: int) -> Adjustment:
    """The second pair of eyes (F-01): not whoever prepared it."""
    if actor is None or not actor.can(Can.APPROVE_PAYMENTS):
        raise ServiceError(registry_errors.NOT_ALLOWED)
    with transaction.atomic(durable=True):
        adjustment = _locked(adjustment_id)
        flows.check(flows.ADJUSTMENT, adjustment.status, "approve", actor,
                    preparers={adjustment.prepared_by_id})  # fmt: skip
        adjustment.status = AdjustmentStatus.APPROVED
        adjustment.approved_by, adjustment.approved_at = actor, timezone.now()
        adjustment.save(update_fields=["status", "approved_by", "approved_at"])
        audit_record(
            actor=actor,
            action="adjustment.approve",
            object_type="adjustment",
            object_id=adjustment.pk,
            region_code=adjustment.region_code,
            old={"status": AdjustmentStatus.PREPARED},
            new={"status": AdjustmentStatus.APPROVED},
        )
    return adjustment


def diff_frame(adjustment: Adjustment) -> pl.DataFrame:
    """The stored diff rows of an adjustment, one query."""
    schema: dict[str, Any] = {k: pl.String for k in ROW_FIELDS}
    schema["household_id"] = pl.Int64
    frame = query_frame(
        AdjustmentRow.unscoped.filter(adjustment=adjustment)
        .order_by("household_id")
        .values_list(*ROW_FIELDS),
        schema,
    )
    money_columns = ("monthly_before", "monthly_after", "change", "back_pay")
    return frame.with_columns(
        *(pl.col(c).cast(MONEY) for c in money_columns),
        pl.col("undecided").str.to_lowercase().is_in(["true", "t", "1"]),
    )


def _category_of(value: str) -> str | None:
    return value if value in RECURRING else None


def adjustment_apply(*, actor: Any, adjustment_id: int) -> dict[str, Any]:
    """Apply an approved adjustment from its first payment month (see the module's text)."""
    require(actor, Can.APPROVE_PAYMENTS)
    now = timezone.now()
    name = actor.get_username() if actor else "system"
    with transaction.atomic(durable=True):
        adjustment = _locked(adjustment_id)
        flows.check(flows.ADJUSTMENT, adjustment.status, "apply", actor)
        first = adjustment.first_payment
        last_old = add_months(first, -1)
        diff = diff_frame(adjustment).filter(pl.col("kind") != "unchanged")
        running = live_entitlements(adjustment.region_code, first).filter(
            pl.col("household_id").is_in(diff["household_id"].implode())
        )
        now_sums = current_of(running).select("household_id", pl.col("monthly").alias("now"))
        checked = diff.join(now_sums, on="household_id", how="left")
        # a household whose entitlements changed since the diff (or start only now) is left
        starting = running.filter(pl.col("start_month") >= first)["household_id"].implode()
        same = (pl.col("now") == pl.col("monthly_before")) & ~pl.col("household_id").is_in(starting)
        fresh = checked.filter(same.fill_null(False))
        stale = checked.filter(~same.fill_null(False))
        ends = running.filter(pl.col("household_id").is_in(fresh["household_id"].implode()))
        old = {
            e.pk: e for e in Entitlement.unscoped.filter(id__in=ends["entitlement_id"].to_list())
        }
        leaving = fresh.filter(
            ~pl.col("category_after").is_in(list(RECURRING)) | (pl.col("monthly_after") <= 0)
        )
        ended = Entitlement.unscoped.filter(id__in=list(old))
        ended.update(
            end_month=last_old, status_reason=ChangeReason.STANDARD_ADJUSTMENT, updated_at=now
        )
        ended.filter(household_id__in=leaving["household_id"].to_list()).update(
            status=Status.TERMINATED
        )
        per_household: dict[int, list[Entitlement]] = {}
        for e in old.values():
            per_household.setdefault(e.household_id, []).append(e)
        successors: list[Entitlement] = []
        back_pay: list[Entitlement] = []
        changes: list[EntitlementChange] = []
        note = f"标准调整 #{adjustment.pk}（P-05）"
        for row in fresh.iter_rows(named=True):
            entitlements = sorted(per_household[row["household_id"]], key=lambda e: e.pk)
            head = max(entitlements, key=lambda e: (e.category == Category.TEKUN, e.monthly_amount))
            category = _category_of(row["category_after"]) if row["monthly_after"] > 0 else None
            for e in entitlements:
                changes.append(
                    EntitlementChange(
                        entitlement=e, region_code=e.region_code,
                        reason=ChangeReason.STANDARD_ADJUSTMENT, from_status=e.status,
                        to_status=e.status if category else Status.TERMINATED,
                        amount_before=e.monthly_amount,
                        amount_after=e.monthly_amount if category is None else row["monthly_after"],
                        effective_month=first, note=note, actor=actor, actor_name=name, at=now,
                    )
                )  # fmt: skip
            if category is not None:
                successors.append(
                    Entitlement(
                        household_id=row["household_id"], member_id=head.member_id,
                        region_code=head.region_code, category=category,
                        monthly_amount=row["monthly_after"], start_month=first,
                        end_month=head.end_month if head.end_month and head.end_month >= first
                        else None,
                        status=head.status if head.status != Status.TERMINATED else Status.ACTIVE,
                        status_reason=ChangeReason.STANDARD_ADJUSTMENT,
                        decided_on=adjustment.effective,
                    )
                )  # fmt: skip
            if row["back_pay"] > 0:
                back_pay.append(
                    Entitlement(
                        household_id=row["household_id"], member_id=head.member_id,
                        region_code=head.region_code, category=head.category,
                        monthly_amount=row["back_pay"], one_off=True, start_month=first,
                        end_month=first, status=Status.ACTIVE,
                        status_reason=ChangeReason.STANDARD_ADJUSTMENT,
                        decided_on=adjustment.effective,
                    )
                )  # fmt: skip
        created = [*successors, *back_pay]
        bulk_insert(created, with_ids=True)
        changes += [
            EntitlementChange(
                entitlement=e, region_code=e.region_code,
                reason=ChangeReason.STANDARD_ADJUSTMENT, from_status="", to_status=e.status,
                amount_after=e.monthly_amount, effective_month=first,
                note=note + ("：补发" if e.one_off else ""), actor=actor, actor_name=name, at=now,
            )
            for e in created
        ]  # fmt: skip
        bulk_insert(changes)
        result = {
            "adjustment_id": adjustment.pk,
            "households_changed": len(fresh),
            "entitlements_ended": len(old),
            "entitlements_created": len(successors),
            "back_pay_payments": len(back_pay),
            "back_pay_total": f"{sum((e.monthly_amount for e in back_pay), Decimal(0)):.2f}",
            "leaves": int((fresh["kind"] == "leaves").sum()),
            "stale": stale["ref"].to_list()[:100],
            "stale_count": len(stale),
            "first_payment": f"{first:%Y-%m}",
        }
        adjustment.status, adjustment.result = AdjustmentStatus.APPLIED, result
        adjustment.applied_by_name, adjustment.applied_at = name, now
        adjustment.save(update_fields=["status", "result", "applied_by_name", "applied_at"])
        audit_record(
            actor=actor,
            action="adjustment.apply",
            object_type="adjustment",
            object_id=adjustment.pk,
            region_code=adjustment.region_code,
            old={"status": AdjustmentStatus.APPROVED},
            new={k: v for k, v in result.items() if k != "stale"},
        )
    return result


def adjustment_json(adjustment: Adjustment) -> dict[str, Any]:
    """The adjustment as the CLI's and the API's JSON (docs/cli.md)."""
    return {
        "adjustment_id": adjustment.pk,
        "region": adjustment.region_code,
        "effective": adjustment.effective.isoformat(),
        "first_payment": f"{adjustment.first_payment:%Y-%m}",
        "status": adjustment.status,
        "households": adjustment.households,
        "prepared_by": adjustment.prepared_by_name,
        "approved_by": adjustment.approved_by.get_username() if adjustment.approved_by else None,
        "summary": adjustment.summary,
        "result": adjustment.result or None,
    }


def write_diff(diff: pl.DataFrame, path: Any) -> None:
    """The diff as a spreadsheet (.xlsx, money as numbers to the cent), .csv or .parquet."""
    suffix = str(path).rsplit(".", 1)[-1].lower()
    if suffix == "parquet":
        diff.write_parquet(path)
    elif suffix == "csv":
        diff.with_columns(pl.col(pl.Decimal).cast(pl.String)).write_csv(path)
    else:
        path_write_xlsx(diff, path)


HEADERS = {
    "household_id": "household_id",
    "ref": "家庭编号",
    "township": "乡镇（街道）",
    "category_before": "原类别",
    "category_after": "新类别",
    "monthly_before": "原月金额",
    "monthly_after": "新月金额",
    "change": "月增减",
    "kind": "变化",
    "back_pay": "补发",
    "undecided": "未能测算",
}


def path_write_xlsx(diff: pl.DataFrame, path: Any) -> None:
    from openpyxl import Workbook

    book = Workbook(write_only=True)
    sheet = book.create_sheet("diff")
    sheet.append([HEADERS.get(c, c) for c in diff.columns])
    for row in diff.iter_rows():
        sheet.append(list(row))  # Decimal cells: openpyxl writes them as numbers
    book.save(path)


def month_text(value: str) -> dt.date:
    return parse_month(value)
