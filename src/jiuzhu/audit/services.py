"""Writing the logs. Called by every service inside its transaction, never after it."""

from __future__ import annotations

from typing import Any

from django.utils import timezone

from jiuzhu.audit import chain
from jiuzhu.audit.context import request_context
from jiuzhu.audit.models import AccessEvent, AuditEvent


def _actor_fields(actor: Any) -> dict[str, Any]:
    context = request_context()
    if actor is not None and getattr(actor, "pk", None) is not None:
        return {
            "actor": actor,
            "actor_name": actor.get_username(),
            "ip": context.ip,
            "request_id": context.request_id,
        }
    return {
        "actor": None,
        "actor_name": str(actor or "system"),
        "ip": context.ip,
        "request_id": context.request_id,
    }


def audit_record(
    *,
    actor: Any,
    action: str,
    object_type: str,
    object_id: str | int,
    region_code: str = "",
    old: dict[str, Any] | None = None,
    new: dict[str, Any] | None = None,
) -> AuditEvent:
    """One audit row for one state change (SECURITY.md 19)."""
    row = AuditEvent(
        at=timezone.now(),
        action=action,
        object_type=object_type,
        object_id=str(object_id),
        region_code=region_code,
        old=old,
        new=new,
        **_actor_fields(actor),
    )
    return chain.append(row)  # type: ignore[return-value]


def audit_record_many(*, actor: Any, changes: list[dict[str, Any]]) -> list[AuditEvent]:
    """One audit row per change of a batch step, by one actor, appended together (each
    change: action, object_type, object_id, region_code, old, new)."""
    now = timezone.now()
    fields = _actor_fields(actor)
    rows = [
        AuditEvent(
            at=now,
            action=c["action"],
            object_type=c["object_type"],
            object_id=str(c["object_id"]),
            region_code=c.get("region_code", ""),
            old=c.get("old"),
            new=c.get("new"),
            **fields,
        )
        for c in changes
    ]
    return chain.append_many(rows)  # type: ignore[arg-type,return-value]


def access_record(
    *,
    actor: Any,
    subject_type: str,
    subject_id: str | int,
    field: str,
    purpose: str,
    region_code: str = "",
) -> AccessEvent:
    """One access row for one look at a full identifier or health record (SECURITY.md 20)."""
    row = AccessEvent(
        at=timezone.now(),
        subject_type=subject_type,
        subject_id=str(subject_id),
        field=field,
        purpose=purpose,
        region_code=region_code,
        **_actor_fields(actor),
    )
    return chain.append(row)  # type: ignore[return-value]


def access_reads_prepare(
    *, actor: Any, subject_type: str, field: str, purpose: str, subjects: list[tuple[str, str]]
) -> chain.PreparedReads:
    """One access row per (subject id, region code) read together for one purpose — every
    account of a bank file — prepared when the values are read, before the transaction
    that appends them (`access_reads_append`)."""
    fields = _actor_fields(actor)
    holder = fields.pop("actor")
    common = {
        **fields,
        "actor_id": holder.pk if holder is not None else None,
        "at": timezone.now(),
        "subject_type": subject_type,
        "field": field,
        "purpose": purpose,
    }
    return chain.reads_prepare(common, subjects)


def access_reads_append(prepared: chain.PreparedReads) -> int:
    """Append prepared access rows to the chain, inside the transaction of the change."""
    return chain.append_prepared(prepared)


def changed_fields(
    old: dict[str, Any], new: dict[str, Any]
) -> tuple[dict[str, Any], dict[str, Any]]:
    """Only what changed, for the audit row's old and new values."""
    keys = [k for k in new if old.get(k) != new.get(k)]
    return {k: old.get(k) for k in keys}, {k: new[k] for k in keys}
