"""JSON Lines are read column-wise, yet every line gets exactly the row the Pydantic model
gives it, line by line: the same error rows (line, ref, reason), the same decisions."""

from __future__ import annotations

import copy
import datetime as dt
import json
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import polars as pl
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from jiuzhu.rules import jsonblocks, jsonlines
from jiuzhu.rules.bulk import run_bulk
from jiuzhu.rules.caseload import RowError, from_households
from jiuzhu.rules.evaluate import Evaluator
from jiuzhu.rules.household import Household
from jiuzhu.synthetic.households import write_households

AS_OF = dt.date(2024, 6, 1)
Change = Callable[[dict[str, Any]], None]


def _member(change: Callable[[dict[str, Any]], None]) -> Change:
    return lambda h: change(h["members"][0])


def _wages(value: Any) -> Change:
    return _member(lambda m: m["income"].update(wages=value))


CASES: dict[str, Change | None] = {
    "G-plain": None,
    "B-negative": _wages("-5"),
    "B-three-decimals": _wages("1.235"),
    "B-three-decimals-number": _wages("1.234"),  # written as a JSON number by _line
    "G-number": _wages(1234.5),
    "G-exponent": _wages("1e2"),
    "G-padded-amount": _wages(" 12.5 "),
    "G-underscore": _wages("1_000"),
    "B-huge": _wages("123456789012345678"),
    "B-nan": _wages("NaN"),
    "B-grade-word": _member(lambda m: m.update(disability={"kind": "physical", "grade": "x"})),
    "G-grade-string": _member(lambda m: m.update(disability={"kind": "physical", "grade": "2"})),
    "B-grade-no-kind": _member(lambda m: m.update(disability={"grade": 2})),
    "G-flag-string": _member(lambda m: m.update(serious_illness="true")),
    "G-nulls-are-defaults": _member(
        lambda m: m.update(serious_illness=None, supporters=None, income=None, relation=None)
    ),
    "B-region": lambda h: h.update(region="999999"),
    "B-duplicate-refs": lambda h: h["members"][1].update(ref=h["members"][0]["ref"]),
    "B-ref-" + "x" * 70: None,
    " G-padded-ref ": None,
    "B-previous-without-category": lambda h: h.update(previous={"monthly_benefit": "5"}),
    "B-since-not-iso": lambda h: h.update(previous={"category": "dibao", "since": "2020-1-5"}),
    "B-birth-not-iso": _member(lambda m: m.update(birth_date="1980-1-5")),
    "B-after-as-of": _member(lambda m: m.update(birth_date="2030-01-01")),
    "B-null-supporter": _member(lambda m: m.update(supporters=[None])),
    "G-supporter": _member(lambda m: m.update(supporters=[{"able": True}])),
    "B-no-members": lambda h: h.update(members=[]),
    "B-long-relation": _member(lambda m: m.update(relation="r" * 33)),
}


def _line(household: dict[str, Any], ref: str, change: Change | None) -> str:
    h = copy.deepcopy(household)
    h["ref"] = ref
    if change is not None:
        change(h)
    return json.dumps(h, ensure_ascii=False).replace('"1.234"', "1.234")


def caseload_text(household: dict[str, Any]) -> bytes:
    lines = [_line(household, ref, change) for ref, change in CASES.items()]
    lines[4:4] = ["{broken", "", "   ", "null", "[1]", '{"ref": 5, "region": "440104"}']
    lines.append(_line(household, "G-two-a", None) + " " + _line(household, "B-two-b", None))
    text = ("\n".join(lines) + "\n").encode()
    text += b'{"ref": "B-utf8\xff", "region": "440104"}\n'
    return text + _line(household, "G-crlf", None).encode() + b"\r\n" + b'{"ref": "G-last"'


def model_rows(text: bytes, evaluator: Evaluator) -> tuple[pl.DataFrame, list[tuple[Any, ...]]]:
    """What reading every line with the model gives: decisions and error rows."""
    errors: list[RowError] = []
    good: list[Household] = []
    lines: list[int] = []
    for number, line in enumerate(text.split(b"\n"), start=1):
        household = jsonlines.read_line(number, line, evaluator.regions, errors)
        if household is not None:
            good.append(household)
            lines.append(number)
    frame, late = evaluator.evaluate_caseload(
        from_households(good, evaluator.regions), AS_OF, lines=pl.Series(lines).to_numpy()
    )
    return frame, sorted((e.line, e.ref, e.reason) for e in [*errors, *late])


