"""The hash chain: append under a lock, verify naming the first broken row.

Each row's hash is HMAC-SHA256, keyed with JIUZHU_AUDIT_KEY (never in the database), over
the previous row's hash and the row's canonical JSON, so a changed, deleted or reordered
row breaks the chain from there on (SECURITY.md 21), and someone who can write the tables
but lacks the key cannot re-chain the rows after a change into hashes that verify. A
deleted tail or a re-chained history is found against the checkpoints kept outside the
database (audit/checkpoints.py). Writers take a lock before reading the last hash, so
concurrent writers still give one chain: on PostgreSQL a transaction-level advisory lock,
on SQLite the database write lock that every transaction takes at BEGIN (transaction_mode
IMMEDIATE in the settings).
"""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import hmac
import json
import logging
import secrets
from dataclasses import dataclass
from decimal import Decimal
from functools import cache
from typing import Any

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.db import connection, transaction
from django.db.models import Model

from jiuzhu.audit.models import AccessEvent, AuditEvent, ChainedRow
from jiuzhu.db import bulk_insert

log = logging.getLogger(__name__)
GENESIS = "0" * 64
LOCK_KEYS = {"audit_auditevent": 7_301, "audit_accessevent": 7_302}
CHAINED_FIELDS = {
    "audit_auditevent": (
        "at",
        "actor_id",
        "actor_name",
        "region_code",
        "ip",
        "request_id",
        "action",
        "object_type",
        "object_id",
        "old",
        "new",
    ),
    "audit_accessevent": (
        "at",
        "actor_id",
        "actor_name",
        "region_code",
        "ip",
        "request_id",
        "subject_type",
        "subject_id",
        "field",
        "purpose",
    ),
}


def _plain(value: Any) -> Any:
    if isinstance(value, dt.datetime):
        return value.astimezone(dt.UTC).isoformat(timespec="microseconds")
    if isinstance(value, Decimal | dt.date):
        return str(value)
    return value


@cache
def audit_key() -> bytes:
    """The chain's key: JIUZHU_AUDIT_KEY (production requires it), else a key file in the
    data directory made on first use (development, demo; tests set the key)."""
    value = getattr(settings, "JIUZHU_AUDIT_KEY", "")
    if not value:
        if not getattr(settings, "JIUZHU_KEY_FILE_ALLOWED", True):
            raise ImproperlyConfigured("JIUZHU_AUDIT_KEY is required")
        path = settings.JIUZHU_AUDIT_KEY_FILE
        if not path.exists():
            log.warning("creating a development audit key in %s (set JIUZHU_AUDIT_KEY)", path)
            path.write_text(base64.b64encode(secrets.token_bytes(32)).decode())
            path.chmod(0o600)
        value = path.read_text().strip()
    key = base64.b64decode(value)
    if len(key) < 32:
        raise ImproperlyConfigured("JIUZHU_AUDIT_KEY must decode to at least 32 bytes")
    return key


def _mac() -> Any:
    """An HMAC-SHA256 under the audit key, to be copied for each row."""
    return hmac.new(audit_key(), digestmod=hashlib.sha256)


def row_digest(prev_hash: str, row: Model) -> str:
    fields = CHAINED_FIELDS[row._meta.db_table]
    payload = {name: _plain(getattr(row, name)) for name in fields}
    canonical = json.dumps(payload, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    mac = _mac()
    mac.update((prev_hash + canonical).encode())
    return str(mac.hexdigest())


def append(row: ChainedRow) -> ChainedRow:
    """Link and insert one row; must run inside the caller's transaction."""
    append_many([row])
    return row


def append_many(rows: list[ChainedRow]) -> list[ChainedRow]:
    """Link and insert rows of one table in their order, under one lock, in one statement
    per thousand (a batch step's audit rows); inside the caller's transaction."""
    if not rows:
        return rows
    if not connection.in_atomic_block:
        raise RuntimeError("log rows are written inside the transaction of their change")
    table = rows[0]._meta.db_table
    model = type(rows[0])
    if any(type(row) is not model for row in rows):
        raise ValueError("one chain at a time")
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [LOCK_KEYS[table]])
    previous = model.objects.order_by("-id").values_list("hash", flat=True).first() or GENESIS
    for row in rows:
        row.prev_hash = previous
        row.hash = previous = row_digest(previous, row)
    if len(rows) == 1:
        rows[0].save()
    else:  # ids follow the list's order: the chain is walked in id order
        bulk_insert(rows)
    return rows


