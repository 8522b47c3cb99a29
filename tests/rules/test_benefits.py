"""Benefit methods a jurisdiction can choose (B-01 tier, B-05 rounding to the yuan), tried on
a copy of the parameters where Inner Mongolia chooses them."""

from __future__ import annotations

import datetime as dt
import shutil
from importlib import resources
from pathlib import Path
from typing import Any

import pytest

from jiuzhu.rules.errors import ParameterError
from jiuzhu.rules.evaluate import Evaluator
from jiuzhu.rules.household import parse_household
from jiuzhu.rules.params import load_parameters
from jiuzhu.rules.validation import validate_parameters

PACKAGED = Path(str(resources.files("jiuzhu.rules") / "params"))
AS_OF = dt.date(2023, 6, 1)  # Inner Mongolia urban standard 840.00

TIER = """
dibao_benefit_method:
  description: tier
  unit: enum
  choices: [difference, tier]
  reference: {document: test}
  values: [{from: 2021-09-18, value: tier}]
dibao_tier_min_gap:
  description: floors
  unit: ratio_list
  reference: {document: test}
  values: [{from: 2021-09-18, value: [0, 0.5, 0.9]}]
dibao_tier_share:
  description: shares
  unit: ratio_list
  reference: {document: test}
  values: [{from: 2021-09-18, value: [0.25, 0.6, 1]}]
rounding_unit:
  description: yuan
  unit: enum
  choices: [fen, jiao, yuan]
  reference: {document: test}
  values: [{from: 2021-09-18, value: yuan}]
"""


def evaluator_with(tmp_path: Path, extra: str) -> Evaluator:
    root = tmp_path / "params"
    shutil.copytree(PACKAGED, root)
    (root / "150000" / "method.yaml").write_text(extra, "utf-8")
    pset = load_parameters(root)
    validate_parameters(pset)
    return Evaluator(pset)


def household(income: str) -> dict[str, Any]:
    return {
        "ref": "IM-1",
        "region": "150102",
        "residence": "urban",
        "members": [
            {
                "ref": "a",
                "birth_date": "1975-01-01",
                "sex": "male",
                "employment": "employed",
                "income": {"wages": income},
            },
            {"ref": "b", "birth_date": "1978-01-01", "sex": "female", "employment": "employed"},
        ],
    }


@pytest.mark.parametrize(
    ("income", "expected"),
    [
        ("0", "1680.00"),  # gap 100 % ≥ 90 %: full standard × 2
        ("168.00", "1680.00"),  # per capita 84, gap exactly 90 %: still the top tier
        ("168.02", "1008.00"),  # gap just under 90 %: 60 % × 840 × 2
        ("840.00", "1008.00"),  # gap exactly 50 %
        ("1679.98", "420.00"),  # gap 0.001 %: lowest tier, 25 % × 840 × 2
        ("1680.00", "0.00"),  # no gap: not dibao (C-04 is strict)
    ],
)
def test_the_tier_method_pays_the_share_of_the_tier_the_gap_reaches(
    tmp_path: Path, income: str, expected: str
) -> None:
    """B-01 by tier, rounded to the yuan (B-05)."""
    evaluator = evaluator_with(tmp_path, TIER)
    decision = evaluator.evaluate(parse_household(household(income)), AS_OF)
    assert decision["monthly_benefit"] == expected


def test_rounding_to_the_yuan_rounds_half_up(tmp_path: Path) -> None:
    """B-05: by difference 2 × 840 − 1,000.50 = 679.50 → 680.00 when rounding to the yuan."""
    only_rounding = TIER.split("rounding_unit:")[1]
    evaluator = evaluator_with(tmp_path, "rounding_unit:" + only_rounding)
    decision = evaluator.evaluate(parse_household(household("1000.50")), AS_OF)
    assert decision["monthly_benefit"] == "680.00"


def test_tier_lists_of_different_lengths_are_refused(tmp_path: Path) -> None:
    broken = TIER.replace("[0.25, 0.6, 1]", "[0.25, 0.6]")
    with pytest.raises(ParameterError, match=r"150000/method.yaml.*3 floors but 2 shares"):
        evaluator_with(tmp_path, broken)


@pytest.mark.parametrize(
    ("mode", "expected"), [("half_up", "680.00"), ("up", "680.00"), ("down", "679.00")]
)
def test_rounding_set_for_one_province_applies_there_only_in_a_mixed_batch(
    tmp_path: Path, mode: str, expected: str
) -> None:
    """B-05 per jurisdiction: run together with a Guangzhou household (rounded to the fen), the
    IM household's 679.50 is rounded to the yuan in IM's mode; each decision is the one it
    gets alone (a rounding shared by a whole run is planned as that rounding only)."""
    only_rounding = "rounding_unit:" + TIER.split("rounding_unit:")[1]
    mode_yaml = f"""
rounding_mode:
  description: mode
  unit: enum
  choices: [half_up, up, down]
  reference: {{document: test}}
  values: [{{from: 2021-09-18, value: {mode}}}]
"""
    evaluator = evaluator_with(tmp_path, only_rounding + mode_yaml)
    guangzhou = {**household("1000.55"), "ref": "GZ-1", "region": "440106"}
    guangzhou["members"] = guangzhou["members"][:1]
    both = [parse_household(household("1000.50")), parse_household(guangzhou)]
    together = evaluator.evaluate_many(both, AS_OF)
    alone = [evaluator.evaluate(h, AS_OF) for h in both]
    assert together == alone
    assert [d["monthly_benefit"] for d in together] == [expected, "237.45"]  # type: ignore[index]
