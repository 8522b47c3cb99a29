"""Errors as problem documents (RFC 9457): `{"type", "title", "status", "detail", "errors"}`.

Every refusal of the API goes through here: validation (422), unreadable bodies (400),
authentication (401), capabilities (403), objects missing or outside the area (404, one body
for both, SECURITY.md 1), idempotency conflicts (409/422). Messages never echo the input, so
an ID number typed wrongly does not come back in the error (SECURITY.md 2).
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from django.core.exceptions import RequestDataTooBig
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import IntegrityError
from django.http import Http404, HttpRequest, HttpResponse
from django.utils.translation import gettext_lazy as _
from ninja import NinjaAPI, Schema
from ninja.errors import AuthenticationError, AuthorizationError, HttpError, ValidationError

from jiuzhu.accounts.services import AccountError
from jiuzhu.registry import errors as registry_errors
from jiuzhu.registry.errors import ServiceError

MEDIA_TYPE = "application/problem+json"
logger = logging.getLogger("jiuzhu.api")

TITLES = {
    400: "Bad Request",
    401: "Unauthorized",
    403: "Forbidden",
    404: "Not Found",
    405: "Method Not Allowed",
    409: "Conflict",
    422: "Unprocessable Content",
    413: "Content Too Large",
    429: "Too Many Requests",
    500: "Internal Server Error",
}
TYPES = {
    400: "urn:jiuzhu:problem:bad-request",
    401: "urn:jiuzhu:problem:unauthorized",
    403: "urn:jiuzhu:problem:forbidden",
    404: "urn:jiuzhu:problem:not-found",
    409: "urn:jiuzhu:problem:conflict",
    413: "urn:jiuzhu:problem:too-large",
    422: "urn:jiuzhu:problem:validation",
    500: "urn:jiuzhu:problem:server-error",
}
UNKNOWN_FIELD = _("不接受此字段")
DETAILS = {
    401: "需要登录（会话且已通过第二重验证）或有效的 API 令牌",
    403: str(registry_errors.NOT_ALLOWED),
    404: "未找到该对象",
}


class FieldError(Schema):
    field: str
    message: str


class Problem(Schema):
    type: str
    title: str
    status: int
    detail: str
    errors: list[FieldError] = []


class ProblemError(Exception):
    """Raised anywhere in the API to answer with a problem document."""

    def __init__(
        self, status: int, detail: str = "", *, field: str | None = None, message: str = ""
    ) -> None:
        self.status = status
        self.detail = detail or DETAILS.get(status, TITLES.get(status, ""))
        self.errors = [{"field": field, "message": message or self.detail}] if field else []
        super().__init__(status, self.detail)


def problem_body(
    status: int, detail: str = "", errors: list[dict[str, str]] | None = None
) -> dict[str, Any]:
    return {
        "type": TYPES.get(status, "about:blank"),
        "title": TITLES.get(status, "Error"),
        "status": status,
        "detail": detail or DETAILS.get(status, TITLES.get(status, "")),
        "errors": errors or [],
    }


def problem_response(
    api: NinjaAPI,
    request: HttpRequest,
    status: int,
    detail: str = "",
    errors: list[dict[str, str]] | None = None,
) -> HttpResponse:
    response = api.create_response(request, problem_body(status, detail, errors), status=status)
    response["Content-Type"] = MEDIA_TYPE
    return response


def _field_of(loc: tuple[Any, ...] | list[Any]) -> str:
    """ninja's error location → the field a client sent: ("body", "payload", "amount") →
    "amount"; ("query", "limit") → "limit"; a body that is not an object → "body"."""
    parts = [str(p) for p in loc]
    if parts and parts[0] == "body":
        rest = parts[2:]
        return ".".join(rest) if rest else "body"
    return ".".join(parts[1:]) or (parts[0] if parts else "")


def _message_of(error: dict[str, Any]) -> str:
    message = str(error.get("msg", "invalid"))
    # pydantic prefixes messages of custom validators with "Value error, "
    return message.removeprefix("Value error, ")


def install(api: NinjaAPI) -> None:
    """Problem documents for every error the API raises."""

    def on_validation(request: HttpRequest, exc: ValidationError) -> HttpResponse:
        errors = [
            {"field": _field_of(e.get("loc", ())), "message": _message_of(e)} for e in exc.errors
        ]
        return problem_response(api, request, 422, "请求内容不符合要求", errors)

    def on_problem(request: HttpRequest, exc: ProblemError) -> HttpResponse:
        return problem_response(api, request, exc.status, exc.detail, exc.errors)

    def on_http_error(request: HttpRequest, exc: HttpError) -> HttpResponse:
        if exc.status_code == 400:
            return problem_response(api, request, 400, "请求体不是有效的 JSON")
        if isinstance(exc, AuthenticationError):
            return problem_response(api, request, 401)
        if isinstance(exc, AuthorizationError) or exc.status_code == 403:
            detail = "CSRF 校验失败" if "CSRF" in exc.message else ""
            return problem_response(api, request, 403, detail)
        return problem_response(api, request, exc.status_code, exc.message)

    def on_404(request: HttpRequest, exc: Http404) -> HttpResponse:
        return problem_response(api, request, 404)

    def on_service_error(request: HttpRequest, exc: ServiceError | AccountError) -> HttpResponse:
        if exc.message == str(registry_errors.NOT_ALLOWED) and not exc.field:
            return problem_response(api, request, 403)
        errors = [{"field": exc.field, "message": exc.message}] if exc.field else []
        return problem_response(api, request, 422, exc.message, errors)

    def on_model_validation(request: HttpRequest, exc: DjangoValidationError) -> HttpResponse:
        errors = []
        if hasattr(exc, "error_dict"):
            for field, messages in exc.message_dict.items():
                errors += [{"field": field, "message": str(m)} for m in messages]
        else:
            errors = [{"field": "", "message": str(m)} for m in exc.messages]
        detail = errors[0]["message"] if errors else "请求内容不符合要求"
        return problem_response(api, request, 422, detail, errors)

    def on_integrity(request: HttpRequest, exc: IntegrityError) -> HttpResponse:
        return problem_response(api, request, 409, "与已有数据冲突，未保存")

    def on_too_big(request: HttpRequest, exc: RequestDataTooBig) -> HttpResponse:
        return problem_response(api, request, 413, "请求体过大，未处理")

    def on_unexpected(request: HttpRequest, exc: Exception) -> HttpResponse:
        # logged with its traceback and the request id (the log masks ID numbers); the
        # client gets the id to quote, never the traceback (SECURITY.md 27)
        request_id = getattr(request, "request_id", "")
        logger.error("API error, request %s", request_id, exc_info=exc)
        return problem_response(
            api, request, 500, f"服务器内部错误，请联系管理员并提供请求编号 {request_id}".strip()
        )

    handlers: list[tuple[type[Exception], Callable[[HttpRequest, Any], HttpResponse]]] = [
        (ValidationError, on_validation),
        (ProblemError, on_problem),
        (HttpError, on_http_error),
        (Http404, on_404),
        (ServiceError, on_service_error),
        (AccountError, on_service_error),
        (DjangoValidationError, on_model_validation),
        (IntegrityError, on_integrity),
        (RequestDataTooBig, on_too_big),
        (Exception, on_unexpected),  # the most general: only what nothing above answers
    ]
    for exc_class, handler in handlers:
        api.add_exception_handler(exc_class, handler)
