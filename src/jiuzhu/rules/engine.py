"""The engine: orders the catalogue by dependency and evaluates it over a caseload.

One evaluation path (ARCHITECTURE.md): a whole caseload and a single household run through
the same steps on Polars series; the explanation of one household is the record of every
step's value on a one-household caseload, so bulk and explanation cannot disagree.
"""

from __future__ import annotations

import datetime as dt
from collections import OrderedDict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from decimal import Decimal
from typing import TYPE_CHECKING, Any

import polars as pl

from jiuzhu.rules.catalogue import CATALOGUE
from jiuzhu.rules.errors import ParameterError
from jiuzhu.rules.levels import PARENT_INDEX, aggregate_to_parent, rule_wave
from jiuzhu.rules.money import ratio_to_units, yuan_to_fen
from jiuzhu.rules.onepass import layer_exprs, layers, one_pass_possible, run_one
from jiuzhu.rules.params import MONEY_UNITS, ParameterSet, ParamValue, Resolved
from jiuzhu.rules.steps import PARENT, Level, Step

if TYPE_CHECKING:
    import numpy as np

AS_OF = "as_of"
CACHE_SIZE = 64
# Standards every decision states (P-03, B-02): a county without them cannot be decided at all.
REQUIRED_PARAMETERS = (
    "dibao_standard_urban",
    "dibao_standard_rural",
    "tekun_standard_urban",
    "tekun_standard_rural",
)


@dataclass
class Caseload:
    """Households, members and supporters as columns; children point to their parent's row."""

    households: dict[str, pl.Series]
    members: dict[str, pl.Series]
    supporters: dict[str, pl.Series]

    def level(self, level: Level) -> dict[str, pl.Series]:
        return {"household": self.households, "member": self.members, "supporter": self.supporters}[
            level
        ]

    def size(self, level: Level) -> int:
        cols = self.level(level)
        return next(iter(cols.values())).len() if cols else 0

    def take(self, keep: np.ndarray) -> Caseload:
        """The caseload restricted to the households where `keep` is true, re-indexed."""
        import numpy as np

        new_index = np.cumsum(keep) - 1
        mkeep = keep[self.members["hh"].to_numpy()]
        m_new_index = np.cumsum(mkeep) - 1
        skeep = mkeep[self.supporters["member"].to_numpy()] if self.size("supporter") else mkeep[:0]
        hh = {k: v.filter(pl.Series(keep)) for k, v in self.households.items()}
        members = {k: v.filter(pl.Series(mkeep)) for k, v in self.members.items()}
        members["hh"] = pl.Series("hh", new_index[members["hh"].to_numpy()], dtype=pl.Int64)
        sups = {k: v.filter(pl.Series(skeep)) for k, v in self.supporters.items()}
        if sups:
            sups["member"] = pl.Series(
                "member", m_new_index[sups["member"].to_numpy()], dtype=pl.Int64
            )
            sups["hh"] = members["hh"].gather(sups["member"])
        return Caseload(hh, members, sups)


@dataclass
class CompiledParams:
    """Parameter values per county-level region on one date, as engine-typed series."""

    as_of: dt.date
    counties: list[str]
    series: dict[str, pl.Series]
    resolved: dict[str, dict[str, Resolved]]  # county → name → resolution
    errors: dict[str, str] = field(default_factory=dict)  # county → message
    # county → parameter → why it has no value (P-01): null in the engine; a decision that
    # needs it is refused naming it, one that does not goes on
    unset: dict[str, dict[str, str]] = field(default_factory=dict)
    wave_exprs: dict[int, list[pl.Expr]] = field(default_factory=dict)  # built once, reused
    extras: dict[str, Any] = field(default_factory=dict)  # other per-run derived tables


def engine_value(value: ParamValue, unit: str) -> object:
    """A parameter value in the engine's integer types (fen, 1/10,000 ratio units)."""
    if unit in MONEY_UNITS:
        assert isinstance(value, Decimal)
        return yuan_to_fen(value)
    if unit == "ratio":
        assert isinstance(value, Decimal)
        return ratio_to_units(value)
    if unit == "ratio_list":
        assert isinstance(value, tuple)
        return [ratio_to_units(Decimal(v)) for v in value]
    if unit == "enum_list":
        assert isinstance(value, tuple)
        return list(value)
    return value


