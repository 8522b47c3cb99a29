"""Adopting a verification's figures into the household's record (采用核对结果; issue 17,
V-03): after a verification the declared figures no longer stand where a department's
record found more, so the one-household file (一户一档), the trial calculation (试算) and the
next evaluation must read the verified ones.

One action, one transaction: every figure the report used that differs from the declared
one becomes the record's value from the verification's day, through the registry's dated
facts — the declared value is kept, closed the day before, each change is on the audit log,
and the adoption itself is one more audit row naming the verification. Adopting again finds
nothing left to adopt. A status finding (deceased, moved out) is not a figure: it is listed
for the caseworker to act on (a member's leaving), never applied here."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.db import transaction
from django.utils.translation import gettext_lazy as _

from jiuzhu.accounts.roles import Can
from jiuzhu.audit.services import audit_record
from jiuzhu.registry import errors as registry_errors
from jiuzhu.registry.errors import ServiceError
from jiuzhu.registry.models import HouseholdFact, IncomeFact, Member
from jiuzhu.registry.services import verified_fact_set
from jiuzhu.verification.matching import COUNT_ITEMS, INCOME_ITEMS
from jiuzhu.verification.models import Verification, VerificationStatus

NOT_FOUND = _("未找到该核对记录")
NOT_REPORTED = _("核对报告尚未出具，不能采用核对结果")
NOTHING_TO_ADOPT = _("核对结果与登记数据一致，没有需要采用的数据")
ADOPTERS = (Can.VERIFY, Can.HANDLE_CASES)
# report item → (whose, the registry's fact kind)
FACTS: dict[str, tuple[str, str]] = {
    **{f"income.{kind}": ("member", kind) for kind in INCOME_ITEMS},
    "assets.financial": ("household", "financial"),
    **{item: ("household", item.split(".", 1)[1]) for item in COUNT_ITEMS},
}


def adoptable(report: dict[str, Any]) -> list[dict[str, Any]]:
    """The report's figures that differ from the declared ones and can be recorded."""
    out = []
    for item in report.get("items", []):
        whose = FACTS.get(item["item"], ("", ""))[0]
        if not whose or item.get("verified") is None:
            continue
        if whose == "member" and item.get("member") is None:
            continue
        if Decimal(str(item["verified"])) != Decimal(str(item.get("declared") or 0)):
            out.append(item)
    return out


def pending(verification: Verification, members: dict[int, Member] | None = None) -> list[Any]:
    """The report's figures the record does not hold yet (what adopting would change)."""
    household = verification.household
    if members is None:
        members = {m.id: m for m in Member.objects.filter(household=household)}
    current = _current_values(household, members)
    return [
        i for i in adoptable(verification.report or {})
        if current.get((i.get("member"), i["item"])) != Decimal(str(i["verified"]))
    ]  # fmt: skip


def _capability(actor: Any) -> Can:
    held = next((c for c in ADOPTERS if actor is not None and actor.can(c)), None)
    if held is None:
        raise ServiceError(registry_errors.NOT_ALLOWED)
    return held


@transaction.atomic(durable=True)
def verification_adopt(*, actor: Any, verification_id: int) -> dict[str, Any]:
    """Record the verified figures from the verification's day (see the module's text)."""
    capability = _capability(actor)
    verification = (
        Verification.objects.select_for_update(of=("self",))
        .select_related("household")
        .filter(id=verification_id)
        .first()
    )
    if verification is None:  # another area's is missing like an unknown one
        raise ServiceError(NOT_FOUND, field="verification")
    if verification.status not in (VerificationStatus.REPORTED, VerificationStatus.REVIEWED):
        raise ServiceError(NOT_REPORTED, field="verification")
    household = verification.household
    members = {m.id: m for m in Member.objects.filter(household=household)}
    changes = pending(verification, members)
    if not changes:
        raise ServiceError(NOTHING_TO_ADOPT, field="verification")
    for item in changes:
        whose, kind = FACTS[item["item"]]
        owner = members[int(item["member"])] if whose == "member" else household
        verified_fact_set(
            actor=actor, owner=owner, kind=kind, amount=Decimal(str(item["verified"])),
            valid_from=verification.as_of, capability=capability,
        )  # fmt: skip
    audit_record(
        actor=actor,
        action="verification.adopt",
        object_type="household",
        object_id=household.id,
        region_code=household.region_code,
        new={
            "verification": verification.id,
            "valid_from": verification.as_of.isoformat(),
            "items": [
                {
                    "item": i["item"],
                    "member": i.get("member"),
                    "declared": i.get("declared"),
                    "verified": i["verified"],
                }
                for i in changes
            ],
        },
    )
    return {
        "verification": verification.id,
        "valid_from": verification.as_of.isoformat(),
        "adopted": len(changes),
    }


def _current_values(household: Any, members: dict[int, Member]) -> dict[tuple[Any, str], Decimal]:
    """The record's open values, keyed like the report's items: (member id or None, item)."""
    out: dict[tuple[Any, str], Decimal] = {}
    for kind, amount in HouseholdFact.objects.filter(
        household=household, valid_to__isnull=True
    ).values_list("kind", "amount"):
        item = "assets.financial" if kind == "financial" else f"assets.{kind}"
        out[(None, item)] = amount
    for member_id, kind, amount in IncomeFact.objects.filter(
        member_id__in=list(members), valid_to__isnull=True
    ).values_list("member_id", "kind", "amount"):
        out[(member_id, f"income.{kind}")] = amount
    return out
