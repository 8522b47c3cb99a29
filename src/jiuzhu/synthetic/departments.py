"""Synthetic department data (V-02) consistent with a synthetic population, with a
documented share of planted discrepancies and their ground truth. Never real people.

Input: one row per member (`PERSON_COLUMNS`): the member's ID number and declared facts
(monthly wages and base pension, yuan) and the household's declared assets (financial
assets in yuan, vehicles, homes, business registrations) — from the demo database
(`jiuzhu.demo.departments`) or from `population()` here.

**Consistent records** (what the departments would hold if every declaration were true):
- 户籍 hukou: every member `registered`, from 2015-01-01 (or birth);
- 税务 tax: every member declaring wages: one `wages` record for the month before as-of,
  income = the declared monthly wages;
- 社会保险: every member declaring a base pension: `pension` / `resident_pension`, that
  amount; half of the wage earners: an `employee_pension` contribution (8 % of wages);
- 住房公积金: 30 % of the wage earners: a contribution of 2 × 5 % of wages;
- 不动产: one `residential` record per declared home (the head's), 40-120 m²;
- 车船: one `car` per declared vehicle; 市场主体: one `individual_business` per declared
  registration (the head as `sole_proprietor`);
- 银行 / 互联网金融 / 证券: the declared financial assets split over the head's accounts: all
  in a bank deposit for 75 % of households, 70/30 bank/internet finance for 20 %, 80/20
  bank/securities for 5 %; 商业保险: 5 % of adults hold a health policy (cash value 0).

**Planted discrepancies**: a share `discrepancy_share` (default 5 %) of households gets
exactly one, its kind drawn uniformly from `DISCREPANCIES`: an undeclared car; an
undeclared wage record (3,000-8,000 yuan, a member declaring no wages if there is one); a
company registration (legal representative, capital 100,000-1,000,000); a death (a
member's, within the last year); deposits 200,000-500,000 yuan above the declared financial
assets; an undeclared home. **Decoys**: for `decoy_share` (default 1 %) of households a
large deposit of a person whose ID number differs from a member's in one digit (valid check
digit): it must match nobody. Both go to the ground truth (`ground_truth.csv`): household,
member, source, what was planted and the ID number it was planted on.

Amounts are drawn in whole fen; files hold text (amounts with two decimals).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import polars as pl

from jiuzhu.synthetic.households import Shape, generate

PERSON_COLUMNS = (
    "household",
    "member",  # position in the household, 0 = head
    "id_number",
    "name",
    "birth_date",
    "region",
    "wages",
    "basic_pension",
    "financial",
    "vehicles",
    "homes",
    "business_registrations",
)
DISCREPANCIES = (
    "undeclared_vehicle",
    "undeclared_wages",
    "company_registration",
    "death",
    "deposits_over_limit",
    "undeclared_real_estate",
)
DECOY = "decoy_near_id"
WEIGHTS = np.array([7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2], dtype=np.int64)
CHECK = "10X98765432"
DEFAULT_AS_OF = Shape().as_of
USCC_ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"


@dataclass(frozen=True)
class DepartmentData:
    files: dict[str, pl.DataFrame]  # source code → its records (text columns)
    truth: pl.DataFrame  # the planted discrepancies and decoys


def check_digit(body: str) -> str:
    return CHECK[int(np.dot(np.frombuffer(body.encode(), np.uint8) - 48, WEIGHTS)) % 11]


def _uscc(rng: np.random.Generator) -> str:
    from stdnum.cn import uscc

    body = (
        "9144"
        + "".join(rng.choice(list("0123456789"), 4))
        + "".join(rng.choice(list(USCC_ALPHABET), 9))
    )
    return body + uscc.calc_check_digit(body)


def _yuan(fen: np.ndarray | int) -> Any:
    if isinstance(fen, np.ndarray):
        return [f"{v // 100}.{v % 100:02d}" for v in fen.tolist()]
    return f"{fen // 100}.{fen % 100:02d}"


def _fen(series: pl.Series) -> np.ndarray:
    return (series.cast(pl.Decimal(18, 2)) * 100).cast(pl.Int64).to_numpy()


def population(n: int, *, seed: int = 2024, as_of: dt.date = DEFAULT_AS_OF) -> pl.DataFrame:
    """A standalone synthetic population (no database): the household generator's members
    with made-up, valid and unique ID numbers and names."""
    raw = pl.from_arrow(generate(n, seed=seed, shape=Shape(as_of=as_of)))
    assert isinstance(raw, pl.DataFrame)
    flat = raw.select(
        pl.col("ref").alias("household"),
        pl.col("region"),
        pl.col("assets").struct.field("financial").alias("financial"),
        pl.col("assets").struct.field("vehicles").alias("vehicles"),
        pl.col("assets").struct.field("homes").alias("homes"),
        pl.col("assets").struct.field("business_registrations").alias("business_registrations"),
        "members",
    ).explode("members")
    members = flat.get_column("members").struct.unnest()
    frame = flat.drop("members").with_columns(
        members.get_column("birth_date"),
        members.get_column("sex"),
        members.get_column("income").struct.field("wages").alias("wages"),
        members.get_column("income").struct.field("basic_pension").alias("basic_pension"),
        pl.int_range(pl.len()).over("household").alias("member"),
    )
    key = pl.col("region").str.slice(0, 6) + pl.col("birth_date").dt.strftime("%Y%m%d")
    male = (pl.col("sex") == "male").cast(pl.Int64)
    seq = (pl.int_range(pl.len()).over(key, male) % 500) * 2 + male
    bodies = frame.select(key + seq.cast(pl.String).str.zfill(3)).to_series().to_list()
    rng = np.random.default_rng(seed)
    names = np.char.add(
        np.array(list("王李张刘陈杨黄赵吴周"))[rng.integers(0, 10, len(bodies))], "合成"
    )
    return frame.with_columns(
        pl.Series("id_number", [b + check_digit(b) for b in bodies]),
        pl.Series("name", names.tolist()),
    ).select(PERSON_COLUMNS)


def near_id(number: str, rng: np.random.Generator) -> str:
    """A valid ID number one digit (of the sequence) away from `number`."""
    position = 14 + int(rng.integers(0, 2))
    digit = (int(number[position]) + 1 + int(rng.integers(0, 8))) % 10
    body = number[:position] + str(digit) + number[position + 1 : 17]
    return body + check_digit(body)


def _rows(persons: pl.DataFrame, mask: np.ndarray, **columns: Any) -> pl.DataFrame:
    """Records of the persons where `mask` holds, every value as text."""
    chosen = persons.filter(pl.Series(mask))
    values: dict[str, Any] = {"id_number": chosen["id_number"], "name": chosen["name"]}
    for name, value in columns.items():
        if callable(value):
            value = value(chosen)
        values[name] = value if isinstance(value, pl.Series | list) else [value] * chosen.height
    return pl.DataFrame(values).cast(pl.String)


def _repeat(persons: pl.DataFrame, counts: np.ndarray) -> pl.DataFrame:
    return persons.select(pl.all().repeat_by(pl.Series(counts)).explode()).drop_nulls("id_number")


def consistent(persons: pl.DataFrame, rng: np.random.Generator, as_of: dt.date) -> dict[str, Any]:
    """Every source's records as the declarations say (module docstring)."""
    m = persons.height
    wages, pension = _fen(persons["wages"]), _fen(persons["basic_pension"])
    head = (persons["member"] == 0).to_numpy()
    month = (as_of.replace(day=1) - dt.timedelta(days=1)).replace(day=1)
    month_end = as_of.replace(day=1) - dt.timedelta(days=1)
    earner = wages > 0
    birth = persons["birth_date"].to_numpy().astype("datetime64[D]")
    since = np.maximum(birth, np.datetime64("2015-01-01")).astype(str).tolist()
    files: dict[str, list[pl.DataFrame]] = {
        "hukou": [
            _rows(
                persons,
                np.ones(m, bool),
                event="registered",
                event_date=pl.Series(since),
                hukou_region=lambda c: c["region"].str.slice(0, 6),
            )
        ],
        "tax": [
            _rows(
                persons,
                earner,
                income_kind="wages",
                period_start=month.isoformat(),
                period_end=month_end.isoformat(),
                income=_yuan(wages[earner]),
            )
        ],
    }
    contrib = earner & (rng.random(m) < 0.5)
    files["social_insurance"] = [
        _rows(
            persons,
            pension > 0,
            item="pension",
            insurance="resident_pension",
            month=f"{month:%Y-%m}",
            amount=_yuan(pension[pension > 0]),
        ),
        _rows(
            persons,
            contrib,
            item="contribution",
            insurance="employee_pension",
            month=f"{month:%Y-%m}",
            amount=_yuan(wages[contrib] * 8 // 100),
            contribution_base=_yuan(wages[contrib]),
        ),
    ]
    fund = earner & (rng.random(m) < 0.3)
    files["provident_fund"] = [
        _rows(
            persons,
            fund,
            event="contribution",
            month=f"{month:%Y-%m}",
            amount=_yuan(wages[fund] * 10 // 100),
            wage_base=_yuan(wages[fund]),
        )
    ]
    heads = persons.filter(pl.Series(head))
    homes = _repeat(heads, heads["homes"].to_numpy())
    files["real_estate"] = [
        _rows(
            homes,
            np.ones(homes.height, bool),
            property_kind="residential",
            floor_area=[f"{a}.00" for a in rng.integers(40, 121, homes.height)],
            registered_on="2010-05-01",
            status="registered",
        )
    ]
    cars = _repeat(heads, heads["vehicles"].to_numpy())
    files["vehicles"] = [
        _rows(
            cars,
            np.ones(cars.height, bool),
            vehicle_kind="car",
            registered_on="2018-03-01",
            status="registered",
        )
    ]
    firms = _repeat(heads, heads["business_registrations"].to_numpy())
    files["market_entity"] = [
        _rows(
            firms,
            np.ones(firms.height, bool),
            role="sole_proprietor",
            uscc=[_uscc(rng) for _ in range(firms.height)],
            entity_name="合成个体工商户",
            entity_type="individual_business",
            registered_capital="0.00",
            registered_on="2019-01-01",
            status="active",
        )
    ]
    files |= _financial(heads, rng, as_of)
    adult = ((np.datetime64(as_of) - birth).astype(int) // 365 >= 18) & (rng.random(m) < 0.05)
    files["commercial_insurance"] = [
        _rows(
            persons,
            adult,
            policy_kind="health",
            insurer="合成保险公司",
            role="insured",
            cash_value="0.00",
            effective_on="2022-01-01",
        )
    ]
    return files


def _financial(heads: pl.DataFrame, rng: np.random.Generator, as_of: dt.date) -> dict[str, Any]:
    total = _fen(heads["financial"])
    split = rng.choice(3, heads.height, p=[0.75, 0.20, 0.05])
    other = np.where(split == 1, total * 30 // 100, np.where(split == 2, total * 20 // 100, 0))
    bank = total - other
    day = as_of.isoformat()
    has = total > 0
    internet, securities = has & (split == 1), has & (split == 2)
    return {
        "bank": [
            _rows(
                heads,
                has,
                product="current_deposit",
                bank_name="合成农商银行",
                balance=_yuan(bank[has]),
                balance_on=day,
            )
        ],
        "internet_finance": [
            _rows(
                heads,
                internet,
                product="money_market_fund",
                platform="合成支付平台",
                balance=_yuan(other[internet]),
                valued_on=day,
            )
        ],
        "securities": [
            _rows(
                heads,
                securities,
                holding="fund",
                broker="合成证券",
                market_value=_yuan(other[securities]),
                valued_on=day,
            )
        ],
    }


def _plant(kind: str, person: dict[str, Any], rng: np.random.Generator, as_of: dt.date) -> Any:
    """One planted record: (source, record values, detail for the ground truth)."""
    day = (as_of - dt.timedelta(days=int(rng.integers(30, 365)))).isoformat()
    if kind == "undeclared_vehicle":
        return "vehicles", {"vehicle_kind": "car", "registered_on": day, "status": "registered"}
    if kind == "undeclared_wages":
        fen = int(rng.integers(300_000, 800_001))
        start = as_of.replace(day=1) - dt.timedelta(days=1)
        return "tax", {
            "income_kind": "wages",
            "period_start": start.replace(day=1).isoformat(),
            "period_end": start.isoformat(),
            "income": _yuan(fen),
        }
    if kind == "company_registration":
        return "market_entity", {
            "role": "legal_representative",
            "uscc": _uscc(rng),
            "entity_name": "合成贸易有限公司",
            "entity_type": "company",
            "registered_capital": _yuan(int(rng.integers(100_000, 1_000_001)) * 100),
            "registered_on": day,
            "status": "active",
        }
    if kind == "death":
        return "hukou", {"event": "death", "event_date": day}
    if kind == "deposits_over_limit":
        extra = int(rng.integers(200_000, 500_001)) * 100
        balance = int(_fen(pl.Series([person["financial"]]))[0]) + extra
        return "bank", {
            "product": "time_deposit",
            "bank_name": "合成城市商业银行",
            "balance": _yuan(balance),
            "balance_on": as_of.isoformat(),
        }
    return "real_estate", {
        "property_kind": "residential",
        "floor_area": f"{int(rng.integers(60, 141))}.00",
        "registered_on": day,
        "status": "registered",
    }


def _target(kind: str, members: list[dict[str, Any]], rng: np.random.Generator) -> dict[str, Any]:
    if kind == "undeclared_wages":
        idle = [p for p in members if float(p["wages"] or 0) == 0]
        return idle[0] if idle else members[0]
    if kind == "death":
        return members[int(rng.integers(0, len(members)))]
    return members[0]


def generate_departments(
    persons: pl.DataFrame,
    *,
    seed: int = 2024,
    discrepancy_share: float = 0.05,
    decoy_share: float = 0.01,
    as_of: dt.date = DEFAULT_AS_OF,
) -> DepartmentData:
    """Every source's records for `persons`, with planted discrepancies and decoys."""
    rng = np.random.default_rng(seed)
    parts = consistent(persons, rng, as_of)
    households = persons["household"].unique(maintain_order=True).to_list()
    n_plant = round(discrepancy_share * len(households))
    n_decoy = round(decoy_share * len(households))
    picked = rng.permutation(len(households))[: n_plant + n_decoy]
    by_household = persons.partition_by("household", as_dict=True, maintain_order=True)
    known = set(persons["id_number"].to_list())
    truth: list[dict[str, str]] = []
    for i, index in enumerate(picked.tolist()):
        members = by_household[(households[index],)].sort("member").to_dicts()
        if i < n_plant:
            kind = DISCREPANCIES[int(rng.integers(0, len(DISCREPANCIES)))]
            person = _target(kind, members, rng)
            number = person["id_number"]
            source, values = _plant(kind, members[0] | {"id_number": number}, rng, as_of)
        else:
            kind, person = DECOY, members[0]
            number = near_id(person["id_number"], rng)
            while number in known:
                number = near_id(person["id_number"], rng)
            source, values = _plant("deposits_over_limit", person, rng, as_of)
        row = {"id_number": number, "name": person["name"], **values}
        parts[source].append(pl.DataFrame([row]).cast(pl.String))
        truth.append(
            {
                "household": str(person["household"]),
                "member": str(person["member"]),
                "member_id_number": person["id_number"],
                "id_number": number,
                "source": source,
                "discrepancy": kind,
                "detail": values.get("income") or values.get("balance") or values.get("event", ""),
            }
        )
    files = {source: pl.concat(frames, how="diagonal") for source, frames in parts.items()}
    schema = dict.fromkeys(
        ("household", "member", "member_id_number", "id_number", "source", "discrepancy", "detail"),
        pl.String,
    )
    return DepartmentData(files, pl.DataFrame(truth, schema=schema))


def write_departments(data: DepartmentData, out: Path, *, fmt: str = "csv") -> dict[str, int]:
    """One file per source (`<source>.csv|parquet|xlsx`) and `ground_truth.csv`."""
    out.mkdir(parents=True, exist_ok=True)
    counts = {}
    for source, frame in data.files.items():
        path = out / f"{source}.{fmt}"
        if fmt == "parquet":
            frame.write_parquet(path)
        elif fmt == "xlsx":
            _write_xlsx(frame, path)
        else:
            frame.write_csv(path)
        counts[source] = frame.height
    data.truth.write_csv(out / "ground_truth.csv")
    (out / "README.txt").write_text(
        "合成数据，非真实人员 / synthetic department data, not real people "
        "(jiuzhu.synthetic.departments; docs/verification.md)\n",
        encoding="utf-8",
    )
    return counts


def _write_xlsx(frame: pl.DataFrame, path: Path) -> None:
    import openpyxl

    book = openpyxl.Workbook(write_only=True)
    sheet = book.create_sheet()
    sheet.append(frame.columns)
    for row in frame.iter_rows():
        sheet.append(list(row))
    book.save(path)
