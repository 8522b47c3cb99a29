"""A department's file → a frame of text columns with each row's line, or a refusal.

The content decides the format, and it must be the one the name claims: a PDF or a
spreadsheet renamed `.csv` is refused whole (SECURITY.md 12), as is a file that cannot be
read in its format. Every value is read as text — validation (validation.py) types it — so
an ID number never loses a digit to a number type and a leading zero survives.

Lines: in CSV and XLSX the line or row of the file (the header is line 1); in Parquet and in
API pushes the record's position, from 1.
"""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
import io
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any

import polars as pl

from jiuzhu.verification import errors
from jiuzhu.verification.errors import RefusedFile

LINE = "__line"
RAGGED = "__ragged"
MAGIC = {
    b"%PDF": "PDF",
    b"PK\x03\x04": "ZIP/XLSX",
    b"PAR1": "Parquet",
    b"\xd0\xcf\x11\xe0": "Office 97-2003",
    b"\x89PNG": "PNG",
    b"\xff\xd8\xff": "JPEG",
}
FORMATS = {".csv": "CSV", ".txt": "CSV", ".xlsx": "ZIP/XLSX", ".parquet": "Parquet"}


@dataclass(frozen=True)
class RawFile:
    frame: pl.DataFrame  # text columns as in the file, plus LINE (and RAGGED for CSV)
    sha256: str
    name: str


def sniff(head: bytes) -> str:
    for magic, kind in MAGIC.items():
        if head.startswith(magic):
            return kind
    return "CSV"


def read_file(path: Path) -> RawFile:
    """Read a CSV, XLSX or Parquet file; RefusedFile when it is not what it claims."""
    claimed = FORMATS.get(path.suffix.lower())
    if claimed is None:
        raise RefusedFile(errors.FILE_FORMAT)
    try:
        content = path.read_bytes()
    except OSError:
        raise RefusedFile(errors.NO_FILE) from None
    actual = sniff(content[:8])
    if actual != claimed:
        raise RefusedFile(str(errors.FILE_MISMATCH).format(actual=actual))
    digest = hashlib.sha256(content).hexdigest()
    if claimed == "CSV":
        frame = _csv(content)
    elif claimed == "Parquet":
        frame = _parquet(content)
    else:
        frame = _xlsx(content)
    if frame.height == 0:
        raise RefusedFile(errors.FILE_EMPTY)
    return RawFile(frame, digest, path.name)


def _text(content: bytes) -> bytes:
    """UTF-8 (with or without BOM) as it is; GB18030, common in government exports, as
    UTF-8. Binary content (NUL bytes in 1 % or more of the first 64 KiB: UTF-16 text, a
    binary format without a known signature) is not text; a stray NUL in a text file is
    reported on its line by validation, and the other lines go in."""
    content = content.removeprefix(b"\xef\xbb\xbf")
    head = content[:65536]
    if head.count(b"\x00") * 100 >= max(len(head), 1):
        raise RefusedFile(str(errors.FILE_MISMATCH).format(actual="binary"))
    try:
        content.decode("utf-8")
        return content
    except UnicodeDecodeError:
        pass
    try:
        return content.decode("gb18030").encode("utf-8")
    except UnicodeDecodeError:
        raise RefusedFile(errors.FILE_ENCODING) from None


def _csv(content: bytes) -> pl.DataFrame:
    data = _text(content)
    try:
        frame = pl.read_csv(io.BytesIO(data), infer_schema=False)
    except pl.exceptions.PolarsError:
        # a row with the wrong number of fields: read it the slow way and report that row
        return _csv_rows(data)
    frame = frame.rename({c: c.strip() for c in frame.columns})
    return frame.with_columns(
        pl.int_range(2, frame.height + 2, dtype=pl.Int64).alias(LINE),
        pl.lit(False).alias(RAGGED),
    )


