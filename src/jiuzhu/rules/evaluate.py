"""Decisions: one household with its explanation, or a whole caseload, on the same steps.

The decision of one household is a row of the same frame a bulk run writes, so the JSON of
`jiuzhu evaluate` and the Parquet of `jiuzhu evaluate-bulk` cannot disagree.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from decimal import Decimal
from functools import cache
from typing import TYPE_CHECKING, Any

import polars as pl

from jiuzhu.rules.caseload import (
    RowError,
    check_dates,
    from_households,
    keep_mask,
    late_dates,
)
from jiuzhu.rules.catalogue import CATALOGUE
from jiuzhu.rules.catalogue.classification import CATEGORY_ORDER
from jiuzhu.rules.catalogue.employment import EMPLOYMENT_DIFFICULTY
from jiuzhu.rules.catalogue_doc import in_rule_book_order
from jiuzhu.rules.engine import Caseload, CompiledParams, Engine
from jiuzhu.rules.errors import InputError, ParameterError
from jiuzhu.rules.household import Household
from jiuzhu.rules.money import fen_str, ratio_to_units
from jiuzhu.rules.params import ParameterSet, Resolved, default_parameters, render_value
from jiuzhu.rules.reason import REASON_COLUMNS, reason_for
from jiuzhu.rules.regions import UnknownRegion
from jiuzhu.rules.steps import Level, Step

if TYPE_CHECKING:
    import numpy as np
    import pyarrow as pa

MONEY_OUTPUTS = (
    "dibao_urban",
    "dibao_rural",
    "dibao",
    "low_income_line",
    "tekun",
    "per_capita_income",
    "monthly_benefit",
)


class Evaluator:
    """The engine bound to a parameter set, with the decision and explanation formats."""

    def __init__(self, params: ParameterSet | None = None) -> None:
        self.params = params if params is not None else default_parameters()
        self.regions = self.params.regions
        self.engine = Engine(self.params)
        self.explained = in_rule_book_order(CATALOGUE)  # the steps an explanation lists

    # -- one household -----------------------------------------------------------------
    def evaluate(
        self, household: Household, as_of: dt.date, *, explain: bool = False
    ) -> dict[str, Any]:
        """The decision JSON for one validated household; InputError when it cannot be made."""
        result = self.evaluate_many([household], as_of, explain=explain)[0]
        if isinstance(result, InputError):
            raise result
        return result

    def evaluate_many(
        self, households: Sequence[Household], as_of: dt.date, *, explain: bool = False
    ) -> list[dict[str, Any] | InputError]:
        """Decision JSONs (with explanations if asked) for several validated households in
        one run of the engine, in input order; a household that cannot be decided gets its
        InputError in its place. `evaluate` is this with one household, so a batch of cases
        and a single case cannot disagree."""
        results: list[dict[str, Any] | InputError | None] = [None] * len(households)
        known: list[int] = []
        for i, household in enumerate(households):
            try:
                self.regions.leaf_of(household.region)
                known.append(i)
            except UnknownRegion as exc:
                results[i] = InputError(str(exc), ref=household.ref, field="region")
        caseload = from_households([households[i] for i in known], self.regions)
        for index, (field, why) in late_dates([households[i] for i in known], as_of).items():
            results[known[index]] = InputError(why, ref=households[known[index]].ref, field=field)
        compiled = self.engine.compile(caseload.households["county"].unique().to_list(), as_of)
        counties = caseload.households["county"].to_list()
        for index, county in enumerate(counties):
            if county in compiled.errors and results[known[index]] is None:
                ref = households[known[index]].ref
                results[known[index]] = InputError(compiled.errors[county], ref=ref)
        keep = [results[i] is None for i in known]
        rows = [(i, county) for i, county, k in zip(known, counties, keep, strict=True) if k]
        if rows:
            caseload = caseload if all(keep) else caseload.take(keep_mask(len(keep), _false(keep)))
            cols = self._run(caseload, compiled)
            frame, flags = decisions_and_flags(self.params, cols, compiled)
            refused = refusals(self.engine.steps, cols, compiled, flags)
            steps = explanations(self.explained, cols, compiled) if explain else []
            reason_rows = cols["household"][REASON_COLUMNS].to_dicts()
            for position, ((i, county), row) in enumerate(
                zip(rows, frame.iter_rows(named=True), strict=True)
            ):
                if position in refused:
                    where, why = refused[position]
                    results[i] = InputError(why, ref=households[i].ref, field=where)
                    continue
                decision = {
                    "reason": reason_for(
                        reason_rows[position],
                        tekun_members=_named(households[i], row["tekun_members"]),
                        single_person_members=_named(households[i], row["single_person_members"]),
                        min_share_units=_ratio_units(
                            compiled, county, "rigid_expenditure_min_share"
                        ),
                    ).as_dict(),
                    **decision_json(row),
                }
                if explain:
                    decision["explanation"] = [
                        *steps[position],
                        self._aid_step(county, decision, as_of),
                    ]
                results[i] = decision
        return [r for r in results if r is not None]

    def _aid_step(self, county: str, decision: dict[str, Any], as_of: dt.date) -> dict[str, Any]:
        aid = aid_parameter(self.params, county, decision["primary_category"], as_of)
        return {
            "rule": "C-08",
            "step": "specialized_aid",
            "label_zh": "该层级可获得的专项救助",
            "label_en": "Specialized aid this layer opens",
            "level": "household",
            "value": decision["specialized_aid"],
            "parameters": [aid.as_dict()] if aid else [],
        }

    # -- a caseload --------------------------------------------------------------------
    def evaluate_caseload(
        self,
        caseload: Caseload,
        as_of: dt.date,
        *,
        lines: np.ndarray | None = None,
        on_step: Callable[[Step], None] | None = None,
    ) -> tuple[pl.DataFrame, list[RowError]]:
        """Decisions for every household that can be decided; the others as RowErrors."""
        import numpy as np  # (not imported by one household's evaluation: a new process)

        n = caseload.size("household")
        line_of = lines if lines is not None else np.arange(1, n + 1)
        errors: dict[int, str] = {}
        for index, (field, why) in check_dates(caseload, as_of).items():
            errors[index] = f"{field}: {why}"
        compiled = self.engine.compile(caseload.households["county"].unique().to_list(), as_of)
        if compiled.errors:
            county = caseload.households["county"]
            for code, message in compiled.errors.items():
                for index in np.flatnonzero((county == code).to_numpy()).tolist():
                    errors.setdefault(index, message)
        caseload_refs = caseload.households["ref"]
        kept = np.arange(n)
        if errors:
            keep = keep_mask(n, sorted(errors))
            kept = np.flatnonzero(keep)
            caseload = caseload.take(keep)
        cols = self._run(caseload, compiled, on_step)
        frame, flags = decisions_and_flags(self.params, cols, compiled)
        refused = refusals(self.engine.steps, cols, compiled, flags)
        if refused:
            for position, (where, why) in refused.items():
                errors[int(kept[position])] = f"{where}: {why}" if where else why
            frame = frame.filter(pl.Series(keep_mask(frame.height, sorted(refused))))
        refs = caseload_refs.gather(sorted(errors)).to_list() if errors else []
        row_errors = [
            RowError(int(line_of[i]), ref, reason)
            for (i, reason), ref in zip(sorted(errors.items()), refs, strict=True)
        ]
        return frame, row_errors

    def _run(
        self,
        caseload: Caseload,
        compiled: CompiledParams,
        on_step: Callable[[Step], None] | None = None,
    ) -> dict[Level, pl.DataFrame]:
        n = caseload.size("household")
        if len(compiled.counties) == 1:  # (no join: every household is of that county)
            county_index = pl.zeros(n, dtype=pl.Int64, eager=True).alias("i")
        else:
            lookup = pl.DataFrame(
                {"county": compiled.counties, "i": range(len(compiled.counties))},
                schema={"county": pl.String, "i": pl.Int64},
            )
            county_index = (
                caseload.households["county"]
                .to_frame()
                .join(lookup, on="county", how="left", maintain_order="left")["i"]
            )
        return self.engine.run(caseload, compiled, county_index, on_step)


# A decision is made when each of these is known; a null means a rule needed a parameter
# that has no value for the county on the date (P-01, P-02).
DECISIVE = (
    "per_capita_income",
    "tekun_count",
    "dibao_household",
    "single_person_count",
    "low_income",
    "rigid_expenditure",
    "in_gradual_exit",
    "primary_category",
    "monthly_benefit",
)  # not the review period: unset before its source (D-01), it is null and listed as unset
# Rule steps that find an input the decision cannot do without: step → (field, why).
INPUT_CHECKS = {
    "gradual_exit_date_missing": (
        "previous.income_exceeded_on",
        "is required for a gradual exit (B-03): the household received dibao and its income "
        "now exceeds the standard while a member works; give the first day its income "
        "exceeded the standard (the period counts from it and ends for good)",
    ),
}


def _null_by_household(step: Step, cols: dict[Level, pl.DataFrame], n: int) -> np.ndarray:
    """Households where the step's value is unknown (for one of their rows)."""
    import numpy as np

    frame = cols[step.level]
    nulls = frame[step.name].is_null().to_numpy()
    if step.level == "household":
        return nulls
    owner = frame["hh"].to_numpy()
    return np.bincount(owner[nulls], minlength=n) > 0


