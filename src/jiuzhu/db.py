"""Set-based writes shared by the contexts (ARCHITECTURE.md: bulk work is set-based).

`bulk_set` updates some columns of many rows in one statement per few thousand rows. On
PostgreSQL it is `UPDATE … FROM jsonb_to_recordset(document)`; Django's `bulk_update` builds
a CASE expression per row and column, which cost 25 s of Python for 11,000 case steps in the
benchmark. `bulk_insert` is COPY. On SQLite (the embedded default, a single writer) they are
Django's `bulk_update` and `bulk_create`. `query_frame` is the read side: a scoped queryset's
rows as a Polars frame, by COPY … TO STDOUT on PostgreSQL.
"""

from __future__ import annotations

import datetime as dt
import io
import json
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import polars as pl
from django.core.exceptions import EmptyResultSet
from django.core.serializers.json import DjangoJSONEncoder
from django.db import connection
from django.db.models import Field, JSONField, Model, QuerySet

READERS = 4  # connections reading at once (`query_frames`)
BATCH_WORK_MEM = "256MB"  # per batch-read connection (PostgreSQL's default is 4MB)
COPY_FROM = 200  # rows: fewer go as one JSON document, more through COPY
_temporary = 0  # a fresh staging table name per call


def _plain(field: Field[Any, Any], value: Any) -> Any:
    """A column's value for the JSON document (JSON columns as their JSON)."""
    if isinstance(field, JSONField) and field.encoder is not None and value is not None:
        return json.loads(json.dumps(value, cls=field.encoder))
    return value


def bulk_set(rows: Sequence[Model], fields: Sequence[str]) -> None:
    """Write `fields` (names or attnames) of `rows` (one model, saved before) as they are in
    memory; inside the caller's transaction."""
    if not rows or not fields:
        return
    model = type(rows[0])
    if connection.vendor != "postgresql":
        model._base_manager.bulk_update(rows, list(fields), batch_size=500)
        return
    meta = model._meta
    columns: list[Field[Any, Any]] = [meta.get_field(name) for name in fields]  # type: ignore[misc]

    def quote(name: str | None) -> str:
        return connection.ops.quote_name(str(name))

    pk = meta.pk
    assert pk is not None
    assignments = ", ".join(f"{quote(f.column)} = v.c{i}" for i, f in enumerate(columns))
    record = ", ".join(
        ["id bigint", *(f"c{i} {f.db_type(connection)}" for i, f in enumerate(columns))]
    )
    match = f"WHERE t.{quote(pk.column)} = v.id"
    with connection.cursor() as cursor:
        if len(rows) < COPY_FROM:
            # a few rows travel as one JSON document typed by jsonb_to_recordset
            document = [
                {
                    "id": row.pk,
                    **{f"c{i}": _plain(f, getattr(row, f.attname)) for i, f in enumerate(columns)},
                }
                for row in rows
            ]
            cursor.execute(
                f"UPDATE {quote(meta.db_table)} AS t SET {assignments} "
                f"FROM jsonb_to_recordset(%s::jsonb) AS v({record}) {match}",
                [json.dumps(document, cls=DjangoJSONEncoder, ensure_ascii=False)],
            )
            return
        # many rows: COPY into a temporary table, then one UPDATE joining it (large JSON
        # values parsed once, by COPY, not re-serialised by a recordset function)
        global _temporary
        _temporary += 1
        staging = f"_bulk_set_{_temporary}"
        cursor.execute(f"CREATE TEMPORARY TABLE {staging} ({record}) ON COMMIT DROP")
        with cursor.copy(f"COPY {staging} FROM STDIN") as copy:  # type: ignore[attr-defined]
            for row in rows:
                copy.write_row(
                    [row.pk, *(_copy_value(f, getattr(row, f.attname)) for f in columns)]
                )
        cursor.execute(
            f"UPDATE {quote(meta.db_table)} AS t SET {assignments} FROM {staging} AS v {match}"
        )
        cursor.execute(f"DROP TABLE {staging}")


def _copy_value(field: Field[Any, Any], value: Any) -> Any:
    if isinstance(field, JSONField) and value is not None:
        return json.dumps(value, cls=field.encoder or DjangoJSONEncoder, ensure_ascii=False)
    return value


