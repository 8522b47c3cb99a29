"""Row-by-row validation of department records, vectorised in Polars (SECURITY.md 11, 12).

Every field of every row is checked by column expressions — required, type, date, money
(Decimal, at most two places, not negative), choices, lengths, GB 11643 ID numbers, GB 32100
credit codes — and each failure becomes a (line, field, reason) row. Rows without a failure
become records: the ID number replaced by its keyed hash and masked form, secret fields
masked, the source's typed columns cast (money as Decimal, never float) and the other
fields packed as JSON text. No Python loop per row except the keyed hash itself.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import polars as pl
from stdnum.cn import uscc

from jiuzhu.registry import identity
from jiuzhu.verification import errors
from jiuzhu.verification.reading import LINE, RAGGED
from jiuzhu.verification.sources import Column, FieldType, Sensitivity, Source, SourceField

ERROR_SCHEMA: dict[str, pl.DataType] = {
    "line": pl.Int64(),
    "field": pl.String(),
    "reason": pl.String(),
}
RECORD_SCHEMA: dict[str, pl.DataType] = {
    "line": pl.Int64(),
    "id_hash": pl.String(),
    "id_masked": pl.String(),
    "kind": pl.String(),
    "amount": pl.Decimal(16, 2),
    "quantity": pl.Decimal(14, 2),
    "occurred_on": pl.Date(),
    "data": pl.String(),
}
WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
CHECK_DIGITS = dict(enumerate("10X98765432"))
PROVINCES = sorted(identity.PROVINCE_CODES)
MONEY = r"^[0-9]{1,12}(\.[0-9]{1,2})?$"  # ASCII digits: Polars' \d matches any script


@dataclass(frozen=True)
class Checked:
    records: pl.DataFrame  # RECORD_SCHEMA, one row per good line
    errors: pl.DataFrame  # ERROR_SCHEMA, every failure of every bad line
    bad_lines: int


def missing_columns(source: Source, columns: list[str]) -> list[str]:
    return [name for name in source.required if name not in columns]


def unknown_columns(source: Source, columns: list[str]) -> list[str]:
    return [c for c in columns if c not in source.by_name and c not in (LINE, RAGGED)]


def _reason(condition: pl.Expr, message: object) -> pl.Expr:
    return pl.when(condition).then(pl.lit(str(message)))


def id_number_reason(value: pl.Expr, today: dt.date) -> pl.Expr:
    """GB 11643 in columns, in registry/identity.py's order and with its messages; a test
    checks it against `parse_id_number` on every single-digit change of valid numbers."""
    well_formed = value.str.contains(r"^[0-9]{17}[0-9X]$")
    total = pl.sum_horizontal(
        value.str.slice(i, 1).cast(pl.Int64, strict=False) * w for i, w in enumerate(WEIGHTS)
    )
    check = (total % 11).replace_strict(CHECK_DIGITS, default=None, return_dtype=pl.String)
    birth = value.str.slice(6, 8).str.strptime(pl.Date, "%Y%m%d", strict=False)
    return pl.coalesce(
        _reason(~well_formed, identity.ERROR_FORMAT),
        _reason(value.str.slice(17, 1) != check, identity.ERROR_CHECKSUM),
        _reason(~value.str.slice(0, 2).is_in(PROVINCES), identity.ERROR_PLACE),
        _reason(birth.is_null(), identity.ERROR_BIRTH),
        _reason(birth > pl.lit(today), identity.ERROR_FUTURE),
    )


def _uscc_invalid(values: pl.Series) -> list[str]:
    # distinct codes are far fewer than rows (employers, companies): check those once each
    return [v for v in values.drop_nulls().unique().to_list() if not uscc.is_valid(v)]


def _type_reason(f: SourceField, value: pl.Expr, frame: pl.DataFrame, today: dt.date) -> pl.Expr:
    t = f.type
    if t is FieldType.ID_NUMBER:
        return id_number_reason(value, today)
    if t is FieldType.DATE:
        parsed = value.str.strptime(pl.Date, "%Y-%m-%d", strict=False)
        return _reason(parsed.is_null() | (value.str.len_chars() != 10), errors.NOT_A_DATE)
    if t is FieldType.MONTH:
        parsed = (value + "-01").str.strptime(pl.Date, "%Y-%m-%d", strict=False)
        return _reason(parsed.is_null() | (value.str.len_chars() != 7), errors.NOT_A_MONTH)
    if t in (FieldType.MONEY, FieldType.DECIMAL):
        wrong = errors.NOT_MONEY if t is FieldType.MONEY else errors.NOT_DECIMAL
        return pl.coalesce(
            _reason(value.str.contains(r"^-[0-9]"), errors.NEGATIVE),
            _reason(~value.str.contains(MONEY), wrong),
        )
    if t is FieldType.CHOICE:
        return _reason(~value.is_in(list(f.choices)), errors.NOT_A_CHOICE)
    if t is FieldType.USCC:
        source = frame.get_column(f.name).str.strip_chars().str.to_uppercase()
        return _reason(value.is_in(_uscc_invalid(source)), errors.BAD_USCC)
    if t is FieldType.REGION:
        return _reason(~value.str.contains(r"^[0-9]{6}([0-9]{3}([0-9]{3})?)?$"), errors.BAD_REGION)
    return _reason(value.str.len_chars() > f.max_length, errors.TOO_LONG)


def _field_reason(f: SourceField, frame: pl.DataFrame, today: dt.date) -> pl.Expr:
    value = pl.col(f.name)
    typed = pl.when(value.is_not_null()).then(_type_reason(f, value, frame, today))
    if not f.required:
        return typed
    return pl.coalesce(_reason(value.is_null(), errors.REQUIRED), typed)


def _normalized(f: SourceField) -> pl.Expr:
    value = pl.col(f.name).str.strip_chars()
    if f.type in (FieldType.ID_NUMBER, FieldType.USCC):
        value = value.str.to_uppercase()
    return pl.when(value != "").then(value).alias(f.name)


def validate(source: Source, raw: pl.DataFrame, *, today: dt.date | None = None) -> Checked:
    """Check every row of `raw` (text columns, LINE, RAGGED) against `source`."""
    today = today or dt.date.today()
    present = [f for f in source.fields if f.name in raw.columns]
    frame = raw.with_columns(_normalized(f) for f in present)
    text_columns = [c for c in raw.columns if c not in (LINE, RAGGED)]
    nul = pl.any_horizontal(
        pl.col(c).str.contains("\x00", literal=True).fill_null(False) for c in text_columns
    )
    reasons = [
        pl.when(pl.col(RAGGED))
        .then(pl.lit(str(errors.RAGGED)))
        .when(nul)
        .then(pl.lit(str(errors.NUL_BYTE)))
        .alias("__row"),
        *(_field_reason(f, frame, today).alias(f.name) for f in present),
        *_order_reasons(present, frame),
    ]
    checked = frame.select(LINE, *reasons)
    long = (
        checked.unpivot(index=LINE, variable_name="field", value_name="reason")
        .drop_nulls("reason")
        .rename({LINE: "line"})
        .with_columns(
            pl.col("field").replace("__row", "").str.replace(r"^__order_", "", literal=False)
        )
        .sort("line", maintain_order=True)
    )
    bad = long.get_column("line").unique()
    good = frame.filter(~pl.col(LINE).is_in(bad.implode()))
    return Checked(_records(source, good), long.cast(ERROR_SCHEMA), bad.len())  # type: ignore[arg-type]


# (start, end) date fields of one record: the end may not come before the start
ORDERED_PERIODS = (("period_start", "period_end"),)


def _order_reasons(present: list[SourceField], frame: pl.DataFrame) -> list[pl.Expr]:
    """A period that ends before it starts, on the end's field (both dates valid ISO text,
    which orders as the dates do; an invalid date has its own reason)."""
    names = {f.name for f in present}
    out = []
    for start, end in ORDERED_PERIODS:
        if start in names and end in names:
            iso = r"^\d{4}-\d{2}-\d{2}$"
            both = pl.col(start).str.contains(iso) & pl.col(end).str.contains(iso)
            wrong = (both & (pl.col(end) < pl.col(start))).fill_null(False)
            out.append(_reason(wrong, errors.PERIOD_ORDER).alias(f"__order_{end}"))
    return out


def _masked(f: SourceField) -> pl.Expr:
    value = pl.col(f.name)
    if f.name == "name":
        stars = pl.lit("*").repeat_by(value.str.len_chars() - 1).list.join("")
        return value.str.slice(0, 1) + stars
    return pl.lit("****") + value.str.slice(-4, 4)


def _data_value(f: SourceField) -> pl.Expr:
    if f.sensitivity is Sensitivity.SECRET:
        return _masked(f).alias(f.name)
    if f.type is FieldType.MONTH:
        return (pl.col(f.name) + "-01").alias(f.name)
    return pl.col(f.name)


def _typed(source: Source, column: Column, frame: pl.DataFrame, dtype: pl.DataType) -> pl.Expr:
    f = source.column(column)
    if f is None or f.name not in frame.columns:
        return pl.lit(None, dtype=dtype).alias(column.value)
    value = pl.col(f.name)
    if f.type is FieldType.MONTH:
        value = value + "-01"
    if dtype == pl.Date:
        return value.str.strptime(pl.Date, "%Y-%m-%d").alias(column.value)
    return value.cast(dtype).alias(column.value)


def _records(source: Source, good: pl.DataFrame) -> pl.DataFrame:
    if good.height == 0:
        return pl.DataFrame(schema=RECORD_SCHEMA)
    numbers = good.get_column("id_number")
    data_fields = [f for f in source.fields if f.column is Column.DATA and f.name in good.columns]
    data = (
        good.select(pl.struct([_data_value(f) for f in data_fields]).struct.json_encode())
        .to_series()
        .alias("data")
        if data_fields
        else pl.Series("data", ["{}"] * good.height)
    )
    return good.select(
        pl.col(LINE).alias("line"),
        pl.Series("id_hash", [identity.id_hash(n) for n in numbers.to_list()], pl.String),
        (numbers.str.slice(0, 6) + "********" + numbers.str.slice(14, 4)).alias("id_masked"),
        _typed(source, Column.KIND, good, pl.String()),
        _typed(source, Column.AMOUNT, good, pl.Decimal(16, 2)),
        _typed(source, Column.QUANTITY, good, pl.Decimal(14, 2)),
        _typed(source, Column.OCCURRED_ON, good, pl.Date()),
        data,
    )
