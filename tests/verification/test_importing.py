"""Importing department files (V-02; SECURITY.md 12, 23): row-by-row reports, idempotent
and resumable batches, refusals of files that are not what they claim, no clear ID number
stored, and near-identical ID numbers kept apart."""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from django.db import connection

from jiuzhu.audit.models import AuditEvent
from jiuzhu.registry.identity import ERROR_CHECKSUM, id_hash
from jiuzhu.verification import errors
from jiuzhu.verification.errors import RefusedFile
from jiuzhu.verification.importing import import_file
from jiuzhu.verification.models import BatchStatus, DepartmentRecord, RowError, SourceBatch
from jiuzhu.verification.selectors import records_frame
from jiuzhu.verification.sources import SOURCES, Column
from tests.factories import id_number
from tests.verification.conftest import AS_OF, record, write

pytestmark = pytest.mark.django_db(transaction=False)
FULL_ID = re.compile(r"\d{17}[\dXx]")


def _import(path: Path, source: str = "bank", **kw: Any) -> Any:
    return import_file(actor=None, source=source, path=path, as_of=AS_OF, **kw)


@pytest.mark.parametrize("source", sorted(SOURCES))
def test_a_valid_record_of_every_source_goes_in_with_its_typed_columns(
    tmp_path: Path, source: str
) -> None:
    result = _import(write(tmp_path / "a.csv", [record(source)]), source)
    assert (result.batch.rows_ok, result.batch.rows_bad, result.added) == (1, 0, 1)
    stored = DepartmentRecord.objects.get(batch=result.batch)
    spec = SOURCES[source]
    assert stored.kind == spec.fields[2].choices[0]
    if spec.column(Column.AMOUNT) is not None:
        assert stored.amount == Decimal("1234.50")
    assert stored.as_of == AS_OF and stored.source == source


@pytest.mark.parametrize("suffix", [".csv", ".xlsx", ".parquet"])
def test_csv_xlsx_and_parquet_files_all_import_and_report_lines(
    tmp_path: Path, suffix: str
) -> None:
    rows = [
        record("bank"),
        record("bank", balance="-5"),
        record("bank", balance_on="2024-02-30"),
        record("bank"),
    ]
    result = _import(write(tmp_path / f"bank{suffix}", rows))
    assert (result.batch.rows_ok, result.batch.rows_bad) == (2, 2)
    reported = [(e.line, e.field, e.reason) for e in RowError.objects.filter(batch=result.batch)]
    first = 1 if suffix == ".parquet" else 2  # the header is line 1 of a CSV or a sheet
    assert reported == [
        (first + 1, "balance", str(errors.NEGATIVE)),
        (first + 2, "balance_on", str(errors.NOT_A_DATE)),
    ]


def test_each_bad_row_is_reported_with_its_line_and_reason_and_the_rest_go_in(
    tmp_path: Path,
) -> None:
    good = id_number(dt.date(1975, 6, 1))
    wrong_check = good[:17] + ("0" if good[17] != "0" else "1")
    rows = [
        record("tax", good),
        record("tax", wrong_check),
        record("tax", good, income="12.345"),
        record("tax", good, income_kind="lottery"),
        record("tax", good, period_start=""),
        record("tax", good, withholder_uscc="91440101MA59UJMF6X"),
        record("tax", good, income="3500"),
    ]
    result = _import(write(tmp_path / "tax.csv", rows), "tax")
    assert (result.batch.rows_ok, result.batch.rows_bad) == (2, 5)
    reasons = {(e.line, e.field): e.reason for e in RowError.objects.filter(batch=result.batch)}
    assert reasons == {
        (3, "id_number"): str(ERROR_CHECKSUM),
        (4, "income"): str(errors.NOT_MONEY),
        (5, "income_kind"): str(errors.NOT_A_CHOICE),
        (6, "period_start"): str(errors.REQUIRED),
        (7, "withholder_uscc"): str(errors.BAD_USCC),
    }
    assert sorted(DepartmentRecord.objects.values_list("line", flat=True)) == [2, 8]
    # a reason never echoes the value (the ID number typed wrongly stays out of reports)
    assert not any(FULL_ID.search(r) for r in reasons.values())


