"""How a wave of steps adds its columns to a level's frame: rule expressions (on an empty level
too) and exact integer sums of a level's rows per parent row."""

from __future__ import annotations

from collections.abc import Sequence

import polars as pl

from jiuzhu.rules.steps import PARENT, Level, Step

PARENT_INDEX: dict[Level, str] = {"member": "hh", "supporter": "member"}
CHILD: dict[Level, Level] = {parent: child for child, parent in PARENT.items()}


def rule_wave(frame: pl.DataFrame, wave: Sequence[Step], exprs: list[pl.Expr]) -> pl.DataFrame:
    """The frame with the wave's columns."""
    if frame.height:
        return frame.with_columns(exprs)
    # an empty level (no supporters at all; no household left in a chunk): nothing to
    # compute, but each column gets its type from its expression on the empty frame, so
    # what reads it later works on no rows too
    empty = frame.clear()
    try:
        return empty.with_columns(exprs)
    except pl.exceptions.PolarsError:
        return empty.with_columns(pl.lit(None).alias(step.name) for step in wave)


def aggregate_to_parent(child: pl.DataFrame, step: Step, n: int) -> pl.Series:
    """An aggregate step's column for the n rows of its level, from the rows of the level below."""
    if child.height == 0:
        return pl.zeros(n, dtype=pl.Int64, eager=True).alias(step.name)
    index = child[PARENT_INDEX[CHILD[step.level]]]
    return _aggregate(child[step.source], index, n, step.how or "sum").alias(step.name)


def _aggregate(values: pl.Series, parent: pl.Series, n: int, how: str) -> pl.Series:
    """Sum, any or count of child rows per parent row, exactly, in integers.

    A null child value (a rule that needed a parameter unset for its county) makes the
    parent's sum null, and its `any` null unless another child is true (Kleene logic), so
    an unknown never passes for a zero."""
    import numpy as np  # (one household's evaluation sums in its one pass: onepass.py)

    idx = parent.to_numpy()
    if how == "count":
        return pl.Series(np.bincount(idx, minlength=n).astype(np.int64))
    nulls = values.null_count()
    unknown = np.bincount(idx[values.is_null().to_numpy()], minlength=n) > 0 if nulls else None
    if values.dtype == pl.Boolean:
        hits = np.bincount(idx[values.fill_null(False).to_numpy()], minlength=n).astype(np.int64)
        out_b = pl.Series(hits > 0) if how == "any" else pl.Series(hits)
        if unknown is None:
            return out_b
        mask = unknown & (hits == 0) if how == "any" else unknown
        return out_b.scatter(np.flatnonzero(mask), None)
    out = np.zeros(n, dtype=np.int64)
    np.add.at(out, idx, values.fill_null(0).to_numpy().astype(np.int64, copy=False))
    if unknown is None:
        return pl.Series(out)
    return pl.Series(out).scatter(np.flatnonzero(unknown), None)