def refusals(
    steps: Sequence[Step],
    cols: dict[Level, pl.DataFrame],
    compiled: CompiledParams,
    flags: pl.DataFrame | None = None,
) -> dict[int, tuple[str | None, str]]:
    """Households of a run that cannot be decided, by row: (field, why).

    An input check of the rules (e.g. B-03's date), or a decisive figure left unknown by a
    parameter that has no value for the household's county on the as-of date — named, with
    every other unset parameter the decision needed. A parameter the decision did not need
    blocks nothing (P-01, P-02). `flags`: the household columns of REFUSAL_FLAGS, when the
    decisions' query computed them already."""
    hh = cols["household"]
    n = hh.height
    out: dict[int, tuple[str | None, str]] = {}
    if n == 0:
        return out
    if flags is None:
        flags = hh.select(REFUSAL_FLAGS)
    for name, (field, why) in INPUT_CHECKS.items():
        for i in flags[name].arg_true().to_list():
            out[i] = (field, why)
    if not compiled.unset:
        return out
    rows = [i for i in flags["_unknown"].arg_true().to_list() if i not in out]
    if not rows:
        return out
    unset_names = {name for per in compiled.unset.values() for name in per}
    readers = [s for s in steps if s.kind == "rule" and unset_names & set(s.params)]
    nulls = {s.name: _null_by_household(s, cols, n) for s in readers}
    county_of = hh["_cidx"].to_list()
    for i in rows:
        county = compiled.counties[int(county_of[i])]
        unset = compiled.unset.get(county, {})
        needed = list(
            dict.fromkeys(p for s in readers if nulls[s.name][i] for p in s.params if p in unset)
        )
        if not needed:
            needed = sorted(unset)
        why = unset[needed[0]] if needed else f"region {county} cannot be decided"
        if len(needed) > 1:
            why += "; also unset: " + ", ".join(needed[1:])
        out[i] = (None, why)
    return out


