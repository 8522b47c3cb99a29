"""Households straight from Parquet, validated column-wise (never row by row in Python).

The Parquet file has the household JSON's nested schema; amounts may be decimals, integers,
strings or (from other tools) floats with at most two decimals. A household that fails a
check is reported with its line and reason and left out; the rest are evaluated.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from pathlib import Path

import numpy as np
import polars as pl

from jiuzhu.rules.caseload import INPUT_COLUMNS, RowError
from jiuzhu.rules.engine import Caseload
from jiuzhu.rules.errors import InputError
from jiuzhu.rules.household import DISABILITY_KINDS, EMPLOYMENT, SCHOOLING, SELF_CARE
from jiuzhu.rules.regions import RegionTable

DType = pl.DataType | type[pl.DataType]
MODEL_ONLY = "a value in a form only the household model reads"
_AMOUNT_RE = r"^\s*\d+(\.\d{1,2})?\s*$"


def _fen(expr: pl.Expr, dtype: DType) -> tuple[pl.Expr, pl.Expr]:
    """(amount in fen, is-invalid) for a column of yuan in any of the accepted types."""
    if dtype == pl.Null:
        return pl.lit(0, dtype=pl.Int64), pl.lit(False)
    if dtype.is_integer():
        return (expr.cast(pl.Int64) * 100).fill_null(0), (expr < 0).fill_null(False)
    if isinstance(dtype, pl.Decimal):
        # the unscaled integer of a decimal with scale 2 is the amount in fen
        unscaled = expr.to_physical()
        scale = dtype.scale or 0
        if scale <= 2:
            fen = unscaled.cast(pl.Int64, strict=False) * 10 ** (2 - scale)
            inexact = pl.lit(False)
        else:
            step = 10 ** (scale - 2)
            fen = (unscaled // step).cast(pl.Int64, strict=False)
            inexact = (unscaled % step) != 0
        too_large = unscaled.is_not_null() & fen.is_null()  # beyond int64 fen: refused
        return fen.fill_null(0), ((unscaled < 0) | inexact | too_large).fill_null(False)
    if dtype.is_float():
        scaled = (expr * 100).round(0)
        bad = (expr < 0) | ((expr * 100 - scaled).abs() > 1e-6) | expr.is_nan()
        return scaled.cast(pl.Int64, strict=False).fill_null(0), bad.fill_null(False)
    if dtype == pl.String:
        text = expr.str.strip_chars()
        ok = text.str.contains(_AMOUNT_RE)
        whole = text.str.split(".").list.get(0, null_on_oob=True)
        frac = text.str.split(".").list.get(1, null_on_oob=True).fill_null("").str.pad_end(2, "0")
        fen = whole.cast(pl.Int64, strict=False) * 100 + frac.cast(
            pl.Int64, strict=False
        ).fill_null(0)
        return pl.when(ok).then(fen).otherwise(0).fill_null(0), (ok.not_() & expr.is_not_null())
    return pl.lit(0, dtype=pl.Int64), pl.lit(True)


def _field(frame: pl.DataFrame, path: str) -> tuple[pl.Expr, DType]:
    """An expression for a possibly nested field (a.b) and its type; Null when absent."""
    head, _, rest = path.partition(".")
    if head not in frame.columns:
        return pl.lit(None), pl.Null()
    expr: pl.Expr = pl.col(head)
    dtype: DType = frame.schema[head]
    for part in rest.split(".") if rest else []:
        if not isinstance(dtype, pl.Struct):
            return pl.lit(None), pl.Null()
        fields = {f.name: f.dtype for f in dtype.fields}
        if part not in fields:
            return pl.lit(None), pl.Null()
        expr, dtype = expr.struct.field(part), fields[part]  # type: ignore[assignment]
    return expr, dtype


def _date(expr: pl.Expr, dtype: DType) -> tuple[pl.Expr, pl.Expr]:
    if dtype == pl.Null:
        return pl.lit(None, dtype=pl.Date), pl.lit(False)
    if dtype == pl.Date:
        return expr, pl.lit(False)
    if dtype == pl.Datetime:
        return expr.dt.date(), pl.lit(False)
    if dtype == pl.String:
        parsed = expr.str.strip_chars().str.to_date("%Y-%m-%d", strict=False)
        return parsed, parsed.is_null() & expr.is_not_null()
    return pl.lit(None, dtype=pl.Date), expr.is_not_null()


def _enum(
    expr: pl.Expr, dtype: DType, allowed: Iterable[str], default: str | None
) -> tuple[pl.Expr, pl.Expr]:
    if dtype == pl.Null:
        return pl.lit(default or "", dtype=pl.String), pl.lit(default is None)
    text = expr.cast(pl.String)
    bad = text.is_not_null() & text.is_in(list(allowed)).not_()
    if default is None:
        bad = bad | text.is_null()
    return text.fill_null(default or ""), bad


def _bool(expr: pl.Expr, dtype: DType) -> tuple[pl.Expr, pl.Expr]:
    if dtype == pl.Null:
        return pl.lit(False), pl.lit(False)
    if dtype == pl.Boolean:
        return expr.fill_null(False), pl.lit(False)
    return pl.lit(False), expr.is_not_null()


def _int(expr: pl.Expr, dtype: DType, lo: int, hi: int) -> tuple[pl.Expr, pl.Expr]:
    if dtype == pl.Null:
        return pl.lit(0, dtype=pl.Int64), pl.lit(False)
    if not dtype.is_integer():
        return pl.lit(0, dtype=pl.Int64), expr.is_not_null()
    value = expr.cast(pl.Int64)
    return value.fill_null(0), ((value < lo) | (value > hi)).fill_null(False)


class _Checks:
    """Collects (column expression, invalid flag, message) for one level's frame."""

    def __init__(self, frame: pl.DataFrame) -> None:
        self.frame = frame
        self.columns: list[pl.Expr] = []
        self.flags: list[tuple[pl.Expr, str]] = []

    def add(self, name: str, pair: tuple[pl.Expr, pl.Expr], message: str) -> None:
        self.columns.append(pair[0].alias(name))
        self.flags.append((pair[1], message))

    def model_only(self, level: str) -> None:
        """With `strict`: flag what only the Pydantic model can judge (jsonrows.py)."""
        from jiuzhu.rules.jsonrows import model_only

        for flag in model_only(level, lambda path: _field(self.frame, path)[0]):
            self.flags.append((flag, MODEL_ONLY))

    def amount(self, name: str, path: str, label: str) -> None:
        expr, dtype = _field(self.frame, path)
        self.add(
            name, _fen(expr, dtype), f"{label}: must be an amount ≥ 0 with at most two decimals"
        )

    def result(self) -> tuple[pl.DataFrame, pl.Series]:
        """The typed columns and, per row, the first error message (null when valid).

        Messages are built only for the rows that have an error, so a clean caseload costs
        one OR over the flags."""
        any_bad = pl.any_horizontal([flag.fill_null(False) for flag, _ in self.flags])
        # a real column anchors the length: literal-only columns (absent fields) broadcast
        anchor = pl.col(self.frame.columns[0]).alias("_anchor")
        out = self.frame.select([anchor, *self.columns, any_bad.alias("_bad")]).drop("_anchor")
        errors = pl.repeat(None, out.height, dtype=pl.String, eager=True).alias("_error")
        bad = out["_bad"]
        if bad.any():
            message = pl.lit(None, dtype=pl.String)
            for flag, text in reversed(self.flags):
                message = pl.when(flag.fill_null(False)).then(pl.lit(text)).otherwise(message)
            rows = self.frame.filter(bad).select(message.alias("_error"))["_error"]
            errors = errors.scatter(bad.arg_true(), rows)
        return out.drop("_bad"), errors


