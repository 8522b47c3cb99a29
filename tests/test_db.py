"""bulk_set: many rows' columns in one statement, every column type round-tripping (on
PostgreSQL a JSON document or COPY, on SQLite Django's bulk_update)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

import pytest

from jiuzhu import db
from jiuzhu.cases.models import Case
from tests.cases.conftest import TODAY, accept
from tests.factories import make_household, make_user


@pytest.mark.parametrize("copy_from", [1, 1000], ids=["through COPY", "as one document"])
def test_every_column_type_round_trips(
    caseworker: Any, gd_area: str, copy_from: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(db, "COPY_FROM", copy_from)
    cw = caseworker
    household = make_household(cw, gd_area + "001")
    leader = make_user("township_leader", gd_area, username="gd-leader")
    cases = [accept(cw, household), accept(cw, household, "temporary_expense",
                                           requested_amount="10.00")]  # fmt: skip
    first, second = cases
    first.evaluation = {"名称": "低保", "amount": "1.05", "nested": [1, None, {"a": True}]}
    first.decided_amount = Decimal("1234.56")
    first.due_on = dt.date(2028, 2, 29)
    first.due_provisional = True
    first.decided_by = leader
    first.opinion = 'it\'s "quoted", 含逗号, and\nnewline'
    second.evaluation = None
    second.decided_amount = None
    second.due_on = None
    second.due_provisional = False
    second.decided_by = None
    second.opinion = ""
    fields = ["evaluation", "decided_amount", "due_on", "due_provisional", "decided_by_id",
              "opinion"]  # fmt: skip
    db.bulk_set(cases, fields)
    for case in cases:
        stored = Case.unscoped.get(id=case.id)
        assert [getattr(stored, f) for f in fields] == [getattr(case, f) for f in fields]
    assert Case.unscoped.get(id=first.id).applied_on == TODAY  # other columns untouched


@pytest.mark.django_db
def test_nothing_to_write_is_no_statement() -> None:
    """An empty bulk write sends nothing to the database (a batch step with nothing to do
    costs no round trip)."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as queries:
        db.bulk_set([], ["state"])
        db.bulk_insert([])
    assert len(queries) == 0


def test_bulk_insert_writes_every_row_in_order(caseworker: Any, gd_area: str) -> None:
    """COPY on PostgreSQL: JSON, dates and the foreign key as given, ids in list order."""
    from django.utils import timezone

    from jiuzhu.cases.models import CaseEvent

    case = accept(caseworker, make_household(caseworker, gd_area + "001"))
    rows = [
        CaseEvent(case=case, region_code=case.region_code, event=f"e{i}", from_state="a",
                  to_state="b", actor=caseworker, actor_name="x", at=timezone.now(),
                  note="tab\there", data={"i": i, "名": "值"})
        for i in range(3)
    ]  # fmt: skip
    db.bulk_insert(rows)
    stored = list(CaseEvent.unscoped.filter(event__startswith="e").order_by("id"))
    assert [(e.event, e.data, e.note) for e in stored] == [
        (f"e{i}", {"i": i, "名": "值"}, "tab\there") for i in range(3)
    ]


def test_bulk_insert_with_ids_gives_each_row_its_stored_id(caseworker: Any, gd_area: str) -> None:
    from django.utils import timezone

    from jiuzhu.cases.models import CaseEvent

    case = accept(caseworker, make_household(caseworker, gd_area + "001"))
    rows = [
        CaseEvent(case=case, region_code=case.region_code, event=f"w{i}", from_state="a",
                  to_state="b", actor=caseworker, actor_name="x", at=timezone.now(), data={})
        for i in range(3)
    ]  # fmt: skip
    db.bulk_insert(rows, with_ids=True)
    assert all(r.pk for r in rows)
    assert [CaseEvent.unscoped.get(pk=r.pk).event for r in rows] == ["w0", "w1", "w2"]


@pytest.mark.django_db(transaction=True)
def test_a_batch_read_outside_a_transaction_gives_the_frame_copy_gives(
    caseworker: Any, gd_area: str
) -> None:
    """Outside a transaction PostgreSQL reads go through ADBC (binary COPY into Arrow) on a
    second connection; inside one, through text COPY on Django's: the same frame, value for
    value (money as text with its two places, booleans, dates, nulls, Chinese text)."""
    import polars as pl
    from django.db import connection, transaction

    if connection.vendor != "postgresql":
        pytest.skip("ADBC reads PostgreSQL")
    household = make_household(caseworker, gd_area + "001")
    leader = make_user("township_leader", gd_area, username="gd-leader")
    first, second = accept(caseworker, household), accept(caseworker, household)
    Case.unscoped.filter(id=first.id).update(
        decided_amount=Decimal("1234.50"), due_on=dt.date(2028, 2, 29), due_provisional=True,
        decided_by=leader, opinion='含逗号, "quoted"\nnewline',
    )  # fmt: skip
    schema = {
        "id": pl.Int64,
        "amount": pl.String,
        "due": pl.Date,
        "provisional": pl.Boolean,
        "provisional_text": pl.String,
        "decided_by": pl.Int64,
        "opinion": pl.String,
        "created": pl.Date,
    }
    rows = Case.unscoped.filter(id__in=[first.id, second.id]).order_by("id")
    values = rows.values_list(
        "id", "decided_amount", "due_on", "due_provisional", "due_provisional", "decided_by_id",
        "opinion", "created_at",
    )  # fmt: skip
    assert not connection.in_atomic_block
    by_arrow = db.query_frame(values, schema)
    with transaction.atomic():
        by_copy = db.query_frame(values, schema)
    assert by_arrow.schema == by_copy.schema
    assert by_arrow.to_dicts() == by_copy.to_dicts()
    assert by_arrow["amount"].to_list() == ["1234.50", None]
    assert by_arrow["provisional_text"].to_list() == ["t", "f"]
    from jiuzhu.registry.models import Member

    ciphers = Member.unscoped.filter(household=household).values_list("id_cipher")
    by_arrow_bytes = db.query_frame(ciphers, {"cipher": pl.String})  # bytea
    with transaction.atomic():
        assert by_arrow_bytes.equals(db.query_frame(ciphers, {"cipher": pl.String}))
    assert by_arrow_bytes["cipher"].str.starts_with("\\x").all()
    parallel = db.query_frames([(values, schema), (rows.values_list("id"), {"id": pl.Int64})])
    assert parallel[0].to_dicts() == by_copy.to_dicts()
    assert parallel[1]["id"].to_list() == [first.id, second.id]