REFUSAL_FLAGS = [
    *(pl.col(name).fill_null(False) for name in INPUT_CHECKS),
    pl.any_horizontal(pl.col(c).is_null() for c in DECISIVE).alias("_unknown"),
]


def _false(flags: Sequence[bool]) -> list[int]:
    return [i for i, flag in enumerate(flags) if not flag]


def _named(household: Household, refs: list[str] | None) -> list[str]:
    """Members as a person reads them: the `name` the household JSON may carry (an extra
    field the platform sends), else the ref."""
    names = {m.ref: str((m.model_extra or {}).get("name") or m.ref) for m in household.members}
    return [names.get(ref, ref) for ref in refs or []]


def _ratio_units(compiled: CompiledParams, county: str, name: str) -> int | None:
    resolved = compiled.resolved.get(county, {}).get(name)
    if resolved is None or not isinstance(resolved.value, Decimal):
        return None
    return ratio_to_units(resolved.value)


def _fen_to_decimal(name: str, fen: pl.Expr) -> pl.Expr:
    return (fen.cast(pl.Decimal(18, 2)) / 100).cast(pl.Decimal(18, 2)).alias(name)


PRIMARY = pl.Enum([*CATEGORY_ORDER, "none"])


@cache
def _flag_lists(labels: tuple[str, ...]) -> pl.DataFrame:
    """Every combination of flags as a bit code → the list of labels that are set."""
    codes = range(1 << len(labels))
    return pl.DataFrame(
        {
            "code": pl.Series(list(codes), dtype=pl.Int64),
            "labels": [[lb for i, lb in enumerate(labels) if c >> i & 1] for c in codes],
        },
        schema={"code": pl.Int64, "labels": pl.List(pl.Enum(list(labels)))},
    )


