"""Reads of the registry. Always through the scoped managers (regions/scope.py): a household
outside the current area does not exist for the caller (404, SECURITY.md 1)."""

from __future__ import annotations

import datetime as dt
import re
from collections import defaultdict
from decimal import Decimal
from typing import Any

from django.db.models import Q, QuerySet

from jiuzhu.registry.identity import id_hash
from jiuzhu.registry.models import (
    COUNT_KINDS,
    Household,
    HouseholdFact,
    IncomeFact,
    Member,
    Supporter,
)

MAX_MATCHES = 10_000  # a search matching more households than this should be narrowed
HOUSEHOLD_NUMBER = re.compile(r"^(JZ|SYN)\d{14}$")


def households_search(
    *, text: str = "", region_prefix: str = "", include_closed: bool = False
) -> QuerySet[Household]:
    """Households of the current scope matching a name, a full ID number, a household number
    or a masked ID fragment (the last four characters)."""
    qs = Household.objects.all()
    if not include_closed:
        qs = qs.filter(closed_on__isnull=True)
    if region_prefix:
        qs = qs.filter(region_code__startswith=region_prefix)
    text = text.strip()
    if text:
        members = Member.objects.filter(left_on__isnull=True)
        if len(text) == 18:
            members = members.filter(id_hash=id_hash(text.upper()))
        elif len(text) == 4 and text[:3].isdigit():
            members = members.filter(id_masked__endswith=text.upper())
        else:
            members = members.filter(name__startswith=text)
        # one indexed condition, never an OR: `number = x OR id IN (…)` made PostgreSQL scan
        # every household of the area (docs/benchmarks.md)
        if HOUSEHOLD_NUMBER.match(text.upper()):
            qs = qs.filter(number=text.upper())
        else:
            # the matching members are few and found by index; their households are fetched
            # by id. As a subquery, PostgreSQL walked the area's households in display order
            # and probed members for each (0.5 s on 1M members, docs/benchmarks.md)
            ids = list(members.values_list("household_id", flat=True).distinct()[:MAX_MATCHES])
            qs = qs.filter(id__in=ids)
    return qs.order_by("region_code", "number")


def household_get(household_id: int) -> Household | None:
    return Household.objects.filter(id=household_id).first()


def member_get(member_id: int) -> Member | None:
    return Member.objects.filter(id=member_id).first()


def members_of(household: Household, as_of: dt.date | None = None) -> QuerySet[Member]:
    qs = Member.objects.filter(household=household)
    if as_of is not None:
        qs = qs.filter(joined_on__lte=as_of).filter(Q(left_on__isnull=True) | Q(left_on__gte=as_of))
    else:
        qs = qs.filter(left_on__isnull=True)
    return qs.order_by("id")


def _in_force(qs: QuerySet[Any], as_of: dt.date) -> QuerySet[Any]:
    return qs.filter(valid_from__lte=as_of).filter(
        Q(valid_to__isnull=True) | Q(valid_to__gte=as_of)
    )


def household_facts(household: Household, as_of: dt.date) -> dict[str, Decimal]:
    facts = _in_force(HouseholdFact.objects.filter(household=household), as_of)
    return {f.kind: f.amount for f in facts}


def income_facts(household: Household, as_of: dt.date) -> dict[int, dict[str, Decimal]]:
    facts = _in_force(IncomeFact.objects.filter(member__household=household), as_of)
    out: dict[int, dict[str, Decimal]] = defaultdict(dict)
    for fact in facts:
        out[fact.member_id][fact.kind] = fact.amount
    return out


def facts_history(household: Household) -> dict[str, list[Any]]:
    return {
        "household": list(
            HouseholdFact.objects.filter(household=household).order_by("kind", "-valid_from")
        ),
        "income": list(
            IncomeFact.objects.filter(member__household=household)
            .select_related("member")
            .order_by("member_id", "kind", "-valid_from")
        ),
    }


def _money(value: Decimal | None) -> str:
    return f"{(value or Decimal(0)):.2f}"


def household_snapshot(household: Household, as_of: dt.date) -> dict[str, Any]:
    """The household as of a date in exactly the rules engine's household JSON."""
    return household_snapshots([household], as_of)[household.id]


def household_snapshots(households: list[Household], as_of: dt.date) -> dict[int, dict[str, Any]]:
    """Several households' snapshots (household id → JSON) in four queries, whatever their
    number: members, their incomes, their supporters and the household facts in force."""
    if not households:
        return {}
    ids = [h.id for h in households]
    members: dict[int, list[Member]] = defaultdict(list)
    member_list = list(
        Member.objects.filter(household_id__in=ids, joined_on__lte=as_of)
        .filter(Q(left_on__isnull=True) | Q(left_on__gte=as_of))
        .order_by("id")
    )
    for m in member_list:
        members[m.household_id].append(m)
    incomes: dict[int, dict[str, Decimal]] = defaultdict(dict)
    for member_id, kind, amount in _in_force(
        IncomeFact.objects.filter(member__household_id__in=ids), as_of
    ).values_list("member_id", "kind", "amount"):
        incomes[member_id][kind] = amount
    facts: dict[int, dict[str, Decimal]] = defaultdict(dict)
    for household_id, kind, amount in _in_force(
        HouseholdFact.objects.filter(household_id__in=ids), as_of
    ).values_list("household_id", "kind", "amount"):
        facts[household_id][kind] = amount
    supporters: dict[int, list[Supporter]] = defaultdict(list)
    for s in Supporter.objects.filter(member__in=[m.id for m in member_list]).order_by("id"):
        supporters[s.member_id].append(s)
    return {
        h.id: {
            "ref": h.number,
            "region": h.region_code,
            "residence": h.residence,
            "members": [
                _member_json(m, incomes.get(m.id, {}), supporters[m.id]) for m in members[h.id]
            ],
            "assets": {
                "financial": _money(facts[h.id].get("financial")),
                **{k: int(facts[h.id].get(k) or 0) for k in sorted(COUNT_KINDS)},
            },
            "expenses": {
                k: _money(facts[h.id].get(k)) for k in ("medical", "education", "disability")
            },
            "employment_costs": _money(facts[h.id].get("employment_costs")),
        }
        for h in households
    }


def _member_json(
    m: Member, incomes: dict[str, Decimal], supporters: list[Supporter]
) -> dict[str, Any]:
    return {
        "ref": str(m.id),
        "name": m.name,
        "birth_date": m.birth_date.isoformat(),
        "sex": m.sex,
        "relation": m.relation,
        "disability": (
            {"kind": m.disability_kind, "grade": m.disability_grade}
            if m.disability_kind and m.disability_grade
            else None
        ),
        "serious_illness": m.serious_illness,
        "self_care": m.self_care,
        "schooling": m.schooling or None,
        "employment": m.employment,
        "unemployed_since": m.unemployed_since.isoformat() if m.unemployed_since else None,
        "left_school_on": m.left_school_on.isoformat() if m.left_school_on else None,
        "landless": m.landless,
        "income": {
            kind: _money(incomes.get(kind))
            for kind in ("wages", "business", "property", "transfer", "basic_pension", "other")
        },
        "supporters": [
            {
                "able": s.able,
                "birth_date": s.birth_date.isoformat() if s.birth_date else None,
                "monthly_income": _money(s.monthly_income),
                "assets_within_low_income_rules": s.assets_within_low_income_rules,
            }
            for s in supporters
        ],
    }