def _csv_rows(data: bytes) -> pl.DataFrame:
    reader = csv.reader(io.StringIO(data.decode("utf-8"), newline=""))
    try:
        header = [h.strip() for h in next(reader)]
    except (StopIteration, csv.Error):
        raise RefusedFile(errors.FILE_UNREADABLE) from None
    rows: list[list[str | None]] = []
    lines: list[int] = []
    ragged: list[bool] = []
    try:
        for row in reader:
            lines.append(reader.line_num)
            ragged.append(len(row) != len(header))
            rows.append([*row[: len(header)], *[None] * (len(header) - len(row))])
    except csv.Error:
        raise RefusedFile(errors.FILE_UNREADABLE) from None
    columns = {
        name: pl.Series(name, [r[i] for r in rows], dtype=pl.String)
        for i, name in enumerate(header)
    }
    return pl.DataFrame(
        {**columns, LINE: pl.Series(lines, dtype=pl.Int64), RAGGED: pl.Series(ragged)}
    )


def _as_text(value: Any) -> str | None:
    if value is None:
        return None
    if isinstance(value, dt.datetime):
        return value.date().isoformat() if value.time() == dt.time() else value.isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, Decimal):
        return format(value, "f")
    return str(value)


def _xlsx(content: bytes) -> pl.DataFrame:
    import openpyxl
    from openpyxl.utils.exceptions import InvalidFileException

    try:
        book = openpyxl.load_workbook(io.BytesIO(content), read_only=True, data_only=True)
        rows = book.worksheets[0].iter_rows(values_only=True)
        header = [str(h).strip() if h is not None else "" for h in next(rows)]
        body = [[_as_text(v) for v in row[: len(header)]] for row in rows]
    except (InvalidFileException, KeyError, StopIteration, IndexError, OSError, ValueError):
        raise RefusedFile(errors.FILE_UNREADABLE) from None
    except Exception as exc:  # zipfile.BadZipFile and openpyxl's parse errors
        if type(exc).__name__ in {"BadZipFile", "ParseError", "XMLSyntaxError"}:
            raise RefusedFile(errors.FILE_UNREADABLE) from None
        raise
    keep = [i for i, r in enumerate(body) if any(v not in (None, "") for v in r)]
    columns = {
        name: pl.Series(name, [body[k][i] if i < len(body[k]) else None for k in keep], pl.String)
        for i, name in enumerate(header)
        if name
    }
    return pl.DataFrame(
        {
            **columns,
            LINE: pl.Series([k + 2 for k in keep], dtype=pl.Int64),
            RAGGED: pl.Series([False] * len(keep)),
        }
    )


def _parquet(content: bytes) -> pl.DataFrame:
    try:
        frame = pl.read_parquet(io.BytesIO(content))
    except (pl.exceptions.PolarsError, OSError):
        raise RefusedFile(errors.FILE_UNREADABLE) from None
    return records_frame_of(frame)


def records_frame_of(frame: pl.DataFrame) -> pl.DataFrame:
    """Typed columns (Parquet, an API push) as text, numbered from 1."""
    texts = []
    for name, dtype in frame.schema.items():
        column = pl.col(name)
        if dtype == pl.Date:
            texts.append(column.dt.strftime("%Y-%m-%d").alias(name))
        elif dtype.is_decimal() or dtype.is_integer() or dtype == pl.String:
            texts.append(column.cast(pl.String).alias(name))
        elif dtype.is_float():
            # a float column cannot hold money exactly: shortest round-trip text, checked
            # like any other value (more than two decimals is a row error)
            texts.append(column.map_elements(repr, return_dtype=pl.String).alias(name))
        else:
            texts.append(column.cast(pl.String, strict=False).alias(name))
    return frame.select(texts).with_columns(
        pl.int_range(1, frame.height + 1, dtype=pl.Int64).alias(LINE),
        pl.lit(False).alias(RAGGED),
    )


def push_frame(records: list[dict[str, Any]]) -> pl.DataFrame:
    """The records of an API push as text columns, numbered from 1."""
    names: dict[str, None] = {}
    for record in records:
        names.update(dict.fromkeys(record))
    columns = {
        name: pl.Series(name, [_as_text(r.get(name)) for r in records], dtype=pl.String)
        for name in names
    }
    n = len(records)
    return pl.DataFrame(
        {
            **columns,
            LINE: pl.Series(range(1, n + 1), dtype=pl.Int64),
            RAGGED: pl.Series([False] * n),
        }
    )


def content_digest(records: list[dict[str, Any]]) -> str:
    """SHA-256 of a push's records (compared when the same batch key comes again)."""
    import json

    text = json.dumps(records, sort_keys=True, ensure_ascii=False, default=str)
    return hashlib.sha256(text.encode()).hexdigest()