def _dtype(unit: str) -> pl.DataType:
    if unit in MONEY_UNITS or unit in ("ratio", "months", "years", "count", "grade", "category"):
        return pl.Int64()
    if unit == "bool":
        return pl.Boolean()
    if unit == "enum":
        return pl.String()
    if unit == "enum_list":
        return pl.List(pl.String())
    return pl.List(pl.Int64())


class Engine:
    """The rule catalogue in dependency order, bound to a parameter set."""

    def __init__(self, params: ParameterSet, steps: Iterable[Step] = CATALOGUE) -> None:
        self.params = params
        self.steps = order_steps(list(steps))
        self.waves = make_waves(self.steps)
        self._cache: OrderedDict[tuple[tuple[str, ...], dt.date], CompiledParams] = OrderedDict()
        names = {p for s in self.steps for p in s.params}
        self.param_names = sorted(names)
        from jiuzhu.rules.caseload import INPUT_COLUMNS  # (caseload.py imports this module)

        # one household is evaluated in one Polars pass when the catalogue allows (onepass.py)
        self.one_pass = one_pass_possible(self.steps, INPUT_COLUMNS)
        self.layers = layers(self.steps)

    def compile(self, counties: Iterable[str], as_of: dt.date) -> CompiledParams:
        """Resolve every parameter the steps read, for each county, on the as-of date.

        Kept in a small cache: a trial evaluation of one household reuses the parameters and
        the built expressions of the last runs for the same counties and date."""
        county_list = sorted(set(counties))
        key = (tuple(county_list), as_of)
        cached = self._cache.get(key)
        if cached is not None:
            self._cache.move_to_end(key)
            return cached
        compiled = self._compile(county_list, as_of)
        self._cache[key] = compiled
        if len(self._cache) > CACHE_SIZE:
            self._cache.popitem(last=False)
        return compiled

    def _compile(self, county_list: list[str], as_of: dt.date) -> CompiledParams:
        resolved: dict[str, dict[str, Resolved]] = {}
        errors: dict[str, str] = {}
        unset: dict[str, dict[str, str]] = {}
        for county in county_list:
            per: dict[str, Resolved] = {}
            for name in self.param_names:
                try:
                    per[name] = self.params.resolve(name, county, as_of)
                except ParameterError as exc:
                    if name in REQUIRED_PARAMETERS:
                        errors.setdefault(county, str(exc))
                    else:
                        unset.setdefault(county, {})[name] = str(exc)
            resolved[county] = per
        series: dict[str, pl.Series] = {}
        for name in self.param_names:
            declared = self.params.by_name.get(name, {})
            unit = next((param.unit for param in declared.values()), "count")
            values = [
                engine_value(resolved[c][name].value, unit) if name in resolved[c] else None
                for c in county_list
            ]
            series[name] = pl.Series(name, values, dtype=_dtype(unit))
        return CompiledParams(as_of, county_list, series, resolved, errors, unset)

    def run(
        self,
        caseload: Caseload,
        compiled: CompiledParams,
        county_index: pl.Series,
        on_step: Callable[[Step], None] | None = None,
    ) -> dict[Level, pl.DataFrame]:
        """Evaluate every step; returns each level's frame, inputs and results together.

        Rule steps of one level and one dependency depth are independent, so each such wave
        is one `with_columns` that Polars runs in parallel; aggregation to the parent and
        broadcast to the children are exact integer NumPy operations between waves. One
        household goes through the same steps in one pass (onepass.py).
        """
        if caseload.size("household") == 1 and caseload.size("member") and self.one_pass:
            wave_exprs = self.wave_exprs(compiled)
            exprs = compiled.extras.get("one_pass")
            if exprs is None:
                exprs = layer_exprs(self.layers, self.waves, wave_exprs)
                compiled.extras["one_pass"] = exprs
            one = run_one(self.waves, caseload, wave_exprs, exprs, county_index, compiled.extras)
            if on_step is not None:
                for step in self.steps:
                    on_step(step)
            return one
        frames: dict[Level, pl.DataFrame] = {
            "household": pl.DataFrame(caseload.households).with_columns(_cidx=county_index),
            "member": pl.DataFrame(caseload.members).with_columns(
                _cidx=county_index.gather(caseload.members["hh"])
            ),
            "supporter": pl.DataFrame(caseload.supporters).with_columns(
                _cidx=county_index.gather(caseload.supporters["hh"])
            ),
        }
        wave_exprs = self.wave_exprs(compiled)
        for i, wave in enumerate(self.waves):
            first = wave[0]
            level = first.level
            if first.kind == "rule":
                frames[level] = rule_wave(frames[level], wave, wave_exprs[i])
            elif first.kind == "aggregate":
                child: Level = next(lv for lv, par in PARENT.items() if par == level)
                n = frames[level].height
                frames[level] = frames[level].with_columns(
                    aggregate_to_parent(frames[child], s, n) for s in wave
                )
            else:
                idx = frames[level][PARENT_INDEX[level]]
                parent = frames[PARENT[level]]
                frames[level] = frames[level].with_columns(
                    parent[s.source].gather(idx).alias(s.name) for s in wave
                )
            if on_step is not None:
                for step in wave:
                    on_step(step)
        return frames

    def wave_exprs(self, compiled: CompiledParams) -> dict[int, list[pl.Expr]]:
        """Each rule wave's expressions for the run's parameters, built once and kept."""
        if not compiled.wave_exprs:
            params = {name: _param_expr(compiled.series[name]) for name in self.param_names}
            for i, wave in enumerate(self.waves):
                if wave[0].kind == "rule":
                    compiled.wave_exprs[i] = [
                        _call(step, compiled.as_of, params).alias(step.name) for step in wave
                    ]
        return compiled.wave_exprs


