"""Synthetic demo cases (clearly marked: their households are synthetic): reserve funds for
the demo townships and cases of every common kind left at every stage of the procedure, some
overdue, so the worklists, queues and notice lists show a working office. Driven through the
real services by the demo accounts, so every case has its transition log and audit rows."""

from __future__ import annotations

import datetime as dt
import random
from collections.abc import Callable
from typing import Any

from jiuzhu.accounts.models import User
from jiuzhu.cases.effects import ELIGIBLE
from jiuzhu.cases.flows import S
from jiuzhu.cases.models import Case
from jiuzhu.cases.services import case_act, case_create, reserve_top_up
from jiuzhu.cases.workflow import TransitionRefused
from jiuzhu.regions.models import Region
from jiuzhu.regions.scope import Scope, using_scope
from jiuzhu.registry.errors import ServiceError
from jiuzhu.registry.models import Household, Member

RESERVE_YUAN = "50000"  # a demo figure, not a policy one
KINDS = [("dibao", 6), ("temporary_expense", 2), ("low_income", 1), ("temporary_emergency", 1)]
ORDINARY = [
    ("complete_materials", "caseworker", {}),
    (
        "record_visit",
        "assistant",
        {"visitors": "经办人、协理员（演示）", "findings": "入户核实情况属实（演示）"},
    ),
    ("request_verification", "caseworker", {}),
    ("complete_verification", "verifier", {"summary": "各部门数据无异常（演示）"}),
    ("evaluate", "caseworker", {}),
    ("propose", "caseworker", {}),
    ("post_notice", "caseworker", {}),
    ("close_notice", "caseworker", {}),
    ("approve", "leader", {"reason": "同意（演示）"}),
    ("notify", "caseworker", {}),
    ("close", "caseworker", {}),
]
CHECKLIST = {
    "application_form": "received",
    "id_card": "received",
    "hukou_book": "committed",
    "residence_permit": "committed",
    "income_statement": "received",
    "expense_receipts": "received",
    "emergency_statement": "received",
    "disability_certificate": "committed",
}


def _people(prefix: str) -> dict[str, User]:
    users = {u.username: u for u in User.objects.filter(demo=True, username__startswith=prefix)}
    return {
        "caseworker": users[f"{prefix}-caseworker"],
        "assistant": users.get(f"{prefix}-assistant") or users[f"{prefix}-caseworker"],
        "verifier": users[f"{prefix}-verifier"],
        "leader": users[f"{prefix}-leader"],
        "county": users[f"{prefix}-county"],
    }


def _scoped(actor: User, call: Callable[..., Any], **kwargs: Any) -> Any:
    """A service called as `actor`, inside their area."""
    assert actor.area is not None
    with using_scope(Scope(actor.area.scope_prefix)):
        return call(actor=actor, **kwargs)


def seed_reserves(prefix: str, county: str) -> None:
    """Every demo township gets a reserve fund (A-09), topped up by the county officer."""
    officer = _people(prefix)["county"]
    for township in Region.objects.filter(code__startswith=county, level="township"):
        _scoped(officer, reserve_top_up, township_code=township.code, amount=RESERVE_YUAN,
                note="演示备用金")  # fmt: skip


def _checklist(kind: str, household: Household) -> dict[str, str]:
    from jiuzhu.rules.procedure import checklist

    docs, _, _ = checklist(kind, household.region_code, dt.date.today(),
                           residence_permit=household.hukou_type == "residence_permit")  # fmt: skip
    return {d: CHECKLIST.get(d, "received") for d in docs if d != "verification_authorization"}