@dataclass
class PreparedReads:
    """Access rows ready to be chained: each row's canonical JSON and its COPY text up to
    the two hash columns, computed before the transaction (`reads_prepare`)."""

    common: dict[str, Any]
    reads: list[tuple[str, str]]
    canonical: list[str]
    copy_text: list[str]


def reads_prepare(common: dict[str, Any], reads: list[tuple[str, str]]) -> PreparedReads:
    """Access rows that differ only in (subject_id, region_code) — a bank file's reads of
    every payee's account — for `append_prepared`: `common` holds the other columns
    (`actor_id`, not `actor`). No model object per row: the canonical JSON of every row is
    the same text but for the two values, cut once around them (keys sorted: region_code
    comes before subject_id), so the digests are those `row_digest` gives."""
    fields = CHAINED_FIELDS[AccessEvent._meta.db_table]
    at_region, at_subject = fields.index("region_code"), fields.index("subject_id")
    assert at_region < at_subject
    marks = {"region_code": "\x00R\x00", "subject_id": "\x00S\x00"}
    plain = {name: _plain(common.get(name)) for name in fields} | marks
    template = json.dumps(plain, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    head, rest = template.split(json.dumps(marks["region_code"]))
    middle, tail = rest.split(json.dumps(marks["subject_id"]))
    encode = json.encoder.encode_basestring  # json.dumps(text, ensure_ascii=False)
    fixed = [_copy_text(common.get(name)) for name in fields]
    before = "\t".join(fixed[:at_region])
    between = "\t".join(fixed[at_region + 1 : at_subject])
    after = "\t".join(fixed[at_subject + 1 :])
    canonical, copy_text = [], []
    for subject_id, region_code in reads:
        canonical.append(head + encode(region_code) + middle + encode(subject_id) + tail)
        region = region_code if region_code.isalnum() else _copy_text(region_code)
        subject = subject_id if subject_id.isalnum() else _copy_text(subject_id)
        copy_text.append(f"{before}\t{region}\t{between}\t{subject}\t{after}\t")
    return PreparedReads(common, reads, canonical, copy_text)


def append_prepared(prepared: PreparedReads) -> int:
    """Link prepared access rows after the last one and append them by COPY in their order
    (SQLite: `append_many`), under the chain's lock, inside the caller's transaction;
    returns the number of rows."""
    if not prepared.reads:
        return 0
    if connection.vendor != "postgresql":
        rows = [
            AccessEvent(**prepared.common, subject_id=s, region_code=r) for s, r in prepared.reads
        ]
        return len(append_many(rows))  # type: ignore[arg-type]
    if not connection.in_atomic_block:
        raise RuntimeError("log rows are written inside the transaction of their change")
    table = AccessEvent._meta.db_table
    columns = ", ".join([*CHAINED_FIELDS[table], "prev_hash", "hash"])
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_advisory_xact_lock(%s)", [LOCK_KEYS[table]])
        previous = (
            AccessEvent.objects.order_by("-id").values_list("hash", flat=True).first() or GENESIS
        )
        keyed = _mac()
        with cursor.copy(f"COPY {table} ({columns}) FROM STDIN") as copy:  # type: ignore[attr-defined]
            lines: list[str] = []
            for canonical, text in zip(prepared.canonical, prepared.copy_text, strict=True):
                mac = keyed.copy()
                mac.update((previous + canonical).encode())
                digest = mac.hexdigest()
                lines.append(f"{text}{previous}\t{digest}\n")
                previous = digest
                if len(lines) == 20_000:
                    copy.write("".join(lines).encode())
                    lines.clear()
            copy.write("".join(lines).encode())
    return len(prepared.reads)


_COPY_ESCAPES = str.maketrans({"\\": "\\\\", "\t": "\\t", "\n": "\\n", "\r": "\\r"})


def _copy_text(value: Any) -> str:
    """A value in COPY's text format (`\\N` for NULL, timestamps in ISO 8601)."""
    if value is None:
        return "\\N"
    if isinstance(value, dt.datetime):
        return value.isoformat()
    return str(value).translate(_COPY_ESCAPES)


BROKEN_LINK = "link broken: a row before it was removed, inserted or reordered"
CHANGED = "content changed after it was written"


@dataclass(frozen=True)
class Verdict:
    ok: bool
    rows: int
    first_broken_id: int | None = None
    reason: str = ""
    last_id: int = 0  # the head walked: its id and hash (checkpoints.py)
    last_hash: str = GENESIS


def verify(model: type[AuditEvent] | type[AccessEvent], batch: int = 5_000) -> Verdict:
    """Walk the chain in id order; the first row whose link or hash does not hold."""
    expected_prev = GENESIS
    count = 0
    last_id = 0
    with transaction.atomic():
        while True:
            rows: list[AuditEvent | AccessEvent] = list(
                model.objects.filter(id__gt=last_id).order_by("id")[:batch]
            )
            if not rows:
                break
            for row in rows:
                count += 1
                if row.prev_hash != expected_prev:
                    return Verdict(False, count, row.id, BROKEN_LINK)
                if row_digest(row.prev_hash, row) != row.hash:
                    return Verdict(False, count, row.id, CHANGED)
                expected_prev = row.hash
                last_id = row.id
    return Verdict(True, count, last_id=last_id, last_hash=expected_prev)


def _unkeyed_digest(prev_hash: str, row: Model) -> str:
    """The chain's hash before issue 15 (plain SHA-256): only for `relink`."""
    fields = CHAINED_FIELDS[row._meta.db_table]
    payload = {name: _plain(getattr(row, name)) for name in fields}
    canonical = json.dumps(payload, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256((prev_hash + canonical).encode()).hexdigest()


def relink(model: type[AuditEvent] | type[AccessEvent], batch: int = 5_000) -> Verdict:
    """Once, on upgrading from the unkeyed chain: check every row against the old plain
    SHA-256 chain, and only if all of it holds, re-link it with the key, under the chain's
    lock, in one transaction. Only the tables' owner may (log maintenance, migration 0004
    of audit): run it as `jiuzhu audit relink` with DATABASE_OWNER_URL. Refuses, naming
    the row, when the old chain is broken (re-linking would launder the break). A chain
    already keyed is left as it is."""
    already = verify(model)
    if already.ok:
        return already
    try:
        return _relink(model, batch)
    except _Broken as broken:  # the transaction rolled back: nothing was re-linked
        return broken.verdict
    finally:
        if connection.vendor == "sqlite":
            from jiuzhu.audit.apps import register_sqlite_functions

            register_sqlite_functions(None, connection)


class _Broken(Exception):
    def __init__(self, verdict: Verdict) -> None:
        self.verdict = verdict


def _relink(model: type[AuditEvent] | type[AccessEvent], batch: int) -> Verdict:
    table = model._meta.db_table
    with transaction.atomic(), connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [LOCK_KEYS[table]])
            cursor.execute("SET LOCAL jiuzhu.log_maintenance = on")
        else:  # SQLite: this connection may maintain the logs for the command's duration
            connection.connection.create_function(
                "jiuzhu_log_maintenance", 0, lambda: 1, deterministic=True
            )
        old_prev = new_prev = GENESIS
        count = last_id = 0
        while True:
            rows: list[AuditEvent | AccessEvent] = list(
                model.objects.filter(id__gt=last_id).order_by("id")[:batch]
            )
            if not rows:
                break
            updates = []
            for row in rows:
                count += 1
                if row.prev_hash != old_prev:
                    raise _Broken(Verdict(False, count, row.id, BROKEN_LINK))
                if _unkeyed_digest(old_prev, row) != row.hash:
                    raise _Broken(Verdict(False, count, row.id, CHANGED))
                old_prev = row.hash
                new_hash = row_digest(new_prev, row)
                updates.append((new_prev, new_hash, row.id))
                new_prev, last_id = new_hash, row.id
            cursor.executemany(
                f"UPDATE {table} SET prev_hash = %s, hash = %s WHERE id = %s", updates
            )
    return Verdict(True, count, last_id=last_id, last_hash=new_prev)