def _param_expr(values: pl.Series) -> pl.Expr:
    """A parameter as an expression: a literal when every county of the run shares its value
    (Polars then folds branches that cannot apply), else a per-row lookup by county."""
    if values.len() > 0 and values.null_count() == 0 and values.n_unique() == 1:
        first = values[0]
        scalar = first.to_list() if isinstance(first, pl.Series) else first
        return pl.lit(scalar, dtype=values.dtype)
    return pl.lit(values).gather(pl.col("_cidx"))


def _call(step: Step, as_of: dt.date, params: dict[str, pl.Expr]) -> pl.Expr:
    assert step.func is not None
    kwargs: dict[str, object] = {
        name: as_of if name == AS_OF else pl.col(name) for name in step.inputs
    }
    kwargs.update({name: params[name] for name in step.params})
    return step.func(**kwargs)


def make_waves(steps: list[Step]) -> list[list[Step]]:
    """Group ordered steps into waves: same level and kind, no step reading another's output."""
    depth: dict[tuple[str, str], int] = {}
    for step in steps:
        deps = [depth.get(d, 0) for d in _needs(step)]
        depth[(step.level, step.name)] = 1 + max(deps, default=0)
    groups: dict[tuple[int, str, str], list[Step]] = {}
    for step in steps:
        key = (depth[(step.level, step.name)], step.level, step.kind)
        groups.setdefault(key, []).append(step)
    return [groups[k] for k in sorted(groups)]


def order_steps(steps: list[Step]) -> list[Step]:
    """Steps in an order where every input exists before it is read (catalogue order kept
    wherever the dependencies allow)."""
    from jiuzhu.rules.caseload import INPUT_COLUMNS

    available: set[tuple[str, str]] = {
        (lv, c) for lv, names in INPUT_COLUMNS.items() for c in names
    }
    produced = {(s.level, s.name) for s in steps}
    pending = list(steps)
    ordered: list[Step] = []
    while pending:
        for i, step in enumerate(pending):
            if all(dep in available for dep in _needs(step)):
                ordered.append(step)
                available.add((step.level, step.name))
                del pending[i]
                break
        else:
            missing = {
                f"{s.name} needs {lv}.{name}"
                for s in pending
                for lv, name in _needs(s)
                if (lv, name) not in available and (lv, name) not in produced
            }
            raise RuntimeError(f"rule catalogue cannot be ordered: {sorted(missing) or pending}")
    return ordered


def _needs(step: Step) -> list[tuple[str, str]]:
    if step.kind == "aggregate":
        child = next(lv for lv, par in PARENT.items() if par == step.level)
        return [(child, step.source)]
    if step.kind == "broadcast":
        return [(PARENT[step.level], step.source)]
    return [(step.level, n) for n in step.inputs if n != AS_OF]