def _drive(
    case: Case, people: dict[str, User], steps: int, day: dt.date, rng: random.Random
) -> None:
    if case.kind == "temporary_emergency":
        case = _scoped(people["caseworker"], case_act, case=case, event="pay_first",
                       payload={"amount": str(case.requested_amount)}, today=day)  # fmt: skip
    today = dt.date.today()
    for event, who, payload in ORDINARY[:steps]:
        if day > today:
            return  # the rest of the procedure has not happened yet
        not_posted = case.kind.startswith("temporary") or case.proposal == "refuse"
        if not_posted and event in ("post_notice", "close_notice"):
            event = "skip_notice" if event == "post_notice" else ""
        if not event:
            continue
        if event == "propose":
            payload = _proposal(case)
        if event == "approve" and case.proposal == "refuse":
            event, payload = "refuse", {"reason": "家庭人均收入高于低保标准（演示）"}
        if event == "close_notice":
            day = max(day, case.notice_to or day)
            if day > today:
                return  # still in its public notice
        actor = _who(case, who, people)
        try:
            case = _scoped(actor, case_act, case=case, event=event, payload=payload, today=day)
        except (TransitionRefused, ServiceError):
            return  # e.g. a committee case waits for its votes: left where it is
        day += dt.timedelta(days=rng.randint(0, 3))
    _served(case, people, day, today)


def _served(case: Case, people: dict[str, User], day: dt.date, today: dt.date) -> None:
    """A decision older than a week has been served and filed, as a township does: only
    recent decisions wait for their notice in the demo's worklist (never overdue for
    months)."""
    if case.state not in (S.APPROVED, S.REFUSED, S.NOTIFIED) or (today - day).days <= 7:
        return
    for event in ("close",) if case.state == S.NOTIFIED else ("notify", "close"):
        case = _scoped(people["caseworker"], case_act, case=case, event=event, payload={},
                       today=day)  # fmt: skip


def _who(case: Case, role: str, people: dict[str, User]) -> User:
    """The county decides what is not devolved; the village assistant visits only in their
    own village (else the caseworker goes)."""
    if role == "leader" and case.authority in ("county", "committee"):
        return people["county"]
    area = people[role].area
    if role == "assistant" and area is not None and not case.region_code.startswith(area.code):
        return people["caseworker"]
    return people[role]


def _proposal(case: Case) -> dict[str, str]:
    check = ELIGIBLE.get(case.kind)
    eligible = check(case.evaluation) if check and case.evaluation else True
    if eligible:
        return {"proposal": "approve", "opinion": "符合条件（演示）"}
    return {"proposal": "refuse", "opinion": "测算不符合条件（演示）"}


def link_demo_applicant(village: str) -> None:
    """The demo applicant account belongs to a synthetic household of its village."""
    household = (
        Household.unscoped.filter(region_code=village, synthetic=True).order_by("id").first()
    )
    if household is not None:
        User.objects.filter(username="applicant", demo=True, household_number="").update(
            household_number=household.number
        )


def seed_cases(prefix: str, county: str, n: int, *, seed: int = 2026) -> int:
    """`n` synthetic cases in the county's first township, at random stages."""
    rng = random.Random(seed)
    people = _people(prefix)
    township = people["caseworker"].area
    assert township is not None
    households = list(
        Household.unscoped.filter(region_code__startswith=township.code, synthetic=True).order_by(
            "id"
        )[: n * 2]
    )
    today = dt.date.today()
    made = 0
    for household in rng.sample(households, min(n, len(households))):
        kind = rng.choices([k for k, _ in KINDS], weights=[w for _, w in KINDS])[0]
        applicant = Member.unscoped.filter(household=household, left_on__isnull=True).first()
        start = today - dt.timedelta(days=rng.randint(0, 50))
        amounts = [800, 1500, 3000] if kind == "temporary_emergency" else [800, 3000, 9000, 20000]
        extra = {"requested_amount": str(rng.choice(amounts))} if kind.startswith("temp") else {}
        try:
            case = _scoped(
                people["caseworker"], case_create, household=household, kind=kind,
                applicant=applicant, checklist=_checklist(kind, household),
                authorization_on=start, applied_on=start, reason="演示申请（合成数据）",
                today=start, **extra,
            )  # fmt: skip
        except ServiceError:
            continue
        # an older application has come further, as in a township that keeps its deadlines:
        # about a step every four days, so only some cases run late (issue 17)
        steps = min(len(ORDINARY), (today - start).days // 4 + rng.randint(0, 3))
        _drive(case, people, steps, start, rng)
        made += 1
    return made
