"""Case numbers are unique and gap-free per township and year, also under concurrent
creation (SECURITY.md 18)."""

from __future__ import annotations

import threading

import pytest
from django.db import connection, connections, transaction

from jiuzhu.cases.selectors import case_number_peek
from jiuzhu.cases.services import case_number_next


@pytest.mark.django_db
def test_numbers_follow_each_other_per_township_and_year() -> None:
    with transaction.atomic():
        first = case_number_next(township_code="440104001", year=2026)
        second = case_number_next(township_code="440104001", year=2026)
        other = case_number_next(township_code="440104002", year=2026)
        next_year = case_number_next(township_code="440104001", year=2027)
    assert (first, second) == ("440104001-2026-000001", "440104001-2026-000002")
    assert other.endswith("-000001") and next_year == "440104001-2027-000001"


@pytest.mark.django_db
def test_a_rolled_back_case_gives_its_number_back() -> None:
    class Refused(Exception):
        pass

    with pytest.raises(Refused), transaction.atomic():
        case_number_next(township_code="150102001", year=2026)
        raise Refused
    with transaction.atomic():
        assert case_number_next(township_code="150102001", year=2026).endswith("-000001")


@pytest.mark.django_db(transaction=True)
def test_a_number_is_taken_only_inside_a_transaction() -> None:
    with pytest.raises(RuntimeError, match="inside the transaction"):
        case_number_next(township_code="440104001", year=2026)


@pytest.mark.django_db(transaction=True)
def test_concurrent_intakes_get_distinct_numbers_without_gaps() -> None:
    if connection.vendor != "postgresql":
        pytest.skip("concurrency is tested on PostgreSQL (CI)")
    numbers: list[str] = []
    lock = threading.Lock()

    def intake() -> None:
        try:
            for _ in range(15):
                with transaction.atomic():
                    number = case_number_next(township_code="440104001", year=2026)
                with lock:
                    numbers.append(number)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=intake) for _ in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(int(n.rsplit("-", 1)[1]) for n in numbers) == list(range(1, 91))
    assert case_number_peek(township_code="440104001", year=2026) == 90