def _bit_code(columns: list[str]) -> pl.Expr:
    return pl.sum_horizontal(pl.col(c).cast(pl.Int64) * (1 << i) for i, c in enumerate(columns))


_EMPTY = pl.lit([], dtype=pl.List(pl.String))


def _lists_by_household(values: pl.Series, households: pl.Series, n: int) -> pl.Series:
    """One list per household (empty where none) from values sorted by household: built
    from offsets, with no grouping and no join."""
    import numpy as np
    import pyarrow as pa

    offsets = np.zeros(n + 1, dtype=np.int32)
    np.cumsum(np.bincount(households.to_numpy(), minlength=n), out=offsets[1:])
    lists = pa.ListArray.from_arrays(pa.array(offsets), values.to_arrow())
    # handed over through the Arrow C interface: Polars' pyarrow path would import
    # pyarrow.compute, a tenth of a new process's `jiuzhu evaluate`
    return pl.Series(values.name, _ArrowArray(lists)).alias(values.name)


class _ArrowArray:
    """An Arrow array seen only through the Arrow PyCapsule interface."""

    def __init__(self, array: pa.Array) -> None:
        self.array = array

    def __arrow_c_array__(self, requested_schema: object | None = None) -> tuple[object, object]:
        return self.array.__arrow_c_array__(requested_schema)  # type: ignore[no-any-return]


def _member_lists(members: pl.DataFrame, n: int) -> pl.DataFrame:
    """Per household: refs of 特困 members, of single-person members, and the S-04 labels."""
    if n == 1:  # one household's lists are all its members' (one query, no NumPy)
        return members.select(_one_household_lists())
    flagged = members.select(
        "hh",
        "ref",
        "is_tekun",
        "single_person_dibao",
        _difficulty_code().alias("code"),
    )
    tekun = flagged.filter("is_tekun")
    single = flagged.filter("single_person_dibao")
    difficult = flagged.filter(pl.col("code") > 0).select(
        "hh", _difficulty(pl.col("code")).alias("employment_difficulty")
    )
    return pl.DataFrame(
        [
            _lists_by_household(tekun["ref"].alias("tekun_members"), tekun["hh"], n),
            _lists_by_household(single["ref"].alias("single_person_members"), single["hh"], n),
            _lists_by_household(difficult["employment_difficulty"], difficult["hh"], n),
        ]
    )


def _difficulty_code() -> pl.Expr:
    """A member's S-04 flags as a bit code."""
    return _bit_code(list(EMPLOYMENT_DIFFICULTY))


def _difficulty(code: pl.Expr) -> pl.Expr:
    """A member's S-04 record: (member, categories) from the bit code of its flags."""
    labels = _flag_lists(tuple(EMPLOYMENT_DIFFICULTY.values()))["labels"]
    return pl.struct(member=pl.col("ref"), categories=pl.lit(labels).gather(code))


@cache
def _one_household_lists() -> list[pl.Expr]:
    code = _difficulty_code()
    return [
        pl.col("ref").filter("is_tekun").implode().alias("tekun_members"),
        pl.col("ref").filter("single_person_dibao").implode().alias("single_person_members"),
        _difficulty(code).filter(code > 0).implode().alias("employment_difficulty"),
    ]


def decisions_frame(
    params: ParameterSet, cols: dict[Level, pl.DataFrame], compiled: CompiledParams
) -> pl.DataFrame:
    """One row per household in the decision format; money as Decimal(18, 2).

    The same code serves one household and a caseload."""
    return decisions_and_flags(params, cols, compiled)[0]


def decisions_and_flags(
    params: ParameterSet, cols: dict[Level, pl.DataFrame], compiled: CompiledParams
) -> tuple[pl.DataFrame, pl.DataFrame]:
    """The decisions frame, and the REFUSAL_FLAGS of its households from the same query."""
    exprs = compiled.extras.get("decisions")
    if exprs is None:
        exprs = compiled.extras["decisions"] = [
            *_decision_exprs(params, compiled),
            *REFUSAL_FLAGS,
        ]
    frame = cols["household"].lazy().select(exprs).collect(engine="in-memory")
    flags = frame[[e.meta.output_name() for e in REFUSAL_FLAGS]]
    lists = _member_lists(cols["member"], frame.height)
    return frame.hstack(lists.get_columns())[OUTPUT_COLUMNS], flags


