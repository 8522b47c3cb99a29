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
from typing import TYPE_CHECKING, Any

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
    if names["supporter"] & (names["household"] | names["member"]) - {"ref", "hh"}:
        return False
    for step in steps:
        if step.level == "household" and "ref" in step.inputs:
            return False
        if step.level == "supporter" and (
            step.kind != "rule" or not set(step.inputs) <= names["supporter"] | {AS_OF}
        ):
            return False
    return True


def layers(steps: Sequence[Step]) -> list[list[Step]]:
    """The household and member steps (but the sums of supporters, read before) in layers:
    a step is in the layer after the last of those it reads, so each layer is one
    `with_columns` on the one frame (about a dozen, where a caseload run has three dozen waves
    of one level each)."""
    depth: dict[str, int] = {}
    out: list[list[Step]] = []
    for step in steps:
        if step.level == "supporter" or (step.kind == "aggregate" and step.level == "member"):
            continue
        reads = [n for n in step.inputs if n != AS_OF] if step.kind == "rule" else [step.source]
        depth[step.name] = 1 + max((depth.get(name, 0) for name in reads), default=0)
        while len(out) < depth[step.name]:
            out.append([])
        out[depth[step.name] - 1].append(step)
    return out


def layer_exprs(
    layered: list[list[Step]], waves: Sequence[Sequence[Step]], wave_exprs: dict[int, list[pl.Expr]]
) -> list[list[pl.Expr]]:
    """Each layer's expressions: the compiled rules, sums over the household, broadcasts."""
    rules = {
        step.name: expr
        for i, wave in enumerate(waves)
        if wave[0].kind == "rule"
        for step, expr in zip(wave, wave_exprs[i], strict=True)
    }
    return [
        [
            rules[step.name]
            if step.kind == "rule"
            else _group_sum(step)
            if step.kind == "aggregate"
            else pl.col(step.source).alias(step.name)
            for step in layer
        ]
        for layer in layered
    ]


def run_one(
    waves: Sequence[Sequence[Step]],
    caseload: Caseload,
    wave_exprs: dict[int, list[pl.Expr]],
    exprs: list[list[pl.Expr]],
    county_index: pl.Series,
    kept: dict[str, Any],
) -> dict[Level, pl.DataFrame]:
    """Every step for a caseload of one household (with at least one member): the supporters'
    waves, then `exprs` (layer_exprs) on the members' rows. `kept` holds what depends only
    on the compiled parameters (CompiledParams.extras)."""
    county_index = county_index.alias("_cidx")
    supporters = _supporters(waves, caseload, wave_exprs, county_index, kept)
    size = caseload.size("member")
    # (one household: its row 0 repeated; Series.new_from_index runs no query, gather would)
    on_members = pl.DataFrame(
        [
            *caseload.members.values(),
            county_index.new_from_index(0, size),
            *(c.new_from_index(0, size) for n, c in caseload.households.items() if n != "ref"),
            *_member_sums(supporters, waves, size),
        ]
    ).lazy()
    for layer in exprs:
        on_members = on_members.with_columns(layer)
    frame = on_members.collect(engine="in-memory", optimizations=_FLAGS)
    # (frame[names] projects without a query, frame.select(names) plans one)
    household = pl.DataFrame([*caseload.households.values(), county_index]).hstack(
        frame[_names(waves, "household")].head(1).get_columns()
    )
    member = frame[[*caseload.members, "_cidx", *_names(waves, "member")]]
    return {"household": household, "member": member, "supporter": supporters}


def _supporters(
    waves: Sequence[Sequence[Step]],
    caseload: Caseload,
    wave_exprs: dict[int, list[pl.Expr]],
    county_index: pl.Series,
    kept: dict[str, Any],
) -> pl.DataFrame:
    """The supporters' frame after their waves, in one query; a household without any gets
    the typed empty frame of the compiled parameters, made once."""
    size = caseload.size("supporter")
    if not size and "no_supporters" in kept:
        return kept["no_supporters"]  # type: ignore[no-any-return]
    frame = pl.DataFrame([*caseload.supporters.values(), county_index.new_from_index(0, size)])
    supporter_waves = [(i, w) for i, w in enumerate(waves) if w[0].level == "supporter"]
    if not size:
        for i, wave in supporter_waves:
            frame = rule_wave(frame, wave, wave_exprs[i])
        kept["no_supporters"] = frame
        return frame
    chain = frame.lazy()
    for i, _ in supporter_waves:
        chain = chain.with_columns(wave_exprs[i])
    return chain.collect(engine="in-memory", optimizations=_FLAGS)


def _member_sums(
    supporters: pl.DataFrame, waves: Sequence[Sequence[Step]], size: int
) -> list[pl.Series]:
    """The members' sums of their supporters' columns, as `levels.aggregate_to_parent` gives
    them (0 where a member has none; no supporter at all: all 0), by one group_by."""
    steps = [
        step
        for wave in waves
        if wave[0].kind == "aggregate" and wave[0].level == "member"
        for step in wave
    ]
    if not supporters.height:
        return [aggregate_to_parent(supporters, step, size) for step in steps]
    sums = supporters.group_by("member").agg(_group_sum(step) for step in steps)
    return [
        pl.zeros(size, dtype=sums[step.name].dtype, eager=True)
        .alias(step.name)
        .scatter(sums["member"], sums[step.name])
        for step in steps
    ]


def _names(waves: Sequence[Sequence[Step]], level: Level) -> list[str]:
    return [step.name for wave in waves if wave[0].level == level for step in wave]


def _group_sum(step: Step) -> pl.Expr:
    """A column summed over its group (the household's members in the one frame, a member's
    supporters), as `levels.aggregate_to_parent` sums it: in integers, null when a value is
    unknown; `any` in Kleene logic."""
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