def read_parquet(path: Path, regions: RegionTable) -> tuple[Caseload, np.ndarray, list[RowError]]:
    """Every household of a Parquet file at once."""
    return caseload_from_frame(open_parquet(path).collect(), regions)


def open_parquet(path: Path) -> pl.LazyFrame:
    """A lazy scan of a households Parquet file, refused whole if it is not one."""
    try:
        lazy = pl.scan_parquet(path)
        columns = lazy.collect_schema().names()
    except Exception as exc:  # polars raises several types for a file that is not Parquet
        raise InputError(f"{path}: not a readable Parquet file ({type(exc).__name__})") from None
    for needed in ("ref", "region", "residence", "members"):
        if needed not in columns:
            raise InputError(f"{path}: missing column {needed!r}")
    return lazy


def parquet_chunks(path: Path, size: int) -> Iterator[tuple[pl.DataFrame, int]]:
    """(households, line of the first) in chunks of `size`, so memory stays bounded."""
    lazy = open_parquet(path)
    total = lazy.select(pl.len()).collect().item()
    for offset in range(0, total, size):
        yield lazy.slice(offset, size).collect(), offset + 1


def _explode(lists: pl.Series, sizes: np.ndarray, parent: str) -> pl.DataFrame:
    """Rows of a list-of-struct column, each with its parent's row number and its own (and
    `_null`: the element was null, not a record)."""
    elements = lists.explode(empty_as_null=False, keep_nulls=False)
    rows = elements.struct.unnest()
    owner = np.repeat(np.arange(len(sizes), dtype=np.int64), sizes)
    index = "_m" if parent == "_hh" else "_s"
    return rows.with_columns(
        pl.Series(parent, owner),
        pl.Series(index, np.arange(rows.height, dtype=np.int64)),
        elements.is_null().alias("_null"),
    )


