"""Properties of the rules that hold for every household (SECURITY.md 13, issue #2)."""

from __future__ import annotations

import copy
import datetime as dt
import json
from decimal import Decimal
from pathlib import Path
from typing import Any

import polars as pl
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from jiuzhu.rules.bulk import read_jsonl
from jiuzhu.rules.caseload import check_dates, from_households, late_dates
from jiuzhu.rules.errors import InputError
from jiuzhu.rules.evaluate import Evaluator, decision_json
from jiuzhu.rules.household import parse_household
from jiuzhu.rules.parquet import read_parquet

from .strategies import AS_OF_DATES, households

SETTINGS = settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)


def decide(evaluator: Evaluator, raw: dict[str, Any], as_of: dt.date) -> dict[str, Any]:
    return evaluator.evaluate(parse_household(raw), as_of)


@SETTINGS
@given(
    raw=households(),
    as_of=st.sampled_from(AS_OF_DATES),
    who=st.integers(0, 4),
    more=st.integers(1, 300_000),
)
def test_more_income_never_raises_the_amount(
    evaluator: Evaluator, raw: dict[str, Any], as_of: dt.date, who: int, more: int
) -> None:
    """B-01/C-04/C-05: raising any member's wages never raises the monthly benefit."""
    before = decide(evaluator, raw, as_of)
    richer = copy.deepcopy(raw)
    member = richer["members"][who % len(richer["members"])]
    wages = Decimal(member["income"]["wages"]) + Decimal(more) / 100
    member["income"]["wages"] = str(wages)
    after = decide(evaluator, richer, as_of)
    assert Decimal(after["monthly_benefit"]) <= Decimal(before["monthly_benefit"])


@SETTINGS
@given(raw=households(), as_of=st.sampled_from(AS_OF_DATES))
def test_the_same_input_and_date_give_the_same_result(
    evaluator: Evaluator, raw: dict[str, Any], as_of: dt.date
) -> None:
    first = evaluator.evaluate(parse_household(raw), as_of, explain=True)
    second = evaluator.evaluate(parse_household(copy.deepcopy(raw)), as_of, explain=True)
    assert json.dumps(first, sort_keys=True) == json.dumps(second, sort_keys=True)


@settings(max_examples=25, deadline=None)
@given(
    batch=st.lists(households(), min_size=1, max_size=6),
    as_of=st.sampled_from(AS_OF_DATES),
)
def test_bulk_equals_one_by_one_from_json_lines_and_parquet(
    tmp_path_factory: Any, batch: list[dict[str, Any]], as_of: dt.date
) -> None:
    """One evaluation path: the bulk rows, read from JSON Lines or from Parquet, are exactly
    the single-household decisions, in any order."""
    evaluator = _shared()
    for i, raw in enumerate(batch):
        raw["ref"] = f"P{i}"
    folder: Path = tmp_path_factory.mktemp("bulk")
    jsonl = folder / "in.jsonl"
    jsonl.write_text("\n".join(json.dumps(h) for h in batch) + "\n", "utf-8")
    parquet = folder / "in.parquet"
    pl.DataFrame(list(reversed(batch)), infer_schema_length=None).write_parquet(parquet)

    # the bulk output carries every field but the reason (a sentence per row is for people)
    expected = {
        h["ref"]: {k: v for k, v in decide(evaluator, h, as_of).items() if k != "reason"}
        for h in batch
    }
    for reader, path in ((read_jsonl, jsonl), (read_parquet, parquet)):
        caseload, lines, errors = reader(path, evaluator.regions)
        assert errors == []
        frame, bad = evaluator.evaluate_caseload(caseload, as_of, lines=lines)
        assert bad == []
        got = {row["ref"]: decision_json(row) for row in frame.iter_rows(named=True)}
        assert got == expected


_EVALUATOR: list[Evaluator] = []


def _shared() -> Evaluator:
    if not _EVALUATOR:
        _EVALUATOR.append(Evaluator())
    return _EVALUATOR[0]


@SETTINGS
@given(
    raws=st.lists(households(), min_size=1, max_size=6),
    as_of=st.sampled_from(AS_OF_DATES),
    unknown_at=st.integers(-1, 6),
)
def test_a_batch_decides_each_household_as_alone(
    evaluator: Evaluator, raws: list[dict[str, Any]], as_of: dt.date, unknown_at: int
) -> None:
    """One engine run for many households (a batch of cases) gives each household exactly
    the decision and explanation it gets alone; one that cannot be decided keeps its place."""
    raws = [{**copy.deepcopy(r), "ref": f"P{i}"} for i, r in enumerate(raws)]
    if 0 <= unknown_at < len(raws):
        raws[unknown_at]["region"] = "999999"
    parsed = [parse_household(r) for r in raws]
    batch = evaluator.evaluate_many(parsed, as_of, explain=True)
    assert len(batch) == len(parsed)
    for household, together in zip(parsed, batch, strict=True):
        try:
            alone: Any = evaluator.evaluate(household, as_of, explain=True)
        except InputError as exc:
            alone = exc
        if isinstance(alone, InputError):
            assert isinstance(together, InputError)
            assert (str(together), together.field) == (str(alone), alone.field)
        else:
            assert json.dumps(together, sort_keys=True) == json.dumps(alone, sort_keys=True)


def _step(decision: dict[str, Any], name: str) -> Any:
    return next(s["value"] for s in decision["explanation"] if s["step"] == name)


@SETTINGS
@given(
    raw=households(),
    as_of=st.sampled_from(AS_OF_DATES),
    more=st.integers(1, 5_000_000),
    item=st.sampled_from(["medical", "education", "disability"]),
)
def test_more_spending_never_raises_income_and_above_the_ceiling_changes_nothing(
    evaluator: Evaluator, raw: dict[str, Any], as_of: dt.date, more: int, item: str
) -> None:
    """I-04: spending only ever lowers the counted income, each item by at most its cap, and
    not at all when gross per-capita income is above the deduction ceiling."""
    before = evaluator.evaluate(parse_household(raw), as_of, explain=True)
    spender = copy.deepcopy(raw)
    spent = Decimal(spender["expenses"].get(item, "0")) + Decimal(more) / 100
    spender["expenses"][item] = str(spent)
    after = evaluator.evaluate(parse_household(spender), as_of, explain=True)
    assert Decimal(after["per_capita_income"]) <= Decimal(before["per_capita_income"])
    if _step(before, "deductions_allowed") is False:
        assert after["per_capita_income"] == before["per_capita_income"]
        assert after["monthly_benefit"] == before["monthly_benefit"]
    cap = Decimal(_step(after, "dibao_standard"))  # the largest cap: 1 × the standard
    deducted = Decimal(_step(after, "rigid_deduction"))
    assert deducted <= cap * 2  # medical ≤ 1 ×, schooling and disability ≤ 0.5 × each


@SETTINGS
@given(
    raws=st.lists(households(), min_size=1, max_size=4),
    as_of=st.sampled_from([dt.date(2016, 1, 1), dt.date(2020, 6, 1), *AS_OF_DATES]),
)
def test_dates_after_the_as_of_date_are_found_alike_in_models_and_columns(
    evaluator: Evaluator, raws: list[dict[str, Any]], as_of: dt.date
) -> None:
    """A batch of cases checks its models' dates (no query); a caseload checks its columns:
    the same household, field and member either way."""
    parsed = [parse_household(r) for r in raws]
    columns = check_dates(from_households(parsed, evaluator.regions), as_of)
    assert late_dates(parsed, as_of) == columns
