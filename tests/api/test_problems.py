"""Every error of the API is a problem document, the unexpected and the oversized included
(issue 15 item 6): a 500 carries the request id and no traceback; a body over the limit is
413 without being read."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import override_settings

from jiuzhu.api.routers import me as me_router
from tests.api.conftest import Api
from tests.api.test_auth import assert_problem

pytestmark = pytest.mark.django_db


def test_an_unexpected_error_is_a_500_problem_with_the_request_id(
    api: Api, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    def broken() -> Any:
        raise RuntimeError("a bug, with a secret detail 440104198003010028")

    monkeypatch.setattr(me_router, "current_scope", broken)
    response = api.get("/me")
    body = assert_problem(response, 500)
    assert "请求编号" in body["detail"]
    assert "RuntimeError" not in response.content.decode()
    assert "secret detail" not in response.content.decode()
    assert any("API error" in r.getMessage() for r in caplog.records)


@override_settings(DATA_UPLOAD_MAX_MEMORY_SIZE=1000)
def test_a_body_over_the_limit_is_a_413_problem(api: Api) -> None:
    body = {"region_code": "440104001001", "residence": "urban", "address": "x" * 5000}
    assert_problem(api.post("/households", body), 413)
