"""Parquet input is validated column-wise: a bad household is reported with its line, ref and
reason and left out; the others are evaluated (issue #2 "Bad input", SECURITY.md 12)."""

from __future__ import annotations

import copy
import datetime as dt
from decimal import Decimal
from pathlib import Path
from typing import Any

import polars as pl
import pytest

from jiuzhu.rules.bulk import run_bulk
from jiuzhu.rules.errors import InputError
from jiuzhu.rules.evaluate import Evaluator
from jiuzhu.rules.parquet import read_parquet

AS_OF = dt.date(2024, 6, 1)


def batch(household: dict[str, Any], changes: dict[str, Any]) -> list[dict[str, Any]]:
    """One good household G0, then one household per change (B-name), then a good G9."""
    rows = [dict(copy.deepcopy(household), ref="G0")]
    for name, change in changes.items():
        bad = copy.deepcopy(household)
        bad["ref"] = f"B-{name}"
        change(bad)
        rows.append(bad)
    rows.append(dict(copy.deepcopy(household), ref="G9"))
    return rows


def write(tmp_path: Path, rows: list[dict[str, Any]]) -> Path:
    path = tmp_path / "in.parquet"
    pl.DataFrame(rows, infer_schema_length=None).write_parquet(path)
    return path


def test_bad_households_are_reported_by_line_and_the_rest_evaluated(
    tmp_path: Path, household: dict[str, Any], evaluator: Evaluator
) -> None:
    changes = {
        "region": lambda h: h.update(region="999999"),
        "negative": lambda h: h["members"][0]["income"].update(wages="-1.00"),
        "decimals": lambda h: h["members"][0]["income"].update(transfer="1.005"),
        "birth": lambda h: h["members"][1].update(birth_date=None),
        "sex": lambda h: h["members"][1].update(sex="unknown"),
        "residence": lambda h: h.update(residence="suburb"),
        "grade": lambda h: h["members"][0].update(disability={"kind": "visual", "grade": 7}),
        "duplicate": lambda h: h["members"][1].update(ref="m1"),
        "future": lambda h: h["members"][1].update(birth_date="2030-01-01"),
    }
    path = write(tmp_path, batch(household, changes))
    out = tmp_path / "out.parquet"
    summary = run_bulk(evaluator, path, out, tmp_path / "errors.csv", AS_OF)
    decisions = pl.read_parquet(out)
    assert decisions["ref"].to_list() == ["G0", "G9"]
    errors = {e.ref: (e.line, e.reason) for e in summary.errors}
    assert set(errors) == {f"B-{name}" for name in changes}
    assert errors["B-region"] == (2, errors["B-region"][1]) and "region" in errors["B-region"][1]
    assert "members.income.wages" in errors["B-negative"][1]
    assert "members.income.transfer" in errors["B-decimals"][1]
    assert "members.birth_date" in errors["B-birth"][1]
    assert "members.sex" in errors["B-sex"][1]
    assert "residence" in errors["B-residence"][1]
    assert "grade" in errors["B-grade"][1]
    assert "unique" in errors["B-duplicate"][1]
    assert "birth_date" in errors["B-future"][1] and "after the as-of date" in errors["B-future"][1]
    written = pl.read_csv(tmp_path / "errors.csv")
    assert written.columns == ["line", "ref", "reason"] and written.height == len(changes)


def test_amounts_may_be_decimal_integer_or_string_columns(
    tmp_path: Path, household: dict[str, Any], evaluator: Evaluator
) -> None:
    rows = [dict(copy.deepcopy(household), ref=f"H{i}") for i in range(3)]
    frame = pl.DataFrame(rows, infer_schema_length=None)
    as_decimal = frame.with_columns(
        pl.col("assets").struct.with_fields(pl.field("financial").cast(pl.Decimal(12, 2)))
    )
    path = tmp_path / "dec.parquet"
    as_decimal.write_parquet(path)
    caseload, _lines, errors = read_parquet(path, evaluator.regions)
    assert errors == []
    assert caseload.households["assets_financial"].to_list() == [800_000] * 3
    one = evaluator.evaluate_caseload(caseload, AS_OF)[0]
    assert one["monthly_benefit"].to_list() == [Decimal("2276.00")] * 3


def test_a_file_that_is_not_parquet_is_refused_whole(tmp_path: Path, evaluator: Evaluator) -> None:
    path = tmp_path / "fake.parquet"
    path.write_text("ref,region\nX,440106\n", "utf-8")
    with pytest.raises(InputError, match="not a readable Parquet file"):
        read_parquet(path, evaluator.regions)


def test_a_parquet_file_without_members_is_refused_whole(
    tmp_path: Path, evaluator: Evaluator
) -> None:
    path = tmp_path / "flat.parquet"
    pl.DataFrame({"ref": ["X"], "region": ["440106"], "residence": ["urban"]}).write_parquet(path)
    with pytest.raises(InputError, match="missing column 'members'"):
        read_parquet(path, evaluator.regions)


def test_chunks_give_the_same_decisions_as_one_pass(
    tmp_path: Path, household: dict[str, Any], evaluator: Evaluator
) -> None:
    rows = []
    for i in range(7):
        h = copy.deepcopy(household)
        h["ref"] = f"H{i}"
        h["members"][0]["income"]["wages"] = f"{i * 300}.00"
        rows.append(h)
    rows[3]["region"] = "000"  # a bad one in the middle
    path = write(tmp_path, rows)
    one = run_bulk(evaluator, path, tmp_path / "a.parquet", tmp_path / "a.csv", AS_OF)
    many = run_bulk(evaluator, path, tmp_path / "b.parquet", tmp_path / "b.csv", AS_OF, chunk=2)
    assert pl.read_parquet(tmp_path / "a.parquet").equals(pl.read_parquet(tmp_path / "b.parquet"))
    assert [e.line for e in one.errors] == [e.line for e in many.errors] == [4]
