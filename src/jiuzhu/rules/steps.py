"""Named, typed rule steps: each declares its rule-book ID, labels, inputs and parameters.

A step is a small pure function over Polars Series of one level (household, member or
supporter); its inputs are the names of its keyword arguments, which the engine finds among
the columns of that level, the parameters it declares, or the as-of date. Aggregation to a
parent level and broadcast to a child level are steps too, so explanations show them.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable
from dataclasses import dataclass
from typing import Literal

import polars as pl

Level = Literal["household", "member", "supporter"]
PARENT: dict[Level, Level] = {"member": "household", "supporter": "member"}
Kind = Literal["rule", "aggregate", "broadcast"]
AggHow = Literal["sum", "any", "count"]


@dataclass(frozen=True, slots=True)
class Step:
    """One named step of the rule catalogue."""

    rule_id: str
    name: str
    level: Level
    label_zh: str
    label_en: str
    inputs: tuple[str, ...]
    params: tuple[str, ...]
    func: Callable[..., pl.Expr] | None
    kind: Kind = "rule"
    source: str = ""
    how: AggHow | None = None
    output: bool = True  # shown in explanations
    unit: str | None = None  # "yuan" for amounts carried in fen


CATALOGUE: list[Step] = []


def rule(
    rule_id: str,
    *,
    level: Level,
    zh: str,
    en: str,
    params: tuple[str, ...] = (),
    unit: str | None = None,
) -> Callable[[Callable[..., pl.Expr]], Callable[..., pl.Expr]]:
    """Register a function as the step named after it; its arguments are its inputs."""

    def register(func: Callable[..., pl.Expr]) -> Callable[..., pl.Expr]:
        names = tuple(inspect.signature(func).parameters)
        missing = [p for p in params if p not in names]
        if missing:
            raise TypeError(f"{func.__name__}: declared parameters {missing} are not arguments")
        inputs = tuple(n for n in names if n not in params)
        CATALOGUE.append(
            Step(rule_id, func.__name__, level, zh, en, inputs, params, func, "rule", unit=unit)
        )
        return func

    return register


def aggregate(
    rule_id: str,
    name: str,
    source: str,
    how: AggHow,
    *,
    level: Level,
    zh: str,
    en: str,
    unit: str | None = None,
) -> None:
    """A household (or member) column summarising a column of the level below."""
    CATALOGUE.append(
        Step(rule_id, name, level, zh, en, (), (), None, "aggregate", source, how, unit=unit)
    )


def broadcast(rule_id: str, name: str, source: str, *, level: Level, zh: str, en: str) -> None:
    """A member (or supporter) column copying a column of the level above."""
    CATALOGUE.append(
        Step(rule_id, name, level, zh, en, (), (), None, "broadcast", source, output=False)
    )