def caseload_from_frame(
    raw: pl.DataFrame, regions: RegionTable, first_line: int = 1, *, strict: bool = False
) -> tuple[Caseload, np.ndarray, list[RowError]]:
    """Validate and type one frame of households (line numbers start at `first_line`).

    `strict` (JSON Lines, read in jsonrows.ARROW_SCHEMA) also refuses, with MODEL_ONLY, the
    households whose values only the Pydantic model can judge."""
    n = raw.height
    raw = raw.with_row_index("_hh")

    hc = _Checks(raw)
    hc.add("ref", (pl.col("ref").cast(pl.String), pl.col("ref").is_null()), "ref: required")
    region = pl.col("region").cast(pl.String)
    leaves = sorted(regions.leaves)
    region_ok = region.str.contains(r"^\d{6}(\d{3}){0,2}$") & region.str.slice(0, 6).is_in(leaves)
    hc.add(
        "region",
        (region, region_ok.not_().fill_null(True)),
        "region: unknown region code (not a county-level or finer GB/T 2260 code)",
    )
    res_expr, res_type = _field(raw, "residence")
    res, res_bad = _enum(res_expr, res_type, ("urban", "rural"), None)
    hc.add("is_urban", (res == "urban", res_bad), "residence: must be 'urban' or 'rural'")
    hc.amount("assets_financial", "assets.financial", "assets.financial")
    for col, path_ in (
        ("assets_vehicles", "assets.vehicles"),
        ("assets_homes", "assets.homes"),
        ("assets_business", "assets.business_registrations"),
    ):
        expr, dtype = _field(raw, path_)
        hc.add(col, _int(expr, dtype, 0, 1000), f"{path_}: must be a whole number 0-1000")
    for kind in ("medical", "education", "disability"):
        hc.amount(f"expense_{kind}", f"expenses.{kind}", f"expenses.{kind}")
    hc.amount("employment_costs", "employment_costs", "employment_costs")
    pexpr, ptype = _field(raw, "previous.category")
    hc.add(
        "prev_category",
        _enum(pexpr, ptype, ("tekun", "dibao", "low_income", "rigid_expenditure", "none"), ""),
        "previous.category: unknown category",
    )
    hc.amount("prev_benefit", "previous.monthly_benefit", "previous.monthly_benefit")
    dexpr, dtype_ = _field(raw, "previous.income_exceeded_on")
    hc.add("prev_exceeded_on", _date(dexpr, dtype_), "previous.income_exceeded_on: not a date")
    if strict:
        hc.model_only("household")
    households, h_err = hc.result()
    households = households.with_columns(county=pl.col("region").str.slice(0, 6))
    hh_err = h_err

    # members
    members_type = raw.schema["members"]
    if not (isinstance(members_type, pl.List) and isinstance(members_type.inner, pl.Struct)):
        raise InputError("column 'members' must be a list of member records")
    sizes = raw["members"].list.len().fill_null(0)
    empty = (sizes == 0).arg_true().to_numpy()
    # Series-level explode, and parent indices from the list lengths: exploding a frame
    # with an index column forces a copy of the nested data (4× slower on chunked input)
    members_raw = _explode(raw["members"], sizes.to_numpy(), "_hh")
    raw = raw.drop("members")  # the nested copy is no longer needed: free it early
    mc = _Checks(members_raw)
    ref_expr, _ = _field(members_raw, "ref")
    mc.add("ref", (ref_expr.cast(pl.String), ref_expr.is_null()), "members.ref: required")
    bexpr, btype = _field(members_raw, "birth_date")
    bdate, bbad = _date(bexpr, btype)
    mc.add("birth_date", (bdate, bbad | bdate.is_null()), "members.birth_date: a date is required")
    sexpr, stype = _field(members_raw, "sex")
    sex, sbad = _enum(sexpr, stype, ("female", "male"), None)
    mc.add("is_female", (sex == "female", sbad), "members.sex: must be 'female' or 'male'")
    kexpr, ktype = _field(members_raw, "disability.kind")
    gexpr, gtype = _field(members_raw, "disability.grade")
    mc.add(
        "dis_kind",
        _enum(kexpr, ktype, DISABILITY_KINDS, ""),
        "members.disability.kind: unknown kind",
    )
    grade, gbad = _int(gexpr, gtype, 1, 4)
    mc.add(
        "dis_grade",
        (grade, gbad | (kexpr.is_not_null() & gexpr.is_null())),
        "members.disability.grade: must be 1-4",
    )
    iexpr, itype = _field(members_raw, "serious_illness")
    mc.add("serious_illness", _bool(iexpr, itype), "members.serious_illness: must be true/false")
    cexpr, ctype = _field(members_raw, "self_care")
    mc.add("self_care", _enum(cexpr, ctype, SELF_CARE, "full"), "members.self_care: unknown value")
    scexpr, sctype = _field(members_raw, "schooling")
    mc.add("schooling", _enum(scexpr, sctype, SCHOOLING, ""), "members.schooling: unknown value")
    eexpr, etype = _field(members_raw, "employment")
    mc.add(
        "employment", _enum(eexpr, etype, EMPLOYMENT, "other"), "members.employment: unknown value"
    )
    for col in ("unemployed_since", "left_school_on"):
        expr, dtype = _field(members_raw, col)
        mc.add(col, _date(expr, dtype), f"members.{col}: not a date")
    lexpr, ltype = _field(members_raw, "landless")
    mc.add("landless", _bool(lexpr, ltype), "members.landless: must be true/false")
    for kind in ("wages", "business", "property", "transfer", "basic_pension", "other"):
        mc.amount(f"inc_{kind}", f"income.{kind}", f"members.income.{kind}")
    if strict:
        mc.model_only("member")
    members, m_err = mc.result()
    members = members.with_columns(hh=members_raw["_hh"].cast(pl.Int64))

    # supporters
    sup_type = members_raw.schema.get("supporters")
    if isinstance(sup_type, pl.List) and isinstance(sup_type.inner, pl.Struct):
        sup_sizes = members_raw["supporters"].list.len().fill_null(0).to_numpy()
        sup_raw = _explode(members_raw["supporters"], sup_sizes, "_m").with_columns(
            _hh=pl.lit(members_raw["_hh"]).gather(pl.col("_m"))
        )
    else:
        sup_raw = pl.DataFrame({"_m": [], "_hh": []}, schema={"_m": pl.UInt32, "_hh": pl.UInt32})
    sc = _Checks(sup_raw)
    aexpr, atype = _field(sup_raw, "able")
    able, abad = _bool(aexpr, atype)
    sc.add(
        "sup_able",
        (pl.when(aexpr.is_null()).then(-1).otherwise(able.cast(pl.Int64)), abad),
        "members.supporters.able: must be true/false",
    )
    sbexpr, sbtype = _field(sup_raw, "birth_date")
    sc.add("sup_birth_date", _date(sbexpr, sbtype), "members.supporters.birth_date: not a date")
    sc.amount("sup_income", "monthly_income", "members.supporters.monthly_income")
    skexpr, sktype = _field(sup_raw, "disability.kind")
    sgexpr, sgtype = _field(sup_raw, "disability.grade")
    sc.add(
        "sup_dis_kind",
        _enum(skexpr, sktype, DISABILITY_KINDS, ""),
        "members.supporters.disability.kind: unknown kind",
    )
    sc.add("sup_dis_grade", _int(sgexpr, sgtype, 1, 4), "members.supporters.disability.grade: 1-4")
    saexpr, satype = _field(sup_raw, "assets_within_low_income_rules")
    sc.add(
        "sup_assets_ok", _bool(saexpr, satype), "members.supporters.assets_within_low_income_rules"
    )
    if strict:
        sc.model_only("supporter")
        sc.flags.append((pl.col("_null"), MODEL_ONLY))
    supporters, s_err = sc.result()
    supporters = supporters.with_columns(
        member=sup_raw["_m"].cast(pl.Int64), hh=sup_raw["_hh"].cast(pl.Int64)
    )

    # first error per household: household fields, then members, then supporters
    messages = hh_err.to_list()
    for hh_index in empty.tolist():
        messages[hh_index] = messages[hh_index] or "members: at least one member is required"
    for frame, err in ((members, m_err), (supporters, s_err)):
        bad = err.is_not_null()
        if bad.any():
            for hh_index, text in zip(
                frame["hh"].filter(bad).to_list(), err.filter(bad).to_list(), strict=True
            ):
                messages[hh_index] = messages[hh_index] or text
    # duplicate member refs: members of a household are contiguous, so comparing each ref
    # with the next 1 … (largest household − 1) rows finds every duplicate
    longest = sizes.max()
    longest = longest if isinstance(longest, int) else 0
    same = pl.lit(False)
    for d in range(1, longest):
        same = same | (
            (pl.col("hh") == pl.col("hh").shift(-d)) & (pl.col("ref") == pl.col("ref").shift(-d))
        ).fill_null(False)
    dup = members.select("hh", same.alias("d")).filter("d")["hh"].unique().to_list()
    for hh_index in dup:
        messages[hh_index] = (
            messages[hh_index] or "members: member refs must be unique within a household"
        )

    # flat columns in one chunk each: cheap here, and every later step runs faster on them
    caseload = Caseload(
        {k: households[k].rechunk() for k in INPUT_COLUMNS["household"]},
        {k: members[k].rechunk() for k in INPUT_COLUMNS["member"]},
        {k: supporters[k].rechunk() for k in INPUT_COLUMNS["supporter"]},
    )
    bad_rows = [i for i, m in enumerate(messages) if m is not None]
    refs = households["ref"].to_list() if bad_rows else []
    errors = [RowError(i + first_line, refs[i], messages[i]) for i in bad_rows]
    keep = np.ones(n, dtype=bool)
    keep[bad_rows] = False
    lines = np.arange(first_line, first_line + n)[keep]
    if bad_rows:
        caseload = caseload.take(keep)
    return caseload, lines, errors
