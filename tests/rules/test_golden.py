"""Explanations byte for byte: the decision and every step of docs/examples/household.json and
of six varied households (特困, 低保 with single-person members and supporters, a gradual
exit, low-income, 支出型, none; Guangzhou, Shantou and the IM city, with parameters unset)
as `jiuzhu evaluate --explain` prints them, recorded before one household was evaluated in
one pass (rules/onepass.py). A change of the rules or of the parameters that changes one is
reviewed by regenerating them: `JIUZHU_UPDATE_GOLDEN=1 pytest tests/rules/test_golden.py`.
"""

from __future__ import annotations

import datetime as dt
import json
import os
from pathlib import Path

import pytest

from jiuzhu.rules.evaluate import Evaluator
from jiuzhu.rules.household import parse_household

GOLDEN = Path(__file__).parent / "golden"
UPDATE = os.environ.get("JIUZHU_UPDATE_GOLDEN") == "1"


def _dump(data: object) -> str:
    return json.dumps(data, ensure_ascii=False, indent=2) + "\n"  # as the CLI prints it


@pytest.mark.parametrize("path", sorted(GOLDEN.glob("*.json")), ids=lambda p: p.stem)
def test_the_explanation_is_the_recorded_one_byte_for_byte(
    path: Path, evaluator: Evaluator
) -> None:
    case = json.loads(path.read_text("utf-8"))
    household = parse_household(case["household"])
    decision = evaluator.evaluate(household, dt.date.fromisoformat(case["as_of"]), explain=True)
    if UPDATE:
        path.write_text(_dump({**case, "decision": decision}), "utf-8")
    assert _dump(decision) == _dump(case["decision"])


def test_the_example_is_recorded() -> None:
    example = Path(__file__).parents[2] / "docs" / "examples" / "household.json"
    recorded = json.loads((GOLDEN / "example-household.json").read_text("utf-8"))
    assert recorded["household"] == json.loads(example.read_text("utf-8"))
