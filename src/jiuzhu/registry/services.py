"""Writes to the registry: each one transaction with its audit row inside (HackSoft/Zulip
style: `<entity>_<verb>`, keyword-only arguments, the actor explicit)."""

from __future__ import annotations

import datetime as dt
import uuid
from decimal import Decimal
from typing import Any

from django.db import IntegrityError, transaction

from jiuzhu.accounts.roles import Can
from jiuzhu.audit.services import access_record, audit_record, changed_fields
from jiuzhu.regions.models import Level, Region
from jiuzhu.regions.scope import current_scope
from jiuzhu.registry import errors
from jiuzhu.registry.errors import ServiceError
from jiuzhu.registry.identity import (
    InvalidIdNumber,
    decrypt,
    encrypt,
    id_hash,
    mask_id_number,
    parse_id_number,
)
from jiuzhu.registry.models import (
    COUNT_KINDS,
    Household,
    HouseholdFact,
    IncomeFact,
    Member,
    Supporter,
)
from jiuzhu.rules.household import MAX_COUNT

HOUSEHOLD_FIELDS = ("residence", "address", "hukou_type")
MEMBER_FIELDS = (
    "name",
    "relation",
    "disability_kind",
    "disability_grade",
    "serious_illness",
    "self_care",
    "schooling",
    "employment",
    "unemployed_since",
    "left_school_on",
    "landless",
    "phone",
)
HOUSEHOLD_LEVELS = {Level.COUNTY, Level.TOWNSHIP, Level.VILLAGE}


def _require(actor: Any, capability: Can) -> None:
    if actor is not None and not actor.can(capability):
        raise ServiceError(errors.NOT_ALLOWED)


def _plain(value: Any) -> Any:
    if isinstance(value, dt.date | Decimal):
        return str(value)
    return value


def _state(obj: Any, fields: tuple[str, ...]) -> dict[str, Any]:
    return {f: _plain(getattr(obj, f)) for f in fields}


def _check_region(code: str) -> Region:
    region = Region.objects.filter(code=code).first()
    if region is None:
        raise ServiceError(errors.REGION_UNKNOWN, field="region_code")
    if region.level not in HOUSEHOLD_LEVELS:
        raise ServiceError(errors.REGION_LEVEL, field="region_code")
    scope = current_scope()
    if scope is None or not code.startswith(scope.prefix):
        raise ServiceError(errors.REGION_OUTSIDE, field="region_code")
    return region


@transaction.atomic(durable=True)
def household_create(
    *,
    actor: Any,
    region_code: str,
    residence: str,
    address: str,
    hukou_type: str = "local",
    synthetic: bool = False,
) -> Household:
    _require(actor, Can.EDIT_HOUSEHOLDS)
    _check_region(region_code)
    household = Household(
        number=f"P{uuid.uuid4().hex[:20]}",  # replaced below by the final number
        region_code=region_code,
        residence=residence,
        address=address,
        hukou_type=hukou_type,
        synthetic=synthetic,
    )
    household.full_clean(exclude=["number"])
    household.save()
    household.number = f"{'SYN' if synthetic else 'JZ'}{region_code[:6]}{household.id:08d}"
    household.save(update_fields=["number"])
    audit_record(
        actor=actor,
        action="household.create",
        object_type="household",
        object_id=household.id,
        region_code=region_code,
        new={
            "number": household.number,
            "region_code": region_code,
            **_state(household, HOUSEHOLD_FIELDS),
        },
    )
    return household


@transaction.atomic(durable=True)
def household_update(*, actor: Any, household: Household, **changes: Any) -> Household:
    """Residence, address, hukou type. The region is not changed here (SECURITY.md 3)."""
    _require(actor, Can.EDIT_HOUSEHOLDS)
    unknown = set(changes) - set(HOUSEHOLD_FIELDS)
    if unknown:
        raise ServiceError(errors.NOT_ALLOWED, field=sorted(unknown)[0])
    before = _state(household, HOUSEHOLD_FIELDS)
    for key, value in changes.items():
        setattr(household, key, value)
    household.full_clean()
    household.save()
    old, new = changed_fields(before, _state(household, HOUSEHOLD_FIELDS))
    if new:
        audit_record(
            actor=actor,
            action="household.update",
            object_type="household",
            object_id=household.id,
            region_code=household.region_code,
            old=old,
            new=new,
        )
    return household


def _identity(
    id_number: str, birth_date: dt.date | None, sex: str | None
) -> tuple[str, dt.date, str]:
    try:
        facts = parse_id_number(id_number)
    except InvalidIdNumber as exc:
        raise ServiceError(str(exc), field="id_number") from None
    if birth_date is not None and birth_date != facts.birth_date:
        raise ServiceError(errors.BIRTH_MISMATCH, field="birth_date")
    if sex and sex != facts.sex:
        raise ServiceError(errors.SEX_MISMATCH, field="sex")
    return facts.number, facts.birth_date, facts.sex


