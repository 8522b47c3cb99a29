"""The facts the guards of the transition tables read (cases/flows.py), computed lazily."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterator, Mapping
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from jiuzhu.cases.effects import township_limit
from jiuzhu.cases.models import Case, Vote
from jiuzhu.rules import categories
from jiuzhu.verification.models import VerificationStatus

if TYPE_CHECKING:
    from jiuzhu.cases.batch import Batch

NOTICE_KINDS = frozenset(categories.RECIPIENT)  # posted publicly
ADULT_AGE = 18  # 《民法典》第十七条: minors are not posted
MIN_VOTES = 3  # a case-by-case decision needs at least this many members voting


def actor_level(actor: Any) -> str:
    """The level of government an actor decides for: the level of their area."""
    area = getattr(actor, "area", None)
    return str(area.level) if area is not None else ""


def required_level(case: Case) -> str:
    """Who decides this case: the authority set at the first opinion (A-03, A-06); an appeal
    goes to the level above the one that decided the original case."""
    if case.kind == "appeal":
        decided = case.parent.authority if case.parent else "county"
        return "county" if decided == "township" else "city"
    return "county" if case.authority == "committee" else case.authority


def adult_born_by(today: dt.date) -> dt.date:
    """The latest birth date of someone who is an adult on `today` (a 29 February birthday
    comes of age on 28 February in a common year)."""
    year = today.year - ADULT_AGE
    return (
        today.replace(year=year)
        if not (today.month == 2 and today.day == 29)
        else dt.date(year, 2, 28)
    )


class CaseFacts(Mapping[str, Any]):
    """What the guards of the transition tables read, each fact computed when a guard first
    asks for it (most transitions need none of the ones that query the database)."""

    def __init__(
        self, case: Case, actor: Any, today: dt.date, payload: dict[str, Any], batch: Batch
    ) -> None:
        self.case, self.actor, self.today, self.payload = case, actor, today, payload
        self.batch = batch
        self._known: dict[str, Any] = {}

    def __getitem__(self, key: str) -> Any:
        if key not in self._known:
            self._known[key] = FACTS[key](self)
        return self._known[key]

    def __iter__(self) -> Iterator[str]:
        return iter(FACTS)

    def __len__(self) -> int:
        return len(FACTS)


def _posted(f: CaseFacts) -> bool:
    case = f.case
    return (
        case.proposal == "approve"
        and case.kind in NOTICE_KINDS
        and not f.batch.fact("minors_only", case)
    )


def _covers(f: CaseFacts) -> bool:
    try:
        amount = Decimal(str(f.payload.get("amount")))
        limit = township_limit(f.case, f.today)
        return amount.is_finite() and (limit is None or amount + f.case.prepaid_amount <= limit)
    except (ArithmeticError, ValueError, TypeError):
        return False


def _reserve_total(f: CaseFacts) -> Decimal | None:
    """What the case's 先行救助 would come to with this payment (None when unreadable)."""
    try:
        amount = Decimal(str(f.payload.get("amount")))
    except (ArithmeticError, ValueError, TypeError):
        return None
    return amount + f.case.prepaid_amount if amount.is_finite() else None


def _committee_agrees(f: CaseFacts) -> bool:
    if f.case.authority != "committee":
        return True
    votes: list[str] = f.batch.fact("votes", f.case)
    return len(votes) >= MIN_VOTES and votes.count(Vote.FOR) * 2 > len(votes)


def _text(key: str) -> Callable[[CaseFacts], bool]:
    return lambda f: bool(str(f.payload.get(key) or "").strip())


FACTS: dict[str, Callable[[CaseFacts], Any]] = {
    "actor_id": lambda f: f.actor.pk,
    "entered_by": lambda f: f.case.accepted_by_id,
    "investigated_by": lambda f: f.case.investigated_by_id,
    "materials_complete": lambda f: all(v != "missing" for v in f.case.checklist.values()),
    "authorized": lambda f: f.case.authorization_on is not None,
    "visited": lambda f: _text("findings")(f) or f.batch.fact("visited", f.case),
    "evaluated": lambda f: f.case.evaluation is not None,
    "verification_reported": lambda f: (
        (v := f.batch.fact("latest_verification", f.case)) is not None
        and v.status == VerificationStatus.REPORTED
    ),
    "notice_needed": _posted,
    "notice_skippable": lambda f: not _posted(f),
    "notice_over": lambda f: f.case.notice_to is not None and f.today >= f.case.notice_to,
    "open_objections": lambda f: f.batch.fact("open_objections", f.case),
    "authority_matches": lambda f: actor_level(f.actor) == required_level(f.case),
    "proposal_approves": lambda f: f.case.proposal == "approve",
    "proposal_refuses": lambda f: f.case.proposal == "refuse",
    "committee_agrees": _committee_agrees,
    "is_committee": lambda f: f.case.authority == "committee",
    "reason_given": _text("reason"),
    "extendable": lambda f: not f.case.extension_reason,
    "reserve_covers": _covers,
    "reserve_limit": lambda f: township_limit(f.case, f.today),
    "reserve_total": _reserve_total,
}


def case_facts(
    case: Case,
    actor: Any,
    today: dt.date,
    payload: dict[str, Any],
    batch: Batch | None = None,
) -> CaseFacts:
    """The facts of one case; within a batch step, the batch loads the database-backed ones
    for all its cases at once."""
    if batch is None:
        from jiuzhu.cases.batch import Batch

        batch = Batch([case], actor, today)
    return CaseFacts(case, actor, today, payload, batch)
