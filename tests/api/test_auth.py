"""Who may call the API: tokens stored hashed, revoked or unknown tokens refused, sessions
only after the second factor and with CSRF on unsafe methods (SECURITY.md 8, 22, 23)."""

from __future__ import annotations

import hashlib
from typing import Any

import pytest
from django.test import Client
from django.utils.crypto import get_random_string
from django_otp import DEVICE_ID_SESSION_KEY
from django_otp.plugins.otp_totp.models import TOTPDevice

from jiuzhu.accounts.models import ApiToken, User
from jiuzhu.accounts.services import AccountError, api_token_create, api_token_revoke
from jiuzhu.audit.models import AuditEvent
from tests.api.conftest import Api, token_for
from tests.factories import make_user, signed_in


def assert_problem(response: Any, status: int) -> dict[str, Any]:
    assert response.status_code == status, response.content
    assert response["Content-Type"] == "application/problem+json"
    body = response.json()
    assert set(body) == {"type", "title", "status", "detail", "errors"}
    assert body["status"] == status
    return body  # type: ignore[no-any-return]


def test_no_credentials_is_401(db: Any) -> None:
    assert_problem(Api().get("/me"), 401)


def test_a_session_without_the_second_factor_is_401(caseworker: User) -> None:
    client = signed_in(caseworker, verified=False)
    assert client.get("/api/v1/me").status_code == 401
    assert client.get("/api/v1/households").status_code == 401


def test_a_session_past_the_second_factor_works(caseworker: User) -> None:
    response = Api(client=signed_in(caseworker)).get("/me")
    assert response.status_code == 200
    assert response.json()["auth"] == "session"
    assert response.json()["username"] == caseworker.username


def _csrf_session(user: User) -> Client:
    client = Client(enforce_csrf_checks=True)
    client.force_login(user)
    session = client.session
    session[DEVICE_ID_SESSION_KEY] = TOTPDevice.objects.get(user=user).persistent_id
    session.save()
    return client


def test_a_session_must_send_the_csrf_token_on_unsafe_methods(
    caseworker: User, gd_area: str
) -> None:
    client = _csrf_session(caseworker)
    body = {"region_code": gd_area, "residence": "urban", "address": "合成路3号"}
    assert client.get("/api/v1/me").status_code == 200  # safe methods need none
    assert_problem(Api(client=client).post("/households", body), 403)
    secret = get_random_string(32)
    client.cookies["csrftoken"] = secret
    assert (
        Api(client=client).post("/households", body, **{"X-CSRFToken": secret}).status_code == 201
    )


def test_a_token_needs_no_csrf_token(caseworker: User, gd_area: str) -> None:
    api = Api(token_for(caseworker), client=Client(enforce_csrf_checks=True))
    body = {"region_code": gd_area, "residence": "urban", "address": "合成路7号"}
    assert api.post("/households", body).status_code == 201


def test_a_token_works_and_only_its_digest_is_stored(caseworker: User) -> None:
    raw = token_for(caseworker)
    row = ApiToken.objects.get(user=caseworker)
    assert row.digest == hashlib.sha256(raw.encode()).hexdigest()
    assert raw not in {row.digest, row.prefix, row.name} and raw.startswith(row.prefix)
    assert row.last_used_at is None
    response = Api(raw).get("/me")
    assert response.status_code == 200 and response.json()["auth"] == "token"
    row.refresh_from_db()
    assert row.last_used_at is not None


@pytest.mark.parametrize(
    "header",
    ["Bearer jz_not-a-token", "Bearer ", "Basic dXNlcjpwYXNz", "jz_bare-token"],
    ids=["unknown", "empty", "other scheme", "no scheme"],
)
def test_a_bad_authorization_header_is_401(caseworker: User, header: str) -> None:
    client = Client()
    assert_problem(client.get("/api/v1/me", headers={"Authorization": header}), 401)


def test_a_revoked_token_is_401(caseworker: User) -> None:
    raw = token_for(caseworker)
    api = Api(raw)
    assert api.get("/me").status_code == 200
    api_token_revoke(actor=caseworker, token=ApiToken.objects.get(user=caseworker))
    assert_problem(api.get("/me"), 401)


def test_the_token_of_a_disabled_user_is_401(caseworker: User) -> None:
    api = Api(token_for(caseworker))
    caseworker.is_active = False
    caseworker.save()
    assert_problem(api.get("/me"), 401)


def test_creating_and_revoking_tokens_is_audited_without_the_token(
    caseworker: User, gd_area: str
) -> None:
    officer = make_user("county_officer", "440104")
    token, raw = api_token_create(actor=officer, user=caseworker, name="对接系统")
    api_token_revoke(actor=officer, token=token)
    events = list(AuditEvent.objects.filter(object_type="api_token", object_id=str(token.id)))
    assert [e.action for e in events] == ["api_token.create", "api_token.revoke"]
    assert all(e.actor == officer for e in events)
    assert raw not in str([(e.old, e.new) for e in events])


def test_only_a_token_manager_of_the_users_area_creates_tokens(
    caseworker: User, im_caseworker: User
) -> None:
    officer = make_user("county_officer", "440104")
    with pytest.raises(AccountError):
        api_token_create(actor=caseworker, user=caseworker, name="自己")  # no capability
    with pytest.raises(AccountError):
        api_token_create(actor=officer, user=im_caseworker, name="外区")  # other area
    assert not ApiToken.objects.exists()


def test_a_token_user_without_the_capability_gets_403(gd_household: Any) -> None:
    assistant = make_user("village_assistant", "440104001")
    api = Api(token_for(assistant))
    assert api.get(f"/households/{gd_household.id}").status_code == 200
    body = {"region_code": "440104001", "residence": "urban", "address": "合成路4号"}
    assert_problem(api.post("/households", body), 403)
    assert_problem(api.get(f"/households/{gd_household.id}/audit"), 403)
    auditor = make_user("audit_admin", "440104")
    assert_problem(Api(token_for(auditor)).get("/households"), 403)