def _check_member_fields(fields: dict[str, Any]) -> None:
    grade, kind = fields.get("disability_grade"), fields.get("disability_kind")
    if grade is not None and not 1 <= int(grade) <= 4:
        raise ServiceError(errors.GRADE_RANGE, field="disability_grade")
    if bool(grade) != bool(kind):
        raise ServiceError(errors.GRADE_WITHOUT_KIND, field="disability_grade")


@transaction.atomic(durable=True)
def member_add(
    *,
    actor: Any,
    household: Household,
    name: str,
    id_number: str,
    relation: str,
    joined_on: dt.date,
    birth_date: dt.date | None = None,
    sex: str | None = None,
    **fields: Any,
) -> Member:
    """A member with a validated ID number (GB 11643); birth date and sex come from it and
    must agree with what was typed. One ID number, one active household."""
    _require(actor, Can.EDIT_HOUSEHOLDS)
    number, birth, sex_ = _identity(id_number, birth_date, sex)
    _check_member_fields(fields)
    if joined_on < birth:
        raise ServiceError(errors.JOINED_BEFORE_BIRTH, field="joined_on")
    digest = id_hash(number)
    if Member.unscoped.filter(id_hash=digest, left_on__isnull=True).exists():
        # checked across all areas: a person is registered once, wherever it is
        raise ServiceError(errors.DUPLICATE_ID, field="id_number")
    member = Member(
        household=household,
        region_code=household.region_code,
        name=name.strip(),
        id_cipher=encrypt(number),
        id_hash=digest,
        id_masked=mask_id_number(number),
        birth_date=birth,
        sex=sex_,
        relation=relation,
        joined_on=joined_on,
        **fields,
    )
    member.full_clean(exclude=["id_cipher"])
    try:
        with transaction.atomic():
            member.save()
    except IntegrityError:  # a concurrent registration of the same person
        raise ServiceError(errors.DUPLICATE_ID, field="id_number") from None
    audit_record(
        actor=actor,
        action="member.add",
        object_type="member",
        object_id=member.id,
        region_code=member.region_code,
        new={
            "household": household.number,
            "id_number": member.id_masked,
            "birth_date": str(birth),
            "sex": sex_,
            **_state(member, MEMBER_FIELDS),
        },
    )
    return member


@transaction.atomic(durable=True)
def member_update(*, actor: Any, member: Member, **changes: Any) -> Member:
    _require(actor, Can.EDIT_HOUSEHOLDS)
    if member.left_on is not None:
        raise ServiceError(errors.MEMBER_LEFT)
    unknown = set(changes) - set(MEMBER_FIELDS)
    if unknown:
        raise ServiceError(errors.NOT_ALLOWED, field=sorted(unknown)[0])
    before = _state(member, MEMBER_FIELDS)
    for key, value in changes.items():
        setattr(member, key, value)
    _check_member_fields({f: getattr(member, f) for f in ("disability_kind", "disability_grade")})
    member.full_clean(exclude=["id_cipher"])
    member.save()
    old, new = changed_fields(before, _state(member, MEMBER_FIELDS))
    if new:
        audit_record(
            actor=actor,
            action="member.update",
            object_type="member",
            object_id=member.id,
            region_code=member.region_code,
            old=old,
            new=new,
        )
    return member


@transaction.atomic(durable=True)
def member_leave(*, actor: Any, member: Member, on: dt.date, reason: str) -> Member:
    _require(actor, Can.EDIT_HOUSEHOLDS)
    if member.left_on is not None:
        raise ServiceError(errors.MEMBER_LEFT)
    if on < member.joined_on:
        raise ServiceError(errors.DATES_ORDER, field="on")
    member.left_on = on
    member.save(update_fields=["left_on"])
    audit_record(
        actor=actor,
        action="member.leave",
        object_type="member",
        object_id=member.id,
        region_code=member.region_code,
        old={"left_on": None},
        new={"left_on": str(on), "reason": reason},
    )
    return member


@transaction.atomic(durable=True)
def member_move(*, actor: Any, member: Member, to_household: Household, on: dt.date) -> Member:
    """Moving a person between households: an explicit, logged operation. The old membership
    ends the day before `on`; a new one starts on `on` in the other household."""
    _require(actor, Can.EDIT_HOUSEHOLDS)
    if member.left_on is not None:
        raise ServiceError(errors.MEMBER_LEFT)
    if to_household.id == member.household_id:
        raise ServiceError(errors.SAME_HOUSEHOLD, field="to_household")
    if on <= member.joined_on:
        raise ServiceError(errors.DATES_ORDER, field="on")
    member.left_on = on - dt.timedelta(days=1)
    member.save(update_fields=["left_on"])
    moved = Member.unscoped.get(pk=member.pk)
    moved.pk = None
    moved.household = to_household
    moved.region_code = to_household.region_code
    moved.joined_on, moved.left_on = on, None
    moved.save()
    audit_record(
        actor=actor,
        action="member.move",
        object_type="member",
        object_id=member.id,
        region_code=member.region_code,
        old={"household": member.household.number},
        new={"household": to_household.number, "member": moved.id, "on": str(on)},
    )
    return moved


