"""The chains' heads are checkpointed outside the database, and the chain is keyed
(SECURITY.md 21; issue 15 item 1): `audit verify` names a deleted tail and a re-chained
history against the last checkpoint, and rows re-chained without the key do not verify.
On SQLite and PostgreSQL."""

from __future__ import annotations

import hashlib
import json
from typing import Any

import pytest
from django.conf import settings
from typer.testing import CliRunner

from jiuzhu.audit.chain import CHAINED_FIELDS, CHANGED, GENESIS, _plain, row_digest, verify
from jiuzhu.audit.checkpoints import checkpoint_file
from jiuzhu.audit.models import AuditEvent
from tests.audit.test_chain import raw, write
from tests.dbroles import as_owner

pytestmark = pytest.mark.django_db


def audit_verify(*args: str) -> tuple[int, dict[str, Any]]:
    from jiuzhu.cli.main import app

    result = CliRunner().invoke(app, ["audit", "verify", *args])
    assert result.exit_code in (0, 1), result.output
    return result.exit_code, json.loads(result.stdout)


def rechain(rows: list[AuditEvent], start: int, digest: Any) -> None:
    """Rewrite the links and hashes from rows[start] on, as someone with write access would
    after changing rows[start]."""
    previous = AuditEvent.objects.get(id=rows[start - 1].id).hash if start else GENESIS
    for row in rows[start:]:
        stored = AuditEvent.objects.get(id=row.id)
        new_hash = digest(previous, stored)
        raw(
            "UPDATE audit_auditevent SET prev_hash = %s, hash = %s WHERE id = %s",
            [previous, new_hash, row.id],
        )
        previous = new_hash


def unkeyed_digest(previous: str, row: AuditEvent) -> str:
    """The chain as it was before the key: plain SHA-256."""
    canonical = json.dumps(
        {name: _plain(getattr(row, name)) for name in CHAINED_FIELDS["audit_auditevent"]},
        sort_keys=True,
        ensure_ascii=False,
        separators=(",", ":"),
    )
    return hashlib.sha256((previous + canonical).encode()).hexdigest()


def test_a_clean_chain_verifies_and_is_checkpointed_outside_the_database() -> None:
    write(3)
    code, report = audit_verify()
    assert code == 0 and report["audit"] == {"ok": True, "rows": 3}
    path = checkpoint_file()
    assert path.parent == settings.JIUZHU_CHECKPOINT_DIR and path.stat().st_mode & 0o077 == 0
    lines = [json.loads(line) for line in path.read_text().splitlines()]
    head = next(line for line in lines if line["chain"] == "audit")
    last = AuditEvent.objects.order_by("-id").first()
    assert last is not None
    assert (head["last_id"], head["last_hash"], head["rows"]) == (last.id, last.hash, 3)
    assert all(len(line["mac"]) == 64 for line in lines)
    write(2)  # appending after a checkpoint is what a log does
    assert audit_verify()[0] == 0


def test_a_deleted_tail_is_named_as_truncation() -> None:
    """Today's `verify` says ok when the last rows are gone; the checkpoint does not."""
    rows = write(6)
    assert audit_verify()[0] == 0
    raw("DELETE FROM audit_auditevent WHERE id >= %s", [rows[4].id])
    assert verify(AuditEvent).ok  # the chain alone cannot see it
    code, report = audit_verify()
    assert code == 1 and not report["audit"]["ok"]
    assert report["audit"]["reason"].startswith("truncated:")
    assert f"ended at row {rows[5].id} with 6 rows" in report["audit"]["reason"]


def test_a_history_re_chained_with_the_key_is_named() -> None:
    """Someone holding the key rewrites row 2 and re-links every row after it: the chain
    verifies, the checkpointed head's hash no longer matches."""
    rows = write(5)
    assert audit_verify()[0] == 0
    raw("UPDATE audit_auditevent SET action = %s WHERE id = %s", ["forged", rows[1].id])
    rechain(rows, 1, row_digest)
    assert verify(AuditEvent).ok
    code, report = audit_verify()
    assert code == 1 and report["audit"]["reason"].startswith("re-chained:")
    assert str(rows[4].id) in report["audit"]["reason"]


def test_a_history_re_chained_without_the_key_does_not_verify() -> None:
    """Plain SHA-256 (the old chain) or another key: the first rewritten row is named."""
    rows = write(4)

    raw("UPDATE audit_auditevent SET action = %s WHERE id = %s", ["forged", rows[1].id])
    rechain(rows, 1, unkeyed_digest)
    verdict = verify(AuditEvent)
    assert (verdict.ok, verdict.first_broken_id, verdict.reason) == (False, rows[1].id, CHANGED)


def test_a_forged_checkpoint_line_is_named() -> None:
    write(2)
    assert audit_verify()[0] == 0
    path = checkpoint_file()
    lines = path.read_text().splitlines()
    forged = json.loads(lines[0]) | {"rows": 99}
    path.write_text("\n".join([json.dumps(forged), *lines[1:]]) + "\n")
    code, report = audit_verify()
    assert code == 1
    assert report["checkpoints"]["problems"][0].startswith("checkpoint line 1 is not authentic")


def test_verify_without_checkpoint_writes_nothing() -> None:
    write(1)
    assert audit_verify("--no-checkpoint")[0] == 0
    assert not checkpoint_file().exists()


def test_an_unkeyed_chain_is_relinked_once_only_if_it_holds() -> None:
    """Upgrading: rows chained with plain SHA-256 (before the key) are re-linked with the
    key by `jiuzhu audit relink`, which refuses, changing nothing, if the old chain is
    broken."""
    from jiuzhu.cli.main import app

    rows = write(4)

    def hashes() -> list[str]:
        return list(AuditEvent.objects.order_by("id").values_list("hash", flat=True))

    rechain(rows, 1, unkeyed_digest)  # rows[0] stays keyed: the old chain breaks there
    assert not verify(AuditEvent).ok
    mixed = hashes()
    with as_owner():  # `jiuzhu audit relink` connects as the owner (DATABASE_OWNER_URL)
        refused = CliRunner().invoke(app, ["audit", "relink"])
    assert refused.exit_code == 1
    assert json.loads(refused.stdout)["audit"]["first_broken_id"] == rows[0].id
    assert hashes() == mixed  # nothing re-linked
    rechain(rows, 0, unkeyed_digest)  # the whole chain as an old release wrote it
    before = hashes()
    with as_owner():
        result = CliRunner().invoke(app, ["audit", "relink"])
    assert result.exit_code == 0, result.output
    assert verify(AuditEvent).ok and verify(AuditEvent).rows == 4
    assert not set(before) & set(hashes())
