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
        sha256 = hashlib.sha256
        with cursor.copy(f"COPY {table} ({columns}) FROM STDIN") as copy:  # type: ignore[attr-defined]
            lines: list[str] = []
            for canonical, text in zip(prepared.canonical, prepared.copy_text, strict=True):
                digest = sha256((previous + canonical).encode()).hexdigest()
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
