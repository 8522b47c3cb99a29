"""Households, members and dated facts; trial evaluation; a household's audit trail.

Reads go through the registry's scoped managers and selectors: a household or member
outside the caller's area does not exist (404, the same body as a missing id). Writes go
through the registry services, each one transaction with its audit row.

(No `from __future__ import annotations` here: ninja reads the views' annotations at
runtime, through the idempotency wrapper.)
"""

import datetime as dt
from typing import Annotated, Any

from django.db.models import Count, Q, QuerySet
from django.http import HttpRequest
from django.utils import timezone
from ninja import Path, Query, Router, Status
from pydantic import Field

from jiuzhu.accounts.roles import Can
from jiuzhu.api.auth import require
from jiuzhu.api.idempotency import idempotent
from jiuzhu.api.problems import Problem, ProblemError
from jiuzhu.api.schemas import (
    BLANK,
    LINE_CHARACTERS,
    NO_CONTROL,
    NOT_BLANK,
    AuditEventOut,
    AuditPage,
    Day,
    DecisionOut,
    FactIn,
    FactOut,
    HouseholdIn,
    HouseholdOut,
    HouseholdPage,
    HouseholdPatch,
    HouseholdSummary,
    IncomeIn,
    IncomeOut,
    MemberIn,
    MemberMoveIn,
    MemberOut,
    MemberPatch,
    SearchIn,
    member_service_fields,
)
from jiuzhu.audit.models import AuditEvent
from jiuzhu.regions.compiled import CompiledQuery
from jiuzhu.regions.scope import current_scope
from jiuzhu.registry import selectors, services
from jiuzhu.registry.evaluation import household_evaluate
from jiuzhu.registry.models import Household, HouseholdFact, IncomeFact, Member

router = Router(tags=["registry 家庭登记"])

READ_ERRORS: dict[Any, Any] = {frozenset({400, 401, 403, 404, 422}): Problem}
WRITE_ERRORS: dict[Any, Any] = {frozenset({400, 401, 403, 404, 409, 422}): Problem}
FULL_ID_IN_URL = "完整身份证号码不能放在网址中；请用 POST /api/v1/households/search 查询"
# what the list refuses in `q` (SECURITY.md 24), as the schema says it: 18 characters once the
# surrounding blanks are stripped, whatever they are
EIGHTEEN = f"^{BLANK}*{NOT_BLANK}{LINE_CHARACTERS}{{16}}{NOT_BLANK}{BLANK}*$"

HouseholdId = Annotated[int, Path(ge=1, le=2**53 - 1)]
MemberId = Annotated[int, Path(ge=1, le=2**53 - 1)]
# (ninja writes a parameter's default into its Query object: every use of these two must
# keep the same defaults, 50 and 0)
Limit = Annotated[int, Query(ge=1, le=200)]
Offset = Annotated[int, Query(ge=0, le=1_000_000)]


# -- reading -------------------------------------------------------------------------------
def _in_force(qs: QuerySet[Any], day: dt.date) -> QuerySet[Any]:
    return qs.filter(valid_from__lte=day).filter(Q(valid_to__isnull=True) | Q(valid_to__gte=day))


def _household(household_id: int) -> Household:
    household = selectors.household_get(household_id)
    if household is None:
        raise ProblemError(404)
    return household


def _member(member_id: int) -> Member:
    member = selectors.member_get(member_id)
    if member is None:
        raise ProblemError(404)
    return member


def _fact_out(fact: HouseholdFact) -> FactOut:
    return FactOut.model_validate(fact, from_attributes=True)


def _income_out(fact: IncomeFact) -> IncomeOut:
    return IncomeOut.model_validate(fact, from_attributes=True)


