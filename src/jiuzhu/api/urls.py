"""The API at /api/v1/: each context's router, OpenAPI at /api/v1/openapi.json, docs at
/api/v1/docs. Later contexts add their router here."""

from __future__ import annotations

import copy
from typing import Any

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.urls import path, re_path
from ninja import NinjaAPI
from ninja.openapi.schema import OpenAPISchema
from ninja.operation import Operation
from ninja.renderers import JSONRenderer

from jiuzhu.api import problems
from jiuzhu.api.auth import AUTH
from jiuzhu.api.idempotency import HEADER, KEY_PATTERN, MAX_KEY_LENGTH
from jiuzhu.api.idempotency import MARK as IDEMPOTENT_MARK
from jiuzhu.api.routers import benefits, cases, me, monitoring, regions, registry, verification

DESCRIPTION = """\
The REST API of jiuzhu (救助). Sign in with `Authorization: Bearer <token>`, or use the
pages' session (second factor passed, CSRF token on unsafe methods). Everything is limited
to the caller's area: an object outside it answers 404 exactly like a missing one. Errors
are problem documents (`application/problem+json`). Amounts are decimal strings with two
places, dates ISO, ID numbers masked. Every POST accepts an `Idempotency-Key`.
See docs/api.md."""


IDEMPOTENCY_HEADER = {
    "in": "header",
    "name": HEADER,
    "required": False,
    "description": "重试时用同一键：不会重复创建（24 小时内有效）。1 至 255 个可见 ASCII 字符",
    "schema": {
        "type": "string",
        "minLength": 1,
        "maxLength": MAX_KEY_LENGTH,
        "pattern": KEY_PATTERN,
    },
}
# what an idempotent operation's 409 and 422 also mean (docs/api.md, Idempotency)
IDEMPOTENCY_RESPONSES = {
    409: "Conflict — 包括：使用同一 Idempotency-Key 的请求仍在处理中，请稍后重试",
    422: "Unprocessable Content — 包括：该 Idempotency-Key 已用于另一个请求（方法、路径或请求体"
    "不同；errors[].field 为 Idempotency-Key），或键的格式不符",
}


class JiuzhuOpenAPISchema(OpenAPISchema):
    """ninja's schema with the Idempotency-Key header and its refusals declared on exactly
    the operations whose view is wrapped by `idempotent`."""

    def operation_details(self, operation: Operation) -> dict[str, Any]:
        details: dict[str, Any] = super().operation_details(operation)
        if getattr(operation.view_func, IDEMPOTENT_MARK, False):
            details["parameters"].append(copy.deepcopy(IDEMPOTENCY_HEADER))
            responses = details["responses"]
            for status, description in IDEMPOTENCY_RESPONSES.items():
                response = responses.get(status) or responses.get(str(status))
                assert response is not None, f"{details['operationId']} declares no {status}"
                response["description"] = description
        return details


class JiuzhuAPI(NinjaAPI):
    """ninja's API with the schema telling the whole truth: error bodies are problem
    documents, and the operations that honour an Idempotency-Key declare it."""

    def get_openapi_schema(
        self, *, path_prefix: str | None = None, path_params: dict[str, Any] | None = None
    ) -> OpenAPISchema:
        if path_prefix is None:
            path_prefix = self.get_root_path(path_params or {})
        schema = JiuzhuOpenAPISchema(self, path_prefix)
        for operations in schema.get("paths", {}).values():
            for operation in operations.values():
                for status, response in operation.get("responses", {}).items():
                    content = response.get("content", {})
                    if str(status).startswith("4") and "application/json" in content:
                        content[problems.MEDIA_TYPE] = content.pop("application/json")
        return schema


class Utf8JSONRenderer(JSONRenderer):
    """JSON with Chinese as it is, not as \\u escapes (like the CLI)."""

    json_dumps_params = {"ensure_ascii": False}


api = JiuzhuAPI(
    title="jiuzhu 救助 API",
    version="1",
    description=DESCRIPTION,
    urls_namespace="api-v1",
    auth=AUTH,
    renderer=Utf8JSONRenderer(),
)
problems.install(api)
api.add_router("", me.router)
api.add_router("", regions.router)
api.add_router("", registry.router)
api.add_router("", cases.router)
api.add_router("", verification.router)
api.add_router("", benefits.router)
api.add_router("", monitoring.router)


def not_found(request: HttpRequest, rest: str = "") -> HttpResponse:
    """Any other address under /api/v1/: a problem document, not the pages' 404 page."""
    return JsonResponse(
        problems.problem_body(404),
        status=404,
        content_type=problems.MEDIA_TYPE,
        json_dumps_params={"ensure_ascii": False},
    )


urlpatterns = [
    re_path(r"^$", not_found),  # before ninja's empty root page
    path("", api.urls),
    re_path(r"^(?P<rest>.*)$", not_found),
]
