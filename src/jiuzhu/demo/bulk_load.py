"""Loading a large synthetic registry into PostgreSQL with COPY (benchmarks, load tests).

Set-based end to end: households and members are built as Polars columns (names from a
documented character list, ID numbers with vectorised check digits), encrypted and hashed
in one pass, then streamed to PostgreSQL with COPY in CSV form, one transaction. Marked
synthetic like every demo record (numbers SYN…, `synthetic = true`).
"""

from __future__ import annotations

import datetime as dt
import io
from collections.abc import Callable

import numpy as np
import polars as pl
from django.db import connection, transaction
from django.utils import timezone

from jiuzhu.regions.models import Level, Region
from jiuzhu.registry.identity import encrypt, id_hash
from jiuzhu.synthetic.households import Shape, generate

# Common Chinese surnames and given-name characters (public-domain frequency lists' heads):
# synthetic names are a surname and one or two given-name characters drawn uniformly.
SURNAMES = list(
    "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈姚卢"
)
GIVEN = list(
    "伟芳娜秀英敏静丽强磊军洋勇艳杰娟涛明超秀兰霞平刚桂英华玉萍红娥玲芬燕彬鹏辉斌宇浩凯健俊帆帅旭宁"
)
WEIGHTS = np.array([7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2], dtype=np.int64)
CHECK = np.array(list("10X98765432"))
FACTS_FROM = dt.date(2024, 1, 1)


def _check_digits(bodies: np.ndarray) -> np.ndarray:
    """GB 11643 check digits of 17-digit bodies, vectorised."""
    digits = bodies.view(np.uint32).reshape(len(bodies), 17) - ord("0")
    return CHECK[(digits * WEIGHTS).sum(axis=1) % 11]


def _names(rng: np.random.Generator, n: int) -> np.ndarray:
    surname = np.array(SURNAMES)[rng.integers(0, len(SURNAMES), n)]
    first = np.array(GIVEN)[rng.integers(0, len(GIVEN), n)]
    second = np.where(rng.random(n) < 0.6, np.array(GIVEN)[rng.integers(0, len(GIVEN), n)], "")
    return np.char.add(np.char.add(surname, first), second)


def _copy(table: str, frame: pl.DataFrame) -> None:
    buffer = io.BytesIO()
    frame.write_csv(buffer, include_header=False, null_value="")
    columns = ", ".join(frame.columns)
    with (
        connection.cursor() as cursor,
        cursor.copy(  # type: ignore[attr-defined]
            f"COPY {table} ({columns}) FROM STDIN WITH (FORMAT csv)"
        ) as copy,
    ):
        copy.write(buffer.getvalue())


def _next_id(table: str) -> int:
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT COALESCE(MAX(id), 0) + 1 FROM {table}")
        return int(cursor.fetchone()[0])


def _fix_sequence(table: str) -> None:
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), (SELECT MAX(id) FROM {table}))"
        )


def bulk_load(
    n: int, counties: list[str], *, seed: int = 7, progress: Callable[[str], None] | None = None
) -> dict[str, int]:
    """Load `n` synthetic households (≈ 2.6 members each) with COPY; PostgreSQL only."""
    if connection.vendor != "postgresql":
        raise RuntimeError("bulk loading uses COPY: set DATABASE_URL to a PostgreSQL database")
    say = progress or (lambda _m: None)
    from jiuzhu.registry.models import Household

    if Household.unscoped.filter(
        synthetic=True, region_code__regex=rf"^({'|'.join(counties)})"
    ).exists():
        # the made-up ID numbers are unique within one load, not against an earlier one
        raise RuntimeError(
            "synthetic households already exist in these counties: load into an empty registry"
        )
    rng = np.random.default_rng(seed)
    raw = pl.from_arrow(generate(n, seed=seed, shape=Shape(as_of=dt.date(2024, 6, 1))))
    assert isinstance(raw, pl.DataFrame)
    villages = {
        c: np.array(
            Region.objects.filter(code__startswith=c, level=Level.VILLAGE).values_list(
                "code", flat=True
            )
        )
        for c in counties
    }
    now = timezone.now().isoformat()
    with transaction.atomic():
        h0 = _next_id("registry_household")
        county = np.array(counties)[np.arange(n) % len(counties)]
        region = np.empty(n, dtype="U12")
        for c in counties:
            here = county == c
            region[here] = villages[c][rng.integers(0, len(villages[c]), int(here.sum()))]
        households = pl.DataFrame(
            {
                "id": np.arange(h0, h0 + n),
                "number": [
                    f"SYN{c}{i:08d}" for c, i in zip(county, range(h0, h0 + n), strict=True)
                ],
                "region_code": region,
                "residence": raw["residence"],
                "address": "合成路1号",
                "hukou_type": "local",
                "synthetic": True,
                "created_at": now,
                "updated_at": now,
            }
        )
        _copy("registry_household", households)
        say(f"households: {n:,}")
        flat = _flatten(raw)
        members = _members(flat, households, rng)
        _copy("registry_member", members)
        say(f"members: {members.height:,}")
        facts = _household_facts(raw, households)
        _copy("registry_householdfact", facts)
        incomes = _incomes(flat, members)
        _copy("registry_incomefact", incomes)
        say(f"facts: {facts.height:,} household, {incomes.height:,} income")
        for table in (
            "registry_household",
            "registry_member",
            "registry_householdfact",
            "registry_incomefact",
        ):
            _fix_sequence(table)
    return {
        "households": n,
        "members": members.height,
        "household_facts": facts.height,
        "income_facts": incomes.height,
    }