def test_a_row_with_the_wrong_number_of_fields_is_reported_and_the_rest_go_in(
    tmp_path: Path,
) -> None:
    path = write(tmp_path / "bank.csv", [record("bank"), record("bank")])
    lines = path.read_text().splitlines()
    path.write_text("\n".join([lines[0], lines[1] + ",extra", lines[2]]) + "\n")
    result = _import(path)
    assert (result.batch.rows_ok, result.batch.rows_bad) == (1, 1)
    assert RowError.objects.get(batch=result.batch).line == 2


def test_a_period_that_ends_before_it_starts_is_reported_on_its_line(tmp_path: Path) -> None:
    """Issue 15 item 6: period_start after period_end went in; the end before the start is
    refused on its line and field, the same day and the right order go in."""
    rows = [
        record("tax", period_start="2024-03-01", period_end="2024-02-29"),
        record("tax", period_start="2024-03-01", period_end="2024-03-01"),
        record("tax", period_start="2024-01-01", period_end="2024-03-31"),
    ]
    result = _import(write(tmp_path / "tax.csv", rows), "tax")
    assert (result.batch.rows_ok, result.batch.rows_bad) == (2, 1)
    error = RowError.objects.get(batch=result.batch)
    assert (error.line, error.field, error.reason) == (2, "period_end", str(errors.PERIOD_ORDER))


def test_one_nul_byte_refuses_its_line_not_the_whole_file(tmp_path: Path) -> None:
    """Issue 15 item 6: one NUL byte in a CSV refused the whole file as binary."""
    path = write(tmp_path / "bank.csv", [record("bank"), record("bank"), record("bank")])
    lines = path.read_bytes().split(b"\n")
    lines[2] = lines[2].replace(b",", b",\x00", 1)
    path.write_bytes(b"\n".join(lines))
    result = _import(path)
    assert (result.batch.rows_ok, result.batch.rows_bad) == (2, 1)
    error = RowError.objects.get(batch=result.batch)
    assert (error.line, error.reason) == (3, str(errors.NUL_BYTE))


def test_the_same_batch_twice_adds_nothing(tmp_path: Path) -> None:
    """SECURITY.md 16-17: a delivery imported twice is stored once."""
    path = write(tmp_path / "bank.csv", [record("bank"), record("bank", balance="x")])
    first = _import(path)
    again = _import(path)
    assert (first.added, again.added, again.already_complete) == (1, 0, True)
    assert SourceBatch.unscoped.count() == 1
    assert DepartmentRecord.objects.count() == 1 and RowError.objects.count() == 1
    assert AuditEvent.objects.filter(action__startswith="verification.batch").count() == 2


def test_a_batch_key_used_for_other_content_is_refused(tmp_path: Path) -> None:
    _import(write(tmp_path / "a.csv", [record("bank")]), batch_key="B-2024-05")
    with pytest.raises(RefusedFile) as refused:
        _import(write(tmp_path / "b.csv", [record("bank", balance="9")]), batch_key="B-2024-05")
    assert refused.value.message == str(errors.BATCH_CONFLICT)
    assert DepartmentRecord.objects.count() == 1


