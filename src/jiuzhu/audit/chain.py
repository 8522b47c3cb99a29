"""The hash chain: append under a lock, verify naming the first broken row.

Each row's hash is SHA-256 over the previous row's hash and the row's canonical JSON, so a
changed, deleted or reordered row breaks the chain from there on (SECURITY.md 21). Writers
take a lock before reading the last hash, so concurrent writers still give one chain: on
PostgreSQL a transaction-level advisory lock, on SQLite the database write lock that every
transaction takes at BEGIN (transaction_mode IMMEDIATE in the settings).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.db import connection, transaction
from django.db.models import Model

from jiuzhu.audit.models import AccessEvent, AuditEvent, ChainedRow
from jiuzhu.db import bulk_insert

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


def row_digest(prev_hash: str, row: Model) -> str:
    fields = CHAINED_FIELDS[row._meta.db_table]
    payload = {name: _plain(getattr(row, name)) for name in fields}
    canonical = json.dumps(payload, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256((prev_hash + canonical).encode()).hexdigest()


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


def append_reads(common: dict[str, Any], reads: list[tuple[str, str]]) -> int:
    """Append access rows that differ only in (subject_id, region_code) — a bank file's
    reads of every payee's account — without a model object per row: `common` holds the
    other columns (`actor_id`, not `actor`), the digests are those `row_digest` gives, the
    rows go in by COPY in their order (SQLite: `append_many`). Inside the caller's
    transaction; returns the number of rows."""
    if not reads:
        return 0
    if connection.vendor != "postgresql":
        rows = [AccessEvent(**common, subject_id=s, region_code=r) for s, r in reads]
        return len(append_many(rows))  # type: ignore[arg-type]
    if not connection.in_atomic_block:
        raise RuntimeError("log rows are written inside the transaction of their change")
    table = AccessEvent._meta.db_table
    fields = CHAINED_FIELDS[table]
    # the canonical JSON of every row is the same text but for the two values: cut it once
    # around them (keys sorted: region_code comes before subject_id)
    marks = {"region_code": "\x00R\x00", "subject_id": "\x00S\x00"}
    plain = {name: _plain(common.get(name)) for name in fields} | marks
    template = json.dumps(plain, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    head, rest = template.split(json.dumps(marks["region_code"]))
    middle, tail = rest.split(json.dumps(marks["subject_id"]))
    encode = json.encoder.encode_basestring  # json.dumps(text, ensure_ascii=False)
    fixed = {name: _copy_text(common.get(name)) for name in fields}
    before = "\t".join(fixed[n] for n in fields[: fields.index("region_code")])
    between = "\t".join(
        fixed[n] for n in fields[fields.index("region_code") + 1 : fields.index("subject_id")]
    )
    after = "\t".join(fixed[n] for n in fields[fields.index("subject_id") + 1 :])
    assert fields.index("region_code") < fields.index("subject_id")
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_advisory_xact_lock(%s)", [LOCK_KEYS[table]])
        previous = (
            AccessEvent.objects.order_by("-id").values_list("hash", flat=True).first() or GENESIS
        )
        columns = ", ".join([*fields, "prev_hash", "hash"])
        sha256 = hashlib.sha256
        with cursor.copy(f"COPY {table} ({columns}) FROM STDIN") as copy:  # type: ignore[attr-defined]
            lines: list[str] = []
            for subject_id, region_code in reads:
                canonical = head + encode(region_code) + middle + encode(subject_id) + tail
                digest = sha256((previous + canonical).encode()).hexdigest()
                lines.append(
                    f"{before}\t{_copy_text(region_code)}\t{between}\t{_copy_text(subject_id)}"
                    f"\t{after}\t{previous}\t{digest}\n"
                )
                previous = digest
                if len(lines) == 10_000:
                    copy.write("".join(lines).encode())
                    lines.clear()
            copy.write("".join(lines).encode())
    return len(reads)


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
    return Verdict(True, count)
