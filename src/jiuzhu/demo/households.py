"""Synthetic households for the demo, written set-based (bulk inserts, one transaction per
batch). The shapes come from `jiuzhu.synthetic.households` (docs/synthetic-data.md); names
come from Faker (zh_CN), ID numbers are made up with valid check digits. Every household is
flagged `synthetic` and numbered SYN…; the pages show a demo banner."""

from __future__ import annotations

import datetime as dt
import random
from collections.abc import Callable, Iterator
from decimal import Decimal
from typing import Any

from django.db import transaction
from faker import Faker
from stdnum.cn import ric

from jiuzhu.audit.services import audit_record
from jiuzhu.regions.models import Level, Region
from jiuzhu.registry.identity import encrypt, id_hash, mask_id_number
from jiuzhu.registry.models import Household, HouseholdFact, IncomeFact, Member, Supporter
from jiuzhu.synthetic.households import Shape, generate

FACTS_FROM = dt.date(2024, 1, 1)
BATCH = 500
RELATIONS = ("户主", "配偶", "子女", "父母", "孙子女", "兄弟姐妹")


class _Ids:
    """Unique made-up ID numbers: county code, birth date, a sequence, the check digit."""

    def __init__(self) -> None:
        self.used: set[str] = set()

    def make(self, county: str, birth: dt.date, sex: str, rng: random.Random) -> str:
        while True:
            seq = rng.randrange(0, 500) * 2 + (1 if sex == "male" else 0)
            body = f"{county}{birth:%Y%m%d}{seq:03d}"
            number = body + ric.calc_check_digit(body + "0")
            if number not in self.used:
                self.used.add(number)
                return number


def _villages(county: str) -> list[str]:
    codes = list(
        Region.objects.filter(code__startswith=county, level=Level.VILLAGE).values_list(
            "code", flat=True
        )
    )
    if not codes:
        raise ValueError(f"no villages under {county}: generate subdivisions first")
    return codes


def seed_households(
    counties: list[str], n: int, *, seed: int = 2024, progress: Callable[[int], None] | None = None
) -> int:
    """Create `n` synthetic households spread over the villages of `counties`."""
    table = generate(n, seed=seed, shape=Shape(as_of=dt.date(2024, 6, 1)))
    rows = table.to_pylist()
    rng = random.Random(seed)
    fake = Faker("zh_CN")
    fake.seed_instance(seed)
    ids = _Ids()
    villages = {c: _villages(c) for c in counties}
    start = Household.unscoped.count()
    for offset, batch in _batches(rows, BATCH):
        _write_batch(batch, offset + start, counties, villages, rng, fake, ids)
        if progress is not None:
            progress(len(batch))
    with transaction.atomic(durable=True):
        audit_record(
            actor=None,
            action="demo.seed",
            object_type="household",
            object_id="demo",
            new={"households": n, "counties": counties, "seed": seed},
        )
    return n


def _batches(rows: list[dict[str, Any]], size: int) -> Iterator[tuple[int, list[dict[str, Any]]]]:
    for i in range(0, len(rows), size):
        yield i, rows[i : i + size]


@transaction.atomic(durable=True)
def _write_batch(
    batch: list[dict[str, Any]],
    offset: int,
    counties: list[str],
    villages: dict[str, list[str]],
    rng: random.Random,
    fake: Faker,
    ids: _Ids,
) -> None:
    households = []
    for i, raw in enumerate(batch):
        county = counties[(offset + i) % len(counties)]
        region = rng.choice(villages[county])
        households.append(
            Household(
                number=f"SYN{county}{offset + i + 1:08d}",
                region_code=region,
                residence=raw["residence"],
                address=f"合成路{rng.randint(1, 999)}号",
                hukou_type="local" if rng.random() < 0.9 else "residence_permit",
                synthetic=True,
            )
        )
    Household.unscoped.bulk_create(households)
    saved = {
        h.number: h for h in Household.unscoped.filter(number__in=[h.number for h in households])
    }
    members, incomes, supporters, facts = [], [], [], []
    for household, raw in zip(households, batch, strict=True):
        h = saved[household.number]
        facts.extend(_household_facts(h, raw))
        for j, m in enumerate(raw["members"]):
            members.append((_member(h, m, j, fake, ids, rng), m))
    Member.unscoped.bulk_create([m for m, _ in members])
    stored = Member.unscoped.filter(household__in=list(saved.values())).order_by("id")
    by_key = {(m.household_id, m.id_hash): m for m in stored}
    for member, raw in members:
        saved_member = by_key[(member.household_id, member.id_hash)]
        incomes.extend(_incomes(saved_member, raw))
        supporters.extend(_supporters(saved_member, raw, fake))
    IncomeFact.unscoped.bulk_create(incomes)
    Supporter.unscoped.bulk_create(supporters)
    HouseholdFact.unscoped.bulk_create(facts)


def _member(
    h: Household, m: dict[str, Any], j: int, fake: Faker, ids: _Ids, rng: random.Random
) -> Member:
    birth: dt.date = m["birth_date"]
    number = ids.make(h.region_code[:6], birth, m["sex"], rng)
    name = fake.name_female() if m["sex"] == "female" else fake.name_male()
    disability = m["disability"]
    return Member(
        household=h,
        region_code=h.region_code,
        name=name,
        id_cipher=encrypt(number),
        id_hash=id_hash(number),
        id_masked=mask_id_number(number),
        birth_date=birth,
        sex=m["sex"],
        relation=RELATIONS[0] if j == 0 else rng.choice(RELATIONS[1:]),
        disability_kind=disability["kind"] if disability else "",
        disability_grade=disability["grade"] if disability else None,
        serious_illness=m["serious_illness"],
        self_care=m["self_care"],
        schooling=m["schooling"] or "",
        employment=m["employment"],
        unemployed_since=m["unemployed_since"],
        left_school_on=m["left_school_on"],
        landless=m["landless"],
        joined_on=max(birth, dt.date(2015, 1, 1)),
    )


def _incomes(member: Member, m: dict[str, Any]) -> list[IncomeFact]:
    return [
        IncomeFact(
            member=member,
            region_code=member.region_code,
            kind=kind,
            amount=amount,
            valid_from=FACTS_FROM,
        )
        for kind, amount in m["income"].items()
        if amount and Decimal(amount) > 0
    ]


def _supporters(member: Member, m: dict[str, Any], fake: Faker) -> list[Supporter]:
    return [
        Supporter(
            member=member,
            region_code=member.region_code,
            name=fake.name(),
            relation="子女",
            able=s["able"],
            birth_date=s["birth_date"],
            monthly_income=s["monthly_income"],
            assets_within_low_income_rules=s["assets_within_low_income_rules"],
        )
        for s in m["supporters"]
    ]


def _household_facts(h: Household, raw: dict[str, Any]) -> list[HouseholdFact]:
    values = {
        "financial": raw["assets"]["financial"],
        "vehicles": raw["assets"]["vehicles"],
        "homes": raw["assets"]["homes"],
        "business_registrations": raw["assets"]["business_registrations"],
        **{k: raw["expenses"][k] for k in ("medical", "education", "disability")},
        "employment_costs": raw["employment_costs"],
    }
    return [
        HouseholdFact(
            household=h,
            region_code=h.region_code,
            kind=kind,
            amount=Decimal(value),
            valid_from=FACTS_FROM,
        )
        for kind, value in values.items()
        if value and Decimal(value) > 0
    ]
