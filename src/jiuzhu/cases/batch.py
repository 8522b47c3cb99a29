"""One step over many cases, set-based: what every transition reads from the database is
loaded once for the whole batch, and what it writes is written in bulk.

`case_act` is a batch of one and `case_act_many` (批量审批, posting a list of notices, a
township's evaluations) a batch of many: the same checks, guards and effects run per case in
Python, but the queries do not grow with the number of cases — a loader runs the first time
any case of the batch asks for its fact, for every case at once; the new rows (visits,
objections, votes, instalments, transition log) are inserted together and the audit rows
appended to the hash chain under one lock (issue #4: 10,000 cases to decision in a minute).
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Callable
from typing import Any

from django.db.models import Count, Model
from django.utils import timezone

from jiuzhu.audit.services import audit_record_many
from jiuzhu.cases.facts import adult_born_by
from jiuzhu.cases.models import Case, CaseEvent, CommitteeVote, HomeVisit, Objection
from jiuzhu.db import bulk_insert, bulk_set
from jiuzhu.registry.errors import ServiceError
from jiuzhu.registry.evaluation import households_evaluate
from jiuzhu.registry.models import Household, Member
from jiuzhu.verification.checking import Outcome, verify_households, with_verified_facts
from jiuzhu.verification.models import Verification, VerificationStatus


def _minors_only(batch: Batch) -> dict[int, bool]:
    births: dict[int, list[dt.date]] = defaultdict(list)
    for household_id, born in Member.unscoped.filter(
        household_id__in={c.household_id for c in batch.cases}, left_on__isnull=True
    ).values_list("household_id", "birth_date"):
        births[household_id].append(born)
    cutoff = adult_born_by(batch.today)
    only = {h: bool(b) and all(d > cutoff for d in b) for h, b in births.items()}
    return {c.id: only.get(c.household_id, False) for c in batch.cases}


def _visited(batch: Batch) -> dict[int, bool]:
    seen = set(HomeVisit.objects.filter(case_id__in=batch.ids).values_list("case_id", flat=True))
    return {i: i in seen for i in batch.ids}


def _open_objections(batch: Batch) -> dict[int, int]:
    counts = dict(
        Objection.objects.filter(case_id__in=batch.ids, resolved_at__isnull=True)
        .values("case_id")
        .annotate(n=Count("id"))
        .values_list("case_id", "n")
    )
    return {i: counts.get(i, 0) for i in batch.ids}


def _votes(batch: Batch) -> dict[int, list[str]]:
    votes: dict[int, list[str]] = {i: [] for i in batch.ids}
    for case_id, vote in CommitteeVote.objects.filter(case_id__in=batch.ids).values_list(
        "case_id", "vote"
    ):
        votes[case_id].append(vote)
    return votes


def _latest_verifications(batch: Batch) -> dict[int, Verification | None]:
    """Each case's latest verification, without its report and snapshot (large; the
    evaluation reads them for the cases it needs)."""
    latest: dict[int, Verification | None] = dict.fromkeys(batch.ids)
    for verification in (
        Verification.unscoped.filter(case_id__in=batch.ids)
        .defer("report", "snapshot")
        .order_by("-id")
    ):
        assert verification.case_id is not None
        latest[verification.case_id] = latest[verification.case_id] or verification
    return latest


def _verifications(batch: Batch) -> dict[int, Outcome]:
    """The departments' data for all the batch's households at once (verification/checking)."""
    households = Household.unscoped.in_bulk({c.household_id for c in batch.cases})
    outcomes = verify_households(list(households.values()), batch.today)
    return {c.id: outcomes[c.household_id] for c in batch.cases}


def _evaluations(batch: Batch) -> dict[int, dict[str, Any] | ServiceError]:
    """The rules engine once for all the batch's households, each as of the batch's day, on
    the verified figures where the case's verification was completed (V-03)."""
    households = Household.unscoped.in_bulk({c.household_id for c in batch.cases})
    reviewed = Verification.unscoped.in_bulk(
        [
            v.id
            for c in batch.cases
            if (v := batch.fact("latest_verification", c)) is not None
            and v.status == VerificationStatus.REVIEWED
        ]
    )
    verified = {v.household_id: v for v in reviewed.values() if v.snapshot is not None}
    decided = households_evaluate(
        actor=batch.actor,
        households=list(households.values()),
        as_of=batch.today,
        snapshots={h: v.snapshot for h, v in verified.items() if v.snapshot is not None},
    )
    out: dict[int, dict[str, Any] | ServiceError] = {}
    for case in batch.cases:
        decision = decided[case.household_id]
        check = verified.get(case.household_id)
        if check is not None and not isinstance(decision, ServiceError):
            decision = with_verified_facts(decision, check)
        out[case.id] = decision
    return out


