"""Login policy end to end: password + TOTP, lockout and unlock, session timeouts, logout,
disabling, demo accounts, password hashing and the admin site. Real POSTs to allauth."""

from __future__ import annotations

import time
from datetime import timedelta
from typing import Any

import pytest
from allauth.mfa.models import Authenticator
from allauth.mfa.totp.internal.auth import format_hotp_value, hotp_value
from axes.models import AccessAttempt
from django.contrib.auth.hashers import Argon2PasswordHasher
from django.contrib.auth.password_validation import validate_password
from django.contrib.sessions.models import Session
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.test import Client
from django.utils import timezone

from tsunagu.core.models import AuditAction, AuditEvent
from tsunagu.demo.data import DEMO_PASSWORD, demo_totp_code
from tsunagu.organizations.middleware import AUTH_AT_KEY
from tsunagu.organizations.models import StaffSession, User
from tsunagu.organizations.roles import Role
from tsunagu.organizations.services import staff_create, staff_disable, staff_is_locked

from .flows import (
    LOGIN_URL,
    MFA_URL,
    TOTP_ACTIVATE_URL,
    full_login,
    password_step,
    session_user_id,
    totp_step,
    wait_for_fresh_totp_window,
)

STRONG_PASSWORD = "kasumi-Sakura-7428-hoshi"


def _session_row(client: Client) -> Session | None:
    key = client.cookies["tsunagu_session"].value if "tsunagu_session" in client.cookies else ""
    return Session.objects.filter(session_key=key).first()


# --- Password + TOTP ----------------------------------------------------------------------


def test_password_and_totp_lead_to_the_dashboard(demo: Any, staff: Any) -> None:
    client = Client()
    assert client.get("/")["Location"].startswith(LOGIN_URL)
    login_page = client.get(LOGIN_URL)
    assert login_page.status_code == 200
    assert "ログイン" in login_page.content.decode()

    wait_for_fresh_totp_window()
    response = password_step(client, "shinjuku-soudan")
    assert response.status_code == 302
    assert response["Location"].startswith(MFA_URL)
    assert session_user_id(client) is None  # the password alone does not log in

    response = totp_step(client, demo_totp_code("shinjuku-soudan"))
    assert response.status_code == 302
    assert session_user_id(client) == str(staff("shinjuku-soudan").pk)

    page = client.get("/")
    assert page.status_code == 200
    text = page.content.decode()
    assert "ダッシュボード" in text
    assert "佐藤 由紀" in text
    assert "相談支援員" in text
    assert "新宿区生活支援相談窓口" in text
    assert StaffSession.objects.filter(user=staff("shinjuku-soudan")).count() == 1


def test_wrong_totp_code_keeps_the_user_on_the_mfa_page(demo: Any, staff: Any) -> None:
    client = Client()
    wait_for_fresh_totp_window()
    password_step(client, "shinjuku-soudan")
    good = demo_totp_code("shinjuku-soudan")
    wrong = f"{(int(good) + 1) % 1_000_000:06d}"
    response = totp_step(client, wrong)
    assert response.status_code == 200
    assert "コードが正しくありません。" in response.content.decode()
    assert session_user_id(client) is None
    assert client.get("/").status_code == 302
    assert AuditEvent.objects.filter(
        action=AuditAction.LOGIN_FAILURE, details__stage="mfa", object_id=str(staff("shinjuku-soudan").pk)
    ).exists()


def test_guessing_totp_codes_is_throttled_per_account_across_addresses(demo: Any) -> None:
    client = Client()
    wait_for_fresh_totp_window(margin=10)
    password_step(client, "shinjuku-soudan")
    good = demo_totp_code("shinjuku-soudan")
    for i in range(20):
        client.defaults["REMOTE_ADDR"] = f"198.51.100.{i + 1}"  # a different address each time
        wrong = f"{(int(good) + i + 1) % 1_000_000:06d}"
        assert totp_step(client, wrong).status_code in (200, 429)  # 429: the lockout page
    client.defaults["REMOTE_ADDR"] = "198.51.100.200"
    response = totp_step(client, good)
    # Wrong codes count like wrong passwords: the account is locked out after five (the lockout
    # page), before allauth's per-account throttle; then even the right code is refused.
    assert response.status_code in (200, 429)
    text = response.content.decode()
    assert "ロックされています" in text or "ログイン失敗が連続しています" in text
    assert session_user_id(client) is None
    assert staff_is_locked(User.objects.get(username="shinjuku-soudan"))


