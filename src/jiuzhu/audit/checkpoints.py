"""Checkpoints of the logs' and the ledger's heads, kept outside the database (SECURITY.md
21; issue 15 item 1).

A hash chain alone cannot tell that its last rows were deleted, nor that a history was
re-chained by someone holding the key. So every `jiuzhu audit verify` (and the scheduled run
of it, docs/operations.md) appends to a JSON Lines file in JIUZHU_CHECKPOINT_DIR one line
per chain: its head (last id, last hash, row count), HMAC'd with the audit key and linked to
the line before it. The next verify compares the database with the last authentic line of
each chain and names what differs: a truncated tail (the checkpointed row is gone, fewer
rows), a re-chained history (the checkpointed row's hash differs), rows removed before it.

The ledger tables (postings, entitlement history, corrections, repayments) are not chained;
their checkpoint holds a keyed digest of every row up to the last id, which the next verify
recomputes: any change, deletion or truncation up to the checkpoint shows.

A checkpoint is written only for a chain that verified; the file is append-only by use, 0600
in a 0700 directory, and each line stands on its own, so copies shipped elsewhere (remote
syslog, WORM storage) can be checked against the database with the same command."""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import json
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from django.conf import settings
from django.db.models import Model

from jiuzhu.audit.chain import GENESIS, _plain, audit_key, verify
from jiuzhu.audit.models import AccessEvent, AuditEvent

FILE_NAME = "checkpoints.jsonl"
CHAINS: dict[str, type[AuditEvent] | type[AccessEvent]] = {
    "audit": AuditEvent,
    "access": AccessEvent,
}


# the ledger tables (not chained) whose rows the checkpoints digest: registered by the
# contexts that own them (benefits.apps), so audit imports none of them
LEDGERS: dict[str, type[Model]] = {}


def register_ledger(name: str, model: type[Model]) -> None:
    LEDGERS.setdefault(name, model)


def checkpoint_file() -> Path:
    return Path(settings.JIUZHU_CHECKPOINT_DIR) / FILE_NAME


def _canonical(record: dict[str, Any]) -> bytes:
    return json.dumps(record, sort_keys=True, ensure_ascii=False, separators=(",", ":")).encode()


def _mac(record: dict[str, Any]) -> str:
    body = {k: v for k, v in record.items() if k != "mac"}
    return hmac.new(
        audit_key(), b"jiuzhu-checkpoint\x00" + _canonical(body), hashlib.sha256
    ).hexdigest()


@dataclass
class Checkpoints:
    last: dict[str, dict[str, Any]]  # the last authentic checkpoint of each chain
    problems: list[str]  # lines that are not authentic or not linked
    tail_mac: str  # the last line's MAC: the next line links to it


def read() -> Checkpoints:
    path = checkpoint_file()
    last: dict[str, dict[str, Any]] = {}
    problems: list[str] = []
    previous = GENESIS
    if not path.exists():
        return Checkpoints(last, problems, previous)
    with path.open(encoding="utf-8") as lines:
        for number, line in enumerate(lines, 1):
            try:
                record = json.loads(line)
                authentic = hmac.compare_digest(str(record.get("mac", "")), _mac(record))
            except (ValueError, AttributeError):
                authentic = False
            if not authentic:
                problems.append(f"checkpoint line {number} is not authentic (changed or forged)")
                continue
            if record.get("prev") != previous:
                problems.append(f"checkpoint line {number} does not follow the line before it")
            previous = record["mac"]
            last[record["chain"]] = record
    return Checkpoints(last, problems, previous)


def append(records: list[dict[str, Any]], previous: str) -> None:
    """Append checkpoints, each linked to the line before it, and flush them to disk."""
    if not records:
        return
    path = checkpoint_file()
    path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    lines = []
    for record in records:
        record = record | {"prev": previous}
        record["mac"] = previous = _mac(record)
        lines.append(json.dumps(record, ensure_ascii=False, sort_keys=True) + "\n")
    fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
    try:
        os.write(fd, "".join(lines).encode())
        os.fsync(fd)
    finally:
        os.close(fd)


def _compare_chain(model: Any, checkpoint: dict[str, Any], rows: int, last_id: int) -> str:
    """What differs between a verified chain and its checkpoint ("" when nothing)."""
    at, cp_id, cp_rows = checkpoint["at"], checkpoint["last_id"], checkpoint["rows"]
    if cp_id == 0:
        return ""
    stored = model._base_manager.filter(id=cp_id).values_list("hash", flat=True).first()
    if stored is None:
        if last_id < cp_id or rows < cp_rows:
            return (
                f"truncated: the checkpoint of {at} ended at row {cp_id} with {cp_rows} rows; "
                f"the chain now ends at row {last_id or '-'} with {rows} rows"
            )
        return f"row {cp_id}, the head checkpointed at {at}, is missing"
    if stored != checkpoint["last_hash"]:
        return (
            f"re-chained: row {cp_id}'s hash differs from the checkpoint of {at} "
            "(the history before it was rewritten)"
        )
    before = model._base_manager.filter(id__lte=cp_id).count()
    if before != cp_rows:
        return f"rows removed: {cp_rows} rows up to row {cp_id} at {at}, now {before}"
    return ""


