"""Determination results shared back with the departments (V-03: 核对结果 … 认定结果反馈).

For one source (department): every household of the scope whose latest decided case (a
category kind or a review, decided on or before the day) was verified with records of this
source about one of its members — one row per such member: the masked ID number (never the
clear one), the household, the case, the category decided and the decision's date, and
whether the department's record was **decisive**: it changed a figure the decision used (a
finding graded high or medium came from this source). The rows are built set-based: the
cases, their verifications' sources and findings, the source's records (COPY) and the
members meet in Polars joins.
"""

from __future__ import annotations

import datetime as dt
import os
import tempfile
from pathlib import Path
from typing import Any

import polars as pl

from jiuzhu.cases.models import Case
from jiuzhu.db import query_frame
from jiuzhu.registry.models import Member
from jiuzhu.verification.caseload import CATEGORY_KINDS
from jiuzhu.verification.models import DepartmentRecord, Verification

FORMATS = (".csv", ".xlsx", ".parquet")
EXPORT_SCHEMA: dict[str, Any] = {
    "source": pl.String,
    "id_masked": pl.String,
    "household": pl.String,
    "case": pl.String,
    "kind": pl.String,
    "outcome": pl.String,
    "category": pl.String,
    "decided_on": pl.Date,
    "verification": pl.Int64,
    "verified_on": pl.Date,
    "records": pl.Int64,
    "decisive": pl.Boolean,
    "items": pl.List(pl.String),
}


def _decided_cases(as_of: dt.date, prefix: str) -> pl.DataFrame:
    """The latest decided case of each household of the scope, with its category."""
    qs = Case.objects.filter(
        region_code__startswith=prefix,
        kind__in=[*CATEGORY_KINDS, "review"],
        decided_on__isnull=False,
        decided_on__lte=as_of,
        outcome__in=["approved", "refused"],
    ).values_list(
        "id", "household_id", "household__number", "number", "kind", "outcome", "decided_on",
        "evaluation__primary_category",
    )  # fmt: skip
    cases = query_frame(
        qs,
        {
            "case_id": pl.Int64, "household_id": pl.Int64, "household": pl.String,
            "case": pl.String, "kind": pl.String, "outcome": pl.String, "decided_on": pl.Date,
            "evaluated": pl.String,
        },
    )  # fmt: skip
    category = (
        pl.when(pl.col("outcome") != "approved")
        .then(pl.lit("none"))
        .when(pl.col("kind") == "review")
        .then(pl.col("evaluated").str.strip_chars('"').fill_null("none"))
        .otherwise(pl.col("kind"))
    )
    return (
        cases.sort("decided_on", "case_id")
        .group_by("household_id")
        .agg(pl.all().last())
        .with_columns(category.alias("category"))
        .drop("evaluated")
    )


def _verifications(case_ids: list[int], source: str) -> pl.DataFrame:
    """The latest verification of each case: the batches of `source` it read, and the
    items where this source's records gave a finding (high or medium)."""
    rows = (
        Verification.objects.filter(case_id__in=case_ids, report__isnull=False)
        .order_by("case_id", "-id")
        .values_list("case_id", "id", "as_of", "report__sources", "report__items")
    )
    out: dict[int, tuple[Any, ...]] = {}
    for case_id, vid, as_of, sources, items in rows:  # the latest first
        if case_id in out:
            continue
        batches = [b["id"] for s in sources or [] if s["source"] == source for b in s["batches"]]
        found = sorted(
            {
                i["item"]
                for i in items or []
                if source in i["sources"] and i["severity"] in ("high", "medium")
            }
        )
        out[case_id] = (case_id, vid, as_of, batches, found)
    return pl.DataFrame(
        list(out.values()),
        schema={
            "case_id": pl.Int64,
            "verification": pl.Int64,
            "verified_on": pl.Date,
            "batch_id": pl.List(pl.Int64),
            "items": pl.List(pl.String),
        },
        orient="row",
    )


def determinations(source: str, as_of: dt.date, prefix: str = "") -> pl.DataFrame:
    """The rows shared back with `source`'s department (module docstring), for the
    households of the scope within the region `prefix`."""
    cases = _decided_cases(as_of, prefix)
    verifications = _verifications(cases["case_id"].to_list(), source)
    read = verifications.explode("batch_id").drop_nulls("batch_id")
    area = Member.objects.filter(region_code__startswith=prefix)
    # only the read batches' records about people of the area leave the database
    records = query_frame(
        DepartmentRecord.objects.filter(
            source=source,
            batch_id__in=read["batch_id"].unique().to_list(),
            id_hash__in=area.values("id_hash"),
        ).values_list("batch_id", "id_hash"),
        {"batch_id": pl.Int64, "id_hash": pl.String},
    )
    members = query_frame(
        area.values_list("household_id", "id_hash", "id_masked"),
        {"household_id": pl.Int64, "id_hash": pl.String, "id_masked": pl.String},
    )
    concerned = (
        read.join(cases.select("case_id", "household_id"), on="case_id")
        .join(records, on="batch_id")
        .join(members, on=["household_id", "id_hash"])
        .group_by("case_id", "id_masked")
        .agg(pl.len().cast(pl.Int64).alias("records"))
    )
    return (
        concerned.join(cases, on="case_id")
        .join(verifications.drop("batch_id"), on="case_id")
        .with_columns(
            pl.lit(source).alias("source"),
            (pl.col("items").list.len() > 0).alias("decisive"),
        )
        .select(list(EXPORT_SCHEMA))
        .cast(EXPORT_SCHEMA)  # type: ignore[arg-type]
        .sort("household", "id_masked")
    )


def flat(frame: pl.DataFrame) -> pl.DataFrame:
    """Lists joined with ";" (CSV and spreadsheets hold one value a cell)."""
    return frame.with_columns(
        pl.col(name).list.join(";")
        for name, dtype in frame.schema.items()
        if isinstance(dtype, pl.List)
    )


def write_frame(frame: pl.DataFrame, path: Path) -> None:
    """CSV (UTF-8 with BOM, for spreadsheets), XLSX or Parquet by the suffix; written to a
    temporary file then renamed, so the file appears whole or not at all."""
    suffix = path.suffix.lower()
    if suffix not in FORMATS:
        raise ValueError(f"{path.name}: the file must end in .csv, .xlsx or .parquet")
    handle, temporary = tempfile.mkstemp(suffix=suffix, dir=path.parent)
    os.close(handle)
    try:
        if suffix == ".parquet":
            frame.write_parquet(temporary)
        elif suffix == ".csv":
            flat(frame).write_csv(temporary, include_bom=True)
        else:
            _write_xlsx(flat(frame), Path(temporary))
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


def _write_xlsx(frame: pl.DataFrame, path: Path) -> None:
    import openpyxl

    book = openpyxl.Workbook(write_only=True)
    sheet = book.create_sheet()
    sheet.append(frame.columns)
    for row in frame.iter_rows():
        sheet.append(list(row))
    book.save(path)
