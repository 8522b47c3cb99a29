"""Files attached to a case (authorization scans, materials, home-visit photos): checked by
content, not by name or the browser's claim, and size-limited (SECURITY.md 12)."""

from __future__ import annotations

import hashlib
from typing import Any

from django.conf import settings
from django.core.files.base import ContentFile
from django.db import transaction

from jiuzhu.accounts.roles import Can
from jiuzhu.audit.services import audit_record
from jiuzhu.cases import errors
from jiuzhu.cases.models import Case, CaseDocument, DocumentKind, HomeVisit
from jiuzhu.registry import errors as registry_errors
from jiuzhu.registry.errors import ServiceError

SIGNATURES = (
    (b"%PDF-", "application/pdf", "pdf"),
    (b"\xff\xd8\xff", "image/jpeg", "jpg"),
    (b"\x89PNG\r\n\x1a\n", "image/png", "png"),
)


def sniff(content: bytes) -> tuple[str, str] | None:
    """The content type and extension the bytes really are, or None."""
    for magic, content_type, ext in SIGNATURES:
        if content.startswith(magic):
            return content_type, ext
    return None


def upload_limit() -> int:
    return int(getattr(settings, "CASE_UPLOAD_MAX_BYTES", 10 * 1024 * 1024))


def refuse_oversized(size: int | None) -> None:
    """Refused before reading when the declared size is over the limit."""
    limit = upload_limit()
    if size is not None and size > limit:
        raise ServiceError(errors.FILE_TOO_LARGE.format(limit=limit // (1024 * 1024)), field="file")


def upload_read(upload: Any) -> bytes:
    """The bytes of an uploaded file, refused unread when it is too large."""
    refuse_oversized(upload.size)
    return bytes(upload.read())


def checked_content(content: bytes) -> tuple[str, str]:
    """The (content type, extension) of an acceptable file, or ServiceError saying why not
    (empty, too large, not a PDF, JPEG or PNG by its content). Forms call it before anything
    is saved (validate, then act)."""
    if not content:
        raise ServiceError(errors.FILE_EMPTY, field="file")
    refuse_oversized(len(content))
    sniffed = sniff(content)
    if sniffed is None:
        raise ServiceError(errors.FILE_TYPE, field="file")
    return sniffed


@transaction.atomic
def case_document_add(
    *, actor: Any, case: Case, kind: str, name: str, content: bytes
) -> CaseDocument:
    capability = Can.INVESTIGATE if kind == DocumentKind.VISIT_PHOTO else Can.HANDLE_CASES
    if not actor.can(capability):
        raise ServiceError(registry_errors.NOT_ALLOWED)
    if kind not in DocumentKind.values:
        raise ServiceError(errors.FILE_TYPE, field="kind")
    content_type, ext = checked_content(content)
    digest = hashlib.sha256(content).hexdigest()
    document = CaseDocument(
        case=case,
        region_code=case.region_code,
        kind=kind,
        original_name=(name or "file")[-200:],
        content_type=content_type,
        size=len(content),
        sha256=digest,
        uploaded_by=actor,
    )
    # stored under a name derived from the content, never the uploader's file name
    document.file.save(f"{case.number}-{digest[:16]}.{ext}", ContentFile(content), save=False)
    document.save()
    audit_record(
        actor=actor,
        action="case.document_add",
        object_type="case",
        object_id=case.id,
        region_code=case.region_code,
        new={"document": document.id, "kind": kind, "sha256": digest, "size": len(content)},
    )
    return document


ERASED = "已匿名"


def case_documents_erase(*, household_ids: list[int]) -> int:
    """Retention (SECURITY.md 25): the files attached to the households' cases (ID scans,
    authorizations, visit photos) deleted from storage once the anonymisation commits, their
    names erased, and the home visits' free text erased; what each file was (kind, size,
    digest) stays for the record. Inside the caller's transaction (the registry's
    anonymisation of the same households). Returns the rows changed."""
    documents = CaseDocument.unscoped.filter(case__household_id__in=household_ids).exclude(file="")
    names = [name for name in documents.values_list("file", flat=True) if name]
    changed = documents.update(original_name=ERASED, file="")
    changed += HomeVisit.unscoped.filter(case__household_id__in=household_ids).update(
        visitors=ERASED, findings=ERASED
    )
    storage = CaseDocument._meta.get_field("file").storage  # type: ignore[attr-defined]

    def delete_files() -> None:
        for name in names:
            storage.delete(name)

    transaction.on_commit(delete_files)
    return changed