LOADERS: dict[str, Callable[[Batch], dict[int, Any]]] = {
    "minors_only": _minors_only,
    "visited": _visited,
    "open_objections": _open_objections,
    "votes": _votes,
    "evaluation": _evaluations,
    "verification": _verifications,
    "latest_verification": _latest_verifications,
}
# what a decision sets in motion in other contexts, called inside the step's transaction with
# all the cases the step approved (benefits registers its entitlements here in its
# AppConfig.ready: the benefits context depends on cases, never the other way round)
ON_APPROVED: list[Callable[..., None]] = []
APPROVING_EVENTS = frozenset({"approve", "approve_over_proposal"})

CHANGEABLE = [
    f.attname
    for f in Case._meta.concrete_fields
    if not f.primary_key and f.attname not in ("created_at", "updated_at")
]


def _copied(value: Any) -> Any:
    return dict(value) if isinstance(value, dict) else value


class Batch:
    """The cases of one step, locked by the caller, with their loaded facts and the rows
    their effects add."""

    def __init__(self, cases: list[Case], actor: Any, today: dt.date) -> None:
        self.cases, self.actor, self.today = cases, actor, today
        self.ids = [c.id for c in cases]
        self._loaded: dict[str, dict[int, Any]] = {}
        self._before = {c.id: self._values(c) for c in cases}
        self._rows: dict[int, list[Model]] = defaultdict(list)
        self._changed: dict[int, list[tuple[Model, tuple[str, ...]]]] = defaultdict(list)
        self._done: list[tuple[Case, str, str, dict[str, Any], str]] = []

    def fact(self, name: str, case: Case) -> Any:
        """A fact read from the database, loaded for every case of the batch at first use."""
        if name not in self._loaded:
            self._loaded[name] = LOADERS[name](self)
        return self._loaded[name][case.id]

    def add(self, case: Case, row: Model) -> Model:
        """A row the case's effect creates; inserted with the others if the step succeeds
        (its id is in the transition log once written)."""
        self._rows[case.id].append(row)
        return row

    def change(self, case: Case, row: Model, fields: tuple[str, ...]) -> None:
        """An existing row the case's effect changed (`fields`), written with the others."""
        self._changed[case.id].append((row, fields))

    def discard(self, case: Case) -> None:
        """The step was refused for this case: none of its rows are written."""
        self._rows.pop(case.id, None)
        self._changed.pop(case.id, None)

    def done(self, case: Case, event: str, before: str, data: dict[str, Any], note: str) -> None:
        self._done.append((case, event, before, data, note))

    @staticmethod
    def _values(case: Case) -> dict[str, Any]:
        """The columns loaded (a deferred one is not read: that would be a query per case),
        JSON ones shallow-copied, so that a dict changed in place still differs."""
        return {name: _copied(case.__dict__[name]) for name in CHANGEABLE if name in case.__dict__}

    def write(self) -> list[Case]:
        """Everything of the cases whose step succeeded, in bulk: their changed columns, the
        rows their effects added, one transition row and one audit row each."""
        if not self._done:
            return []
        now = timezone.now()
        changed: set[str] = set()
        for case, *_ in self._done:
            loaded = self._before[case.id]
            changed.update(
                name
                for name, value in self._values(case).items()
                if name not in loaded or loaded[name] != value
            )
            case.updated_at = now
        if changed:
            bulk_set([c for c, *_ in self._done], [*sorted(changed), "updated_at"])
        by_model: dict[type[Model], list[Model]] = defaultdict(list)
        for case, *_ in self._done:
            for row in self._rows.get(case.id, []):
                by_model[type(row)].append(row)
        for rows in by_model.values():
            bulk_insert(rows, with_ids=True)  # the transition rows refer to them
        changed_rows: dict[tuple[type[Model], tuple[str, ...]], list[Model]] = defaultdict(list)
        for case, *_ in self._done:
            for row, fields in self._changed.get(case.id, []):
                changed_rows[(type(row), fields)].append(row)
        for (_, fields), rows in changed_rows.items():
            bulk_set(rows, fields)
        events, audits = [], []
        for case, event, before, data, note in self._done:
            plain = {k: (v.pk if isinstance(v, Model) else v) for k, v in data.items()}
            events.append(
                CaseEvent(
                    case=case,
                    region_code=case.region_code,
                    event=event,
                    from_state=before,
                    to_state=case.state,
                    actor=self.actor,
                    actor_name=self.actor.get_username(),
                    at=now,
                    note=note,
                    data=plain,
                )
            )
            audits.append(
                {
                    "action": f"case.{event}",
                    "object_type": "case",
                    "object_id": case.id,
                    "region_code": case.region_code,
                    "old": {"state": before},
                    "new": {"state": case.state, **plain},
                }
            )
        bulk_insert(events)
        audit_record_many(actor=self.actor, changes=audits)
        approved = [
            c
            for c, event, *_ in self._done
            if event in APPROVING_EVENTS and c.outcome == "approved"
        ]
        for hook in ON_APPROVED if approved else ():
            hook(actor=self.actor, cases=approved, today=self.today)
        return [c for c, *_ in self._done]