def _set_fact(
    *,
    actor: Any,
    model: type[HouseholdFact] | type[IncomeFact],
    owner: Household | Member,
    kind: str,
    amount: Decimal,
    valid_from: dt.date,
    capability: Can = Can.EDIT_HOUSEHOLDS,
) -> Any:
    """A dated fact of a household or member: the new value from `valid_from`, the previous
    one closed the day before; refused when a later value exists. One audit row."""
    _require(actor, capability)
    if amount < 0:
        raise ServiceError(errors.NEGATIVE, field="amount")
    if (
        model is HouseholdFact
        and kind in COUNT_KINDS
        and (amount != amount.to_integral_value() or amount > MAX_COUNT)
    ):
        # the engine counts whole vehicles and homes: 2.5 would have been read as 2
        raise ServiceError(errors.COUNT_WHOLE, field="amount")
    owner_field = "household" if isinstance(owner, Household) else "member"
    current = model.objects.filter(kind=kind, **{owner_field: owner})
    if current.filter(valid_from__gte=valid_from).exists():
        raise ServiceError(errors.FACT_BACKDATED, field="valid_from")
    previous = current.filter(valid_to__isnull=True).first()
    if previous is not None:
        previous.valid_to = valid_from - dt.timedelta(days=1)
        previous.save(update_fields=["valid_to"])
    fact = model(
        kind=kind,
        amount=amount,
        valid_from=valid_from,
        region_code=owner.region_code,
        **{owner_field: owner},
    )
    fact.full_clean()
    fact.save()
    audit_record(
        actor=actor,
        action=f"{owner_field}.{'fact' if owner_field == 'household' else 'income'}",
        object_type=owner_field,
        object_id=owner.id,
        region_code=owner.region_code,
        old={kind: str(previous.amount)} if previous else None,
        new={kind: str(amount), "valid_from": str(valid_from)},
    )
    return fact


@transaction.atomic(durable=True)
def household_fact_set(
    *, actor: Any, household: Household, kind: str, amount: Decimal, valid_from: dt.date
) -> HouseholdFact:
    """A new value of an asset or expense from a date; the previous one ends the day before."""
    return _set_fact(  # type: ignore[no-any-return]
        actor=actor,
        model=HouseholdFact,
        owner=household,
        kind=kind,
        amount=amount,
        valid_from=valid_from,
    )


@transaction.atomic(durable=True)
def member_income_set(
    *, actor: Any, member: Member, kind: str, amount: Decimal, valid_from: dt.date
) -> IncomeFact:
    """A new monthly income of a kind from a date; the previous one ends the day before."""
    return _set_fact(  # type: ignore[no-any-return]
        actor=actor,
        model=IncomeFact,
        owner=member,
        kind=kind,
        amount=amount,
        valid_from=valid_from,
    )


@transaction.atomic(durable=True)
def supporter_add(
    *, actor: Any, member: Member, name: str, relation: str, **fields: Any
) -> Supporter:
    _require(actor, Can.EDIT_HOUSEHOLDS)
    supporter = Supporter(
        member=member, region_code=member.region_code, name=name, relation=relation, **fields
    )
    supporter.full_clean()
    supporter.save()
    audit_record(
        actor=actor,
        action="supporter.add",
        object_type="member",
        object_id=member.id,
        region_code=member.region_code,
        new={"supporter": name, "relation": relation, **{k: _plain(v) for k, v in fields.items()}},
    )
    return supporter


@transaction.atomic(durable=True)
def member_reveal_id(*, actor: Any, member: Member, purpose: str) -> str:
    """The full ID number, for roles that need it; every read is logged with its purpose."""
    if actor is None or not actor.can(Can.VIEW_FULL_ID):
        raise ServiceError(errors.NOT_ALLOWED)
    if not purpose.strip():
        raise ServiceError(_required_purpose(), field="purpose")
    access_record(
        actor=actor,
        subject_type="member",
        subject_id=member.id,
        field="id_number",
        purpose=purpose.strip()[:200],
        region_code=member.region_code,
    )
    return decrypt(member.id_cipher)


def _required_purpose() -> str:
    return str(errors.PURPOSE_REQUIRED)


def verified_fact_set(
    *,
    actor: Any,
    owner: Household | Member,
    kind: str,
    amount: Decimal,
    valid_from: dt.date,
    capability: Can,
) -> Any:
    """A figure a verification found (V-03), adopted into the record from its day: like an
    officer's entry (the previous value kept, closed the day before; one audit row), by
    someone who verifies or handles cases. Inside the caller's transaction."""
    model = HouseholdFact if isinstance(owner, Household) else IncomeFact
    return _set_fact(
        actor=actor, model=model, owner=owner, kind=kind, amount=amount,
        valid_from=valid_from, capability=capability,
    )  # fmt: skip
