"""A SQL query's rows as a typed Polars frame: COPY TO on PostgreSQL (no Python object per
row), a cursor on SQLite. Every value travels as text and is typed here: dates ISO, money
as Decimal (never float), counts as integers."""

from __future__ import annotations

import io
from typing import Any

import polars as pl
from django.db import connection


def read_frame(sql: str, params: list[Any], schema: dict[str, Any]) -> pl.DataFrame:
    """The rows of `sql` (its columns in the order of `schema`) typed as `schema` says."""
    text_schema = dict.fromkeys(schema, pl.String)
    if connection.vendor == "postgresql":
        buffer = io.BytesIO()
        with connection.cursor() as cursor:
            statement = f"COPY ({sql}) TO STDOUT WITH (FORMAT csv)"
            with cursor.copy(statement, params) as copy:  # type: ignore[attr-defined]
                for block in copy:
                    buffer.write(block)
        buffer.seek(0)
        if not buffer.getbuffer().nbytes:
            raw = pl.DataFrame(schema=text_schema)
        else:
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
    return raw.with_columns(_cast(name, dtype) for name, dtype in schema.items())


def _cast(name: str, dtype: Any) -> pl.Expr:
    column = pl.col(name)
    if dtype == pl.Date:
        return column.str.slice(0, 10).str.strptime(pl.Date, "%Y-%m-%d").alias(name)
    return column.cast(dtype).alias(name)


def in_list(values: list[Any]) -> str:
    """`%s, %s, …` for a SQL IN list of these values (at least one placeholder)."""
    return ", ".join(["%s"] * max(len(values), 1))
