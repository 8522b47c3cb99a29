"""The audit log: one row per change in the same transaction, append-only, hash-chained;
`verify` names the first changed, deleted or reordered row (SECURITY.md 19, 21)."""

from __future__ import annotations

import itertools
import json
from typing import Any

import pytest
from django.db import connection, transaction
from typer.testing import CliRunner

from jiuzhu.audit.chain import BROKEN_LINK, CHANGED, verify
from jiuzhu.audit.models import AppendOnlyError, AuditEvent
from jiuzhu.audit.services import audit_record
from tests.dbroles import as_owner


def write(n: int) -> list[AuditEvent]:
    rows = []
    for i in range(n):
        with transaction.atomic():
            rows.append(
                audit_record(
                    actor=None, action="test.write", object_type="thing", object_id=i, new={"i": i}
                )
            )
    return rows


def raw(sql: str, params: list[Any]) -> None:
    """What someone with SQL access and log-maintenance rights (the tables' owner) would do."""
    with as_owner(), connection.cursor() as cursor:
        cursor.execute(sql, params)


class maintenance_off:
    """Within: the connection is an ordinary one, and the triggers refuse changes."""

    def __enter__(self) -> None:
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("SET LOCAL jiuzhu.log_maintenance = 'off'")
        else:
            self._set(0)

    def __exit__(self, *exc: object) -> None:
        if connection.vendor == "sqlite":
            self._set(1)

    @staticmethod
    def _set(value: int) -> None:
        connection.ensure_connection()
        connection.connection.create_function(
            "jiuzhu_log_maintenance", 0, lambda: value, deterministic=True
        )


@pytest.mark.django_db
def test_a_clean_chain_verifies() -> None:
    write(5)
    verdict = verify(AuditEvent)
    assert verdict.ok and verdict.rows == 5


@pytest.mark.django_db
def test_a_changed_row_is_named() -> None:
    rows = write(5)
    raw("UPDATE audit_auditevent SET new = %s WHERE id = %s", [json.dumps({"i": 99}), rows[2].id])
    verdict = verify(AuditEvent)
    assert (verdict.ok, verdict.first_broken_id, verdict.reason) == (False, rows[2].id, CHANGED)


@pytest.mark.django_db
def test_a_deleted_row_is_named_by_the_row_after_it() -> None:
    rows = write(5)
    raw("DELETE FROM audit_auditevent WHERE id = %s", [rows[1].id])
    verdict = verify(AuditEvent)
    assert (verdict.ok, verdict.first_broken_id, verdict.reason) == (False, rows[2].id, BROKEN_LINK)


@pytest.mark.django_db
def test_reordered_rows_are_named() -> None:
    rows = write(4)
    a, b = rows[1], rows[2]
    raw("UPDATE audit_auditevent SET id = -1 WHERE id = %s", [a.id])
    raw("UPDATE audit_auditevent SET id = %s WHERE id = %s", [a.id, b.id])
    raw("UPDATE audit_auditevent SET id = %s WHERE id = -1", [b.id])
    verdict = verify(AuditEvent)
    assert not verdict.ok and verdict.first_broken_id == a.id


@pytest.mark.django_db
def test_rows_cannot_be_updated_or_deleted() -> None:
    row = write(1)[0]
    with pytest.raises(AppendOnlyError):
        row.save()
    with pytest.raises(AppendOnlyError):
        row.delete()
    with pytest.raises(AppendOnlyError):
        AuditEvent.objects.all().delete()
    for sql in ("DELETE FROM audit_auditevent", "UPDATE audit_auditevent SET action = 'x'"):
        with (
            maintenance_off(),
            pytest.raises(Exception, match=r"append-only|permission denied"),
            transaction.atomic(),
            connection.cursor() as cursor,
        ):
            cursor.execute(sql)


@pytest.mark.django_db
def test_a_rolled_back_change_leaves_no_audit_row() -> None:
    class Boom(Exception):
        pass

    with pytest.raises(Boom), transaction.atomic():
        audit_record(actor=None, action="test.rollback", object_type="thing", object_id=1)
        raise Boom
    assert not AuditEvent.objects.filter(action="test.rollback").exists()


@pytest.mark.django_db(transaction=True)
def test_a_row_is_written_only_inside_a_transaction() -> None:
    with pytest.raises(RuntimeError, match="inside the transaction"):
        audit_record(actor=None, action="test.outside", object_type="thing", object_id=1)


@pytest.mark.django_db
def test_the_verify_command_exits_1_naming_the_row() -> None:
    from jiuzhu.cli.main import app

    rows = write(3)
    ok = CliRunner().invoke(app, ["audit", "verify"])
    assert ok.exit_code == 0 and json.loads(ok.stdout)["audit"]["rows"] == 3
    raw("UPDATE audit_auditevent SET action = %s WHERE id = %s", ["forged", rows[0].id])
    broken = CliRunner().invoke(app, ["audit", "verify"])
    assert broken.exit_code == 1
    assert json.loads(broken.stdout)["audit"]["first_broken_id"] == rows[0].id


@pytest.mark.django_db(transaction=True)
def test_concurrent_writers_still_give_one_chain() -> None:
    """Four threads writing at once: every row linked to the one before it (PostgreSQL: the
    in-memory SQLite of the tests has no busy waiting between connections)."""
    if connection.vendor != "postgresql":
        pytest.skip("concurrency is tested on PostgreSQL (CI)")
    import threading

    from django.db import connections

    errors: list[BaseException] = []

    def writer() -> None:
        try:
            for i in range(10):
                with transaction.atomic():
                    audit_record(actor=None, action="test.concurrent", object_type="t", object_id=i)
        except BaseException as exc:
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=writer) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    verdict = verify(AuditEvent)
    assert verdict.ok and verdict.rows == 40


@pytest.mark.django_db
def test_reads_appended_in_bulk_chain_like_single_rows() -> None:
    """SECURITY.md 20, 21: a bank file's million account reads go in by COPY without a
    model object per row, yet each row is linked and hashed as `row_digest` would, after
    the rows already there, and a changed row is still found."""
    from django.utils import timezone

    from jiuzhu.audit.chain import append_prepared, reads_prepare, row_digest
    from jiuzhu.audit.models import AccessEvent
    from jiuzhu.audit.services import access_record

    with transaction.atomic():
        access_record(
            actor=None, subject_type="member", subject_id=1, field="id_number", purpose="before"
        )
    reads = [(str(i), "440104" if i % 2 else "44010\t4") for i in range(1, 2_501)]
    common = {
        "at": timezone.now(),
        "actor_id": None,
        "actor_name": 'batch "export" \\ 1',
        "ip": None,
        "request_id": "",
        "subject_type": "payee_account",
        "field": "account_number",
        "purpose": "发放批次 7 银行代发文件",
    }
    prepared = reads_prepare(common, reads)  # before the transaction
    with transaction.atomic():
        assert append_prepared(prepared) == 2_500
    rows = list(AccessEvent.objects.order_by("id"))
    assert len(rows) == 2_501 and rows[-1].region_code == "44010\t4"
    assert [(r.subject_id, r.region_code) for r in rows[1:]] == reads
    for earlier, row in itertools.pairwise(rows):
        assert row.prev_hash == earlier.hash
        assert row.hash == row_digest(earlier.hash, row)
    assert verify(AccessEvent).ok and verify(AccessEvent).rows == 2_501
    raw("UPDATE audit_accessevent SET subject_id = %s WHERE id = %s", ["9", rows[1200].id])
    verdict = verify(AccessEvent)
    assert not verdict.ok and verdict.first_broken_id == rows[1200].id