def _decision_exprs(params: ParameterSet, compiled: CompiledParams) -> list[pl.Expr]:
    """The household columns of the decisions, for the compiled parameters (built once)."""
    flags = {
        "tekun": pl.col("tekun_count") > 0,
        "dibao": pl.col("dibao_household") | (pl.col("single_person_count") > 0),
        "low_income": pl.col("low_income"),
        "rigid_expenditure": pl.col("rigid_expenditure"),
    }
    code = pl.sum_horizontal(
        flags[c].cast(pl.Int64) * (1 << i) for i, c in enumerate(CATEGORY_ORDER)
    )
    categories = _flag_lists(tuple(CATEGORY_ORDER))["labels"]
    aid_lists, per_county = _aid_lookup(params, compiled)
    primary = pl.col("primary_category").cast(PRIMARY)
    urban = compiled.series["dibao_standard_urban"]
    rural = compiled.series["dibao_standard_rural"]
    money = set(MONEY_OUTPUTS)
    columns = [
        pl.col("ref"),
        pl.col("region"),
        pl.lit(compiled.as_of).alias("as_of"),
        pl.lit(urban).gather(pl.col("_cidx")).alias("dibao_urban"),
        pl.lit(rural).gather(pl.col("_cidx")).alias("dibao_rural"),
        pl.col("dibao_standard").alias("dibao"),
        pl.col("low_income_line"),
        pl.col("tekun_standard").alias("tekun"),
        pl.col("per_capita_income"),
        pl.lit(categories).gather(code).alias("categories"),
        primary,
        pl.col("monthly_benefit"),
        pl.col("gradual_exit_until"),
        pl.when(pl.col("review_every_months") > 0).then(pl.col("review_every_months")),
        # specialized aid by (county, layer): a small table, gathered by position
        pl.lit(aid_lists)
        .gather(pl.col("_cidx") * per_county + primary.to_physical())
        .alias("specialized_aid"),
        pl.lit(_unset_lists(compiled)).gather(pl.col("_cidx")).alias("unset_parameters"),
    ]
    return [_fen_to_decimal(c, e) if c in money else e for c, e in _named_exprs(columns)]


def _named_exprs(exprs: list[pl.Expr]) -> list[tuple[str, pl.Expr]]:
    return [(e.meta.output_name(), e) for e in exprs]


OUTPUT_COLUMNS = [
    "ref",
    "region",
    "as_of",
    "dibao_urban",
    "dibao_rural",
    "dibao",
    "low_income_line",
    "tekun",
    "per_capita_income",
    "categories",
    "primary_category",
    "monthly_benefit",
    "tekun_members",
    "single_person_members",
    "gradual_exit_until",
    "review_every_months",
    "employment_difficulty",
    "specialized_aid",
    "unset_parameters",
]


def _unset_lists(compiled: CompiledParams) -> pl.Series:
    """Per county of the run: the parameters read by the rules that have no value there on the
    as-of date (P-01) — flagged in each decision; a decision that needed one was refused."""
    return pl.Series(
        "unset_parameters",
        [sorted(compiled.unset.get(c, {})) for c in compiled.counties],
        dtype=pl.List(pl.String),
    )


def _aid_lookup(params: ParameterSet, compiled: CompiledParams) -> tuple[pl.Series, int]:
    """C-08: the specialized aid of every (county, primary category) as one list series,
    indexed by county position × number of categories + category position."""
    cached = compiled.extras.get("aid")
    if cached is not None:
        return cached  # type: ignore[no-any-return]
    rows: list[list[str]] = []
    for county in compiled.counties:
        for category in PRIMARY.categories:
            resolved = (
                aid_parameter(params, county, category, compiled.as_of)
                if county not in compiled.errors and category != "none"
                else None
            )
            value = resolved.value if resolved is not None else ()
            rows.append([str(v) for v in value] if isinstance(value, tuple) else [])
    kinds = sorted({kind for row in rows for kind in row})
    lookup = pl.Series("specialized_aid", rows, dtype=pl.List(pl.Enum(kinds)))
    compiled.extras["aid"] = (lookup, len(PRIMARY.categories))
    return lookup, len(PRIMARY.categories)


