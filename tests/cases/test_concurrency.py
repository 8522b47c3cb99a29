"""Two people acting on one case at the same moment (SECURITY.md 15): exactly one approval
happens, the other is told the case has moved on; the reserve fund is never overdrawn by
two emergency payments at once. PostgreSQL only (SQLite serialises every write)."""

from __future__ import annotations

import threading
from collections.abc import Callable
from decimal import Decimal
from typing import Any

import pytest
from django.db import connection, connections

from jiuzhu.cases.models import Case, CaseEvent, ReserveFund
from jiuzhu.cases.services import case_act, reserve_top_up
from jiuzhu.cases.workflow import TransitionRefused
from jiuzhu.regions.scope import Scope, using_scope
from jiuzhu.registry.errors import ServiceError
from tests.cases.conftest import accept, to_ready

pytestmark = pytest.mark.django_db(transaction=True)


def _race(actions: list[Callable[[], Any]]) -> list[str]:
    barrier = threading.Barrier(len(actions))
    results: list[str] = []
    lock = threading.Lock()

    def run(action: Callable[[], Any]) -> None:
        try:
            barrier.wait()
            action()
            outcome = "ok"
        except (TransitionRefused, ServiceError) as exc:
            outcome = str(exc)
        finally:
            connections.close_all()
        with lock:
            results.append(outcome)

    threads = [threading.Thread(target=run, args=(a,)) for a in actions]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return results


def _as(actor: Any, case: Any, event: str, **payload: Any) -> Callable[[], Any]:
    def action() -> Any:
        with using_scope(Scope(actor.area.scope_prefix)):
            return case_act(actor=actor, case=case, event=event, payload=payload,
                            today=case.notice_to)  # fmt: skip

    return action


def test_two_approvals_at_once_exactly_one_succeeds(
    people: dict[str, Any], poor_household: Any
) -> None:
    if connection.vendor != "postgresql":
        pytest.skip("concurrency is tested on PostgreSQL (CI)")
    case = to_ready(people, poor_household)
    leader = people["leader"]
    results = _race([_as(leader, case, "approve"), _as(leader, case, "refuse", reason="x")])
    assert sorted(r == "ok" for r in results) == [False, True]
    assert any("不能进行" in r for r in results if r != "ok")
    decisions = CaseEvent.unscoped.filter(case=case, event__in=["approve", "refuse"]).count()
    assert decisions == 1
    assert Case.unscoped.get(id=case.id).state in ("approved", "refused")


def test_two_emergency_payments_cannot_overdraw_the_reserve(
    people: dict[str, Any], poor_household: Any
) -> None:
    if connection.vendor != "postgresql":
        pytest.skip("concurrency is tested on PostgreSQL (CI)")
    county, cw = people["county"], people["caseworker"]
    with using_scope(Scope(county.area.scope_prefix)):
        reserve_top_up(actor=county, township_code="440104001", amount="3000")
    cases = [
        accept(cw, poor_household, "temporary_emergency", requested_amount="2000") for _ in range(2)
    ]
    for c in cases:
        c.notice_to = None
    results = _race([_as(cw, c, "pay_first", amount="2000") for c in cases])
    assert sorted(r == "ok" for r in results) == [False, True]
    assert ReserveFund.unscoped.get(region_code="440104001").balance == Decimal("1000.00")
