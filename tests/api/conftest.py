"""API fixtures: tokens for the Guangdong and Inner Mongolia caseworkers, a Guangdong
household, and a small JSON client."""

from __future__ import annotations

import json
from typing import Any

import pytest
from django.test import Client

from jiuzhu.accounts.models import User
from jiuzhu.accounts.services import api_token_create
from jiuzhu.registry.models import Household
from tests.factories import make_household

API = "/api/v1"


class Api:
    """A Django test client speaking JSON with a bearer token (or a session)."""

    def __init__(self, token: str | None = None, client: Client | None = None) -> None:
        self.client = client or Client()
        self.headers = {"Authorization": f"Bearer {token}"} if token else {}

    def _send(self, method: str, path: str, body: Any = None, **headers: str) -> Any:
        data = body if isinstance(body, str | bytes) else json.dumps(body)
        call = getattr(self.client, method)
        kwargs: dict[str, Any] = {"headers": {**self.headers, **headers}}
        if body is not None:
            kwargs.update(data=data, content_type="application/json")
        return call(API + path, **kwargs)

    def get(self, path: str, **headers: str) -> Any:
        return self._send("get", path, **headers)

    def post(self, path: str, body: Any = None, **headers: str) -> Any:
        return self._send("post", path, body if body is not None else {}, **headers)

    def patch(self, path: str, body: Any, **headers: str) -> Any:
        return self._send("patch", path, body, **headers)


def token_for(user: User) -> str:
    return api_token_create(actor=None, user=user, name="test")[1]


@pytest.fixture
def api(caseworker: User) -> Api:
    """The Guangdong caseworker through a token."""
    return Api(token_for(caseworker))


@pytest.fixture
def im_api(im_caseworker: User) -> Api:
    """The Inner Mongolia caseworker through a token."""
    return Api(token_for(im_caseworker))


@pytest.fixture
def gd_household(caseworker: User, gd_area: str) -> Household:
    return make_household(caseworker, gd_area, members=2)
