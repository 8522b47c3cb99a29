"""Situation tests ("law as tests"): the rule book written as households and their decisions.

Every YAML file under situations/ is a list of situations. A situation is either a household
evaluated on a date, or (``kind: temporary_aid``) an amount of temporary aid routed to the
authority that approves it (A-06):

    - name: a sentence that cites the rule IDs it checks (C-04)
      rules: [C-04, B-01]
      as_of: 2023-06-01
      household: {ref: ..., region: "440106", residence: urban, members: [...]}
      expect: {primary_category: dibao, monthly_benefit: "0.01"}

    - name: ... (A-06)
      rules: [A-06]
      kind: temporary_aid
      as_of: 2023-06-01
      region: "150102"
      amount: "4200.00"
      expect: {authority: township}

`expect` gives a subset of the decision: every key given must equal the decision's value.
For nested mappings (`standards`, `employment_difficulty`, `thresholds`) only the keys given
are compared, and a key given as null must be absent or null; an empty mapping must be empty.
Amounts are written as quoted strings, exactly as the decision prints them.
`expect_error: "substring"` instead of `expect` says the input must be refused with an
InputError (a RulesError for temporary aid) whose message contains the substring.
`xfail: "reason"` marks a situation the code is believed to get wrong (strict: it must fail).
"""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
import yaml

from jiuzhu.rules.errors import InputError, RulesError
from jiuzhu.rules.evaluate import Evaluator
from jiuzhu.rules.household import parse_household
from jiuzhu.rules.routing import route_temporary_aid

SITUATIONS = Path(__file__).parent / "situations"
RULE_ID = re.compile(r"\b[A-Z]-\d{2}\b")
KINDS = ("household", "temporary_aid")
COMMON_KEYS = {"name", "rules", "as_of", "kind", "expect", "expect_error", "xfail", "note"}
KIND_KEYS = {"household": {"household"}, "temporary_aid": {"region", "amount"}}


def _fail(path: Path, index: int, message: str) -> ValueError:
    return ValueError(f"{path.name}, situation {index + 1}: {message}")


def _check_situation(path: Path, index: int, raw: Any) -> dict[str, Any]:
    """Refuse a malformed situation at collection, naming the file and its position."""
    if not isinstance(raw, dict):
        raise _fail(path, index, "must be a mapping")
    kind = raw.get("kind", "household")
    if kind not in KINDS:
        raise _fail(path, index, f"kind must be one of {KINDS} (got {kind!r})")
    unknown = set(raw) - COMMON_KEYS - KIND_KEYS[kind]
    if unknown:
        raise _fail(path, index, f"unknown keys {sorted(unknown)}")
    missing = {"name", "rules", "as_of"} | KIND_KEYS[kind]
    missing -= set(raw)
    if missing:
        raise _fail(path, index, f"missing keys {sorted(missing)}")
    name = raw["name"]
    if not isinstance(name, str) or not name.strip():
        raise _fail(path, index, "name must be a sentence")
    rules = raw["rules"]
    if not isinstance(rules, list) or not rules:
        raise _fail(path, index, "rules must be a non-empty list of rule IDs")
    bad = [r for r in rules if not isinstance(r, str) or not RULE_ID.fullmatch(r)]
    if bad:
        raise _fail(path, index, f"not rule IDs: {bad}")
    if not set(RULE_ID.findall(name)) & set(rules):
        raise _fail(path, index, f"the name must cite one of its rules {rules}: {name!r}")
    if not isinstance(raw["as_of"], dt.date):
        raise _fail(path, index, "as_of must be a date YYYY-MM-DD")
    if ("expect" in raw) == ("expect_error" in raw):
        raise _fail(path, index, "give exactly one of expect and expect_error")
    if "expect" in raw and (not isinstance(raw["expect"], dict) or not raw["expect"]):
        raise _fail(path, index, "expect must be a non-empty mapping")
    if "expect_error" in raw and not isinstance(raw["expect_error"], str):
        raise _fail(path, index, "expect_error must be a substring of the error message")
    if "xfail" in raw and not (isinstance(raw["xfail"], str) and raw["xfail"].strip()):
        raise _fail(path, index, "xfail must give the reason")
    _no_floats(path, index, raw.get("expect"))
    return raw


def _no_floats(path: Path, index: int, value: Any) -> None:
    """Amounts are quoted strings: an unquoted 0.10 would be a float and compare wrongly."""
    if isinstance(value, float):
        raise _fail(path, index, f"write amounts as quoted strings (got the float {value})")
    if isinstance(value, dict):
        for item in value.values():
            _no_floats(path, index, item)
    if isinstance(value, list):
        for item in value:
            _no_floats(path, index, item)


def load_situations() -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = []
    for path in sorted(SITUATIONS.glob("*.yaml")):
        doc = yaml.safe_load(path.read_text("utf-8"))
        if not isinstance(doc, list):
            raise ValueError(f"{path.name}: must be a list of situations")
        for index, raw in enumerate(doc):
            out.append(_check_situation(path, index, raw) | {"file": path.name})
    return out


ALL = load_situations()


def _params() -> list[Any]:
    params = []
    for situation in ALL:
        marks = []
        if "xfail" in situation:
            marks.append(pytest.mark.xfail(reason=situation["xfail"], strict=True))
        params.append(pytest.param(situation, id=situation["name"], marks=marks))
    return params


@pytest.fixture(scope="module")
def evaluator() -> Evaluator:
    return Evaluator()


def _expected(value: Any) -> Any:
    if isinstance(value, dt.date):
        return value.isoformat()
    return value


def _compare(expected: Any, actual: Any, path: str, mismatches: list[str]) -> None:
    if isinstance(expected, dict):
        if not isinstance(actual, dict):
            mismatches.append(f"{path}: expected a mapping, got {actual!r}")
            return
        if not expected and actual:
            mismatches.append(f"{path}: expected {{}}, got {actual!r}")
        for key, value in expected.items():
            _compare(value, actual.get(key), f"{path}.{key}", mismatches)
        return
    want = _expected(expected)
    if actual != want:
        mismatches.append(f"{path}: expected {want!r}, got {actual!r}")


def _run(situation: dict[str, Any], evaluator: Evaluator) -> dict[str, Any]:
    as_of = situation["as_of"]
    if situation.get("kind") == "temporary_aid":
        return route_temporary_aid(
            region=str(situation["region"]),
            amount=Decimal(str(situation["amount"])),
            as_of=as_of,
            params=evaluator.params,
        )
    household = parse_household(situation["household"])
    return evaluator.evaluate(household, as_of, explain=False)


@pytest.mark.parametrize("situation", _params())
def test_situation(situation: dict[str, Any], evaluator: Evaluator) -> None:
    if "expect_error" in situation:
        error = RulesError if situation.get("kind") == "temporary_aid" else InputError
        with pytest.raises(error, match=re.escape(situation["expect_error"])):
            _run(situation, evaluator)
        return
    decision = _run(situation, evaluator)
    mismatches: list[str] = []
    for key, value in situation["expect"].items():
        if key not in decision:
            mismatches.append(f"{key}: not a key of the decision ({sorted(decision)})")
            continue
        _compare(value, decision[key], key, mismatches)
    assert not mismatches, f"{situation['file']}: {situation['name']}\n" + "\n".join(mismatches)


def test_situations_are_many_and_uniquely_named() -> None:
    names = [s["name"] for s in ALL]
    duplicates = sorted({n for n in names if names.count(n) > 1})
    assert not duplicates, f"situation names must be unique: {duplicates}"
    assert len(ALL) >= 60