def test_a_totp_code_cannot_be_replayed(demo: Any) -> None:
    wait_for_fresh_totp_window(margin=4)
    code = demo_totp_code("shinjuku-soudan")
    first = Client()
    password_step(first, "shinjuku-soudan")
    assert totp_step(first, code).status_code == 302
    second = Client()
    password_step(second, "shinjuku-soudan")
    assert totp_step(second, code).status_code == 200
    assert session_user_id(second) is None


def _new_staff_without_totp(staff: Any, username: str = "shinjuku-newcomer") -> User:
    center = staff("shinjuku-center")
    return staff_create(
        actor=center,
        username=username,
        display_name="新井 一郎",
        roles=[Role.CONSULTANT],
        agency=center.agency,
        password=STRONG_PASSWORD,
    )


def test_an_account_without_totp_must_set_it_up_before_anything_else(
    demo: Any, staff: Any, django_capture_on_commit_callbacks: Any
) -> None:
    user = _new_staff_without_totp(staff)
    client = Client()
    response = password_step(client, user.username, STRONG_PASSWORD)
    assert response.status_code == 302
    assert session_user_id(client) == str(user.pk)

    for path in ("/", "/staff/", "/privacy/audit/", "/accounts/email/", "/accounts/password/change/"):
        response = client.get(path)
        assert response.status_code == 302, path
        assert response["Location"] == TOTP_ACTIVATE_URL, path
    # allauth asks for the password once more before TOTP can be activated.
    response = client.get(TOTP_ACTIVATE_URL)
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/reauthenticate/")
    reauth_page = client.get(response["Location"])
    assert reauth_page.status_code == 200
    assert "多要素認証（TOTP）の設定が必要です" in reauth_page.content.decode()
    response = client.post(response["Location"], {"password": STRONG_PASSWORD})
    assert response.status_code == 302
    assert response["Location"] == TOTP_ACTIVATE_URL
    page = client.get(TOTP_ACTIVATE_URL)
    assert page.status_code == 200

    # Set TOTP up with the secret the page offered; from then on the dashboard opens.
    secret = client.session["mfa.totp.secret"]
    wait_for_fresh_totp_window()
    code = format_hotp_value(hotp_value(secret, int(time.time()) // 30))
    with django_capture_on_commit_callbacks(execute=True):  # allauth signals after commit
        response = client.post(TOTP_ACTIVATE_URL, {"code": code})
    assert response.status_code == 302, response.content.decode()[:3000]
    assert Authenticator.objects.filter(user=user, type=Authenticator.Type.TOTP).exists()
    assert AuditEvent.objects.filter(action=AuditAction.MFA_CHANGE, actor=user).exists()
    assert client.get("/").status_code == 200


def test_the_api_answers_json_for_an_account_without_totp(demo: Any, staff: Any) -> None:
    user = _new_staff_without_totp(staff)
    client = Client()
    password_step(client, user.username, STRONG_PASSWORD)
    response = client.get("/api/v1/")
    assert response.status_code in (401, 403, 404)
    if response.status_code == 403:
        assert "多要素認証" in response.json()["detail"]


# --- Lockout and unlock -------------------------------------------------------------------


def test_five_wrong_passwords_lock_the_account_even_against_the_right_one(demo: Any, staff: Any) -> None:
    client = Client()
    for _ in range(4):
        response = password_step(client, "shinjuku-shuro", "wrong-password")
        assert response.status_code == 200
        assert "正しくありません" in response.content.decode()
    response = password_step(client, "shinjuku-shuro", "wrong-password")
    assert response.status_code == 429
    assert "アカウントがロックされています" in response.content.decode()
    assert staff_is_locked(staff("shinjuku-shuro"))

    wait_for_fresh_totp_window()
    response = password_step(Client(), "shinjuku-shuro", DEMO_PASSWORD)
    assert response.status_code == 429
    assert "センター長にロック解除を依頼してください" in response.content.decode()
    assert not response.get("Location", "").startswith(MFA_URL)

    assert AuditEvent.objects.filter(action=AuditAction.LOCKOUT, details__login="shinjuku-shuro").exists()
    # Another account is not affected.
    full_login("shinjuku-soudan")


def test_lockout_counts_the_account_whatever_the_letter_case(demo: Any, staff: Any) -> None:
    for login in ("Shinjuku-Shuro", "SHINJUKU-SHURO", "shinjuku-shuro ", "shinjuku-SHURO", "sHinjuku-shuro"):
        password_step(Client(), login, "wrong-password")
    assert staff_is_locked(staff("shinjuku-shuro"))
    assert password_step(Client(), "shinjuku-shuro", DEMO_PASSWORD).status_code == 429


def test_failures_on_one_account_do_not_lock_another(demo: Any, staff: Any) -> None:
    for _ in range(4):
        password_step(Client(), "shinjuku-shuro", "wrong-password")
    assert not staff_is_locked(staff("shinjuku-shuro"))
    full_login("shinjuku-shuro")
    # A successful login clears the count.
    assert not AccessAttempt.objects.filter(username="shinjuku-shuro").exists()


def _lock(username: str) -> None:
    for _ in range(5):
        password_step(Client(), username, "wrong-password")


def test_the_center_director_unlocks_and_the_account_can_log_in_again(
    demo: Any, staff: Any, login: Any
) -> None:
    _lock("shinjuku-shuro")
    target = staff("shinjuku-shuro")
    assert staff_is_locked(target)

    director = login("shinjuku-center")
    listing = director.get("/staff/").content.decode()
    assert "ロック中" in listing
    assert f"/staff/{target.pk}/unlock/" in listing

    response = director.post(f"/staff/{target.pk}/unlock/", follow=True)
    assert response.status_code == 200
    assert "ロックを解除しました" in response.content.decode()
    assert not staff_is_locked(target)
    event = AuditEvent.objects.get(action=AuditAction.UNLOCK)
    assert event.actor == staff("shinjuku-center")
    assert event.object_id == str(target.pk)

    client = full_login("shinjuku-shuro")
    assert client.get("/").status_code == 200


def test_a_director_of_another_agency_cannot_unlock(demo: Any, staff: Any, login: Any) -> None:
    _lock("shinjuku-shuro")
    target = staff("shinjuku-shuro")
    response = login("hasuda-center").post(f"/staff/{target.pk}/unlock/")
    assert response.status_code == 404
    assert staff_is_locked(target)
    assert not AuditEvent.objects.filter(action=AuditAction.UNLOCK).exists()
    denied = AuditEvent.objects.get(action=AuditAction.ACCESS_DENIED)
    assert denied.actor == staff("hasuda-center")


def test_only_the_center_director_may_unlock(demo: Any, staff: Any, login: Any) -> None:
    _lock("shinjuku-shuro")
    target = staff("shinjuku-shuro")
    for username in ("shinjuku-shunin", "shinjuku-privacy", "shinjuku-soudan"):
        response = login(username).post(f"/staff/{target.pk}/unlock/")
        assert response.status_code == 403, username
    assert staff_is_locked(target)


# --- Session timeouts -----------------------------------------------------------------------


def test_idle_timeout_is_thirty_minutes_and_renewed_on_every_request(demo: Any) -> None:
    client = full_login("shinjuku-soudan")
    assert 29 * 60 <= client.session.get_expiry_age() <= 30 * 60
    row = _session_row(client)
    assert row is not None
    assert timedelta(minutes=29) < row.expire_date - timezone.now() <= timedelta(minutes=30)
    # The browser cookie dies with the browser; the server-side expiry is what counts.
    assert client.cookies["tsunagu_session"]["expires"] == ""

    Session.objects.filter(pk=row.pk).update(expire_date=timezone.now() + timedelta(minutes=1))
    assert client.get("/").status_code == 200
    renewed = Session.objects.get(pk=row.pk)
    assert renewed.expire_date - timezone.now() > timedelta(minutes=29)


def test_an_idle_session_ends_with_a_japanese_notice(demo: Any) -> None:
    client = full_login("shinjuku-soudan")
    row = _session_row(client)
    assert row is not None
    Session.objects.filter(pk=row.pk).update(expire_date=timezone.now() - timedelta(seconds=1))
    response = client.get("/staff/")
    assert response.status_code == 302
    assert response["Location"].startswith(LOGIN_URL)
    page = client.get(response["Location"])
    assert "有効期限" in page.content.decode()
    assert session_user_id(client) is None
    # The notice is shown once, not on every later visit to the login page.
    assert "有効期限" not in client.get(LOGIN_URL).content.decode()


def test_the_absolute_timeout_logs_out_after_ten_hours(demo: Any, staff: Any) -> None:
    client = full_login("shinjuku-soudan")
    key = _session_row(client).session_key  # type: ignore[union-attr]
    session = client.session
    session[AUTH_AT_KEY] = time.time() - 11 * 3600
    session.save()

    response = client.get("/staff/")
    assert response.status_code == 302
    assert response["Location"].startswith(LOGIN_URL)
    page = client.get(response["Location"])
    assert "一定時間が経過したため" in page.content.decode()
    assert session_user_id(client) is None
    assert not Session.objects.filter(session_key=key).exists()
    assert not StaffSession.objects.filter(session_key=key).exists()
    event = AuditEvent.objects.get(action=AuditAction.SESSION_ENDED)
    assert event.actor == staff("shinjuku-soudan")
    assert event.details == {"reason": "absolute_timeout"}


def test_nine_hours_after_login_the_session_is_still_valid(demo: Any) -> None:
    client = full_login("shinjuku-soudan")
    session = client.session
    session[AUTH_AT_KEY] = time.time() - 9 * 3600
    session.save()
    assert client.get("/").status_code == 200


# --- Logout and disabling -----------------------------------------------------------------


def test_logout_deletes_the_server_side_session(demo: Any, staff: Any) -> None:
    client = full_login("shinjuku-soudan")
    row = _session_row(client)
    assert row is not None
    assert StaffSession.objects.filter(session_key=row.session_key).exists()

    response = client.post("/accounts/logout/")
    assert response.status_code == 302
    assert not Session.objects.filter(session_key=row.session_key).exists()
    assert not StaffSession.objects.filter(session_key=row.session_key).exists()
    assert AuditEvent.objects.filter(action=AuditAction.LOGOUT, actor=staff("shinjuku-soudan")).exists()
    assert client.get("/")["Location"].startswith(LOGIN_URL)


def test_logout_by_get_is_not_possible(demo: Any) -> None:
    client = full_login("shinjuku-soudan")
    client.get("/accounts/logout/")
    assert client.get("/").status_code == 200


def test_disabling_an_account_ends_its_open_sessions(demo: Any, staff: Any, login: Any) -> None:
    target_client = full_login("shinjuku-soudan")
    second_device = full_login_again("shinjuku-soudan")
    target = staff("shinjuku-soudan")
    assert target_client.get("/").status_code == 200
    assert StaffSession.objects.filter(user=target).count() == 2

    director = login("shinjuku-center")
    response = director.post(f"/staff/{target.pk}/disable/", {"reason": "退職"}, follow=True)
    assert response.status_code == 200
    assert "利用停止にし" in response.content.decode()

    target.refresh_from_db()
    assert target.is_active is False
    assert not StaffSession.objects.filter(user=target).exists()
    for client in (target_client, second_device):
        response = client.get("/")
        assert response.status_code == 302
        assert response["Location"].startswith(LOGIN_URL)
    event = AuditEvent.objects.get(action=AuditAction.UPDATE, object_type="user", object_id=str(target.pk))
    assert event.details["change"] == "disabled"
    assert event.details["sessions_ended"] == 2
    # and the password no longer opens anything
    client = Client()
    response = password_step(client, "shinjuku-soudan")
    assert response.status_code == 302
    assert response["Location"] == "/accounts/inactive/"
    assert session_user_id(client) is None
    assert client.get("/")["Location"].startswith(LOGIN_URL)


def full_login_again(username: str) -> Client:
    """A second device: the TOTP code of the first login may not be reused in the same window."""
    cache.clear()
    return full_login(username)


def test_staff_disable_service_ends_sessions_too(demo: Any, staff: Any) -> None:
    client = full_login("hasuda-soudan")
    staff_disable(actor=staff("hasuda-center"), user=staff("hasuda-soudan"), reason="異動")
    assert client.get("/")["Location"].startswith(LOGIN_URL)


def test_a_director_cannot_disable_their_own_account(demo: Any, staff: Any, login: Any) -> None:
    director = staff("shinjuku-center")
    response = login("shinjuku-center").post(f"/staff/{director.pk}/disable/", follow=True)
    assert "自分自身のアカウントは利用停止できません" in response.content.decode()
    director.refresh_from_db()
    assert director.is_active


def test_a_disabled_account_can_be_enabled_again(demo: Any, staff: Any, login: Any) -> None:
    target = staff("shinjuku-jimu")
    director = login("shinjuku-center")
    director.post(f"/staff/{target.pk}/disable/")
    target.refresh_from_db()
    assert not target.is_active
    assert "利用停止中" in director.get("/staff/").content.decode()
    director.post(f"/staff/{target.pk}/enable/")
    target.refresh_from_db()
    assert target.is_active
    full_login("shinjuku-jimu")


# --- Demo accounts, passwords, admin --------------------------------------------------------


def test_demo_accounts_are_refused_where_not_allowed(demo: Any, settings: Any) -> None:
    settings.TSUNAGU_ALLOW_DEMO_ACCOUNTS = False
    client = Client()
    response = password_step(client, "shinjuku-soudan")
    assert response.status_code == 200
    assert not response.get("Location", "").startswith(MFA_URL)
    assert "正しくありません" in response.content.decode()
    assert session_user_id(client) is None


def test_open_demo_sessions_end_when_demo_accounts_are_switched_off(demo: Any, settings: Any) -> None:
    client = full_login("shinjuku-soudan")
    assert client.get("/").status_code == 200
    settings.TSUNAGU_ALLOW_DEMO_ACCOUNTS = False
    response = client.get("/")
    assert response.status_code == 302
    assert response["Location"].startswith(LOGIN_URL)


def test_demo_accounts_work_where_allowed(demo: Any, settings: Any) -> None:
    settings.TSUNAGU_ALLOW_DEMO_ACCOUNTS = True
    full_login("shinjuku-soudan")


def test_argon2_is_the_production_password_hasher() -> None:
    import config.settings.base as base

    assert base.PASSWORD_HASHERS[0] == "django.contrib.auth.hashers.Argon2PasswordHasher"
    # argon2-cffi is installed and the hasher works (the test settings use MD5 for speed).
    hasher = Argon2PasswordHasher()
    encoded = hasher.encode("kasumi-Sakura-7428-hoshi", hasher.salt())
    assert encoded.startswith("argon2$argon2id$")
    assert hasher.verify("kasumi-Sakura-7428-hoshi", encoded)
    assert not hasher.verify("kasumi-Sakura-7428-hoshI", encoded)


@pytest.mark.parametrize("password", ["password1234", "123456789012", "tsunagu"])
def test_weak_passwords_are_rejected_in_japanese(password: str) -> None:
    with pytest.raises(ValidationError) as excinfo:
        validate_password(password)
    text = " ".join(excinfo.value.messages)
    assert any(word in text for word in ("一般的すぎます", "数字しか使われていません", "短すぎます"))


def test_a_strong_password_is_accepted() -> None:
    validate_password(STRONG_PASSWORD)


def test_staff_create_validates_the_password(demo: Any, staff: Any) -> None:
    center = staff("shinjuku-center")
    with pytest.raises(ValidationError):
        staff_create(
            actor=center,
            username="shinjuku-weak",
            display_name="弱井 太郎",
            roles=[Role.CONSULTANT],
            agency=center.agency,
            password="password1234",
        )
    assert not User.objects.filter(username="shinjuku-weak").exists()


def test_the_admin_site_sends_anonymous_users_to_the_allauth_login(demo: Any) -> None:
    client = Client()
    response = client.get("/admin/", follow=True)
    assert response.redirect_chain[-1][0].startswith(LOGIN_URL)
    assert response.status_code == 200
    assert "サイト管理" not in response.content.decode()
    response = client.get("/admin/login/")
    assert response.status_code == 302
    assert response["Location"].startswith(LOGIN_URL)
    # The admin's own password form (no TOTP) is never offered.
    response = client.post("/admin/login/", {"username": "shinjuku-center", "password": DEMO_PASSWORD})
    assert response.status_code == 302
    assert response["Location"].startswith(LOGIN_URL)
    assert session_user_id(client) is None


def test_the_admin_site_is_closed_to_staff_without_is_staff(demo: Any, login: Any) -> None:
    client = login("shinjuku-center")
    for path in ("/admin/", "/admin/login/", "/admin/organizations/user/"):
        response = client.get(path)
        assert response.status_code in (302, 403), path
        assert "サイト管理" not in response.content.decode()
        if response.status_code == 302:
            assert not response["Location"].startswith("/admin/") or "login" in response["Location"]