def bulk_insert(rows: Sequence[Model], *, with_ids: bool = False) -> None:
    """Insert new rows of one model: COPY on PostgreSQL, bulk_create elsewhere. Ids come
    from the table's sequence in list order; `with_ids` takes them first (one `nextval`
    query for all) and sets them on the rows, for callers that refer to the new rows."""
    if not rows:
        return
    model = type(rows[0])
    if connection.vendor != "postgresql":
        model._base_manager.bulk_create(rows, batch_size=1000)
        return
    meta = model._meta
    pk = meta.pk
    assert pk is not None
    fields = [f for f in meta.concrete_fields if not f.primary_key]
    table = connection.ops.quote_name(meta.db_table)
    if with_ids:
        for row, new_id in zip(rows, _next_ids(model, len(rows)), strict=True):
            row.pk = new_id
        fields = [pk, *fields]
    names = ", ".join(connection.ops.quote_name(str(f.column)) for f in fields)
    for field in fields:  # auto_now(_add) and defaults, as save() would
        if getattr(field, "auto_now", False) or getattr(field, "auto_now_add", False):
            for row in rows:
                field.pre_save(row, add=True)  # type: ignore[arg-type]
    with (
        connection.cursor() as cursor,
        cursor.copy(f"COPY {table} ({names}) FROM STDIN") as copy,  # type: ignore[attr-defined]
    ):
        for row in rows:
            copy.write_row([_copy_value(f, getattr(row, f.attname)) for f in fields])
    for row in rows:  # as bulk_create leaves them: saved
        row._state.adding = False


def _next_ids(model: type[Model], n: int) -> list[int]:
    """`n` ids taken from the model's table sequence (PostgreSQL), in one query."""
    meta = model._meta
    assert meta.pk is not None
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT nextval(pg_get_serial_sequence(%s, %s)) FROM generate_series(1, %s)",
            [meta.db_table, meta.pk.column, n],
        )
        return [i for (i,) in cursor.fetchall()]


def copy_frame(
    model: type[Model], frame: pl.DataFrame, *, json_columns: Sequence[str] = ()
) -> None:
    """Insert the rows of a frame whose columns are the model's column names (JSON columns
    as JSON text, money as decimal text): COPY from the frame's CSV on PostgreSQL (no model
    object per row, so the frame gives every column without a database default, `auto_now`
    ones included), `bulk_create` elsewhere. Inside the caller's transaction."""
    if frame.height == 0:
        return
    if connection.vendor != "postgresql":
        _create(model, frame, json_columns)
        return
    buffer = io.BytesIO()
    frame.write_csv(buffer, include_header=False, null_value="")
    quote = connection.ops.quote_name
    columns = ", ".join(quote(c) for c in frame.columns)
    with (
        connection.cursor() as cursor,
        cursor.copy(  # type: ignore[attr-defined]
            f"COPY {quote(model._meta.db_table)} ({columns}) FROM STDIN WITH (FORMAT csv)"
        ) as copy,
    ):
        copy.write(buffer.getvalue())


def _create(model: type[Model], frame: pl.DataFrame, json_columns: Sequence[str]) -> list[Model]:
    """The frame's rows by `bulk_create` (the embedded SQLite's path), JSON text decoded."""

    def decoded(row: dict[str, Any]) -> dict[str, Any]:
        return {
            k: json.loads(v) if k in json_columns and v is not None else v for k, v in row.items()
        }

    rows = [model(**decoded(row)) for row in frame.iter_rows(named=True)]
    return model._base_manager.bulk_create(rows, batch_size=1000)


def insert_frame(
    model: type[Model], frame: pl.DataFrame, *, json_columns: Sequence[str] = ()
) -> pl.Series:
    """`copy_frame` returning the new rows' ids in the frame's order: on PostgreSQL taken
    from the table's sequence first (one query) and written with the rows."""
    pk = model._meta.pk
    assert pk is not None
    if frame.height == 0:
        return pl.Series("id", [], dtype=pl.Int64)
    if connection.vendor != "postgresql":
        created = _create(model, frame, json_columns)
        return pl.Series("id", [row.pk for row in created], dtype=pl.Int64)
    ids = pl.Series("id", _next_ids(model, frame.height), dtype=pl.Int64)
    copy_frame(model, frame.with_columns(ids.alias(str(pk.column))), json_columns=json_columns)
    return ids