def _ledger_walk(model: Any, upto: int) -> tuple[int, str, int, int, str]:
    """(rows up to `upto`, their digest, rows, last id, digest of all): one pass in id order."""
    fields = [f.attname for f in model._meta.concrete_fields]
    mac = hmac.new(audit_key(), model._meta.db_table.encode(), hashlib.sha256)
    rows = last_id = 0
    upto_rows, upto_digest = 0, mac.copy().hexdigest()
    queryset = model._base_manager.order_by("id").values_list(*fields)
    for values in queryset.iterator(chunk_size=10_000):
        if values[0] > upto >= last_id:
            upto_rows, upto_digest = rows, mac.copy().hexdigest()
        mac.update(_canonical_row(values))
        rows += 1
        last_id = values[0]
    if last_id <= upto:
        upto_rows, upto_digest = rows, mac.hexdigest()
    return upto_rows, upto_digest, rows, last_id, mac.hexdigest()


def _compare_ledger(
    checkpoint: dict[str, Any], upto_rows: int, upto_digest: str, rows: int, last_id: int
) -> str:
    at, upto, cp_rows = checkpoint["at"], checkpoint["last_id"], checkpoint["rows"]
    if last_id < upto:
        return (
            f"truncated: the checkpoint of {at} ended at id {upto} with {cp_rows} rows; "
            f"now {rows} rows ending at id {last_id or '-'}"
        )
    if upto_rows != cp_rows:
        return f"rows removed: {cp_rows} rows up to id {upto} at {at}, now {upto_rows}"
    if not hmac.compare_digest(upto_digest, checkpoint["digest"]):
        return f"changed: the rows up to id {upto} differ from the checkpoint of {at}"
    return ""


def _canonical_row(values: tuple[Any, ...]) -> bytes:
    return json.dumps([_plain(v) for v in values], ensure_ascii=False, default=str).encode() + b"\n"


def run(
    ledgers: dict[str, type[Model]] | None = None, write: bool = True
) -> tuple[bool, dict[str, Any]]:
    """Verify the chains, compare them and the ledger (the registered LEDGERS unless given)
    with the last checkpoints, and write new checkpoints for what holds. Returns (all well,
    report by chain)."""
    ledgers = LEDGERS if ledgers is None else ledgers
    now = dt.datetime.now(dt.UTC).isoformat(timespec="seconds")
    checkpoints = read()
    report: dict[str, Any] = {}
    fresh: list[dict[str, Any]] = []
    ok = not checkpoints.problems
    for name, model in CHAINS.items():
        verdict = verify(model)
        entry: dict[str, Any] = {"ok": verdict.ok, "rows": verdict.rows}
        if not verdict.ok:
            entry |= {"first_broken_id": verdict.first_broken_id, "reason": verdict.reason}
        elif name in checkpoints.last:
            problem = _compare_chain(model, checkpoints.last[name], verdict.rows, verdict.last_id)
            if problem:
                entry |= {"ok": False, "reason": problem}
        if entry["ok"]:
            fresh.append(
                {
                    "chain": name,
                    "at": now,
                    "last_id": verdict.last_id,
                    "last_hash": verdict.last_hash,
                    "rows": verdict.rows,
                }
            )
        ok = ok and entry["ok"]
        report[name] = entry
    for name, ledger in ledgers.items():
        checkpoint = checkpoints.last.get(name)
        upto = checkpoint["last_id"] if checkpoint else 0
        upto_rows, upto_digest, rows, last_id, digest = _ledger_walk(ledger, upto)
        entry = {"ok": True, "rows": rows}
        if checkpoint:
            problem = _compare_ledger(checkpoint, upto_rows, upto_digest, rows, last_id)
            if problem:
                entry |= {"ok": False, "reason": problem}
        if entry["ok"]:
            fresh.append(
                {"chain": name, "at": now, "last_id": last_id, "rows": rows, "digest": digest}
            )
        ok = ok and entry["ok"]
        report[name] = entry
    if checkpoints.problems:
        report["checkpoints"] = {"ok": False, "problems": checkpoints.problems}
    if write:
        append(fresh, checkpoints.tail_mac)
        report.setdefault("checkpoints", {"ok": True})["file"] = str(checkpoint_file())
    return ok, report