def test_an_interrupted_import_is_completed_by_running_it_again(tmp_path: Path) -> None:
    rows = [record("bank", balance=f"{i}.00") for i in range(1, 8)] + [record("bank", balance="-")]
    path = write(tmp_path / "bank.csv", rows)
    calls = 0

    def crash_after_two_chunks(_rows: int) -> None:
        nonlocal calls
        calls += 1
        if calls == 2:
            raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        _import(path, chunk=3, progress=crash_after_two_chunks)
    batch = SourceBatch.unscoped.get()
    assert (batch.status, batch.rows_done, DepartmentRecord.objects.count()) == (
        BatchStatus.IMPORTING,
        6,
        6,
    )
    resumed = _import(path, chunk=3)
    assert (resumed.resumed_at, resumed.added, resumed.batch.status) == (6, 1, "complete")
    assert sorted(DepartmentRecord.objects.values_list("line", flat=True)) == list(range(2, 9))
    assert (resumed.batch.rows_ok, resumed.batch.rows_bad) == (7, 1)


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("bank.csv", b"%PDF-1.7\n%\xe2\xe3\n1 0 obj", errors.FILE_MISMATCH),
        ("bank.csv", b"PK\x03\x04\x14\x00\x00\x00", errors.FILE_MISMATCH),
        ("bank.parquet", b"id_number,balance\n1,2\n", errors.FILE_MISMATCH),
        ("bank.xlsx", b"PK\x03\x04 not really a workbook", errors.FILE_UNREADABLE),
        ("bank.pdf", b"%PDF-1.7", errors.FILE_FORMAT),
        ("bank.csv", "户名,金额\n张三,1\n".encode(), errors.MISSING_COLUMNS),
        ("bank.csv", b"id_number,product\n", errors.FILE_EMPTY),
        ("bank.csv", b"\xff\xfe\x00\x00binary", errors.FILE_MISMATCH),
    ],
)
def test_a_file_that_is_not_what_it_claims_is_refused_whole_with_a_clear_message(
    tmp_path: Path, name: str, content: bytes, message: Any
) -> None:
    path = tmp_path / name
    path.write_bytes(content)
    with pytest.raises(RefusedFile) as refused:
        _import(path)
    assert refused.value.message.startswith(str(message).split("{")[0])
    assert SourceBatch.unscoped.count() == 0 and DepartmentRecord.objects.count() == 0


def test_unknown_columns_are_reported_and_ignored(tmp_path: Path) -> None:
    result = _import(write(tmp_path / "bank.csv", [record("bank", 备注="x")]))
    assert result.warnings == [str(errors.UNKNOWN_COLUMN).format(column="备注")]
    assert result.batch.rows_ok == 1


def test_a_gb18030_csv_export_is_read(tmp_path: Path) -> None:
    path = tmp_path / "bank.csv"
    write(path, [record("bank", bank_name="农村信用社")])
    path.write_bytes(path.read_text("utf-8").encode("gb18030"))
    result = _import(path)
    assert DepartmentRecord.objects.get(batch=result.batch).data["bank_name"] == "农村信用社"


def test_no_clear_id_number_or_secret_is_stored_anywhere_in_the_tables(tmp_path: Path) -> None:
    """SECURITY.md 23: ID numbers only as keyed hash and masked form; accounts masked."""
    number = id_number(dt.date(1966, 2, 2))
    rows = [record("bank", number, name="王小明", account_no="6222021234567890123")]
    wrong = "5" if number[17] != "5" else "6"  # a wrong check digit: refused, not stored
    rows.append(record("bank", number[:17] + wrong, balance="1"))
    _import(write(tmp_path / "bank.csv", rows))
    with connection.cursor() as cursor:
        dump = ""
        for table in ("verification_departmentrecord", "verification_rowerror"):
            cursor.execute(f"SELECT * FROM {table}")
            dump += repr(cursor.fetchall())
    assert number not in dump and number[:17] not in dump
    assert not FULL_ID.search(dump)
    assert "6222021234567890123" not in dump and "王小明" not in dump
    stored = DepartmentRecord.objects.get()
    assert stored.id_hash == id_hash(number)
    assert stored.data["account_no"] == "****0123" and stored.data["name"] == "王**"


def test_near_identical_id_numbers_do_not_match(tmp_path: Path) -> None:
    """Two valid numbers one digit apart are two people: neither record matches the other."""
    number = id_number(dt.date(1970, 1, 1))
    body = number[:14] + str((int(number[14]) + 1) % 10) + number[15:17]
    from stdnum.cn import ric

    neighbour = body + ric.calc_check_digit(body + "0")
    _import(write(tmp_path / "bank.csv", [record("bank", neighbour)]))
    assert not DepartmentRecord.objects.filter(id_hash=id_hash(number)).exists()
    assert DepartmentRecord.objects.filter(id_hash=id_hash(neighbour)).count() == 1


def test_records_frame_returns_decimal_money_for_a_set_based_match(tmp_path: Path) -> None:
    _import(write(tmp_path / "bank.csv", [record("bank", balance="100000.10")]))
    frame = records_frame("bank", AS_OF)
    assert frame.height == 1
    assert frame["amount"].dtype.is_decimal()
    assert frame["amount"].to_list() == [Decimal("100000.10")]
    assert records_frame("bank", AS_OF - dt.timedelta(days=1)).height == 0