def _text(value: Any) -> str | None:
    """A value as COPY's CSV writes it (the SQLite path's rows)."""
    if value is None:
        return None
    if isinstance(value, bool):
        return "t" if value else "f"
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, dict | list):  # a JSON column, decoded by the driver
        return json.dumps(value, ensure_ascii=False)
    if isinstance(value, bytes | memoryview):  # a binary column, as PostgreSQL's COPY writes it
        return "\\x" + bytes(value).hex()
    return str(value)


def query_frame(queryset: QuerySet[Any], schema: dict[str, Any]) -> pl.DataFrame:
    """A `values_list` queryset as a Polars frame with `schema` (its columns in order). The
    queryset comes from a scoped manager, so the caller's area is the SQL's own filter; on
    PostgreSQL the SQL Django compiles runs as COPY … TO STDOUT (CSV, typed in Polars, no
    Python per row). Give money columns as String (text, never float) and cast them."""
    try:
        sql, params = queryset.query.sql_with_params()
    except EmptyResultSet:  # e.g. `id__in=[]`: Django knows there is nothing to read
        return _typed(pl.DataFrame(schema=dict.fromkeys(schema, pl.String)), schema)
    if connection.vendor != "postgresql":
        rows = [[_text(v) for v in row] for row in queryset]
        return _typed(
            pl.DataFrame(rows, schema=dict.fromkeys(schema, pl.String), orient="row"), schema
        )
    return sql_frame(sql, list(params), schema)


def query_frames(reads: Sequence[tuple[QuerySet[Any], dict[str, Any]]]) -> list[pl.DataFrame]:
    """`query_frame` of several querysets; read side by side (one connection each) where
    they go through ADBC, so the database works on them at once."""
    if not _arrow_path() or len(reads) < 2:
        return [query_frame(queryset, schema) for queryset, schema in reads]
    compiled: list[tuple[str, Sequence[Any], dict[str, Any]] | pl.DataFrame] = []
    for queryset, schema in reads:
        try:
            sql, params = queryset.query.sql_with_params()
        except EmptyResultSet:  # nothing to read
            compiled.append(_typed(pl.DataFrame(schema=dict.fromkeys(schema, pl.String)), schema))
            continue
        compiled.append((sql, list(params), schema))
    return _side_by_side(compiled)


def sql_frames(reads: Sequence[tuple[str, Sequence[Any], dict[str, Any]]]) -> list[pl.DataFrame]:
    """`sql_frame` of several queries, read side by side where they go through ADBC."""
    if not _arrow_path() or len(reads) < 2:
        return [sql_frame(sql, params, schema) for sql, params, schema in reads]
    return _side_by_side(list(reads))


def _side_by_side(
    reads: Sequence[tuple[str, Sequence[Any], dict[str, Any]] | pl.DataFrame],
) -> list[pl.DataFrame]:
    """Each query read by ADBC on its own connection, READERS at once (a frame given for a
    query known to be empty stays as it is); the frames in the order of `reads`."""
    with ThreadPoolExecutor(max_workers=READERS) as pool:
        futures = [
            read
            if isinstance(read, pl.DataFrame)
            else pool.submit(_arrow_frame, _bound(read[0], list(read[1])), read[2])
            for read in reads
        ]
        return [f if isinstance(f, pl.DataFrame) else f.result() for f in futures]


def _arrow_path() -> bool:
    return connection.vendor == "postgresql" and not connection.in_atomic_block


def sql_frame(sql: str, params: Sequence[Any], schema: dict[str, Any]) -> pl.DataFrame:
    """The rows of a raw SQL query (its columns in the order of `schema`) typed as `schema`
    says: COPY on PostgreSQL, a cursor on SQLite. Not scoped: for batch jobs that read an
    area they were given (cast money to TEXT in the SQL, never through float)."""
    text_schema = dict.fromkeys(schema, pl.String)
    if _arrow_path():
        return _arrow_frame(_bound(sql, list(params)), schema)
    if connection.vendor == "postgresql":
        buffer = io.BytesIO()
        with (
            connection.cursor() as cursor,
            cursor.copy(  # type: ignore[attr-defined]
                f"COPY ({sql}) TO STDOUT WITH (FORMAT csv)", params
            ) as copy,
        ):
            for block in copy:
                buffer.write(block)
        buffer.seek(0)
        raw = (
            pl.DataFrame(schema=text_schema)
            if buffer.getbuffer().nbytes == 0
            else pl.read_csv(buffer, has_header=False, schema=text_schema)
        )
    else:
        with connection.cursor() as cursor:
            cursor.execute(sql, params)
            rows = [[_text(v) for v in row] for row in cursor.fetchall()]
        raw = pl.DataFrame(rows, schema=text_schema, orient="row")
    return _typed(raw, schema)


