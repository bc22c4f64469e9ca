"""Wrong TOTP codes at login lock the account like wrong passwords (same limit, same unlock)."""

from __future__ import annotations

from typing import Any

from django.test import Client

from tsunagu.core.models import AuditAction, AuditEvent
from tsunagu.demo.data import demo_totp_code
from tsunagu.organizations.services import staff_is_locked

from .flows import full_login, password_step, session_user_id, totp_step, wait_for_fresh_totp_window


def _wrong(good: str, i: int) -> str:
    return f"{(int(good) + i + 1) % 1_000_000:06d}"


def test_five_wrong_totp_codes_lock_the_account_even_against_the_right_code(
    demo: Any, staff: Any, login: Any, settings: Any
) -> None:
    target = staff("shinjuku-shuro")
    client = Client()
    wait_for_fresh_totp_window(margin=10)
    assert password_step(client, "shinjuku-shuro").status_code == 302
    good = demo_totp_code("shinjuku-shuro")
    for i in range(settings.AXES_FAILURE_LIMIT - 1):
        assert totp_step(client, _wrong(good, i)).status_code == 200
        assert not staff_is_locked(target)
    response = totp_step(client, _wrong(good, 99))
    assert response.status_code == 429
    assert "アカウントがロックされています" in response.content.decode()
    assert staff_is_locked(target)
    lockout = AuditEvent.objects.get(action=AuditAction.LOCKOUT)
    assert lockout.details["login"] == "shinjuku-shuro"
    assert lockout.object_id == str(target.pk)

    # The right code at the same step is refused now, and so is a fresh login.
    refused = totp_step(client, good)
    assert "このアカウントは一時的にロックされています" in refused.content.decode()
    assert session_user_id(client) is None
    assert password_step(Client(), "shinjuku-shuro").status_code == 429

    # The センター長 unlocks it as after wrong passwords; then the account logs in.
    director = login("shinjuku-center")
    assert "ロック中" in director.get("/staff/").content.decode()
    director.post(f"/staff/{target.pk}/unlock/")
    assert not staff_is_locked(target)
    assert full_login("shinjuku-shuro").get("/").status_code == 200


def test_a_right_totp_code_clears_the_count(demo: Any, staff: Any, settings: Any) -> None:
    client = Client()
    wait_for_fresh_totp_window(margin=10)
    password_step(client, "shinjuku-shuro")
    good = demo_totp_code("shinjuku-shuro")
    for i in range(settings.AXES_FAILURE_LIMIT - 1):
        totp_step(client, _wrong(good, i))
    assert totp_step(client, good).status_code == 302
    assert session_user_id(client) is not None
    assert not staff_is_locked(staff("shinjuku-shuro"))
    assert not AuditEvent.objects.filter(action=AuditAction.LOCKOUT).exists()
