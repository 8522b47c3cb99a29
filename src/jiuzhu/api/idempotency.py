"""Idempotency-Key on POST (SECURITY.md 17): a retried request creates nothing new.

The first request with a key reserves it (a unique row per user and key) before it runs; a
success stores its status and JSON body. Then:

- same user, same key, same method, path and body → the stored response again, with
  `Idempotent-Replayed: true`, and nothing is written;
- same key with another body or path → 422;
- same key while the first request still runs → 409;
- a request that fails releases its key, so the corrected request may use it.

Keys are kept 24 hours. Requests without the header behave as usual. A key is 1 to 255
visible ASCII characters (`KEY_PATTERN`); the OpenAPI schema declares the header, with that
pattern and the 409 and 422 above, on every operation this wraps (api/urls.py).
"""

from __future__ import annotations

import contextlib
import datetime as dt
import functools
import hashlib
import json
import re
from collections.abc import Callable
from typing import Any

from django.db import IntegrityError, transaction
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.utils import timezone
from ninja.responses import NinjaJSONEncoder, Status
from pydantic import BaseModel

from jiuzhu.api.models import IdempotencyKey
from jiuzhu.api.problems import ProblemError

HEADER = "Idempotency-Key"
KEEP = dt.timedelta(hours=24)
MAX_KEY_LENGTH = 255
KEY_PATTERN = f"^[!-~]{{1,{MAX_KEY_LENGTH}}}$"
# the mark api/urls.py finds on a wrapped view, to declare the header on its operation
MARK = "idempotent"
REUSED = "该 Idempotency-Key 已用于另一个请求；新的请求请使用新的键"
IN_FLIGHT = "使用该 Idempotency-Key 的请求仍在处理中，请稍后重试"
BAD_KEY = "Idempotency-Key 应为 1 至 255 个可见 ASCII 字符"


def _multipart_identity(request: HttpRequest) -> bytes:
    """A multipart form by its fields and its files' names and SHA-256: the raw body cannot
    be read again once parsed, and a retry may use another boundary."""
    files = {}
    for name in sorted(request.FILES):
        upload = request.FILES.get(name)
        assert upload is not None
        digest = hashlib.sha256()
        for chunk in upload.chunks():
            digest.update(chunk)
        upload.seek(0)
        files[name] = [upload.name, digest.hexdigest()]
    fields = {k: request.POST.getlist(k) for k in sorted(request.POST)}
    return json.dumps({"fields": fields, "files": files}, sort_keys=True).encode()


def _body_digest(request: HttpRequest) -> str:
    """SHA-256 of the body; JSON is compared by content, not by spacing or key order."""
    if request.content_type == "multipart/form-data":
        return hashlib.sha256(_multipart_identity(request)).hexdigest()
    raw = request.body
    with contextlib.suppress(ValueError):
        raw = json.dumps(json.loads(raw), sort_keys=True, separators=(",", ":")).encode()
    return hashlib.sha256(raw).hexdigest()


def _as_json(result: Any) -> tuple[int, Any]:
    """A view's result (`obj` or `Status(code, obj)`) as the status and the JSON ninja
    sends."""
    status, data = (
        (result.status_code, result.value) if isinstance(result, Status) else (200, result)
    )
    if isinstance(data, BaseModel):
        data = data.model_dump(by_alias=True)
    return status, json.loads(json.dumps(data, cls=NinjaJSONEncoder))


def _replay(row: IdempotencyKey) -> HttpResponse:
    response = JsonResponse(
        row.response,
        status=row.status or 200,
        safe=False,
        json_dumps_params={"ensure_ascii": False},
    )
    response["Idempotent-Replayed"] = "true"
    return response


def idempotent(view: Callable[..., Any]) -> Callable[..., Any]:
    """Wrap a POST view of the API (below the router decorator)."""

    @functools.wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> Any:
        key = request.headers.get(HEADER)
        if key is None:
            return view(request, *args, **kwargs)
        if not re.fullmatch(KEY_PATTERN, key):
            raise ProblemError(422, BAD_KEY, field=HEADER)
        user = request.auth  # type: ignore[attr-defined]
        method, path = request.method or "POST", request.get_full_path()[:500]
        digest = _body_digest(request)
        IdempotencyKey.objects.filter(created_at__lt=timezone.now() - KEEP).delete()
        try:
            with transaction.atomic():
                row = IdempotencyKey.objects.create(
                    user=user, key=key, method=method, path=path, body_sha256=digest
                )
        except IntegrityError:
            found = IdempotencyKey.objects.filter(user=user, key=key).first()
            if found is None:  # the first request failed and released the key just now
                raise ProblemError(409, IN_FLIGHT) from None
            row = found
            if (row.method, row.path, row.body_sha256) != (method, path, digest):
                raise ProblemError(422, REUSED, field=HEADER) from None
            if row.status is None:
                raise ProblemError(409, IN_FLIGHT) from None
            return _replay(row)
        try:
            result = view(request, *args, **kwargs)
            status, data = _as_json(result)
        except BaseException:
            IdempotencyKey.objects.filter(pk=row.pk).delete()
            raise
        IdempotencyKey.objects.filter(pk=row.pk).update(status=status, response=data)
        return result

    setattr(wrapper, MARK, True)
    return wrapper
