"""Exactly once under concurrency (SECURITY.md 16): two workers running the same county's
batch at the same moment pay every entitlement once, in one batch. PostgreSQL only (SQLite
serialises every write), like tests/cases/test_concurrency.py."""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

import pytest
from django.db import connection, connections

from jiuzhu.benefits.ledger import control_report
from jiuzhu.benefits.models import Payment, PaymentBatch, Posting
from jiuzhu.benefits.payments import payments_run
from tests.benefits.conftest import COUNTY, MONTH, TODAY, as_user, entitled

pytestmark = pytest.mark.django_db(transaction=True)


def _race(actions: list[Callable[[], Any]]) -> list[Any]:
    barrier = threading.Barrier(len(actions))
    results: list[Any] = []
    lock = threading.Lock()

    def run(action: Callable[[], Any]) -> None:
        try:
            barrier.wait()
            outcome = action()
        except Exception as exc:  # reported, and the test fails on it
            outcome = exc
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


def test_two_workers_running_one_batch_at_once_pay_everyone_exactly_once(
    officers: dict[str, Any], gd_area: str
) -> None:
    if connection.vendor != "postgresql":
        pytest.skip("concurrency is tested on PostgreSQL (CI)")
    amounts = [f"{100 + i}.{i % 100:02d}" for i in range(40)]
    entitlements = entitled(officers["caseworker"], gd_area + "001", amounts)
    preparer = officers["preparer"]

    def worker() -> Any:
        with as_user(preparer):
            return payments_run(actor=preparer, county=COUNTY, month=MONTH, today=TODAY, chunk=7)

    results = _race([worker, worker])
    assert not [r for r in results if isinstance(r, Exception)], results
    assert sum(r.added for r in results) == 40
    assert PaymentBatch.unscoped.count() == 1
    assert Payment.unscoped.count() == 40
    assert set(Payment.unscoped.values_list("entitlement_id", flat=True)) == {
        e.pk for e in entitlements
    }
    assert Posting.unscoped.filter(kind="accrual").count() == 40
    report = control_report(COUNTY, MONTH)
    assert report["balanced"] and report["accrued"] == f"{sum(map(float, amounts)):.2f}"


def test_a_crashed_worker_and_a_fresh_one_still_pay_everyone_once(
    officers: dict[str, Any], gd_area: str
) -> None:
    """A worker dies after its first chunk while another runs: the survivor and a rerun
    leave every entitlement paid once."""
    if connection.vendor != "postgresql":
        pytest.skip("concurrency is tested on PostgreSQL (CI)")
    entitled(officers["caseworker"], gd_area + "001", ["10.00"] * 30)
    preparer = officers["preparer"]

    def crash(n: int) -> None:
        raise RuntimeError("killed")

    def dying() -> Any:
        with as_user(preparer):
            return payments_run(actor=preparer, county=COUNTY, month=MONTH, today=TODAY,
                                chunk=5, progress=crash)  # fmt: skip

    def steady() -> Any:
        with as_user(preparer):
            return payments_run(actor=preparer, county=COUNTY, month=MONTH, today=TODAY, chunk=5)

    _race([dying, steady])
    steady()
    assert Payment.unscoped.count() == 30
    assert control_report(COUNTY, MONTH)["balanced"]
