"""The demo population as the input of the synthetic department-data generator: every
active member of the synthetic households with the facts declared as of a date (demo mode
only: the made-up ID numbers are decrypted to be written into the departments' files)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from pathlib import Path
from typing import Any

import polars as pl
from django.db.models import Q

from jiuzhu.registry.identity import decrypt
from jiuzhu.registry.models import Household, HouseholdFact, IncomeFact, Member
from jiuzhu.synthetic.departments import PERSON_COLUMNS


def _in_force(day: dt.date) -> Q:
    return Q(valid_from__lte=day) & (Q(valid_to__isnull=True) | Q(valid_to__gte=day))


def demo_population(as_of: dt.date) -> pl.DataFrame:
    """One row per active member of the synthetic households (PERSON_COLUMNS); call under
    `system_scope()`."""
    members = list(
        Member.unscoped.filter(household__synthetic=True, left_on__isnull=True)
        .order_by("household_id", "id")
        .values_list(
            "id",
            "household_id",
            "household__number",
            "id_cipher",
            "name",
            "birth_date",
            "region_code",
        )
    )
    incomes: dict[tuple[int, str], Decimal] = {}
    for member_id, kind, amount in IncomeFact.unscoped.filter(
        _in_force(as_of), kind__in=["wages", "basic_pension"], member__household__synthetic=True
    ).values_list("member_id", "kind", "amount"):
        incomes[(member_id, kind)] = incomes.get((member_id, kind), Decimal(0)) + amount
    facts: dict[tuple[int, str], Decimal] = {}
    for household_id, kind, amount in HouseholdFact.unscoped.filter(
        _in_force(as_of), household__synthetic=True
    ).values_list("household_id", "kind", "amount"):
        facts[(household_id, kind)] = amount
    rows = []
    position: dict[int, int] = {}
    for member_id, household_id, number, cipher, name, birth, region in members:
        index = position.get(household_id, 0)
        position[household_id] = index + 1
        rows.append(
            (
                number,
                index,
                decrypt(cipher),
                name,
                birth,
                region,
                incomes.get((member_id, "wages"), Decimal(0)),
                incomes.get((member_id, "basic_pension"), Decimal(0)),
                facts.get((household_id, "financial"), Decimal(0)),
                int(facts.get((household_id, "vehicles"), 0)),
                int(facts.get((household_id, "homes"), 0)),
                int(facts.get((household_id, "business_registrations"), 0)),
            )
        )
    money = pl.Decimal(14, 2)
    schema: dict[str, Any] = dict(
        zip(
            PERSON_COLUMNS,
            [
                pl.String,
                pl.Int64,
                pl.String,
                pl.String,
                pl.Date,
                pl.String,
                money,
                money,
                money,
                pl.Int64,
                pl.Int64,
                pl.Int64,
            ],
            strict=True,
        )
    )
    return pl.DataFrame(rows, schema=schema, orient="row")


SHOWCASE_NOTE = "演示：未申报的小汽车和工资收入（合成数据）"


def showcase_household(township: str) -> Household | None:
    """The demo's verification example: a synthetic household of the township without a
    case, a declared car or wages for everyone — the departments will show it an
    undeclared car and an undeclared wage record (docs/verification.md, README)."""
    declared = set(
        HouseholdFact.unscoped.filter(kind="vehicles", amount__gt=0).values_list(
            "household_id", flat=True
        )
    )
    for household in Household.unscoped.filter(
        region_code__startswith=township, synthetic=True, cases__isnull=True
    ).order_by("-id")[:50]:
        if household.id in declared:
            continue
        idle = Member.unscoped.filter(household=household, left_on__isnull=True).exclude(
            id__in=IncomeFact.unscoped.filter(kind="wages", amount__gt=0).values("member_id")
        )
        if idle.exists():
            return household
    return None


def _showcase_records(
    persons: pl.DataFrame, number: str, day: dt.date
) -> tuple[dict[str, dict[str, str]], list[dict[str, str]]]:
    members = persons.filter(pl.col("household") == number).sort("member").to_dicts()
    idle = next((m for m in members if not m["wages"]), members[0])
    last_month = day.replace(day=1) - dt.timedelta(days=1)
    records = {
        "vehicles": {
            "id_number": members[0]["id_number"],
            "name": members[0]["name"],
            "vehicle_kind": "car",
            "plate_no": "粤A·D8888",
            "brand": "合成牌轿车",
            "registered_on": (day - dt.timedelta(days=200)).isoformat(),
            "value": "86000.00",
            "status": "registered",
        },
        "tax": {
            "id_number": idle["id_number"],
            "name": idle["name"],
            "income_kind": "wages",
            "period_start": last_month.replace(day=1).isoformat(),
            "period_end": last_month.isoformat(),
            "income": "4200.00",
            "withholder_name": "合成物流有限公司",
        },
    }
    truth = [
        {
            "household": number,
            "member": str(m["member"]),
            "member_id_number": m["id_number"],
            "id_number": m["id_number"],
            "source": source,
            "discrepancy": kind,
            "detail": SHOWCASE_NOTE,
        }
        for source, kind, m in (
            ("vehicles", "undeclared_vehicle", members[0]),
            ("tax", "undeclared_wages", idle),
        )
    ]
    return records, truth


def seed_departments(
    days: list[dt.date], out: Path, *, showcase: Household | None, seed: int = 2024
) -> dict[str, Any]:
    """The departments' deliveries for the demo: for each day, every source's records of
    the synthetic population (with the generator's planted discrepancies and, for the
    showcase household, an undeclared car and wage record), written under `out/<day>/` and
    imported as that day's batches. Call under `system_scope()`."""
    from jiuzhu.synthetic.departments import (
        DepartmentData,
        generate_departments,
        write_departments,
    )
    from jiuzhu.verification.importing import import_file, import_records

    summary: dict[str, Any] = {"days": [d.isoformat() for d in days], "records": 0}
    for day in days:
        persons = demo_population(day)
        data = generate_departments(persons, seed=seed, as_of=day)
        if showcase is not None:
            extra, truth = _showcase_records(persons, showcase.number, day)
            for source, row in extra.items():
                data.files[source] = pl.concat(
                    [data.files[source], pl.DataFrame([row]).cast(pl.String)], how="diagonal"
                )
            data = DepartmentData(data.files, pl.concat([data.truth, pl.DataFrame(truth)]))
        folder = out / day.isoformat()
        write_departments(data, folder, fmt="parquet")
        for source, frame in data.files.items():
            key = f"demo-{source}-{day.isoformat()}"
            if frame.height:
                result = import_file(
                    actor=None, source=source, path=folder / f"{source}.parquet", as_of=day,
                    batch_key=key,
                )  # fmt: skip
            else:
                result = import_records(
                    actor=None, source=source, records=[], as_of=day, batch_key=key,
                    region_code="",
                )  # fmt: skip
            summary["records"] += result.added
    summary["showcase"] = showcase.number if showcase is not None else None
    return summary


def seed_demo_departments(out: Path, today: dt.date | None = None) -> dict[str, Any]:
    """The demo's deliveries: 60 and 30 days ago and today (so cases started in the last
    weeks find a batch recent enough), with the showcase household in the Guangdong demo
    county's first township. Call under `system_scope()`."""
    from jiuzhu.demo.accounts import GD_COUNTY

    today = today or dt.date.today()
    return seed_departments(
        [today - dt.timedelta(days=d) for d in (60, 30, 0)],
        out,
        showcase=showcase_household(f"{GD_COUNTY}001"),
    )
