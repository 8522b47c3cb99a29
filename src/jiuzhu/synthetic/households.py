"""A documented generator of synthetic households in the engine's household schema.

Vectorised with NumPy (a million households in seconds); the distributions are stated in
docs/synthetic-data.md with where their shapes come from. Every ref starts with "SYN-" so
synthetic records can never be mistaken for real ones.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import polars as pl
import pyarrow as pa
import pyarrow.parquet as pq

from jiuzhu.rules.household import DISABILITY_KINDS
from jiuzhu.rules.regions import RegionTable, default_regions

# Household size 1-6 among assistance applicants (mean ≈ 2.5; small households dominate:
# elderly living alone, couples, single parents).
SIZE_P = np.array([0.30, 0.25, 0.18, 0.15, 0.08, 0.04])
URBAN_SHARE = 0.40
DISABILITY_RATE = 0.08
ILLNESS_RATE = 0.05


@dataclass(frozen=True)
class Shape:
    """Knobs of the generator; the defaults are the documented distributions."""

    provinces: tuple[str, ...] = ("440000", "150000")
    as_of: dt.date = dt.date(2024, 6, 1)


def _lognormal_fen(
    rng: np.random.Generator, n: int, median_yuan: float, sigma: float
) -> np.ndarray:
    # Amounts are drawn in whole fen (integers); floats only shape the distribution.
    return np.round(rng.lognormal(np.log(median_yuan * 100), sigma, n)).astype(np.int64)


def _decimal(fen: np.ndarray) -> pl.Series:
    return (pl.Series(fen, dtype=pl.Int64).cast(pl.Decimal(18, 2)) / 100).cast(pl.Decimal(12, 2))


def generate(
    n: int, *, seed: int = 2024, shape: Shape | None = None, regions: RegionTable | None = None
) -> pa.Table:
    """`n` synthetic households as an Arrow table with the nested household schema."""
    shape = shape or Shape()
    regions = regions or default_regions()
    rng = np.random.default_rng(seed)
    leaves = np.array(sorted(c for c in regions.leaves if c[:2] + "0000" in shape.provinces))
    sizes = rng.choice(np.arange(1, 7), size=n, p=SIZE_P)
    m = int(sizes.sum())
    hh_of = np.repeat(np.arange(n), sizes)
    first = np.zeros(m, dtype=bool)
    offsets = np.concatenate([[0], np.cumsum(sizes)])
    first[offsets[:-1]] = True

    # ages: heads 25-90; others a mixture of children, adults and elderly
    band = rng.choice(3, size=m, p=[0.28, 0.44, 0.28])
    age = np.where(
        band == 0,
        rng.integers(0, 18, m),
        np.where(band == 1, rng.integers(18, 60, m), rng.integers(60, 96, m)),
    )
    age = np.where(first, rng.integers(25, 91, m), age)
    as_of = np.datetime64(shape.as_of)
    birth = as_of - (age * 365.25 + rng.integers(0, 365, m)).astype("timedelta64[D]")
    female = rng.random(m) < 0.5
    disabled = rng.random(m) < DISABILITY_RATE
    dis_kind = rng.choice(np.array(DISABILITY_KINDS), m)
    dis_grade = np.where(disabled, rng.integers(1, 5, m), 0)
    illness = rng.random(m) < ILLNESS_RATE
    self_care = np.where(
        age >= 80, rng.choice(np.array(["full", "partial", "none"]), m, p=[0.6, 0.3, 0.1]), "full"
    )
    schooling = np.select(
        [age < 3, age < 6, age < 15, age < 18, (age < 22) & (rng.random(m) < 0.4)],
        ["", "preschool", "compulsory", "high_school", "higher"],
        "",
    )
    adult = (age >= 18) & (age < 60) & (schooling == "")
    work = rng.choice(np.array(["employed", "unemployed", "other"]), m, p=[0.45, 0.25, 0.30])
    employment = np.where(
        adult, work, np.where(age >= 60, "retired", np.where(schooling != "", "student", "other"))
    )
    unemployed_days = rng.integers(30, 1500, m)
    unemployed_since = np.where(
        employment == "unemployed",
        as_of - unemployed_days.astype("timedelta64[D]"),
        np.datetime64("NaT"),
    )
    graduate = (employment == "unemployed") & (age < 30) & (rng.random(m) < 0.3)
    left_school = np.where(
        graduate, as_of - rng.integers(100, 1800, m).astype("timedelta64[D]"), np.datetime64("NaT")
    )
    landless = (rng.random(m) < 0.05) & adult

    wages = np.where(employment == "employed", _lognormal_fen(rng, m, 1800, 0.6), 0)
    business = np.where(rng.random(m) < 0.05, _lognormal_fen(rng, m, 800, 0.8), 0)
    prop = np.where(rng.random(m) < 0.03, _lognormal_fen(rng, m, 200, 0.8), 0)
    transfer = np.where(rng.random(m) < 0.2, _lognormal_fen(rng, m, 150, 0.7), 0)
    pension = np.where(age >= 60, rng.integers(15000, 30000, m), 0)
    other = np.where(rng.random(m) < 0.05, _lognormal_fen(rng, m, 300, 0.8), 0)

    # supporters elsewhere: for elderly and disabled members, 0-3 with mixed ability
    want = ((age >= 60) | ((dis_grade >= 1) & (dis_grade <= 2))) & (rng.random(m) < 0.6)
    sup_n = np.where(want, rng.integers(0, 4, m), 0)
    s = int(sup_n.sum())
    sup_able = rng.random(s) < 0.7
    sup_age = rng.integers(25, 90, s)
    sup_birth = as_of - (sup_age * 365.25).astype("timedelta64[D]")

    supporters = pl.DataFrame(
        {
            "able": pl.Series(sup_able).set(pl.Series(rng.random(s) < 0.5), None),
            "birth_date": pl.Series(sup_birth.astype("datetime64[D]")).cast(pl.Date),
            "monthly_income": _decimal(_lognormal_fen(rng, s, 2500, 0.8)),
            "assets_within_low_income_rules": pl.Series(rng.random(s) < 0.5),
        }
    )
    sup_struct = supporters.to_struct("s").to_arrow()
    sup_offsets = pa.array(np.concatenate([[0], np.cumsum(sup_n)]).astype(np.int32))
    sup_list = pa.ListArray.from_arrays(sup_offsets, sup_struct)

    dis = pl.DataFrame(
        {"kind": dis_kind, "grade": pl.Series(dis_grade, dtype=pl.Int64), "on": disabled}
    )
    dis_struct = dis.select(pl.when("on").then(pl.struct("kind", "grade")).alias("d"))["d"]
    members = pl.DataFrame(
        {
            "ref": pl.Series([f"m{i}" for i in range(1, 7)], dtype=pl.String).gather(
                np.arange(m) - offsets[hh_of]
            ),
            "birth_date": pl.Series(birth.astype("datetime64[D]")).cast(pl.Date),
            "sex": np.where(female, "female", "male"),
            "relation": np.where(first, "head", "other"),
            "disability": dis_struct,
            "serious_illness": illness,
            "self_care": self_care,
            "schooling": pl.Series(schooling).replace("", None),
            "employment": employment,
            "unemployed_since": pl.Series(unemployed_since.astype("datetime64[D]")).cast(pl.Date),
            "left_school_on": pl.Series(left_school.astype("datetime64[D]")).cast(pl.Date),
            "landless": landless,
            "income": pl.DataFrame(
                {
                    "wages": _decimal(wages),
                    "business": _decimal(business),
                    "property": _decimal(prop),
                    "transfer": _decimal(transfer),
                    "basic_pension": _decimal(pension),
                    "other": _decimal(other),
                }
            ).to_struct("income"),
        }
    )
    mem_arrow = members.to_struct("m").to_arrow()
    fields = [mem_arrow.field(i) for i in range(mem_arrow.type.num_fields)]
    names = [mem_arrow.type.field(i).name for i in range(mem_arrow.type.num_fields)]
    mem_struct = pa.StructArray.from_arrays([*fields, sup_list], names=[*names, "supporters"])
    mem_list = pa.ListArray.from_arrays(pa.array(offsets.astype(np.int32)), mem_struct)

    financial = _lognormal_fen(rng, n, 4000, 1.2)
    prev_dibao = rng.random(n) < 0.2
    # B-03 counts a gradual exit from the first day income exceeded the standard: a previous
    # dibao household carries that day (0-11 months before the as-of date), as a caseworker's
    # record would
    exceeded_on = np.datetime64(shape.as_of) - rng.integers(0, 335, n).astype("timedelta64[D]")
    households = pl.DataFrame(
        {
            "ref": pl.Series(np.char.add("SYN-", np.arange(1, n + 1).astype(str))),
            "region": pl.Series(rng.choice(leaves, n), dtype=pl.String),
            "residence": np.where(rng.random(n) < URBAN_SHARE, "urban", "rural"),
            "assets": pl.DataFrame(
                {
                    "financial": _decimal(financial),
                    "vehicles": pl.Series(np.where(rng.random(n) < 0.1, 1, 0), dtype=pl.Int64),
                    "homes": pl.Series(rng.choice([0, 1, 2], n, p=[0.3, 0.6, 0.1]), dtype=pl.Int64),
                    "business_registrations": pl.Series(
                        np.where(rng.random(n) < 0.03, 1, 0), dtype=pl.Int64
                    ),
                }
            ).to_struct("assets"),
            "expenses": pl.DataFrame(
                {
                    "medical": _decimal(
                        np.where(rng.random(n) < 0.2, _lognormal_fen(rng, n, 300, 0.9), 0)
                    ),
                    "education": _decimal(
                        np.where(rng.random(n) < 0.15, _lognormal_fen(rng, n, 200, 0.7), 0)
                    ),
                    "disability": _decimal(
                        np.where(rng.random(n) < 0.05, _lognormal_fen(rng, n, 200, 0.7), 0)
                    ),
                }
            ).to_struct("expenses"),
            "employment_costs": _decimal(
                np.where(rng.random(n) < 0.2, _lognormal_fen(rng, n, 150, 0.5), 0)
            ),
            "previous": pl.DataFrame(
                {
                    "category": pl.Series(np.where(prev_dibao, "dibao", "")).replace("", None),
                    "monthly_benefit": _decimal(
                        np.where(prev_dibao, rng.integers(10000, 300000, n), 0)
                    ),
                    "income_exceeded_on": pl.Series(exceeded_on.astype("datetime64[D]")).cast(
                        pl.Date
                    ),
                }
            )
            .select(
                pl.when(pl.col("category").is_not_null())
                .then(pl.struct("category", "monthly_benefit", "income_exceeded_on"))
                .alias("p")
            )["p"]
            .alias("previous"),
        }
    ).to_arrow()
    cols = households.columns
    names_h = households.column_names
    table = pa.table(
        {
            **dict(zip(names_h[:3], cols[:3], strict=True)),
            "members": mem_list,
            **dict(zip(names_h[3:], cols[3:], strict=True)),
        }
    )
    return table.replace_schema_metadata({"jiuzhu": "synthetic households, not real people"})


ROW_GROUP = 100_000  # lets readers fetch a chunk without reading the whole file


def write_households(path: Path, n: int, *, seed: int = 2024, shape: Shape | None = None) -> None:
    """Generate and write `n` households as Parquet (by row groups) or JSON Lines."""
    table = generate(n, seed=seed, shape=shape)
    path.parent.mkdir(parents=True, exist_ok=True)
    if path.suffix.lower() in (".parquet", ".pq"):
        pq.write_table(table, path, row_group_size=ROW_GROUP, compression="zstd")
    else:
        pl.from_arrow(table).write_ndjson(path)  # type: ignore[union-attr]