def _member_out(member: Member, incomes: list[IncomeFact]) -> MemberOut:
    return MemberOut.model_validate(
        {
            "id": member.id,
            "household_id": member.household_id,
            "name": member.name,
            "id_number_masked": member.id_masked,
            "birth_date": member.birth_date,
            "sex": member.sex,
            "relation": member.relation,
            "disability_kind": member.disability_kind or None,
            "disability_grade": member.disability_grade,
            "serious_illness": member.serious_illness,
            "self_care": member.self_care,
            "schooling": member.schooling or None,
            "employment": member.employment,
            "unemployed_since": member.unemployed_since,
            "left_school_on": member.left_school_on,
            "landless": member.landless,
            "phone": member.phone,
            "joined_on": member.joined_on,
            "left_on": member.left_on,
            "incomes": [_income_out(i) for i in incomes],
        }
    )


def _member_detail(member: Member) -> MemberOut:
    incomes = _in_force(IncomeFact.objects.filter(member=member), timezone.localdate())
    return _member_out(member, list(incomes.order_by("kind", "id")))


HOUSEHOLD_COLUMNS = (
    "id",
    "number",
    "region_code",
    "residence",
    "hukou_type",
    "address",
    "closed_on",
    "created_at",
    "updated_at",
)
MEMBER_COLUMNS = (
    "id",
    "household_id",
    "id_masked",
    "birth_date",
    "sex",
    "joined_on",
    "left_on",
    *services.MEMBER_FIELDS,
)
FACT_COLUMNS = ("id", "kind", "amount", "valid_from", "valid_to")


HOUSEHOLD_ROW = CompiledQuery(
    lambda hid: Household.objects.filter(id=hid).values(*HOUSEHOLD_COLUMNS), int
)
MEMBER_ROWS = CompiledQuery(
    lambda hid: (
        Member.objects.filter(household_id=hid, left_on__isnull=True)
        .order_by("id")
        .values(*MEMBER_COLUMNS)
    ),
    int,
)
INCOME_ROWS = CompiledQuery(
    lambda hid, day: (
        _in_force(
            IncomeFact.objects.filter(member__household_id=hid, member__left_on__isnull=True), day
        )
        .order_by("kind", "id")
        .values("member_id", *FACT_COLUMNS)
    ),
    int,
    dt.date,
)
FACT_ROWS = CompiledQuery(
    lambda hid, day: (
        _in_force(HouseholdFact.objects.filter(household_id=hid), day)
        .order_by("kind", "id")
        .values(*FACT_COLUMNS)
    ),
    int,
    dt.date,
)


def household_detail(household_id: int) -> dict[str, Any]:
    """The household, its active members with their current incomes and its current facts:
    four small queries of plain values, whatever the size, compiled once per area
    (regions/compiled.py). On this hot read, building querysets and model instances, not
    PostgreSQL, was the cost (docs/benchmarks.md). Scoped like every read: the queries are
    built through the scoped managers."""
    today = timezone.localdate()
    found = HOUSEHOLD_ROW.rows(household_id)
    if not found:
        raise ProblemError(404)
    members = MEMBER_ROWS.rows(household_id)
    incomes: dict[int, list[dict[str, Any]]] = {m["id"]: [] for m in members}
    for income in INCOME_ROWS.rows(household_id, today):
        incomes[income["member_id"]].append(income)
    facts = FACT_ROWS.rows(household_id, today)
    for member in members:
        member["id_number_masked"] = member.pop("id_masked")
        member["disability_kind"] = member["disability_kind"] or None
        member["schooling"] = member["schooling"] or None
        member["incomes"] = incomes[member["id"]]
    return {**found[0], "members": members, "facts": facts}


def _page(qs: QuerySet[Household], limit: int, offset: int) -> HouseholdPage:
    count = qs.count()
    rows = qs.annotate(active_members=Count("members", filter=Q(members__left_on__isnull=True)))[
        offset : offset + limit
    ]
    return HouseholdPage(
        count=count,
        limit=limit,
        offset=offset,
        items=[
            HouseholdSummary.model_validate(
                {
                    "id": h.id,
                    "number": h.number,
                    "region_code": h.region_code,
                    "residence": h.residence,
                    "hukou_type": h.hukou_type,
                    "address": h.address,
                    "closed_on": h.closed_on,
                    "member_count": h.active_members,  # type: ignore[attr-defined]
                }
            )
            for h in rows
        ],
    )


