"""The PostgreSQL path: records stored with COPY and read back with COPY (runs when
DATABASE_URL is PostgreSQL, as in CI)."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pytest
from django.db import connection

from jiuzhu.verification.importing import import_file
from jiuzhu.verification.models import DepartmentRecord
from jiuzhu.verification.selectors import records_frame
from tests.verification.conftest import AS_OF, record, write


@pytest.mark.django_db
def test_copy_stores_and_reads_records_on_postgresql(tmp_path: Path) -> None:
    if connection.vendor != "postgresql":
        pytest.skip("COPY is the PostgreSQL path (set DATABASE_URL=postgres://…)")
    rows = [record("bank", balance=f"{i}.05", account_no='12,"34"5') for i in range(1, 2001)]
    rows.append(record("bank", balance="oops"))
    path = write(tmp_path / "bank.csv", rows)
    result = import_file(actor=None, source="bank", path=path, as_of=AS_OF, chunk=700)
    assert (result.batch.rows_ok, result.batch.rows_bad) == (2000, 1)
    assert DepartmentRecord.objects.count() == 2000
    assert DepartmentRecord.objects.get(line=2).data["account_no"] == '****34"5'
    frame = records_frame("bank", AS_OF)
    assert frame.height == 2000
    assert sum(frame["amount"].to_list()) == sum(Decimal(f"{i}.05") for i in range(1, 2001))
