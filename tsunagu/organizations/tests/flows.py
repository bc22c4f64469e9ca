"""Login helpers for tests: real POSTs to allauth, no shortcuts through our own code."""

from __future__ import annotations

import time
from typing import Any

from allauth.mfa import app_settings as mfa_settings
from django.test import Client
from django.test.client import Client as ClientType

from tsunagu.demo.data import DEMO_PASSWORD, demo_totp_code

LOGIN_URL = "/accounts/login/"
MFA_URL = "/accounts/2fa/authenticate/"
TOTP_ACTIVATE_URL = "/accounts/2fa/totp/activate/"


def wait_for_fresh_totp_window(margin: float = 2.0) -> None:
    """Avoid computing a code in one 30-second window and checking it in the next."""
    period = mfa_settings.TOTP_PERIOD
    left = period - (time.time() % period)
    if left < margin:
        time.sleep(left + 0.05)


def password_step(client: ClientType, username: str, password: str = DEMO_PASSWORD) -> Any:
    return client.post(LOGIN_URL, {"login": username, "password": password})


def totp_step(client: ClientType, code: str) -> Any:
    return client.post(MFA_URL, {"code": code})


def full_login(username: str, *, client: ClientType | None = None) -> ClientType:
    """Password, then the demo account's current TOTP code. Asserts each step worked."""
    client = client or Client()
    wait_for_fresh_totp_window()
    first = password_step(client, username)
    assert first.status_code == 302, first.content.decode()[:2000]
    assert first["Location"].startswith(MFA_URL)
    second = totp_step(client, demo_totp_code(username))
    assert second.status_code == 302, second.content.decode()[:2000]
    assert not second["Location"].startswith(MFA_URL)
    return client


def session_user_id(client: ClientType) -> str | None:
    return client.session.get("_auth_user_id")