@router.get("/households", response={200: HouseholdPage, **READ_ERRORS})
def households_list(
    request: HttpRequest,
    q: Annotated[
        str,
        Query(
            max_length=64,
            pattern=NO_CONTROL,
            description="姓名开头、家庭编号或身份证号后 4 位；去掉首尾空白后为 18 个字符的"
            "（完整身份证号码）不能放在网址中",
        ),
        Field(json_schema_extra={"not": {"pattern": EIGHTEEN}}),
    ] = "",
    region: Annotated[str, Query(pattern=r"^[0-9]{0,12}$", description="区划代码前缀")] = "",
    limit: Limit = 50,
    offset: Offset = 0,
) -> HouseholdPage:
    """Households of the caller's area (open ones), as the search of the pages: a name's
    beginning, a household number or the last four characters of an ID number. A full ID
    number does not belong in a URL (SECURITY.md 24): use POST /households/search."""
    require(request, Can.VIEW_HOUSEHOLDS)
    if len(q.strip()) == 18:
        raise ProblemError(422, FULL_ID_IN_URL, field="q")
    return _page(selectors.households_search(text=q, region_prefix=region), limit, offset)


@router.post("/households/search", response={200: HouseholdPage, **WRITE_ERRORS})
@idempotent
def households_search(request: HttpRequest, payload: SearchIn) -> HouseholdPage:
    """The same search with the text in the body, so a full ID number may be used."""
    require(request, Can.VIEW_HOUSEHOLDS)
    qs = selectors.households_search(text=payload.q, region_prefix=payload.region)
    return _page(qs, payload.limit, payload.offset)


@router.get("/households/{household_id}", response={200: HouseholdOut, **READ_ERRORS})
def household_get(request: HttpRequest, household_id: HouseholdId) -> dict[str, Any]:
    """The household with its active members (ID numbers masked) and today's facts."""
    require(request, Can.VIEW_HOUSEHOLDS)
    return household_detail(household_id)


# -- writing -------------------------------------------------------------------------------
@router.post("/households", response={201: HouseholdOut, **WRITE_ERRORS})
@idempotent
def household_create(request: HttpRequest, payload: HouseholdIn) -> Status[Any]:
    """Register a household in a county, township or village of the caller's area."""
    user = require(request, Can.EDIT_HOUSEHOLDS)
    household = services.household_create(actor=user, **payload.model_dump())
    return Status(201, household_detail(household.id))


@router.patch("/households/{household_id}", response={200: HouseholdOut, **WRITE_ERRORS})
def household_update(
    request: HttpRequest, household_id: HouseholdId, payload: HouseholdPatch
) -> dict[str, Any]:
    """Residence, address or hukou type. Any other field (`region_code` too) → 422."""
    user = require(request, Can.EDIT_HOUSEHOLDS)
    household = _household(household_id)
    services.household_update(
        actor=user, household=household, **payload.model_dump(exclude_unset=True)
    )
    return household_detail(household.id)


@router.post("/households/{household_id}/members", response={201: MemberOut, **WRITE_ERRORS})
@idempotent
def member_add(
    request: HttpRequest, household_id: HouseholdId, payload: MemberIn
) -> Status[MemberOut]:
    """A member with a valid ID number (GB 11643); birth date and sex come from it."""
    user = require(request, Can.EDIT_HOUSEHOLDS)
    household = _household(household_id)
    member = services.member_add(actor=user, household=household, **member_service_fields(payload))
    return Status(201, _member_out(member, []))


