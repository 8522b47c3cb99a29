"""Error pages: a 500 shows a request id and no traceback (SECURITY.md 27); unknown pages are
the 404 page."""

from __future__ import annotations

from typing import Any

from django.test import Client
from django.urls import path

from jiuzhu.config import urls as root_urls


def boom(request: Any) -> Any:
    raise RuntimeError("secret internal detail")


urlpatterns = [path("boom/", boom), *root_urls.urlpatterns]
handler500 = root_urls.handler500
handler404 = root_urls.handler404


def test_a_server_error_shows_a_request_id_and_no_traceback(settings: Any, db: Any) -> None:
    settings.ROOT_URLCONF = __name__
    settings.DEBUG = False
    client = Client(raise_request_exception=False)
    response = client.get("/boom/")
    body = response.content.decode()
    assert response.status_code == 500
    assert response["X-Request-ID"] in body
    assert "secret internal detail" not in body and "Traceback" not in body


def test_an_unknown_page_is_the_404_page(db: Any) -> None:
    response = Client().get("/no-such-page/")
    assert response.status_code == 404 and "页面不存在" in response.content.decode()
