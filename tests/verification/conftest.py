"""Department-data fixtures: a valid record of every source, files in each format."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import polars as pl

from jiuzhu.verification.sources import SOURCES, FieldType
from tests.factories import id_number

AS_OF = dt.date(2024, 5, 31)
USCC = "91440101MA59UJMF68"  # a made-up code with a valid check character

VALUES: dict[FieldType, str] = {
    FieldType.TEXT: "合成数据",
    FieldType.DATE: "2024-01-15",
    FieldType.MONTH: "2024-04",
    FieldType.MONEY: "1234.50",
    FieldType.DECIMAL: "89.5",
    FieldType.USCC: USCC,
    FieldType.REGION: "440104",
}


def record(source: str, number: str | None = None, **values: Any) -> dict[str, Any]:
    """A valid record of `source` with every field filled, then `values` over it."""
    row: dict[str, Any] = {}
    for f in SOURCES[source].fields:
        if f.type is FieldType.ID_NUMBER:
            row[f.name] = number or id_number(dt.date(1980, 3, 1))
        elif f.type is FieldType.CHOICE:
            row[f.name] = f.choices[0]
        else:
            row[f.name] = VALUES[f.type]
    row.update(values)
    return row


def write(path: Path, rows: list[dict[str, Any]]) -> Path:
    """Rows as CSV, XLSX or Parquet by the file's suffix (every value as text)."""
    frame = pl.DataFrame(rows, schema=dict.fromkeys(rows[0], pl.String))
    if path.suffix == ".csv":
        frame.write_csv(path)
    elif path.suffix == ".parquet":
        frame.write_parquet(path)
    else:
        import openpyxl

        book = openpyxl.Workbook()
        sheet = book.active
        assert sheet is not None
        sheet.append(frame.columns)
        for row in frame.rows():
            sheet.append(list(row))
        book.save(path)
    return path