@router.patch("/members/{member_id}", response={200: MemberOut, **WRITE_ERRORS})
def member_update(request: HttpRequest, member_id: MemberId, payload: MemberPatch) -> MemberOut:
    """Any field of an active member except identity (ID number, birth date, sex)."""
    user = require(request, Can.EDIT_HOUSEHOLDS)
    member = _member(member_id)
    changes = member_service_fields(payload, only_set=True)
    member = services.member_update(actor=user, member=member, **changes)
    return _member_detail(member)


@router.post("/members/{member_id}/move", response={201: MemberOut, **WRITE_ERRORS})
@idempotent
def member_move(request: HttpRequest, member_id: MemberId, payload: MemberMoveIn) -> Status[Any]:
    """Move a person to another household of the caller's area from `on`: the old membership
    ends the day before, a new one starts (both households' audit trails show it)."""
    user = require(request, Can.EDIT_HOUSEHOLDS)
    member = _member(member_id)
    target = _household(payload.to_household_id)
    moved = services.member_move(actor=user, member=member, to_household=target, on=payload.on)
    return Status(201, _member_detail(moved))


@router.post("/households/{household_id}/facts", response={201: FactOut, **WRITE_ERRORS})
@idempotent
def household_fact_set(
    request: HttpRequest, household_id: HouseholdId, payload: FactIn
) -> Status[FactOut]:
    """A new value of an asset or expense from `valid_from`; the previous one ends the day
    before."""
    user = require(request, Can.EDIT_HOUSEHOLDS)
    household = _household(household_id)
    fact = services.household_fact_set(actor=user, household=household, **payload.model_dump())
    return Status(201, _fact_out(fact))


@router.post("/members/{member_id}/incomes", response={201: IncomeOut, **WRITE_ERRORS})
@idempotent
def member_income_set(
    request: HttpRequest, member_id: MemberId, payload: IncomeIn
) -> Status[IncomeOut]:
    """A new monthly income of one kind from `valid_from`; the previous one ends the day
    before."""
    user = require(request, Can.EDIT_HOUSEHOLDS)
    member = _member(member_id)
    fact = services.member_income_set(actor=user, member=member, **payload.model_dump())
    return Status(201, _income_out(fact))


# -- evaluation, audit ---------------------------------------------------------------------
@router.post("/households/{household_id}/evaluate", response={200: DecisionOut, **WRITE_ERRORS})
@idempotent
def household_evaluate_view(
    request: HttpRequest,
    household_id: HouseholdId,
    as_of: Annotated[Day | None, Query(description="试算日期，默认今天")] = None,
) -> DecisionOut:
    """The trial evaluation (试算): the decision on the household's facts as of a date, with
    every step of the explanation (rule IDs, values, parameters). A read: nothing is stored,
    no audit row."""
    user = require(request, Can.EVALUATE)
    household = _household(household_id)
    decision = household_evaluate(
        actor=user, household=household, as_of=as_of or timezone.localdate()
    )
    return DecisionOut.model_validate(decision)


@router.get("/households/{household_id}/audit", response={200: AuditPage, **READ_ERRORS})
def household_audit(
    request: HttpRequest, household_id: HouseholdId, limit: Limit = 50, offset: Offset = 0
) -> AuditPage:
    """The audit rows of the household and its members, newest first."""
    require(request, Can.VIEW_AUDIT)
    household = _household(household_id)
    scope = current_scope()
    assert scope is not None  # the household was found, so there is a scope
    member_ids = [
        str(i) for i in Member.objects.filter(household=household).values_list("id", flat=True)
    ]
    rows = AuditEvent.objects.filter(
        Q(object_type="household", object_id=str(household.id))
        | Q(object_type="member", object_id__in=member_ids),
        region_code__startswith=scope.prefix,
    ).order_by("-id")
    count = rows.count()
    return AuditPage(
        count=count,
        limit=limit,
        offset=offset,
        items=[
            AuditEventOut(
                id=e.id,
                at=e.at,
                actor=e.actor_name,
                action=e.action,
                object_type=e.object_type,
                object_id=e.object_id,
                old=e.old,
                new=e.new,
            )
            for e in rows[offset : offset + limit]
        ],
    )
