"""One household in one Polars pass: the same steps and compiled expressions as a caseload run,
with the household's columns repeated on each of its member rows.

Planning a Polars query costs far more than running it on a few rows, and a caseload run plans
one query per wave (about forty). For a single household every level but the supporters' fits
in one frame: a household column is the same on each member row, a sum over the household's
members is a whole-column sum, and a broadcast to the members is the column itself. So the
household and member steps are one lazy chain, planned and collected once; the supporters'
steps (which read only supporter columns) come first, and their sums per member are the
engine's own exact aggregation. The frames returned are those `Engine.run` returns for the
same caseload, so bulk and explanation still cannot disagree (tests/rules/test_properties.py).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

import polars as pl

from jiuzhu.rules.levels import aggregate_to_parent, rule_wave
from jiuzhu.rules.steps import Level, Step

if TYPE_CHECKING:
    from jiuzhu.rules.engine import Caseload

AS_OF = "as_of"
# Polars' in-memory engine with the expression simplification of its eager API: the other
# optimizations cost more than they save on a query over a few rows.
_FLAGS = pl.QueryOptFlags.none()
_FLAGS.simplify_expression = True


def one_pass_possible(steps: Sequence[Step], inputs: dict[str, dict[str, pl.DataType]]) -> bool:
    """Whether a catalogue fits one frame: no name is both a household and a member column but
    `ref`, which no household step reads, and the supporters' steps read only their own level."""
    names: dict[str, set[str]] = {level: set(columns) for level, columns in inputs.items()}
    for step in steps:
        names[step.level].add(step.name)
    if names["household"] & names["member"] - {"ref"}:
        return False
    for step in steps:
        if step.level == "household" and "ref" in step.inputs:
            return False
        if step.level == "supporter" and (
            step.kind != "rule" or not set(step.inputs) <= names["supporter"] | {AS_OF}
        ):
            return False
    return True


def run_one(
    waves: Sequence[Sequence[Step]],
    caseload: Caseload,
    wave_exprs: dict[int, list[pl.Expr]],
    county_index: pl.Series,
) -> dict[Level, pl.DataFrame]:
    """Every step for a caseload of one household (with at least one member)."""
    county_index = county_index.alias("_cidx")
    # (one household: its row 0 repeated; Series.new_from_index runs no query, gather would)
    supporters = pl.DataFrame(
        [*caseload.supporters.values(), county_index.new_from_index(0, caseload.size("supporter"))]
    )
    chain = supporters.lazy()
    for i, wave in enumerate(waves):
        if wave[0].level == "supporter":
            if supporters.height:
                chain = chain.with_columns(wave_exprs[i])
            else:
                supporters = rule_wave(supporters, wave, wave_exprs[i])
    if supporters.height:
        supporters = chain.collect(engine="in-memory", optimizations=_FLAGS)
    size = caseload.size("member")
    on_members = pl.DataFrame(
        [
            *caseload.members.values(),
            county_index.new_from_index(0, size),
            *(c.new_from_index(0, size) for n, c in caseload.households.items() if n != "ref"),
        ]
    ).lazy()
    for i, wave in enumerate(waves):
        first = wave[0]
        if first.level == "supporter":
            continue
        if first.kind == "rule":
            on_members = on_members.with_columns(wave_exprs[i])
        elif first.kind == "aggregate" and first.level == "member":
            on_members = on_members.with_columns(
                aggregate_to_parent(supporters, step, size) for step in wave
            )
        elif first.kind == "aggregate":
            on_members = on_members.with_columns(_household_sum(step) for step in wave)
        else:
            on_members = on_members.with_columns(pl.col(s.source).alias(s.name) for s in wave)
    frame = on_members.collect(engine="in-memory", optimizations=_FLAGS)
    household = pl.concat(
        [
            pl.DataFrame([*caseload.households.values(), county_index]),
            frame.select(_names(waves, "household")).head(1),
        ],
        how="horizontal",
    )
    member_columns = [*caseload.members, "_cidx", *_names(waves, "member")]
    return {"household": household, "member": frame.select(member_columns), "supporter": supporters}


def _names(waves: Sequence[Sequence[Step]], level: Level) -> list[str]:
    return [step.name for wave in waves if wave[0].level == level for step in wave]


def _household_sum(step: Step) -> pl.Expr:
    """A member column summed over the household, as `levels.aggregate_to_parent` sums it: in
    integers, null when a member's value is unknown; `any` in Kleene logic."""
    source = pl.col(step.source)
    if step.how == "count":
        return pl.len().cast(pl.Int64).alias(step.name)
    if step.how == "any":
        return source.any(ignore_nulls=False).alias(step.name)
    return (
        pl.when(source.is_null().any())
        .then(pl.lit(None, dtype=pl.Int64))
        .otherwise(source.cast(pl.Int64).sum())
        .alias(step.name)
    )