def _arrow_frame(sql: str, schema: dict[str, Any]) -> pl.DataFrame:
    """The query read over a second connection by ADBC (binary COPY straight into Arrow
    columns, no Python per row: a million households' members in a second, where the text
    COPY's per-row messages cost Python several). Only outside a transaction: the second
    connection sees what is committed, as a batch job reading its area wants; inside one
    (a service's transaction, a test's) `sql_frame` reads on Django's connection. `sql`
    has its parameters bound (`_bound`)."""
    import adbc_driver_postgresql.dbapi as adbc
    import pyarrow as pa

    with adbc.connect(_conninfo()) as arrow_connection, arrow_connection.cursor() as cursor:
        # a batch read sorts and hashes millions of rows: in memory, not in temporary files
        cursor.execute(f"SET work_mem = '{BATCH_WORK_MEM}'")
        cursor.execute(sql)
        table = cursor.fetch_arrow_table()
    columns = []
    for column in table.columns:  # PostgreSQL's numeric arrives as text in an extension type
        if isinstance(column.type, pa.BaseExtensionType):
            column = pa.chunked_array(
                [chunk.storage for chunk in column.chunks], type=column.type.storage_type
            )
        columns.append(column)
    frame = pl.from_arrow(pa.Table.from_arrays(columns, names=list(schema)))
    assert isinstance(frame, pl.DataFrame)
    casts = [
        _arrow_cast(pl.col(name), frame.schema[name], dtype).alias(name)
        for name, dtype in schema.items()
        if frame.schema[name] != dtype
    ]
    return frame.with_columns(casts) if casts else frame


def _bound(sql: str, params: list[Any]) -> str:
    """The SQL with its parameters bound as literals by the driver (psycopg's quoting)."""
    from psycopg import ClientCursor

    connection.ensure_connection()
    return ClientCursor(connection.connection).mogrify(sql, params)


def _conninfo() -> str:
    """Django's connection settings as a libpq connection string (for ADBC)."""
    from psycopg.conninfo import make_conninfo

    given = connection.get_connection_params()
    return make_conninfo(  # libpq's options only (Django adds the driver's own)
        **{k: v for k, v in given.items() if k not in ("cursor_factory", "context")}
    )


def _arrow_cast(column: pl.Expr, have: Any, want: Any) -> pl.Expr:
    """An Arrow-typed column as `schema` wants it, with the values COPY's text would give."""
    if want == pl.String and have == pl.Binary:  # bytea as COPY's text: \\x and hex
        return pl.concat_str(pl.lit("\\x"), column.bin.encode("hex"))
    if want == pl.String and have == pl.Boolean:
        return pl.when(column).then(pl.lit("t")).when(~column).then(pl.lit("f"))
    if want == pl.Boolean and have == pl.String:
        return column.is_in(["t", "true", "True", "1"])
    if want == pl.Date and have == pl.String:
        return column.str.slice(0, 10).str.strptime(pl.Date, "%Y-%m-%d")
    return column.cast(want)


def _typed(raw: pl.DataFrame, schema: dict[str, Any]) -> pl.DataFrame:
    casts = []
    for name, dtype in schema.items():
        if dtype == pl.Boolean:
            casts.append(pl.col(name).is_in(["t", "true", "True", "1"]).alias(name))
        elif dtype == pl.Date:
            casts.append(pl.col(name).str.slice(0, 10).str.strptime(pl.Date, "%Y-%m-%d"))
        elif dtype != pl.String:
            casts.append(pl.col(name).cast(dtype))
    return raw.with_columns(casts) if casts else raw


def private_sqlite_files(sender: object, connection: Any, **kwargs: object) -> None:
    """The embedded database and its WAL files are readable by their owner alone (0600):
    SQLite creates them with the process's umask (usually 0644)."""
    import os
    from pathlib import Path

    if getattr(connection, "vendor", "") != "sqlite":
        return
    name = str(connection.settings_dict.get("NAME") or "")
    if not name or name == ":memory:" or name.startswith("file:"):
        return
    for path in (Path(name), Path(name + "-wal"), Path(name + "-shm")):
        try:
            if path.exists() and path.stat().st_mode & 0o077:
                os.chmod(path, 0o600)
        except OSError:  # another owner's file (a shared test database): leave it
            pass