@pytest.mark.parametrize(("chunk", "block"), [(500_000, 16 << 20), (7, 300), (1000, 2500)])
def test_every_line_gets_the_row_the_model_gives_it(
    tmp_path: Path,
    evaluator: Evaluator,
    household: dict[str, Any],
    monkeypatch: pytest.MonkeyPatch,
    chunk: int,
    block: int,
) -> None:
    """Malformed lines, blank lines, wrong types, lenient forms the model accepts, nulls,
    a block boundary or a chunk boundary anywhere: the rows are the model's, line by line."""
    monkeypatch.setattr(jsonblocks, "BLOCK_BYTES", block)
    text = caseload_text(household)
    source = tmp_path / "in.jsonl"
    source.write_bytes(text)
    expected, expected_errors = model_rows(text, evaluator)
    out, errors = tmp_path / "out.parquet", tmp_path / "errors.csv"
    summary = run_bulk(evaluator, source, out, errors, AS_OF, chunk=chunk)
    got = pl.read_csv(errors, schema_overrides={"ref": pl.String})
    assert sorted(got.iter_rows()) == expected_errors
    decisions = pl.read_parquet(out)
    assert decisions.equals(expected)
    assert all(ref.startswith("G-") for ref in decisions["ref"])
    assert {"G-number", "G-grade-string", "G-nulls-are-defaults", "G-crlf"} <= set(decisions["ref"])
    assert summary.households == len(expected) + len(expected_errors)


@settings(max_examples=300, deadline=None)
@given(st.binary(max_size=24) | st.text('0123456789.eE+-x" :,{}', max_size=24).map(str.encode))
def test_a_block_with_an_exponent_anywhere_goes_to_the_model(text: bytes) -> None:
    """A line or a whole block with a number with an exponent goes to the model: the block's
    scan (RE2) finds exactly what Python's re finds in a line."""
    found = re.search(jsonblocks.EXPONENT.encode(), text) is not None
    assert jsonblocks.has_exponent(text) == found
    padded = b" " * 5000 + text + b" " * 5000
    assert jsonblocks.has_exponent(memoryview(b"{" + padded + b"}")[1:-1]) == found


def test_json_lines_and_parquet_of_the_same_households_give_identical_decisions(
    tmp_path: Path, evaluator: Evaluator
) -> None:
    """The synthetic caseload written both ways, amounts as strings and as JSON numbers."""
    parquet, jsonl = tmp_path / "h.parquet", tmp_path / "h.jsonl"
    write_households(parquet, 3000, seed=7)
    write_households(jsonl, 3000, seed=7)
    numbers = tmp_path / "numbers.jsonl"
    numbers.write_text(_amounts_as_numbers(jsonl.read_text("utf-8")), "utf-8")
    frames, refused = [], []
    for path in (parquet, jsonl, numbers):
        out = tmp_path / f"{path.name}.out.parquet"
        summary = run_bulk(evaluator, path, out, tmp_path / f"{path.name}.csv", AS_OF, chunk=1000)
        # the only refusals: a gradual exit where no figure is set (P-01: an IM city other
        # than the measures' own has no 缓退渐退 months), the same lines every way
        assert all("gradual_exit_months" in e.reason for e in summary.errors)
        assert summary.evaluated + len(summary.errors) == 3000
        refused.append([(e.line, e.ref) for e in summary.errors])
        frames.append(pl.read_parquet(out))
    assert frames[0].equals(frames[1]) and frames[0].equals(frames[2])
    assert refused[0] == refused[1] == refused[2]


def _amounts_as_numbers(text: str) -> str:
    """ "wages":"1856.65" → "wages":1856.65 (the synthetic amounts are the only decimals)."""
    return re.sub(r'"(\d+\.\d\d)"', r"\1", text)


AMOUNT_TEXT = st.one_of(
    st.decimals(min_value=-10, max_value=10**17, places=3, allow_nan=False).map(str),
    st.from_regex(r"\A[ +\-]?[0-9]{0,4}(\.[0-9]{0,4})?([eE][+\-]?[0-9])?[ ]?\Z"),
    st.sampled_from(["", "1_000", "0x10", "Infinity", "-0", "1.", ".5", "00012", "１２"]),
)


@settings(
    max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(amount=AMOUNT_TEXT, as_number=st.booleans())
def test_an_amount_is_read_exactly_as_the_model_reads_it(
    tmp_path: Path, evaluator: Evaluator, household: dict[str, Any], amount: str, as_number: bool
) -> None:
    """Strings and JSON numbers alike: accepted with the same value in fen, or refused with
    the model's reason; never through float."""
    line = _line(household, "A", _wages(amount))
    if as_number:
        line = line.replace(json.dumps(amount), amount)
    text = f"{_line(household, 'G', None)}\n{line}\n".encode()
    source = tmp_path / "amount.jsonl"
    source.write_bytes(text)
    expected, expected_errors = model_rows(text, evaluator)
    out, errors = tmp_path / "amount.parquet", tmp_path / "amount.csv"
    run_bulk(evaluator, source, out, errors, AS_OF)
    got = pl.read_csv(errors, schema_overrides={"ref": pl.String})
    assert sorted(got.iter_rows()) == expected_errors
    assert pl.read_parquet(out).equals(expected)