def aid_parameter(
    params: ParameterSet, county: str, category: str, as_of: dt.date
) -> Resolved | None:
    try:
        return params.resolve(f"aid_opened_{category}", county, as_of)
    except ParameterError:
        return None


def decision_json(row: dict[str, Any]) -> dict[str, Any]:
    """The decision JSON of issue #2 from one row of the decisions frame."""

    def money(value: Any) -> str:
        return f"{value:.2f}"

    return {
        "ref": row["ref"],
        "region": row["region"],
        "as_of": row["as_of"].isoformat(),
        "standards": {
            "dibao_urban": money(row["dibao_urban"]),
            "dibao_rural": money(row["dibao_rural"]),
            "dibao": money(row["dibao"]),
            "low_income_line": money(row["low_income_line"]),
            "tekun": money(row["tekun"]),
        },
        "per_capita_income": money(row["per_capita_income"]),
        "categories": list(row["categories"]),
        "primary_category": row["primary_category"],
        "monthly_benefit": money(row["monthly_benefit"]),
        "tekun_members": list(row["tekun_members"] or []),
        "single_person_members": list(row["single_person_members"] or []),
        "gradual_exit_until": (
            row["gradual_exit_until"].isoformat() if row["gradual_exit_until"] else None
        ),
        "review_every_months": row["review_every_months"],
        "employment_difficulty": {
            item["member"]: list(item["categories"]) for item in row["employment_difficulty"] or []
        },
        "specialized_aid": list(row["specialized_aid"] or []),
        "unset_parameters": list(row["unset_parameters"] or []),
    }


def _render(step: Step, value: Any) -> Any:
    if value is None:
        return None
    if step.unit == "yuan":
        return fen_str(int(value))
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, list):
        return [render_value(v) if not isinstance(v, int) else v for v in value]
    return value


def _param_dict(compiled: CompiledParams, county: str, name: str) -> dict[str, Any]:
    """A resolved parameter as JSON, built once per compiled run."""
    key = f"param:{county}:{name}"
    if key not in compiled.extras:
        resolved = compiled.resolved[county].get(name)
        compiled.extras[key] = (
            resolved.as_dict()
            if resolved is not None
            else {  # no value for the county on the date (P-01): said, never invented
                "name": name,
                "value": None,
                "unset": True,
                "note": compiled.unset.get(county, {}).get(name, ""),
            }
        )
    return dict(compiled.extras[key])


def explanations(
    steps: list[Step], cols: dict[Level, pl.DataFrame], compiled: CompiledParams
) -> list[list[dict[str, Any]]]:
    """Every named step of a run, per household: rule ID, labels, value, parameters used.
    Each step's column is read once and dealt out to its households by their row indexes."""
    n = cols["household"].height
    counties = [compiled.counties[i] for i in cols["household"]["_cidx"].to_list()]
    member_refs = cols["member"]["ref"].to_list()
    member_hh = cols["member"]["hh"].to_list()
    members_of: list[list[int]] = [[] for _ in range(n)]
    for index, hh in enumerate(member_hh):
        members_of[hh].append(index)
    owners = cols["supporter"]["member"].to_list() if cols["supporter"].height else []
    supporters_of: list[list[int]] = [[] for _ in range(n)]
    for index, owner in enumerate(owners):
        supporters_of[member_hh[owner]].append(index)
    out: list[list[dict[str, Any]]] = [[] for _ in range(n)]
    for step in steps:
        if not step.output:
            continue
        values = [_render(step, v) for v in cols[step.level][step.name].to_list()]
        head: dict[str, Any] = {
            "rule": step.rule_id,
            "step": step.name,
            "label_zh": step.label_zh,
            "label_en": step.label_en,
            "level": step.level,
        }
        for hh in range(n):
            entry = dict(head)
            if step.level == "household":
                entry["value"] = values[hh]
            elif step.level == "member":
                entry["values"] = {member_refs[m]: values[m] for m in members_of[hh]}
            else:
                entry["values"] = [
                    {"member": member_refs[owners[s]], "value": values[s]}
                    for s in supporters_of[hh]
                ]
            if step.params:
                entry["parameters"] = [_param_dict(compiled, counties[hh], p) for p in step.params]
            out[hh].append(entry)
    return out
