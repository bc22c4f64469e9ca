"""The audit trail: append-only at every level, and written for every security-relevant event.

Only HTTP and the shared fixtures are used here (``tsunagu.core`` imports no other app of ours).
"""

from __future__ import annotations

import time
from typing import Any

import pytest
from allauth.mfa.adapter import get_adapter as get_mfa_adapter
from allauth.mfa.models import Authenticator
from allauth.mfa.totp.internal.auth import format_hotp_value, hotp_value
from django.db import DatabaseError, connection, transaction
from django.test import Client

from tsunagu.core.audit import audit_record
from tsunagu.core.models import AuditAction, AuditEvent
from tsunagu.core.request_context import current_ip

PASSWORD = "tsunagu-demo-2026"
CLIENT_IP = "192.0.2.44"


def _totp_code(user: Any) -> str:
    """The current code of the user's TOTP authenticator, read back from allauth."""
    period = 30
    left = period - time.time() % period
    if left < 2:
        time.sleep(left + 0.05)
    authenticator = Authenticator.objects.get(user=user, type=Authenticator.Type.TOTP)
    secret = get_mfa_adapter().decrypt(authenticator.data["secret"])
    return format_hotp_value(hotp_value(secret, int(time.time()) // period))


def _client() -> Client:
    return Client(REMOTE_ADDR=CLIENT_IP)


def _login(username: str, user: Any) -> Client:
    client = _client()
    assert client.post("/accounts/login/", {"login": username, "password": PASSWORD}).status_code == 302
    assert client.post("/accounts/2fa/authenticate/", {"code": _totp_code(user)}).status_code == 302
    return client


@pytest.fixture
def event(db: Any) -> AuditEvent:
    return audit_record(
        actor=None,
        action=AuditAction.VIEW,
        object_type="person",
        object_id=7,
        person_id=7,
        agency_id=1,
        details={"login": "batch"},
    )


# --- Append-only --------------------------------------------------------------------------


def test_an_audit_row_cannot_be_changed_through_the_model(event: AuditEvent) -> None:
    event.action = AuditAction.DELETE
    with pytest.raises(PermissionError, match="監査ログは変更できません"):
        event.save()
    with pytest.raises(PermissionError, match="監査ログは削除できません"):
        event.delete()
    assert AuditEvent.objects.get(pk=event.pk).action == AuditAction.VIEW


def test_an_audit_row_cannot_be_changed_through_a_queryset(event: AuditEvent) -> None:
    with pytest.raises(PermissionError):
        AuditEvent.objects.filter(pk=event.pk).update(action=AuditAction.DELETE)
    with pytest.raises(PermissionError):
        AuditEvent.objects.all().delete()
    with pytest.raises(PermissionError):
        AuditEvent.objects.filter(person_id=7).delete()
    event.object_id = "8"
    # (bulk_update runs in the caller's transaction and marks it for rollback: hence the savepoint)
    with pytest.raises(PermissionError), transaction.atomic():
        AuditEvent.objects.bulk_update([event], ["object_id"])
    with pytest.raises(PermissionError), transaction.atomic():
        AuditEvent.objects.update_or_create(pk=event.pk, defaults={"object_id": "9"})
    fresh = AuditEvent.objects.get(pk=event.pk)
    assert (fresh.action, fresh.object_id) == (AuditAction.VIEW, "7")
    assert AuditEvent.objects.count() == 1


def test_the_database_refuses_changes_to_audit_rows(event: AuditEvent) -> None:
    """A trigger refuses UPDATE and DELETE even in raw SQL, on PostgreSQL and on SQLite alike;
    the guards in the ORM refuse them before the database is asked."""
    table = AuditEvent._meta.db_table
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(
                "SELECT tgname FROM pg_trigger WHERE tgrelid = %s::regclass AND NOT tgisinternal", [table]
            )
            assert ("core_auditevent_append_only",) in cursor.fetchall()
        else:
            assert connection.vendor == "sqlite"
            cursor.execute("SELECT name FROM sqlite_master WHERE type = 'trigger' AND tbl_name = %s", [table])
            assert {name for (name,) in cursor.fetchall()} >= {
                "core_auditevent_no_update",
                "core_auditevent_no_delete",
            }
    statements: tuple[tuple[str, list[Any]], ...] = (
        (f"UPDATE {table} SET action = %s WHERE id = %s", [AuditAction.DELETE.value, event.pk]),  # noqa: S608
        (f"DELETE FROM {table} WHERE id = %s", [event.pk]),  # noqa: S608
        (f"DELETE FROM {table}", []),  # noqa: S608
    )
    for sql, params in statements:
        with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
            with connection.cursor() as cursor:
                cursor.execute(sql, params)
    attempts = (
        lambda: AuditEvent.objects.filter(pk=event.pk).update(action=AuditAction.DELETE),
        lambda: AuditEvent.objects.filter(pk=event.pk).delete(),
        lambda: AuditEvent.objects.get(pk=event.pk).delete(),
        lambda: AuditEvent.objects.get(pk=event.pk).save(),
    )
    for attempt in attempts:
        with pytest.raises(PermissionError):
            attempt()
    fresh = AuditEvent.objects.get(pk=event.pk)
    assert fresh.action == AuditAction.VIEW
    assert fresh.object_id == "7"


def test_audit_record_fills_scoping_from_the_object_and_the_actor(staff: Any) -> None:
    soudan = staff("shinjuku-soudan")
    token = current_ip.set("198.51.100.7")
    try:
        row = audit_record(actor=soudan, action=AuditAction.VIEW, obj=soudan, person_id=12)
    finally:
        current_ip.reset(token)
    assert row.actor == soudan
    assert row.actor_label == "shinjuku-soudan"
    assert (row.object_type, row.object_id) == ("user", str(soudan.pk))
    assert row.agency_id == soudan.agency_id
    assert row.person_id == 12
    assert row.ip == "198.51.100.7"
    officer = staff("hasuda-jichitai")
    row = audit_record(actor=officer, action=AuditAction.SEARCH)
    assert row.agency_id is None
    assert row.municipality_id == officer.municipality_id


# --- Events that write rows ----------------------------------------------------------------


def test_login_success_is_recorded_with_the_ip(staff: Any) -> None:
    user = staff("shinjuku-soudan")
    _login("shinjuku-soudan", user)
    row = AuditEvent.objects.get(action=AuditAction.LOGIN_SUCCESS)
    assert row.actor == user
    assert row.ip == CLIENT_IP
    assert row.agency_id == user.agency_id


def test_wrong_password_and_unknown_user_are_recorded(staff: Any) -> None:
    user = staff("shinjuku-soudan")
    _client().post("/accounts/login/", {"login": "shinjuku-soudan", "password": "wrong-password"})
    _client().post("/accounts/login/", {"login": "no-such-user", "password": "wrong-password"})
    rows = {r.details["login"]: r for r in AuditEvent.objects.filter(action=AuditAction.LOGIN_FAILURE)}
    assert set(rows) == {"shinjuku-soudan", "no-such-user"}
    for row in rows.values():
        assert row.actor is None
        assert row.ip == CLIENT_IP
        assert row.details["stage"] == "password"
        assert "password" not in str(row.details).replace('"stage": "password"', "").replace(
            "'stage': 'password'", ""
        )
    # A failure against an existing account is visible to that account's centre.
    assert rows["shinjuku-soudan"].agency_id == user.agency_id
    assert rows["shinjuku-soudan"].actor_label == "shinjuku-soudan"
    assert rows["no-such-user"].agency_id is None


def test_wrong_totp_code_is_recorded(staff: Any) -> None:
    user = staff("shinjuku-soudan")
    client = _client()
    client.post("/accounts/login/", {"login": "shinjuku-soudan", "password": PASSWORD})
    good = _totp_code(user)
    client.post("/accounts/2fa/authenticate/", {"code": f"{(int(good) + 5) % 1_000_000:06d}"})
    row = AuditEvent.objects.get(action=AuditAction.LOGIN_FAILURE)
    assert row.details == {"login": "shinjuku-soudan", "stage": "mfa"}
    assert row.ip == CLIENT_IP
    assert row.object_id == str(user.pk)
    assert not AuditEvent.objects.filter(action=AuditAction.LOGIN_SUCCESS).exists()


def test_logout_is_recorded(staff: Any) -> None:
    user = staff("shinjuku-soudan")
    client = _login("shinjuku-soudan", user)
    client.post("/accounts/logout/")
    row = AuditEvent.objects.get(action=AuditAction.LOGOUT)
    assert row.actor == user
    assert row.ip == CLIENT_IP


def test_lockout_unlock_and_disabling_are_recorded(staff: Any, login: Any) -> None:
    target = staff("shinjuku-kakei")
    for _ in range(5):
        _client().post("/accounts/login/", {"login": "shinjuku-kakei", "password": "wrong-password"})
    lockout = AuditEvent.objects.filter(action=AuditAction.LOCKOUT).first()
    assert lockout is not None
    assert lockout.details["login"] == "shinjuku-kakei"
    assert lockout.agency_id == target.agency_id
    assert lockout.ip == CLIENT_IP

    director = login("shinjuku-center")
    director.defaults["REMOTE_ADDR"] = "203.0.113.5"
    assert director.post(f"/staff/{target.pk}/unlock/").status_code == 302
    unlock = AuditEvent.objects.get(action=AuditAction.UNLOCK)
    assert unlock.actor == staff("shinjuku-center")
    assert unlock.object_id == str(target.pk)
    assert unlock.details["attempts_cleared"] >= 1
    assert unlock.ip == "203.0.113.5"

    assert director.post(f"/staff/{target.pk}/disable/", {"reason": "長期休職"}).status_code == 302
    disabled = AuditEvent.objects.get(action=AuditAction.UPDATE, object_type="user", object_id=str(target.pk))
    assert disabled.actor == staff("shinjuku-center")
    assert disabled.details["change"] == "disabled"
    assert disabled.details["reason"] == "長期休職"
    assert disabled.ip == "203.0.113.5"


def test_a_refused_access_to_another_agencys_record_is_recorded(staff: Any, login: Any) -> None:
    other = staff("hasuda-soudan")
    director = login("shinjuku-center")
    response = director.post(f"/staff/{other.pk}/disable/")
    assert response.status_code == 404
    row = AuditEvent.objects.get(action=AuditAction.ACCESS_DENIED)
    assert row.actor == staff("shinjuku-center")
    assert (row.object_type, row.object_id) == ("user", str(other.pk))
    assert row.details == {"reason": "out_of_scope"}
    assert row.ip == "127.0.0.1"
    # A record that does not exist answers the same, but is not a refusal.
    assert director.post("/staff/999999/disable/").status_code == 404
    assert AuditEvent.objects.filter(action=AuditAction.ACCESS_DENIED).count() == 1


def test_the_audit_search_itself_is_recorded(staff: Any, login: Any) -> None:
    officer = staff("shinjuku-privacy")
    response = login("shinjuku-privacy").get("/privacy/audit/", {"person_id": "42", "start": "令和7年4月1日"})
    assert response.status_code == 200
    row = AuditEvent.objects.get(action=AuditAction.AUDIT_QUERY)
    assert row.actor == officer
    assert row.agency_id == officer.agency_id
    assert row.details["person_id"] == "42"
    assert row.details["start"] == "2025-04-01"
