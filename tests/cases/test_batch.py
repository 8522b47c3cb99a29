"""A step over many cases (cases/batch.py): the same outcome as one case at a time, with a
number of queries that does not grow with the batch, and refused cases keeping nothing."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db import connection
from django.test.utils import CaptureQueriesContext

from jiuzhu.audit import chain
from jiuzhu.audit.models import AuditEvent
from jiuzhu.cases import services
from jiuzhu.cases.models import Case, CaseEvent, HomeVisit
from jiuzhu.regions.scope import Scope, using_scope
from tests.factories import make_household

from .conftest import COMPLETE, TODAY, accept, act


def _many(actor: Any, ids: list[int], event: str, today: dt.date = TODAY, **payload: Any) -> Any:
    with using_scope(Scope(actor.area.scope_prefix)):
        return services.case_act_many(
            actor=actor, case_ids=ids, event=event, payload=payload, today=today
        )


def _intake(people: dict[str, Any], households: list[Any]) -> list[Case]:
    cw = people["caseworker"]
    intakes = [
        services.Intake(household=h, kind="dibao", checklist=COMPLETE, authorization_on=TODAY)
        for h in households
    ]
    with using_scope(Scope(cw.area.scope_prefix)):
        created, refused = services.case_create_many(actor=cw, intakes=intakes, today=TODAY)
    assert refused == {}
    return created


def _verified(people: dict[str, Any], cases: list[Case]) -> list[int]:
    cw, ids = people["caseworker"], [c.id for c in cases]
    assert not _many(cw, ids, "complete_materials")[1]
    assert not _many(people["assistant"], ids, "record_visit", visitors="协理员", findings="属实")[
        1
    ]
    assert not _many(cw, ids, "request_verification")[1]
    assert not _many(people["verifier"], ids, "complete_verification")[1]
    return ids


def test_a_batch_intake_numbers_without_gaps_and_reports_the_refused_by_position(
    people: dict[str, Any], gd_area: str, im_caseworker: Any
) -> None:
    """A-01: the batch takes each township's numbers under one lock; a household outside the
    worker's area is refused with its position and the rest are accepted."""
    cw = people["caseworker"]
    mine = [make_household(cw, gd_area + "001", members=1) for _ in range(3)]
    elsewhere = make_household(im_caseworker, im_caseworker.area_id + "001", members=1)
    intakes = [services.Intake(household=h, kind="dibao") for h in (*mine[:2], elsewhere, mine[2])]
    with using_scope(Scope(cw.area.scope_prefix)):
        created, refused = services.case_create_many(actor=cw, intakes=intakes, today=TODAY)
    assert list(refused) == [2]
    assert [c.number[-6:] for c in created] == ["000001", "000002", "000003"]
    assert all(c.accepted_by_id == cw.id and c.pk for c in created)
    events = CaseEvent.unscoped.filter(case__in=created, event="accept")
    assert events.count() == 3
    assert AuditEvent.objects.filter(action="case.accept").count() == 3
    assert chain.verify(AuditEvent).ok


def test_queries_do_not_grow_with_the_batch(people: dict[str, Any], gd_area: str) -> None:
    """Evaluating 2 or 6 cases (the rules engine once per batch) costs the same queries."""
    cw = people["caseworker"]
    counts = []
    for size in (2, 6):
        households = [make_household(cw, gd_area + "001", members=2) for _ in range(size)]
        ids = _verified(people, _intake(people, households))
        with CaptureQueriesContext(connection) as queries:
            done, refused = _many(cw, ids, "evaluate")
        assert (len(done), refused) == (size, {})
        counts.append(len(queries))
    assert counts[0] == counts[1], counts


def test_a_batch_evaluates_each_case_as_alone(people: dict[str, Any], gd_area: str) -> None:
    """The evaluation frozen by a batch step is the one a single step freezes (rule IDs and
    amounts in the explanation included)."""
    cw = people["caseworker"]
    households = [make_household(cw, gd_area + "001", members=n) for n in (1, 2, 3)]
    batch_ids = _verified(people, _intake(people, households))
    _many(cw, batch_ids, "evaluate")
    alone = []
    for household in households:
        case = accept(cw, household, checklist=COMPLETE, authorization_on=TODAY)
        case = act(case, cw, "complete_materials")
        case = act(case, people["assistant"], "record_visit", visitors="协理员", findings="属实")
        case = act(case, cw, "request_verification")
        case = act(case, people["verifier"], "complete_verification")
        alone.append(act(case, cw, "evaluate").evaluation)
    together = [Case.unscoped.get(id=i).evaluation for i in batch_ids]
    for evaluation in (*together, *alone):
        assert evaluation["verification"].pop("id")  # each case its own verification
    assert together == alone
    assert {step["rule"] for step in together[0]["explanation"]} >= {"C-08", "V-03"}


def test_refused_cases_keep_nothing_and_the_others_go_ahead(
    people: dict[str, Any], gd_area: str
) -> None:
    """A case in another state is refused with its reason: no visit, no transition row, no
    audit row for it; the rest of the batch is recorded once each and the chain holds."""
    cw = people["caseworker"]
    households = [make_household(cw, gd_area + "001", members=1) for _ in range(3)]
    cases = _intake(people, households)
    ids = [c.id for c in cases]
    assert not _many(cw, ids[:2], "complete_materials")[1]  # the third stays 'accepted'
    audit_before = AuditEvent.objects.count()
    done, refused = _many(
        people["assistant"], ids, "record_visit", visitors="协理员", findings="属实"
    )
    assert [c.id for c in done] == ids[:2]
    assert list(refused) == [ids[2]] and "不能进行" in refused[ids[2]]
    assert HomeVisit.unscoped.filter(case_id=ids[2]).count() == 0
    assert CaseEvent.unscoped.filter(case_id=ids[2], event="record_visit").count() == 0
    assert AuditEvent.objects.count() == audit_before + 2
    for case_id in ids[:2]:
        event = CaseEvent.unscoped.get(case_id=case_id, event="record_visit")
        visit = HomeVisit.unscoped.get(case_id=case_id)
        assert event.data["visit"] == visit.id  # the new row's id, once written
        assert Case.unscoped.get(id=case_id).investigated_by_id == people["assistant"].id
    assert chain.verify(AuditEvent).ok


def test_a_batch_decides_at_the_right_authority_and_not_by_the_investigator(
    people: dict[str, Any], gd_area: str
) -> None:
    """A-03 and SECURITY.md 4 hold per case within a batch approval (批量审批)."""
    cw, leader = people["caseworker"], people["leader"]
    households = [make_household(cw, gd_area + "001", members=2) for _ in range(2)]
    ids = _verified(people, _intake(people, households))
    _many(cw, ids, "evaluate")
    assert not _many(cw, ids, "propose", proposal="approve", opinion="")[1]
    assert not _many(cw, ids, "post_notice")[1]
    notice_to = Case.unscoped.get(id=ids[0]).notice_to
    assert not _many(cw, ids, "close_notice", today=notice_to)[1]
    _, refused = _many(cw, ids, "approve", today=notice_to)  # the one who entered them
    assert set(refused) == set(ids)
    _, refused = _many(people["county"], ids, "approve", today=notice_to)  # devolved
    assert set(refused) == set(ids)
    done, refused = _many(leader, ids, "approve", today=notice_to)
    assert refused == {} and all(c.outcome == "approved" and c.decided_amount for c in done)