def _flatten(raw: pl.DataFrame) -> pl.DataFrame:
    """One row per member with `i`, the position of its household."""
    return (
        raw.select(pl.int_range(pl.len()).alias("i"), "members")
        .explode("members")
        .unnest("members")
    )


def _members(
    flat: pl.DataFrame, households: pl.DataFrame, rng: np.random.Generator
) -> pl.DataFrame:
    m = flat.height
    m0 = _next_id("registry_member")
    region = households["region_code"].gather(flat["i"])
    county_birth = region.str.slice(0, 6) + flat["birth_date"].dt.strftime("%Y%m%d")
    male = (flat["sex"] == "male").cast(pl.Int64)
    # a distinct sequence per county, birth date and sex: unique ID numbers
    rank = pl.DataFrame({"k": county_birth, "s": male}).select(
        pl.int_range(pl.len()).over("k", "s").alias("r")
    )["r"]
    seq = (rank % 500) * 2 + male
    bodies = (county_birth + seq.cast(pl.String).str.zfill(3)).to_numpy().astype("U17")
    numbers = pl.Series(np.char.add(bodies, _check_digits(bodies)).tolist())
    plain = numbers.to_list()
    disability = flat["disability"]
    return pl.DataFrame(
        {
            "id": np.arange(m0, m0 + m),
            "household_id": households["id"].gather(flat["i"]),
            "region_code": region,
            "name": _names(rng, m),
            "id_cipher": ["\\x" + encrypt(x).hex() for x in plain],
            "id_hash": [id_hash(x) for x in plain],
            "id_masked": numbers.str.slice(0, 6) + "********" + numbers.str.slice(14, 4),
            "birth_date": flat["birth_date"],
            "sex": flat["sex"],
            "relation": "家庭成员",
            "disability_kind": disability.struct.field("kind").fill_null(""),
            "disability_grade": disability.struct.field("grade"),
            "serious_illness": flat["serious_illness"],
            "self_care": flat["self_care"],
            "schooling": flat["schooling"].fill_null(""),
            "employment": flat["employment"],
            "unemployed_since": flat["unemployed_since"],
            "left_school_on": flat["left_school_on"],
            "landless": flat["landless"],
            "phone": "",
            "joined_on": flat["birth_date"].clip(lower_bound=dt.date(2015, 1, 1)),
        }
    )


def _incomes(flat: pl.DataFrame, members: pl.DataFrame) -> pl.DataFrame:
    income = (
        flat["income"]
        .struct.unnest()
        .with_columns(member_id=members["id"], region_code=members["region_code"])
    )
    long = income.unpivot(
        index=["member_id", "region_code"], variable_name="kind", value_name="amount"
    )
    long = long.filter(pl.col("amount") > 0)
    return _dated(long)


def _household_facts(raw: pl.DataFrame, households: pl.DataFrame) -> pl.DataFrame:
    wide = pl.concat(
        [
            raw["assets"]
            .struct.unnest()
            .with_columns(
                pl.col(c).cast(pl.Decimal(14, 2))
                for c in ("vehicles", "homes", "business_registrations")
            ),
            raw["expenses"].struct.unnest(),
            raw.select("employment_costs"),
        ],
        how="horizontal",
    ).with_columns(household_id=households["id"], region_code=households["region_code"])
    long = wide.unpivot(
        index=["household_id", "region_code"], variable_name="kind", value_name="amount"
    )
    return _dated(long.filter(pl.col("amount") > 0))


def _dated(long: pl.DataFrame) -> pl.DataFrame:
    now = timezone.now().isoformat()
    return long.with_columns(
        pl.col("amount").cast(pl.Decimal(14, 2)),
        pl.lit(FACTS_FROM).alias("valid_from"),
        pl.lit(None, dtype=pl.Date).alias("valid_to"),
        pl.lit(now).alias("created_at"),
    )
