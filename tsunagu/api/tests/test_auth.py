"""Who may call the API: 401 without a valid credential, 403 without MFA, CSRF for sessions only."""

from __future__ import annotations

from collections.abc import Callable
from io import StringIO
from typing import Any

import pytest
from django.conf import settings
from django.core.management import call_command
from django.test import Client

from tsunagu.api.auth import BearerTokenAuth, StaffSessionAuth, api_auth
from tsunagu.organizations.roles import Role
from tsunagu.organizations.services import staff_create, staff_disable

from .conftest import ME_URL

ECHO_URL = "/api/testing/echo"
ECHO_BODY = {"name": "相談", "count": 1, "first_contact_on": "2025-04-01"}
UNAUTHENTICATED = "認証が必要です（ログイン、またはAPIトークン）。"


def _assert_401(response: Any) -> None:
    assert response.status_code == 401
    assert response.json() == {"detail": UNAUTHENTICATED}


def test_no_credentials_is_401(demo: Any) -> None:
    _assert_401(Client().get(ME_URL))


@pytest.mark.parametrize(
    "header",
    ["Bearer garbage", "Bearer tsg_not-a-real-token", "Bearer ", "Token tsg_abc", "Basic dXNlcjpwYXNz"],
)
def test_garbage_token_is_401(demo: Any, header: str) -> None:
    _assert_401(Client(headers={"Authorization": header}).get(ME_URL))


def test_revoked_token_is_401(issue_token: Callable[..., str], bearer: Callable[[str], Client]) -> None:
    token = issue_token("shinjuku-soudan")
    assert bearer(token).get(ME_URL).status_code == 200

    out = StringIO()
    call_command("revoke_api_token", token[:8], stdout=out)

    assert "失効しました" in out.getvalue()
    _assert_401(bearer(token).get(ME_URL))


def test_disabled_account_is_401_by_token_and_by_session(
    issue_token: Callable[..., str],
    bearer: Callable[[str], Client],
    login: Callable[[str], Client],
    staff: Callable[[str], Any],
) -> None:
    token = issue_token("shinjuku-soudan")
    session = login("shinjuku-soudan")
    assert session.get(ME_URL).status_code == 200

    staff_disable(actor=staff("shinjuku-center"), user=staff("shinjuku-soudan"), reason="退職")

    _assert_401(bearer(token).get(ME_URL))
    _assert_401(session.get(ME_URL))


def test_session_without_totp_is_403(demo: Any, staff: Callable[[str], Any]) -> None:
    user = staff_create(
        actor=None,
        username="shinjuku-shinnin",
        display_name="新任 太郎",
        roles=[Role.CONSULTANT],
        agency=staff("shinjuku-soudan").agency,
    )
    client = Client()
    client.force_login(user)

    response = client.get(ME_URL)

    assert response.status_code == 403
    assert "多要素認証" in response.json()["detail"]


def test_session_auth_alone_refuses_an_account_without_totp(
    demo: Any, staff: Callable[[str], Any], rf: Any
) -> None:
    """Even without the middleware in front, the session authenticator wants completed MFA."""
    user = staff_create(
        actor=None,
        username="hasuda-shinnin",
        display_name="新任 花子",
        roles=[Role.CLERK],
        agency=staff("hasuda-jimu").agency,
    )
    request = rf.get(ME_URL)
    request.COOKIES[settings.SESSION_COOKIE_NAME] = "any"
    request.user = user

    assert StaffSessionAuth()(request) is None
    request.user = staff("hasuda-jimu")
    assert StaffSessionAuth()(request) == staff("hasuda-jimu")


def test_bearer_is_tried_before_the_session() -> None:
    assert [type(a) for a in api_auth()] == [BearerTokenAuth, StaffSessionAuth]


# --- CSRF: enforced for session-authenticated unsafe requests, never needed with a token ---------


@pytest.mark.urls("tsunagu.api.tests.urls_testing")
def test_session_post_without_csrf_token_is_refused(staff: Callable[[str], Any]) -> None:
    client = Client(enforce_csrf_checks=True)
    client.force_login(staff("shinjuku-soudan"))

    response = client.post(ECHO_URL, ECHO_BODY, content_type="application/json")

    assert response.status_code == 403
    assert "CSRF" in response.json()["detail"]


@pytest.mark.urls("tsunagu.api.tests.urls_testing")
def test_session_post_with_csrf_token_is_accepted(staff: Callable[[str], Any]) -> None:
    client = Client(enforce_csrf_checks=True)
    client.force_login(staff("shinjuku-soudan"))
    client.get("/api/v1/docs")  # any page that renders {% csrf_token %} sets the CSRF cookie
    csrf = client.cookies[settings.CSRF_COOKIE_NAME].value

    response = client.post(
        ECHO_URL, ECHO_BODY, content_type="application/json", headers={"X-CSRFToken": csrf}
    )

    assert response.status_code == 200
    assert response.json()["username"] == "shinjuku-soudan"


@pytest.mark.urls("tsunagu.api.tests.urls_testing")
def test_bearer_post_needs_no_csrf_token(issue_token: Callable[..., str]) -> None:
    client = Client(
        enforce_csrf_checks=True, headers={"Authorization": f"Bearer {issue_token('hasuda-soudan')}"}
    )

    response = client.post(ECHO_URL, ECHO_BODY, content_type="application/json")

    assert response.status_code == 200
    assert response.json()["username"] == "hasuda-soudan"


@pytest.mark.urls("tsunagu.api.tests.urls_testing")
def test_unauthenticated_post_is_401_not_a_csrf_error(demo: Any) -> None:
    _assert_401(Client(enforce_csrf_checks=True).post(ECHO_URL, ECHO_BODY, content_type="application/json"))
